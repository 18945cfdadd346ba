import { describe, expect, it } from 'vitest';
import { mccMismatch } from '../../src/rules/mcc-mismatch.js';
import { ACQ_FILE, contract, ev, scenario } from './_fixtures.js';

describe('mcc-mismatch', () => {
  it('reports a restaurant settled as a supermarket, one finding per month and MCC, calling out the 优惠类 MCC', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 12:00', mcc: '5812', amountMinor: 10_000 });
    s.acq({ at: '2026-11-20 12:10', mcc: '5411', amountMinor: 20_000 });
    s.acq({ at: '2026-11-21 12:10', mcc: '5411', amountMinor: 30_000 });
    s.acq({ at: '2026-11-22 12:10', mcc: '5411', txnType: 'refund', amountMinor: 5_000 });
    const { findings } = s.run(mccMismatch);
    expect(findings).toMatchObject([
      { rule: 'mcc-mismatch', severity: 'high', date: '2026-11-20', currency: 'CNY', amountMinor: 50_000, evidence: ev(ACQ_FILE, 3, 4, 5) },
    ]);
    expect(findings[0]?.message).toBe(
      '2026-11 有 3 笔交易（消费合计 500.00 元）以 MCC 5411 清算，而合同约定的 MCC 为 5812。5411 属于银联优惠类商户类别（大型仓储式超级市场），合同约定的 5812 是标准类：以优惠类 MCC 清算标准类商户的交易是典型的跳码，涉嫌违规套用低费率类别。',
    );
  });

  it.each([
    { name: 'a 减免类 MCC (public hospital) on a restaurant', contracted: '5812', used: '8062', callout: '8062 属于银联减免类商户类别（公立医院）' },
    { name: 'a standard MCC on another standard business', contracted: '5812', used: '5311', callout: undefined },
    { name: 'a supermarket settled as a petrol station (both preferential)', contracted: '5411', used: '5541', callout: undefined },
  ])('$name', ({ contracted, used, callout }) => {
    const s = scenario(contract({ merchant: { mcc: contracted } }));
    s.acq({ mcc: used });
    const { findings } = s.run(mccMismatch);
    expect(findings).toHaveLength(1);
    if (callout) expect(findings[0]?.message).toContain(callout);
    else expect(findings[0]?.message).not.toContain('跳码');
  });

  it('gives one finding per month and MCC, with distinct ids', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 12:00', mcc: '5411' });
    s.acq({ at: '2026-11-20 12:00', mcc: '4900' });
    s.acq({ at: '2026-12-01 12:00', mcc: '5411' });
    const { findings } = s.run(mccMismatch);
    expect(findings.map((f) => [f.date, f.evidence])).toEqual([
      ['2026-11-20', ev(ACQ_FILE, 3)],
      ['2026-11-20', ev(ACQ_FILE, 2)],
      ['2026-12-01', ev(ACQ_FILE, 4)],
    ]);
    expect(new Set(findings.map((f) => f.id)).size).toBe(3);
  });

  it.each([
    { name: 'records under the contracted MCC', config: contract(), mcc: '5812' },
    { name: 'records that carry no MCC', config: contract(), mcc: undefined },
    { name: 'a contract without an MCC', config: contract({ merchant: { mcc: undefined } }), mcc: '5411' },
  ])('is silent for $name', ({ config, mcc }) => {
    const s = scenario(config);
    s.acq({ mcc });
    expect(s.run(mccMismatch).findings).toEqual([]);
  });
});
