import { describe, expect, it } from 'vitest';
import { refundWithoutRequest } from '../../src/rules/refund-without-request.js';
import { ACQ_FILE, ev, scenario, type Scenario } from './_fixtures.js';

/** A sale on both sides, and a later POS sale so the journal reaches 11-23. */
function base(s: Scenario) {
  s.sale({ at: '2026-11-20 10:11', reference: '632010000001', amountMinor: 30_000 });
  s.sale({ at: '2026-11-23 18:00', reference: '632318000001', amountMinor: 1_000 });
}

describe('refund-without-request', () => {
  it('reports an acquirer refund the POS never made as critical', () => {
    const s = scenario();
    base(s);
    s.acq({ at: '2026-11-21 09:30:00', txnType: 'refund', amountMinor: 30_000, reference: '632109000001', originalReference: '632010000001' });
    const { findings } = s.run(refundWithoutRequest);
    expect(findings).toMatchObject([
      {
        rule: 'refund-without-request',
        severity: 'critical',
        reference: '632109000001',
        txnTime: '2026-11-21T09:30:00+08:00',
        amountMinor: 30_000,
        expectedMinor: 0,
        actualMinor: 30_000,
        differenceMinor: 30_000,
        evidence: ev(ACQ_FILE, 4, 2),
      },
    ]);
    expect(findings[0]?.message).toBe(
      '收单机构于 2026-11-21 09:30 从商户结算款中退款 300.00 元（参考号 632109000001，原交易 632010000001），收银系统没有对应的退款记录。',
    );
  });

  it.each([
    {
      name: 'a refund the POS made too',
      build: (s: Scenario) => {
        s.posRec({ at: '2026-11-21 09:30', txnType: 'refund', amountMinor: 30_000, reference: '632109000001' });
        s.acq({ at: '2026-11-21 09:30', txnType: 'refund', amountMinor: 30_000, reference: '632109000001' });
      },
    },
    {
      name: 'the acquirer honouring a POS void by a refund',
      build: (s: Scenario) => {
        s.posRec({ at: '2026-11-20 10:15', txnType: 'void', amountMinor: 30_000, originalReference: '632010000001' });
        s.acq({ at: '2026-11-21 09:30', txnType: 'refund', amountMinor: 30_000, originalReference: '632010000001' });
      },
    },
    {
      name: 'the acquirer giving back a duplicate charge',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 10:11', reference: '632010000001', amountMinor: 30_000 });
        s.acq({ at: '2026-11-21 09:30', txnType: 'refund', amountMinor: 30_000, originalReference: '632010000001' });
      },
    },
    {
      name: 'the acquirer undoing a charge the POS never had',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 14:00', reference: '632014000001', amountMinor: 4_500 });
        s.acq({ at: '2026-11-21 09:30', txnType: 'refund', amountMinor: 4_500, originalReference: '632014000001' });
      },
    },
    {
      name: 'a refund dated after the end of the POS journal',
      build: (s: Scenario) => s.acq({ at: '2026-11-24 09:30', txnType: 'refund', amountMinor: 30_000, originalReference: '632010000001' }),
    },
  ])('is silent for $name', ({ build }) => {
    const s = scenario();
    base(s);
    build(s);
    expect(s.run(refundWithoutRequest).findings).toEqual([]);
  });

  it('reports a refund that names no sale at all', () => {
    const s = scenario();
    base(s);
    s.acq({ at: '2026-11-22 09:30', txnType: 'refund', amountMinor: 99_900, reference: '632209000001' });
    expect(s.run(refundWithoutRequest).findings).toMatchObject([{ reference: '632209000001', amountMinor: 99_900, evidence: ev(ACQ_FILE, 4) }]);
  });
});
