import chineseDays from 'chinese-days';
import { DateTime } from 'luxon';
import { remember } from './remember.js';

/**
 * Business days on the China calendar: public holidays and the make-up working days (调休) that
 * the State Council announces each year, from the maintained `chinese-days` data set.
 * Dates are `YYYY-MM-DD` strings throughout.
 */
export interface BusinessCalendar {
  isBusinessDay(date: string): boolean;
  /** The date `n` business days after `date` (n ≥ 0; n = 0 gives `date` if it is a business day, else the next). */
  addBusinessDays(date: string, n: number): string;
  /** Business days strictly after `from` up to and including `to`; 0 when `to` ≤ `from`. */
  businessDaysBetween(from: string, to: string): number;
}

// Answers are remembered: a month of a thousand merchants asks about the same few dozen dates
// millions of times (every settlement's due date), and each answer costs a Luxon or a
// chinese-days date parse.
const MAX_REMEMBERED = 50_000;

const plusDays = remember(MAX_REMEMBERED, (key) => {
  const [date = '', n = '0'] = key.split('|');
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days: Number(n) }).toISODate() ?? date;
});

export function addCalendarDays(date: string, n: number): string {
  return plusDays(`${date}|${n}`);
}

const isWorkday = remember(MAX_REMEMBERED, (date) => chineseDays.isWorkday(date));

export const chinaCalendar: BusinessCalendar = {
  isBusinessDay(date) {
    return isWorkday(date);
  },
  addBusinessDays(date, n) {
    let d = date;
    if (n === 0) {
      while (!this.isBusinessDay(d)) d = addCalendarDays(d, 1);
      return d;
    }
    let left = n;
    while (left > 0) {
      d = addCalendarDays(d, 1);
      if (this.isBusinessDay(d)) left--;
    }
    return d;
  },
  businessDaysBetween(from, to) {
    let count = 0;
    for (let d = addCalendarDays(from, 1); d <= to; d = addCalendarDays(d, 1)) if (this.isBusinessDay(d)) count++;
    return count;
  },
};

/**
 * The date a settlement is due under a contract cycle: `T+N` counts business days,
 * `D+N` calendar days (DESIGN.md section 4).
 */
export function dueDate(date: string, cycle: string, calendar: BusinessCalendar): string {
  const m = /^([TD])\+(\d+)$/.exec(cycle);
  if (!m) throw new Error(`bad settlement cycle "${cycle}"`);
  const n = Number(m[2]);
  return m[1] === 'T' ? calendar.addBusinessDays(date, n) : addCalendarDays(date, n);
}
