import type { AcquirerTxn, BankEntry } from '../model/records.js';
import { dueDate, type BusinessCalendar } from '../model/calendar.js';
import { localeOrder } from './order.js';

/** What the acquirer owes the merchant for one settlement date: the sum of its nets. */
export interface ExpectedDay {
  settleDate: string;
  currency: string;
  netMinor: number;
  /** When the credit is due under the contract's cycle. */
  due: string;
  records: AcquirerTxn[];
}

/** A bank credit tied to the run of consecutive expected days it pays. */
export interface CreditMatch {
  credit: BankEntry;
  days: ExpectedDay[];
  expectedMinor: number;
  /** Expected minus received: positive when short, 0 when exact. */
  shortMinor: number;
}

export interface AcquirerBankMatch {
  days: ExpectedDay[];
  paid: CreditMatch[];
  unpaidDays: ExpectedDay[];
  unmatchedCredits: BankEntry[];
}

/** A weekend plus a three-day holiday can fold this many settlement days into one credit. */
const MAX_RUN = 10;

export function expectedDays(acquirer: readonly AcquirerTxn[], cycle: string, calendar: BusinessCalendar): ExpectedDay[] {
  const byDate = new Map<string, ExpectedDay>();
  let day: ExpectedDay | undefined;
  for (const a of acquirer) {
    // Files list a day's records together: the day of the record before is the likely one.
    if (day?.settleDate !== a.settleDate || day.currency !== a.currency) {
      const key = `${a.settleDate}|${a.currency}`;
      day = byDate.get(key);
      if (!day) {
        day = { settleDate: a.settleDate, currency: a.currency, netMinor: 0, due: dueDate(a.settleDate, cycle, calendar), records: [] };
        byDate.set(key, day);
      }
    }
    day.netMinor += a.netMinor;
    day.records.push(a);
  }
  return [...byDate.values()].sort((x, y) => localeOrder(x.settleDate, y.settleDate));
}

/**
 * Matches bank credits to expected settlement days. A credit may pay one day or a run of
 * consecutive days (a weekend, a holiday); exact sums are matched first, then a credit that falls
 * short of a run it can only belong to (at least half of it, already due) is taken as a short payment.
 */
export function matchAcquirerBank(days: readonly ExpectedDay[], bank: readonly BankEntry[]): AcquirerBankMatch {
  const payable = days.filter((d) => d.netMinor > 0);
  const credits = bank
    .filter((b) => b.direction === 'credit')
    .sort((x, y) => localeOrder(x.bookingDate, y.bookingDate) || x.source.line - y.source.line);
  const paidDays = new Set<ExpectedDay>();
  const paid: CreditMatch[] = [];
  const leftCredits: BankEntry[] = [];

  const runs = (credit: BankEntry) => {
    const open = payable.filter((d) => !paidDays.has(d) && d.currency === credit.currency && d.settleDate <= credit.bookingDate);
    const out: ExpectedDay[][] = [];
    for (let start = 0; start < open.length; start++) {
      for (let len = 1; len <= MAX_RUN && start + len <= open.length; len++) out.push(open.slice(start, start + len));
    }
    return out;
  };
  const sum = (run: ExpectedDay[]) => run.reduce((s, d) => s + d.netMinor, 0);
  const take = (credit: BankEntry, run: ExpectedDay[]) => {
    for (const d of run) paidDays.add(d);
    const expected = sum(run);
    paid.push({ credit, days: run, expectedMinor: expected, shortMinor: expected - credit.amountMinor });
  };

  for (const credit of credits) {
    const exact = runs(credit).find((run) => sum(run) === credit.amountMinor);
    if (exact) take(credit, exact);
    else leftCredits.push(credit);
  }
  const unmatchedCredits: BankEntry[] = [];
  for (const credit of leftCredits) {
    let best: ExpectedDay[] | undefined;
    for (const run of runs(credit)) {
      const s = sum(run);
      if (s <= credit.amountMinor || credit.amountMinor * 2 < s) continue;
      if (!best || s - credit.amountMinor < sum(best) - credit.amountMinor) best = run;
    }
    if (best) take(credit, best);
    else unmatchedCredits.push(credit);
  }
  return {
    days: [...days],
    paid: paid.sort((x, y) => localeOrder(x.credit.bookingDate, y.credit.bookingDate)),
    unpaidDays: payable.filter((d) => !paidDays.has(d)),
    unmatchedCredits,
  };
}
