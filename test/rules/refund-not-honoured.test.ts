import { describe, expect, it } from 'vitest';
import { refundNotHonoured } from '../../src/rules/refund-not-honoured.js';
import { POS_FILE, ev, scenario, type Scenario } from './_fixtures.js';

/** An acquirer-only record that says how far the acquirer files reach. */
const acquirerReachesTo = (s: Scenario, date: string) => s.acq({ at: `${date} 09:00`, reference: `9${date.replace(/-/g, '')}`, amountMinor: 1_000 });

/** The sale of Thursday 11-19 on both sides and its refund at the POS on Friday 11-20. */
function refunded(s: Scenario) {
  s.sale({ at: '2026-11-19 18:00', reference: '631918000001', amountMinor: 26_800 });
  return s.posRec({ at: '2026-11-20 11:00:30', txnType: 'refund', amountMinor: 26_800, reference: '632011000001', originalReference: '631918000001' });
}

describe('refund-not-honoured', () => {
  // Friday 11-20, T+1 → 11-23, + 2 grace business days → 11-25.
  it.each([
    { name: 'past the deadline, acquirer files covering it', asOf: '2026-11-26', acqTo: '2026-11-26', finding: true },
    { name: 'acquirer files reaching exactly the deadline', asOf: '2026-11-26', acqTo: '2026-11-25', finding: true },
    { name: 'acquirer files stopping a day before it', asOf: '2026-11-26', acqTo: '2026-11-24', finding: false },
    { name: 'run on the deadline', asOf: '2026-11-25', acqTo: '2026-11-26', finding: false },
  ])('$name', ({ asOf, acqTo, finding }) => {
    const s = scenario();
    refunded(s);
    acquirerReachesTo(s, acqTo);
    const { findings, open } = s.run(refundNotHonoured, { asOf });
    if (finding) {
      expect(findings).toMatchObject([
        {
          rule: 'refund-not-honoured',
          severity: 'high',
          terminalId: '10078087',
          reference: '632011000001',
          txnTime: '2026-11-20T11:00:30+08:00',
          amountMinor: 26_800,
          expectedMinor: 26_800,
          actualMinor: 0,
          differenceMinor: 26_800,
          evidence: ev(POS_FILE, 3),
        },
      ]);
      expect(findings[0]?.message).toBe(
        '收银系统于 2026-11-20 11:00 办理退款 268.00 元（参考号 632011000001，原交易 631918000001），截至 2026-11-25 收单清算文件中没有对应的退款，顾客可能没有收到退款。',
      );
      expect(open).toEqual([]);
    } else {
      expect(findings).toEqual([]);
      expect(open).toMatchObject([
        { kind: 'refund-awaiting-acquirer', reference: '632011000001', date: '2026-11-20', due: '2026-11-25', amountMinor: 26_800, evidence: ev(POS_FILE, 3) },
      ]);
    }
  });

  it.each([
    {
      name: 'refunded by the acquirer under the same reference',
      build: (s: Scenario) => s.acq({ at: '2026-11-20 11:00:30', txnType: 'refund', amountMinor: 26_800, reference: '632011000001' }),
    },
    {
      name: 'refunded by the acquirer with the POS terminal and amount, 2 minutes later',
      build: (s: Scenario) => s.acq({ at: '2026-11-20 11:02:30', txnType: 'refund', amountMinor: 26_800 }),
    },
    {
      name: 'honoured by the acquirer voiding the original sale',
      build: (s: Scenario) => s.acq({ at: '2026-11-20 11:00', txnType: 'void', amountMinor: 26_800, originalReference: '631918000001' }),
    },
  ])('is silent for a refund $name', ({ build }) => {
    const s = scenario();
    refunded(s);
    build(s);
    acquirerReachesTo(s, '2026-11-30');
    const { findings, open } = s.run(refundNotHonoured);
    expect(findings).toEqual([]);
    expect(open).toEqual([]);
  });

  it('ignores a declined refund', () => {
    const s = scenario();
    s.posRec({ at: '2026-11-20 11:00', txnType: 'refund', approved: false });
    acquirerReachesTo(s, '2026-11-30');
    expect(s.run(refundNotHonoured)).toMatchObject({ findings: [], open: [] });
  });
});
