import { describe, expect, it } from 'vitest';
import { settlementNotReceived } from '../../src/rules/settlement-not-received.js';
import { ACQ_FILE, ev, scenario, type Scenario } from './_fixtures.js';

/** A bank line that only says how far the statements reach (the merchant paying its rent). */
const bankReachesTo = (s: Scenario, date: string) =>
  s.bankRec({ bookingDate: date, direction: 'debit', amountMinor: 800_000, counterpartyName: '上海静安物业管理有限公司', description: '房租' });

describe('settlement-not-received', () => {
  // Friday 2026-11-20, T+1: due Monday 11-23; + 2 grace business days: 11-25.
  it.each([
    { name: 'past the deadline, statements covering it', asOf: '2026-11-26', bankTo: '2026-11-26', finding: true },
    { name: 'statements reaching exactly the deadline', asOf: '2026-11-26', bankTo: '2026-11-25', finding: true },
    { name: 'statements stopping a day before the deadline', asOf: '2026-11-26', bankTo: '2026-11-24', finding: false },
    { name: 'run on the deadline itself', asOf: '2026-11-25', bankTo: '2026-11-25', finding: false },
  ])('$name', ({ asOf, bankTo, finding }) => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:11', amountMinor: 10_000 }); // net 9,940
    s.acq({ at: '2026-11-20 15:30', amountMinor: 25_000 }); // net 24,850
    bankReachesTo(s, bankTo);
    const { findings, open } = s.run(settlementNotReceived, { asOf });
    if (finding) {
      expect(findings).toMatchObject([
        {
          rule: 'settlement-not-received',
          severity: 'critical',
          date: '2026-11-20',
          amountMinor: 34_790,
          expectedMinor: 34_790,
          actualMinor: 0,
          differenceMinor: 34_790,
          evidence: ev(ACQ_FILE, 2, 3),
        },
      ]);
      expect(findings[0]?.message).toContain('应于 2026-11-23 入账 347.90 元，截至 2026-11-25');
      expect(open).toEqual([]);
    } else {
      expect(findings).toEqual([]);
      expect(open).toMatchObject([{ kind: 'settlement-awaiting-credit', date: '2026-11-20', due: '2026-11-23', amountMinor: 34_790, evidence: ev(ACQ_FILE, 2, 3) }]);
    }
  });

  it('is silent when the credit arrived', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:11' });
    s.credit('2026-11-23', ['2026-11-20']);
    bankReachesTo(s, '2026-11-30');
    expect(s.run(settlementNotReceived).findings).toEqual([]);
  });

  it('counts the grace days on the holiday calendar (09-30 → due 10-08 → deadline on the make-up Saturday 10-10)', () => {
    const early = scenario();
    early.acq({ at: '2026-09-30 10:00' });
    bankReachesTo(early, '2026-10-10');
    expect(early.run(settlementNotReceived, { asOf: '2026-10-10' }).open).toMatchObject([{ due: '2026-10-08' }]);

    const late = scenario();
    late.acq({ at: '2026-09-30 10:00' });
    bankReachesTo(late, '2026-10-12');
    const { findings } = late.run(settlementNotReceived, { asOf: '2026-10-11' });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toContain('应于 2026-10-08 入账 99.40 元，截至 2026-10-10');
  });

  it('does not expect a credit for a day whose net is negative (refunds only)', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:11', txnType: 'refund', amountMinor: 5_000 });
    bankReachesTo(s, '2026-11-30');
    expect(s.run(settlementNotReceived).findings).toEqual([]);
  });
});
