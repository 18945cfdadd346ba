import { describe, expect, it } from 'vitest';
import { merchantIdentityDrift } from '../../src/rules/merchant-identity-drift.js';
import { ACQ_FILE, MERCHANT, contract, ev, scenario } from './_fixtures.js';

const OTHER = '898310058120002';
const twoMerchants = (o: { mcc?: string; otherMcc?: string } = {}) =>
  contract({
    merchant: { aliases: ['1900000109'], ...('mcc' in o ? { mcc: o.mcc } : {}) },
    extra: [{ id: OTHER, name: '上海某某超市有限公司', ...(o.otherMcc ? { mcc: o.otherMcc } : {}), pricing: [{ from: '2026-01-01', card: 'any', rate: '0.38%' }] }],
  });

describe('merchant-identity-drift', () => {
  it('reports a terminal settled under two merchant ids, once, on the merchant it usually belongs to', () => {
    const s = scenario(twoMerchants());
    s.acq({ at: '2026-11-20 10:00', merchantName: '上海味道餐饮有限公司' });
    s.acq({ at: '2026-11-21 10:00', merchantName: '上海味道餐饮有限公司' });
    s.acq({ at: '2026-11-22 10:00', merchantName: '上海味道餐饮有限公司' });
    s.acq({ at: '2026-11-25 10:00', merchantId: OTHER, merchantName: '上海某某超市有限公司', amountMinor: 66_600 });
    const findings = s.runAll(merchantIdentityDrift);
    expect(findings).toMatchObject([
      {
        rule: 'merchant-identity-drift',
        severity: 'high',
        merchantId: MERCHANT,
        terminalId: '10078087',
        date: '2026-11-20',
        amountMinor: 66_600,
        evidence: ev(ACQ_FILE, 2, 5),
      },
    ]);
    expect(findings[0]?.message).toBe(
      `终端 10078087 在 2026-11-20 至 2026-11-25 期间以 2 个商户号（${MERCHANT}、${OTHER}）、2 个商户名称（上海味道餐饮有限公司、上海某某超市有限公司）清算；其中 1 笔（消费合计 666.00 元）与该终端通常的商户信息不同，疑似移机或套用他人商户。`,
    );
  });

  it.each([
    {
      name: 'another merchant name on the same merchant id',
      build: [{ merchantName: '上海味道餐饮有限公司' }, { merchantName: '上海味道餐饮有限公司' }, { merchantName: '浦东某某贸易商行' }],
      config: twoMerchants(),
      found: ev(ACQ_FILE, 2, 4),
    },
    {
      name: 'the same name written with full-width brackets and spaces',
      build: [{ merchantName: '上海味道(静安)餐饮有限公司' }, { merchantName: '上海味道（静安） 餐饮有限公司' }],
      config: twoMerchants(),
      found: undefined,
    },
    {
      name: 'a record that names no merchant',
      build: [{ merchantName: '上海味道餐饮有限公司' }, {}],
      config: twoMerchants(),
      found: undefined,
    },
    {
      name: 'the contract id and its alias (the same merchant)',
      build: [{ merchantId: MERCHANT }, { merchantId: '1900000109' }],
      config: twoMerchants(),
      found: undefined,
    },
    {
      name: 'two MCCs where the contract names one (mcc-mismatch reports it)',
      build: [{ mcc: '5812' }, { mcc: '5411' }],
      config: twoMerchants({ mcc: '5812' }),
      found: undefined,
    },
    {
      name: 'two MCCs where the contract names none',
      build: [{ mcc: '5812' }, { mcc: '5812' }, { mcc: '5411' }],
      config: twoMerchants({ mcc: undefined }),
      found: ev(ACQ_FILE, 2, 4),
    },
    { name: 'records without a terminal', build: [{ terminalId: undefined }, { terminalId: undefined, merchantId: OTHER }], config: twoMerchants(), found: undefined },
    { name: 'two terminals, one merchant each', build: [{ terminalId: '10078087' }, { terminalId: '10078088', merchantId: OTHER }], config: twoMerchants(), found: undefined },
  ])('$name', ({ build, config, found }) => {
    const s = scenario(config);
    for (const o of build) s.acq(o);
    expect(s.runAll(merchantIdentityDrift)).toMatchObject(found ? [{ severity: 'high', merchantId: MERCHANT, amountMinor: 10_000, evidence: found }] : []);
  });

  it('keeps one id per terminal whatever else the period brings', () => {
    const first = scenario(twoMerchants());
    first.acq({});
    first.acq({ merchantId: OTHER });
    const later = scenario(twoMerchants());
    later.acq({ at: '2026-11-01 10:00' });
    later.acq({});
    later.acq({ merchantId: OTHER, merchantName: 'x' });
    expect(first.runAll(merchantIdentityDrift)[0]?.id).toBe(later.runAll(merchantIdentityDrift)[0]?.id);
  });
});
