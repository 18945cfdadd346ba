import { describe, expect, it } from 'vitest';
import { debitCapExceeded } from '../../src/rules/debit-cap-exceeded.js';
import { feeOvercharge } from '../../src/rules/fee-overcharge.js';
import { ACQ_FILE, contract, ev, scenario } from './_fixtures.js';

describe('debit-cap-exceeded', () => {
  // Debit 0.55% capped at 20.00 元; tolerance 1 fen.
  it.each([
    { name: '5,000 元 charged the uncapped 27.50 元', amount: 500_000, fee: 2_750, over: 750 },
    { name: 'at the cap', amount: 500_000, fee: 2_000, over: undefined },
    { name: '1 fen above the cap (the tolerance)', amount: 500_000, fee: 2_001, over: undefined },
    { name: '2 fen above the cap', amount: 500_000, fee: 2_002, over: 2 },
    // 3,636.36 元 × 0.55% = 19.99998 元 → 20.00 half-up: the cap applies from here.
    { name: 'the smallest amount that reaches the cap, charged 20.10 元', amount: 363_636, fee: 2_010, over: 10 },
  ])('$name', ({ amount, fee, over }) => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:11:12', cardKind: 'debit', amountMinor: amount, feeMinor: fee, reference: '632010000001' });
    const { findings } = s.run(debitCapExceeded);
    if (over === undefined) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toMatchObject([
      {
        rule: 'debit-cap-exceeded',
        severity: 'high',
        reference: '632010000001',
        txnTime: '2026-11-20T10:11:12+08:00',
        amountMinor: amount,
        expectedMinor: 2_000,
        actualMinor: fee,
        differenceMinor: over,
        evidence: ev(ACQ_FILE, 2),
      },
    ]);
    // One problem, one finding: fee-overcharge leaves capped debit sales to this rule.
    expect(s.run(feeOvercharge).findings).toEqual([]);
  });

  it('leaves a debit sale below the cap to fee-overcharge', () => {
    const s = scenario();
    // 3,635.45 元 × 0.55% = 19.994975 元 → 19.99: below the cap.
    s.acq({ cardKind: 'debit', amountMinor: 363_545, feeMinor: 2_100 });
    expect(s.run(debitCapExceeded).findings).toEqual([]);
    expect(s.run(feeOvercharge).findings).toMatchObject([{ expectedMinor: 1_999, differenceMinor: 101 }]);
  });

  it.each([
    { name: 'a credit card (no cap in the contract)', config: contract(), cardKind: 'credit' as const, fee: 3_000 },
    {
      name: 'a debit contract without a cap',
      config: contract({ merchant: { pricing: [{ from: '2026-01-01', card: 'debit', rate: '0.55%' }] } }),
      cardKind: 'debit' as const,
      fee: 2_750,
    },
  ])('is silent for $name', ({ config, cardKind, fee }) => {
    const s = scenario(config);
    s.acq({ cardKind, amountMinor: 500_000, feeMinor: fee });
    expect(s.run(debitCapExceeded).findings).toEqual([]);
  });

  it('adds the contracted fixed fee to the cap', () => {
    const s = scenario(contract({ merchant: { fixedFee: '1.00' } }));
    s.acq({ cardKind: 'debit', amountMinor: 500_000, feeMinor: 2_101 });
    s.acq({ cardKind: 'debit', amountMinor: 500_000, feeMinor: 2_102 });
    expect(s.run(debitCapExceeded).findings).toMatchObject([{ expectedMinor: 2_100, differenceMinor: 2, evidence: ev(ACQ_FILE, 3) }]);
  });

  it('leaves the capped sales of a hidden surcharge to hidden-surcharge', () => {
    const s = scenario();
    for (let i = 0; i < 4; i++) s.acq({ at: `2026-11-20 1${i}:00`, cardKind: 'credit', amountMinor: 10_000, feeMinor: 360 });
    s.acq({ at: '2026-11-20 15:00', cardKind: 'debit', amountMinor: 500_000, feeMinor: 2_300 }); // cap + the same 3 元
    expect(s.run(debitCapExceeded).findings).toEqual([]);
  });
});
