import { describe, expect, it } from 'vitest';
import { expectedDays } from '../../src/matching/acquirer-bank.js';
import { addCalendarDays, chinaCalendar, dueDate, type BusinessCalendar } from '../../src/model/calendar.js';
import type { AcquirerTxn } from '../../src/model/records.js';

const txn = (settleDate: string, line: number): AcquirerTxn => ({
  source: { file: 'acquirer.csv', line },
  format: 'acquirer-csv',
  merchantId: 'M',
  txnType: 'sale',
  txnTime: `${settleDate}T10:00:00+08:00`,
  settleDate,
  currency: 'CNY',
  amountMinor: 1_000,
  feeMinor: 6,
  netMinor: 994,
  cardKind: 'credit',
});

/** Every day a business day: T+1 is the next calendar day. */
const everyDay: BusinessCalendar = {
  isBusinessDay: () => true,
  addBusinessDays: (date, n) => addCalendarDays(date, n),
  businessDaysBetween: () => 0,
};

describe('expectedDays', () => {
  it('takes each day’s due date from the calendar it is given', () => {
    // 2026-10-01 is National Day: on the China calendar T+1 falls after the Golden Week.
    const records = [txn('2026-10-01', 2), txn('2026-09-30', 3), txn('2026-10-01', 4)];
    const china = expectedDays(records, 'T+1', chinaCalendar);
    const plain = expectedDays(records, 'T+1', everyDay);
    expect(china.map((d) => [d.settleDate, d.due, d.records.length])).toEqual([
      ['2026-09-30', dueDate('2026-09-30', 'T+1', chinaCalendar), 1],
      ['2026-10-01', dueDate('2026-10-01', 'T+1', chinaCalendar), 2],
    ]);
    expect(china[0]!.due > '2026-10-07').toBe(true);
    expect(plain.map((d) => [d.settleDate, d.due])).toEqual([
      ['2026-09-30', '2026-10-01'],
      ['2026-10-01', '2026-10-02'],
    ]);
    expect(expectedDays(records, 'T+1', chinaCalendar).map((d) => d.due)).toEqual(china.map((d) => d.due));
    expect(expectedDays(records, 'D+3', chinaCalendar).map((d) => d.due)).toEqual(['2026-10-03', '2026-10-04']);
  });

  it('groups records of a day that are not next to each other', () => {
    const days = expectedDays([txn('2026-11-20', 2), txn('2026-11-21', 3), txn('2026-11-20', 4)], 'D+0', chinaCalendar);
    expect(days.map((d) => [d.settleDate, d.netMinor, d.records.map((r) => r.source.line)])).toEqual([
      ['2026-11-20', 1_988, [2, 4]],
      ['2026-11-21', 994, [3]],
    ]);
  });
});
