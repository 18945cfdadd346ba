import chineseDays from 'chinese-days';
import { DateTime } from 'luxon';

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

export function addCalendarDays(date: string, n: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days: n }).toISODate() ?? date;
}

export const chinaCalendar: BusinessCalendar = {
  isBusinessDay(date) {
    return chineseDays.isWorkday(date);
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
