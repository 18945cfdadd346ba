import { describe, expect, it } from 'vitest';
import { hiddenSurcharge } from '../../src/rules/hidden-surcharge.js';
import { ACQ_FILE, contract, ev, scenario } from './_fixtures.js';

describe('hidden-surcharge', () => {
  it('reports "+3 元" on every sale beyond the contract rate', () => {
    const s = scenario();
    const amounts = [10_000, 25_000, 8_800, 123_456, 50_000]; // contracted 60, 150, 53, 741, 300
    for (const [i, a] of amounts.entries()) s.acq({ at: `2026-11-2${i} 10:00`, amountMinor: a, feeMinor: s.fee(a, 'credit', '2026-11-20') + 300 });
    const { findings } = s.run(hiddenSurcharge);
    expect(findings).toMatchObject([
      {
        rule: 'hidden-surcharge',
        severity: 'high',
        date: '2026-11-20',
        amountMinor: 217_256,
        expectedMinor: 0,
        actualMinor: 1_500,
        differenceMinor: 1_500,
        evidence: ev(ACQ_FILE, 2, 3, 4, 5, 6),
      },
    ]);
    expect(findings[0]?.message).toBe('5 笔交易（占 100%）在合同费率之外每笔多收约 3.00 元，合同未约定任何固定费用，合计 15.00 元。');
  });

  it.each([
    { name: '8 of 10 sales (80%, the default share)', surcharged: 8, of: 10, found: true },
    { name: '7 of 10 sales (70%)', surcharged: 7, of: 10, found: false },
    { name: '4 sales only (too few to be a pattern)', surcharged: 4, of: 4, found: false },
    { name: '5 sales', surcharged: 5, of: 5, found: true },
  ])('$name', ({ surcharged, of, found }) => {
    const s = scenario();
    for (let i = 0; i < of; i++) s.acq({ at: `2026-11-20 1${i}:00`, amountMinor: 10_000, feeMinor: i < surcharged ? 360 : 60 });
    const { findings } = s.run(hiddenSurcharge);
    expect(findings.map((f) => f.differenceMinor)).toEqual(found ? [surcharged * 300] : []);
  });

  it('takes residuals within 1 fen of the pattern as the same add-on', () => {
    const s = scenario();
    for (const fee of [360, 361, 359, 360, 361]) s.acq({ amountMinor: 10_000, feeMinor: fee });
    expect(s.run(hiddenSurcharge).findings).toMatchObject([{ differenceMinor: 1_501 }]);
  });

  it.each([
    { name: 'a residual of 1 fen everywhere (rounding, within the tolerance)', fee: 61, config: contract() },
    { name: 'a contract that allows a fixed fee', fee: 360, config: contract({ merchant: { fixedFee: '3.00' } }) },
  ])('is silent for $name', ({ fee, config }) => {
    const s = scenario(config);
    for (let i = 0; i < 6; i++) s.acq({ amountMinor: 10_000, feeMinor: fee });
    expect(s.run(hiddenSurcharge).findings).toEqual([]);
  });
});

describe('hidden-surcharge, residuals spread over ±1 fen', () => {
  it('centres the pattern so that 2.99 / 3.00 / 3.01 split 3/3/4 is one add-on on all 10 sales', () => {
    const s = scenario();
    for (const extra of [299, 299, 299, 300, 300, 300, 301, 301, 301, 301]) s.acq({ amountMinor: 10_000, feeMinor: 60 + extra });
    expect(s.run(hiddenSurcharge).findings).toMatchObject([{ differenceMinor: 3_001, evidence: ev(ACQ_FILE, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) }]);
  });
});
