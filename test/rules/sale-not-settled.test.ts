import { describe, expect, it } from 'vitest';
import { saleNotSettled } from '../../src/rules/sale-not-settled.js';
import { POS_FILE, ev, scenario, type Scenario } from './_fixtures.js';

/** An acquirer-only record that says how far the acquirer files reach. */
const acquirerReachesTo = (s: Scenario, date: string) => s.acq({ at: `${date} 09:00`, reference: `9${date.replace(/-/g, '')}`, amountMinor: 1_000 });

describe('sale-not-settled', () => {
  // Friday 2026-11-20, T+1 → 11-23, + 2 grace business days → 11-25.
  it.each([
    { name: 'past the deadline, acquirer files covering it', asOf: '2026-11-26', acqTo: '2026-11-26', finding: true },
    { name: 'acquirer files reaching exactly the deadline', asOf: '2026-11-26', acqTo: '2026-11-25', finding: true },
    { name: 'acquirer files stopping a day before the deadline', asOf: '2026-11-26', acqTo: '2026-11-24', finding: false },
    { name: 'run on the deadline', asOf: '2026-11-25', acqTo: '2026-11-25', finding: false },
  ])('$name', ({ asOf, acqTo, finding }) => {
    const s = scenario();
    s.posRec({ at: '2026-11-20 12:30:05', amountMinor: 8_800, reference: '632012000001', trace: '000777' });
    acquirerReachesTo(s, acqTo);
    const { findings, open } = s.run(saleNotSettled, { asOf });
    if (finding) {
      expect(findings).toMatchObject([
        {
          rule: 'sale-not-settled',
          severity: 'critical',
          terminalId: '10078087',
          reference: '632012000001',
          txnTime: '2026-11-20T12:30:05+08:00',
          amountMinor: 8_800,
          expectedMinor: 8_800,
          actualMinor: 0,
          differenceMinor: 8_800,
          evidence: ev(POS_FILE, 2),
        },
      ]);
      expect(findings[0]?.message).toContain('销售 88.00 元（参考号 632012000001）在 2026-11-25 前未出现');
      expect(open).toEqual([]);
    } else {
      expect(findings).toEqual([]);
      expect(open).toMatchObject([{ kind: 'sale-awaiting-settlement', reference: '632012000001', date: '2026-11-20', due: '2026-11-25', amountMinor: 8_800 }]);
    }
  });

  it.each([
    { name: 'settled', build: (s: Scenario) => s.sale({ at: '2026-11-20 12:30', reference: '632012000001' }) },
    {
      name: 'voided at the POS the same day (and so never sent for settlement)',
      build: (s: Scenario) => {
        s.posRec({ at: '2026-11-20 12:30', reference: '632012000001' });
        s.posRec({ at: '2026-11-20 12:34', txnType: 'void', reference: '632012000002', originalReference: '632012000001' });
      },
    },
    {
      name: 'reversed by the terminal (timeout auto-reversal)',
      build: (s: Scenario) => {
        s.posRec({ at: '2026-11-20 12:30', reference: '632012000001' });
        s.posRec({ at: '2026-11-20 12:31', txnType: 'reversal', reference: '632012000001' });
      },
    },
    { name: 'declined', build: (s: Scenario) => s.posRec({ at: '2026-11-20 12:30', approved: false }) },
  ])('is silent for a sale $name', ({ build }) => {
    const s = scenario();
    build(s);
    acquirerReachesTo(s, '2026-11-30');
    const { findings, open } = s.run(saleNotSettled);
    expect(findings).toEqual([]);
    expect(open).toEqual([]);
  });

  it('does not let a pre-authorisation void of the same amount hide an unsettled sale', () => {
    const s = scenario();
    s.posRec({ at: '2026-11-20 12:30', reference: '632012000001' });
    s.posRec({ at: '2026-11-20 12:40', txnType: 'preauth-void', reference: '632012000005' });
    acquirerReachesTo(s, '2026-11-30');
    expect(s.run(saleNotSettled).findings).toMatchObject([{ reference: '632012000001' }]);
  });

  it('waits over the National Day holiday (09-30 → due 10-08 → deadline 10-10, a make-up Saturday)', () => {
    const s = scenario();
    s.posRec({ at: '2026-09-30 20:00', reference: '627320000001' });
    acquirerReachesTo(s, '2026-10-12');
    expect(s.run(saleNotSettled, { asOf: '2026-10-09' }).open).toMatchObject([{ due: '2026-10-10' }]);
    expect(s.run(saleNotSettled, { asOf: '2026-10-12' }).findings).toHaveLength(1);
  });
});
