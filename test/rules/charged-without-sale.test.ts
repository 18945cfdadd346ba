import { describe, expect, it } from 'vitest';
import { chargedWithoutSale } from '../../src/rules/charged-without-sale.js';
import { ACQ_FILE, POS_FILE, ev, scenario, type Scenario } from './_fixtures.js';

/** A later sale on both sides, so the POS journal reaches past the day under test. */
const posReachesTo = (s: Scenario, date: string) => s.sale({ at: `${date} 18:00`, reference: '633018000001', amountMinor: 1_500 });

describe('charged-without-sale', () => {
  it('reports an acquirer sale the POS never recorded, with the facts a complaint needs', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:11:12', amountMinor: 476_800, reference: '201509061122', trace: '000123' });
    posReachesTo(s, '2026-11-20');
    const { findings } = s.run(chargedWithoutSale);
    expect(findings).toMatchObject([
      {
        rule: 'charged-without-sale',
        severity: 'critical',
        merchantId: '898310048990001',
        terminalId: '10078087',
        reference: '201509061122',
        txnTime: '2026-11-20T10:11:12+08:00',
        currency: 'CNY',
        amountMinor: 476_800,
        expectedMinor: 0,
        actualMinor: 476_800,
        differenceMinor: 476_800,
        evidence: ev(ACQ_FILE, 2),
      },
    ]);
    expect(findings[0]?.message).toBe(
      '收单机构于 2026-11-20 10:11 在终端 10078087 扣款 4,768.00 元（参考号 201509061122），但收银系统没有对应的销售记录。',
    );
  });

  it.each([
    {
      name: 'matched by reference',
      build: (s: Scenario) => s.sale({ at: '2026-11-20 10:11', reference: '632010000001' }),
      found: 0,
    },
    {
      name: 'matched by terminal, amount and time 5 minutes apart (the match window)',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 10:16' });
        s.posRec({ at: '2026-11-20 10:11' });
      },
      found: 0,
    },
    {
      name: 'terminal and amount alike but 6 minutes apart',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 10:17' });
        s.posRec({ at: '2026-11-20 10:11' });
      },
      found: 1,
    },
    {
      name: 'the second copy of a sale with the same RRN (duplicate-charge reports it)',
      build: (s: Scenario) => {
        s.sale({ at: '2026-11-20 10:11', reference: '632010000001' });
        s.acq({ at: '2026-11-20 10:11', reference: '632010000001' });
      },
      found: 0,
    },
    {
      name: 'the same card and amount charged again 3 minutes later (duplicate-charge reports it)',
      build: (s: Scenario) => {
        s.sale({ at: '2026-11-20 10:11', reference: '632010000001', cardMasked: '622202******3334' });
        s.acq({ at: '2026-11-20 10:14', reference: '632010000002', cardMasked: '622202******3334' });
      },
      found: 0,
    },
    {
      name: 'the same card and amount again 11 minutes later (outside the duplicate window)',
      build: (s: Scenario) => {
        s.sale({ at: '2026-11-20 10:11', reference: '632010000001', cardMasked: '622202******3334' });
        s.acq({ at: '2026-11-20 10:22', reference: '632010000002', cardMasked: '622202******3334' });
      },
      found: 1,
    },
    {
      name: 'a sale the acquirer voided itself',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 10:11', reference: '632010000001' });
        s.acq({ at: '2026-11-20 10:13', txnType: 'void', reference: '632010000009', originalReference: '632010000001' });
      },
      found: 0,
    },
    {
      name: 'a sale the acquirer refunded in full',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 10:11', reference: '632010000001' });
        s.acq({ at: '2026-11-20 16:00', txnType: 'refund', reference: '632016000001', originalReference: '632010000001' });
      },
      found: 0,
    },
    {
      name: 'a sale the acquirer refunded in part',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 10:11', reference: '632010000001' });
        s.acq({ at: '2026-11-20 16:00', txnType: 'refund', amountMinor: 9_999, reference: '632016000001', originalReference: '632010000001' });
      },
      found: 1,
    },
  ])('$name', ({ build, found }) => {
    const s = scenario();
    build(s);
    posReachesTo(s, '2026-11-20');
    expect(s.run(chargedWithoutSale).findings).toHaveLength(found);
  });

  it('says nothing about days past the end of the POS journal', () => {
    const s = scenario();
    posReachesTo(s, '2026-11-20');
    s.acq({ at: '2026-11-21 09:00', reference: '632109000001' });
    expect(s.run(chargedWithoutSale).findings).toEqual([]);
    posReachesTo(s, '2026-11-21');
    expect(s.run(chargedWithoutSale).findings).toMatchObject([{ reference: '632109000001', evidence: ev(ACQ_FILE, 3) }]);
  });

  it.each([
    { name: 'charged more than the POS sold', posAmount: 10_000, acqAmount: 12_000, difference: 2_000 },
    { name: 'one fen more', posAmount: 10_000, acqAmount: 10_001, difference: 1 },
    { name: 'the same amount', posAmount: 10_000, acqAmount: 10_000, difference: undefined },
    { name: 'charged less (that is not a charge without a sale)', posAmount: 10_000, acqAmount: 9_000, difference: undefined },
  ])('a sale matched by reference but $name', ({ posAmount, acqAmount, difference }) => {
    const s = scenario();
    s.posRec({ at: '2026-11-20 10:11', reference: '632010000001', amountMinor: posAmount });
    s.acq({ at: '2026-11-20 10:11', reference: '632010000001', amountMinor: acqAmount });
    const { findings } = s.run(chargedWithoutSale);
    if (difference === undefined) expect(findings).toEqual([]);
    else {
      expect(findings).toMatchObject([{ reference: '632010000001', expectedMinor: posAmount, actualMinor: acqAmount, differenceMinor: difference, evidence: [...ev(ACQ_FILE, 2), ...ev(POS_FILE, 2)] }]);
      expect(findings[0]!.message).toContain('多扣');
    }
  });
});
