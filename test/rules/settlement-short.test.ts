import { describe, expect, it } from 'vitest';
import { settlementShort } from '../../src/rules/settlement-short.js';
import { ACQ_FILE, BANK_FILE, ev, scenario } from './_fixtures.js';

describe('settlement-short', () => {
  // One day of 200.00 元 at 0.60%: net 198.80 元 = 19,880 fen.
  it.each([
    { credited: 19_880, short: undefined },
    { credited: 19_879, short: 1 }, // the tolerance is 0: one fen short is a finding
    { credited: 19_000, short: 880 },
    { credited: 9_940, short: 9_940 }, // exactly half is still taken as a short payment of this day
    { credited: 9_939, short: undefined }, // under half it is not this day's credit at all
  ])('a credit of $credited for 19,880 expected', ({ credited, short }) => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:11', amountMinor: 20_000 });
    s.bankRec({ bookingDate: '2026-11-23', amountMinor: credited, reference: 'B20261123001' });
    const { findings } = s.run(settlementShort);
    if (short === undefined) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toMatchObject([
      {
        rule: 'settlement-short',
        severity: 'high',
        date: '2026-11-20',
        reference: 'B20261123001',
        amountMinor: 19_880,
        expectedMinor: 19_880,
        actualMinor: credited,
        differenceMinor: short,
        evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 2)],
      },
    ]);
  });

  it('compares a weekend credit with the sum of the days it pays', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:00', amountMinor: 10_000 }); // 9,940
    s.acq({ at: '2026-11-21 10:00', amountMinor: 10_000 }); // 9,940
    s.acq({ at: '2026-11-22 10:00', amountMinor: 10_000 }); // 9,940
    s.bankRec({ bookingDate: '2026-11-23', amountMinor: 29_770 });
    const { findings } = s.run(settlementShort);
    expect(findings).toMatchObject([
      { date: '2026-11-20', expectedMinor: 29_820, actualMinor: 29_770, differenceMinor: 50, evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 2, 3, 4)] },
    ]);
    expect(findings[0]?.message).toContain('2026-11-20 至 2026-11-22 的清算净额应为 298.20 元，短款 0.50 元');
  });
});
