import { describe, expect, it } from 'vitest';
import { feeOvercharge } from '../../src/rules/fee-overcharge.js';
import type { AcquirerTxn } from '../../src/model/records.js';
import { ACQ_FILE, contract, ev, scenario } from './_fixtures.js';

describe('fee-overcharge', () => {
  // Contract: debit 0.55% capped at 20 元, credit 0.60%, QR 0.38%; tolerance 1 fen.
  it.each([
    { name: 'credit, exact', cardKind: 'credit', amount: 10_000, fee: 60, expected: 60, over: undefined },
    { name: 'credit, 1 fen over (the tolerance)', cardKind: 'credit', amount: 10_000, fee: 61, expected: 60, over: undefined },
    { name: 'credit, 2 fen over', cardKind: 'credit', amount: 10_000, fee: 62, expected: 60, over: 2 },
    // 100.75 元 × 0.60% = 60.45 fen → 60 half-up; a fee rounded up to 61 is within the tolerance.
    { name: 'rounded up instead of half-up', cardKind: 'credit', amount: 10_075, fee: 61, expected: 60, over: undefined },
    // 1,234.56 元 × 0.60% = 740.736 → 741.
    { name: 'half-up on an odd amount, 2 fen over', cardKind: 'credit', amount: 123_456, fee: 743, expected: 741, over: 2 },
    { name: 'QR at the card rate', cardKind: 'qr', amount: 50_000, fee: 300, expected: 190, over: 110 },
    { name: 'debit under the cap, overcharged', cardKind: 'debit', amount: 100_000, fee: 600, expected: 550, over: 50 },
    // 5,000 元 × 0.55% = 27.50 元 ≥ the 20 元 cap: that is debit-cap-exceeded's finding.
    { name: 'debit over the cap (debit-cap-exceeded)', cardKind: 'debit', amount: 500_000, fee: 2_750, expected: 2_000, over: undefined },
  ] as const)('$name', ({ cardKind, amount, fee, expected, over }) => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:11:12', cardKind, amountMinor: amount, feeMinor: fee, reference: '632010000001' });
    const { findings } = s.run(feeOvercharge);
    if (over === undefined) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toMatchObject([
      {
        rule: 'fee-overcharge',
        severity: 'high',
        terminalId: '10078087',
        reference: '632010000001',
        txnTime: '2026-11-20T10:11:12+08:00',
        amountMinor: amount,
        expectedMinor: expected,
        actualMinor: fee,
        differenceMinor: over,
        evidence: ev(ACQ_FILE, 2),
      },
    ]);
  });

  it.each([
    { fee: 110, over: undefined },
    { fee: 111, over: undefined },
    { fee: 112, over: 2 },
  ])('adds the contracted fixed fee of 0.50 元: fee $fee', ({ fee, over }) => {
    const s = scenario(contract({ merchant: { fixedFee: '0.50' } }));
    s.acq({ amountMinor: 10_000, feeMinor: fee });
    expect(s.run(feeOvercharge).findings.map((f) => f.differenceMinor)).toEqual(over === undefined ? [] : [over]);
  });

  it('applies the pricing row in force on the transaction date', () => {
    const s = scenario(
      contract({
        merchant: {
          pricing: [
            { from: '2026-01-01', card: 'credit', rate: '0.60%' },
            { from: '2026-11-01', card: 'credit', rate: '0.50%' },
          ],
        },
      }),
    );
    s.acq({ at: '2026-10-31 23:59', amountMinor: 10_000, feeMinor: 60 });
    s.acq({ at: '2026-11-01 00:01', amountMinor: 10_000, feeMinor: 60 });
    expect(s.run(feeOvercharge).findings).toMatchObject([{ expectedMinor: 50, actualMinor: 60, evidence: ev(ACQ_FILE, 3) }]);
  });

  it('leaves the transactions of a hidden surcharge to hidden-surcharge, and still reports a different overcharge', () => {
    const s = scenario();
    const sales: AcquirerTxn[] = [];
    for (let i = 0; i < 5; i++) sales.push(s.acq({ at: `2026-11-20 1${i}:00`, amountMinor: 10_000, feeMinor: 360 })); // 60 + 300
    s.acq({ at: '2026-11-20 16:00', amountMinor: 10_000, feeMinor: 100 }); // 40 over, not the surcharge
    expect(s.run(feeOvercharge).findings).toMatchObject([{ differenceMinor: 40, evidence: ev(ACQ_FILE, 7) }]);
  });

  it('does not check refunds or sales the contract has no price for', () => {
    const s = scenario(contract({ merchant: { pricing: [{ from: '2026-01-01', card: 'credit', rate: '0.60%' }] } }));
    s.acq({ txnType: 'refund', amountMinor: 10_000, feeMinor: 500 });
    s.acq({ cardKind: 'qr', amountMinor: 10_000, feeMinor: 500 });
    expect(s.run(feeOvercharge).findings).toEqual([]);
  });
});
