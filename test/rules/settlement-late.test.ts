import { describe, expect, it } from 'vitest';
import { settlementLate } from '../../src/rules/settlement-late.js';
import { ACQ_FILE, BANK_FILE, contract, ev, scenario } from './_fixtures.js';

describe('settlement-late', () => {
  // 2026 National Day: 10-01..07 off, 10-10 (Saturday) a make-up working day (chinese-days).
  // A T+1 settlement of Wednesday 09-30 is due on Thursday 10-08.
  it.each([
    { booked: '2026-10-08', expected: [] },
    { booked: '2026-10-09', expected: [{ severity: 'medium', late: 1 }] },
    { booked: '2026-10-10', expected: [{ severity: 'medium', late: 2 }] }, // the make-up Saturday counts
    { booked: '2026-10-11', expected: [{ severity: 'medium', late: 2 }] }, // a Sunday adds nothing
    { booked: '2026-10-12', expected: [{ severity: 'high', late: 3 }] },
  ])('09-30 T+1 settlement credited $booked', ({ booked, expected }) => {
    const s = scenario();
    s.acq({ at: '2026-09-30 12:00', amountMinor: 50_000 }); // fee 300, net 49,700
    s.credit(booked, ['2026-09-30']);
    const { findings } = s.run(settlementLate);
    expect(findings).toMatchObject(
      expected.map((e) => ({
        rule: 'settlement-late',
        severity: e.severity,
        merchantId: '898310048990001',
        date: '2026-09-30',
        currency: 'CNY',
        amountMinor: 49_700,
        evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 2)],
      })),
    );
    for (const [i, f] of findings.entries()) {
      expect(f.message).toContain(`应于 2026-10-08 到账，银行 ${booked} 才入账，晚了 ${expected[i]?.late} 个工作日`);
      expect(f.message).toContain('497.00 元');
    }
  });

  it.each([
    { name: "a Friday's T+1 credited on Monday is on time", cycle: 'T+1', booked: '2026-11-23', late: [] },
    { name: "a Friday's T+1 credited on Tuesday is one day late", cycle: 'T+1', booked: '2026-11-24', late: [1] },
    { name: "a Friday's D+1 (due Saturday) credited on Monday is one business day late", cycle: 'D+1', booked: '2026-11-23', late: [1] },
    { name: "a Friday's D+1 credited on Saturday is on time", cycle: 'D+1', booked: '2026-11-21', late: [] },
  ])('$name', ({ cycle, booked, late }) => {
    const s = scenario(contract({ merchant: { settlement: { cycle } } }));
    s.acq({ at: '2026-11-20 09:30', amountMinor: 20_000 });
    s.credit(booked, ['2026-11-20']);
    const { findings } = s.run(settlementLate);
    expect(findings.map((f) => [f.date, f.severity, f.amountMinor])).toEqual(late.map(() => ['2026-11-20', 'medium', 19_880]));
    for (const [i, f] of findings.entries()) expect(f.message).toContain(`晚了 ${late[i]} 个工作日`);
  });

  it('a weekend folded into one late credit gives one finding per settlement day', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:00', amountMinor: 10_000 }); // net 9,940, due Mon 11-23
    s.acq({ at: '2026-11-21 10:00', amountMinor: 20_000 }); // net 19,880, due Mon 11-23
    s.acq({ at: '2026-11-22 10:00', amountMinor: 30_000 }); // net 29,820, due Mon 11-23
    s.credit('2026-11-24', ['2026-11-20', '2026-11-21', '2026-11-22']);
    const { findings } = s.run(settlementLate);
    expect(findings).toMatchObject([
      { severity: 'medium', date: '2026-11-20', amountMinor: 9_940, evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 2)] },
      { severity: 'medium', date: '2026-11-21', amountMinor: 19_880, evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 3)] },
      { severity: 'medium', date: '2026-11-22', amountMinor: 29_820, evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 4)] },
    ]);
    expect(new Set(findings.map((f) => f.id)).size).toBe(3);
  });

  it('keeps the same id when the files are renamed (keys are the settlement date, not the file)', () => {
    const ids = ['a', 'b'].map((suffix) => {
      const s = scenario();
      s.acq({ at: '2026-11-20 10:00', file: `acq-${suffix}.csv` });
      s.credit('2026-11-25', ['2026-11-20'], { file: `bank-${suffix}.csv` });
      return s.run(settlementLate).findings.map((f) => f.id);
    });
    expect(ids[0]).toHaveLength(1);
    expect(ids[0]).toEqual(ids[1]);
  });
});
