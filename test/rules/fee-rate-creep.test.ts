import { describe, expect, it } from 'vitest';
import type { RateHistory } from '../../src/rules/types.js';
import { feeRateCreep, monthlyRates } from '../../src/rules/fee-rate-creep.js';
import { ACQ_FILE, contract, ev, historyOf, scenario, type Scenario } from './_fixtures.js';

/** `n` QR sales of `amount` fen on 2026-11-02.., with the fee `fee(i)`. */
function sales(s: Scenario, n: number, amount: number, fee: (i: number) => number, month = '2026-11') {
  for (let i = 0; i < n; i++) s.acq({ at: `${month}-${String(2 + (i % 25)).padStart(2, '0')} 12:00`, cardKind: 'qr', amountMinor: amount, feeMinor: fee(i) });
}

describe('fee-rate-creep', () => {
  it('reports every small-ticket fee rounded up: each within 1 fen, together 0.09 points above the contract', () => {
    // 11.00 元 × 0.38% = 4.18 fen → 4 half-up; charged 5 (ceil).
    const s = scenario();
    sales(s, 20, 1_100, () => 5);
    const { findings } = s.run(feeRateCreep);
    expect(findings).toMatchObject([
      {
        rule: 'fee-rate-creep',
        severity: 'medium',
        date: '2026-11-02',
        amountMinor: 22_000,
        expectedMinor: 80,
        actualMinor: 100,
        differenceMinor: 20,
        evidence: ev(ACQ_FILE, ...Array.from({ length: 20 }, (_, i) => i + 2)),
      },
    ]);
    expect(findings[0]?.message).toBe(
      '2026-11 扫码 20 笔交易合计 220.00 元，手续费 1.00 元，有效费率 0.4545%，高于合同费率折算 0.3636%（应收 0.80 元）达 0.05 个百分点以上。',
    );
  });

  it.each([
    // 10.00 元 × 0.38% = 3.8 → 4 fen; 100 sales: contract 4.00 元 on 1,000 元; 0.05 points = 0.50 元.
    { name: 'exactly 0.05 points above the contract', fives: 50, found: true },
    { name: 'just under 0.05 points above', fives: 49, found: false },
  ])('$name', ({ fives, found }) => {
    const s = scenario();
    sales(s, 100, 1_000, (i) => (i < fives ? 5 : 4));
    expect(s.run(feeRateCreep).findings.map((f) => [f.expectedMinor, f.actualMinor])).toEqual(found ? [[400, 450]] : []);
  });

  it.each([
    { name: 'honest half-up rounding on tiny tickets (1.40 元 → 0.532 → 1 fen)', config: contract(), build: (s: Scenario) => sales(s, 20, 140, () => 1) },
    { name: 'rounding up with a creep tolerance of 0.10 points', config: contract({ tolerances: { rateCreepPpm: 1000 } }), build: (s: Scenario) => sales(s, 20, 1_100, () => 5) },
    { name: 'four sales only', config: contract(), build: (s: Scenario) => sales(s, 4, 1_100, () => 5) },
    {
      name: 'a month whose only excess is one sale fee-overcharge reports',
      config: contract(),
      build: (s: Scenario) => {
        sales(s, 5, 1_100, () => 4);
        s.acq({ at: '2026-11-20 12:00', cardKind: 'qr', amountMinor: 1_100, feeMinor: 14 });
      },
    },
  ])('is silent for $name', ({ config, build }) => {
    const s = scenario(config);
    build(s);
    expect(s.run(feeRateCreep).findings).toEqual([]);
  });

  describe('against the trailing 3-month median', () => {
    // 10 sales of 100 元 at exactly the contract's 0.38%: effective 3,800 ppm.
    it.each([
      { history: [3_400, 3_300, 3_200], found: true, median: '0.33%' }, // 3,300 + 500 = 3,800: at the line
      { history: [3_400, 3_301, 3_200], found: false },
      { history: [3_200, 3_400], found: true, median: '0.33%' }, // two months: their mean
      // Only the last three months count: 3,400 / 3,400 / 3,300 → 3,400 (all five would give 3,300, a finding).
      { history: [3_400, 3_400, 3_300, 1_000, 1_000], found: false },
      { history: [], found: false },
    ])('history $history', ({ history, found, median }) => {
      const s = scenario();
      sales(s, 10, 10_000, () => 38);
      const { findings } = s.run(feeRateCreep, { history: historyOf(history) });
      expect(findings).toHaveLength(found ? 1 : 0);
      if (found) {
        expect(findings[0]).toMatchObject({ expectedMinor: 330, actualMinor: 380, differenceMinor: 50 });
        expect(findings[0]?.message).toContain(`高于前 ${Math.min(history.length, 3)} 个月有效费率中位数 ${median}`);
      }
    });

    it('asks the history for this merchant, card kind and month', () => {
      const asked: string[] = [];
      const history: RateHistory = {
        previous: (merchantId, cardKind, beforeMonth) => {
          asked.push(`${merchantId}|${cardKind}|${beforeMonth}`);
          return [];
        },
      };
      const s = scenario();
      sales(s, 5, 10_000, () => 38);
      sales(s, 5, 10_000, () => 38, '2026-12');
      s.run(feeRateCreep, { history });
      expect(asked).toEqual(['898310048990001|qr|2026-11', '898310048990001|qr|2026-12']);
    });
  });

  it('judges each month and card kind on its own', () => {
    const s = scenario();
    sales(s, 10, 1_100, () => 4); // November QR: exact
    sales(s, 10, 1_100, () => 5, '2026-12'); // December QR: rounded up
    for (let i = 0; i < 10; i++) s.acq({ at: '2026-12-10 12:00', cardKind: 'credit', amountMinor: 10_000, feeMinor: 60 });
    expect(s.run(feeRateCreep).findings).toMatchObject([{ date: '2026-12-02', expectedMinor: 40, actualMinor: 50 }]);
  });

  it('leaves capped debit sales out of the monthly rates it shares with the state store', () => {
    const s = scenario();
    s.acq({ cardKind: 'debit', amountMinor: 500_000, feeMinor: 2_000 }); // capped
    s.acq({ cardKind: 'debit', amountMinor: 100_000, feeMinor: 550 });
    s.acq({ cardKind: 'debit', amountMinor: 100_000, feeMinor: 650 }); // fee-overcharge's
    const [debit] = monthlyRates(s.merchants()[0]!, s.config);
    expect(debit).toMatchObject({ month: '2026-11', cardKind: 'debit', amountMinor: 100_000, feeMinor: 550, expectedMinor: 550, ppm: 5_500 });
    expect(debit?.sales).toHaveLength(1);
  });
});
