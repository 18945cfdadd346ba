import { describe, expect, it } from 'vitest';
import { overRefund } from '../../src/rules/over-refund.js';
import { ACQ_FILE, ev, scenario, type Scenario } from './_fixtures.js';

const SALE = { at: '2026-11-20 10:11:12', amountMinor: 10_000, reference: '632010000001', orderId: 'WX20261120001', trace: '000123' };
const refund = (s: Scenario, amountMinor: number, day: string, o: { originalReference?: string; originalOrderId?: string; originalTrace?: string } = { originalReference: SALE.reference }) =>
  s.acq({ at: `${day} 15:00`, txnType: 'refund', amountMinor, reference: `R${day}${amountMinor}`, ...o });

describe('over-refund', () => {
  it.each([
    { name: 'one refund of the whole sale', refunds: [10_000], excess: undefined },
    { name: 'a refund split in two parts that add up to the sale', refunds: [6_000, 4_000], excess: undefined },
    { name: 'two parts 1 fen above the sale', refunds: [6_000, 4_001], excess: 1 },
    { name: 'the same refund twice', refunds: [10_000, 10_000], excess: 10_000 },
  ])('$name', ({ refunds, excess }) => {
    const s = scenario();
    s.acq(SALE);
    refunds.forEach((r, i) => refund(s, r, `2026-11-2${i + 1}`));
    const { findings } = s.run(overRefund);
    if (excess === undefined) {
      expect(findings).toEqual([]);
      return;
    }
    const total = refunds.reduce((a, b) => a + b, 0);
    expect(findings).toMatchObject([
      {
        rule: 'over-refund',
        severity: 'high',
        reference: '632010000001',
        txnTime: '2026-11-20T10:11:12+08:00',
        amountMinor: 10_000,
        expectedMinor: 10_000,
        actualMinor: total,
        differenceMinor: excess,
        evidence: ev(ACQ_FILE, 2, 3, 4),
      },
    ]);
    expect(findings[0]?.message).toContain(`超出原交易 ${excess === 1 ? '0.01' : '100.00'} 元`);
  });

  it.each([
    { name: 'the original order id (wallets)', o: { originalOrderId: 'WX20261120001' } },
    { name: 'the original trace on the same terminal', o: { originalTrace: '000123' } },
  ])('ties refunds to their sale by $name', ({ o }) => {
    const s = scenario();
    s.acq(SALE);
    refund(s, 7_000, '2026-11-21', o);
    refund(s, 7_000, '2026-11-22', o);
    expect(s.run(overRefund).findings).toMatchObject([{ differenceMinor: 4_000 }]);
  });

  it('counts a void of the sale as giving back the whole amount', () => {
    const s = scenario();
    s.acq(SALE);
    s.acq({ at: '2026-11-20 10:20', txnType: 'void', amountMinor: 10_000, originalReference: SALE.reference });
    refund(s, 3_000, '2026-11-21');
    expect(s.run(overRefund).findings).toMatchObject([{ actualMinor: 13_000, differenceMinor: 3_000, evidence: ev(ACQ_FILE, 2, 3, 4) }]);
  });

  it('cannot judge refunds whose sale is not in the files', () => {
    const s = scenario();
    refund(s, 10_000, '2026-11-21', { originalReference: '631000000001' });
    refund(s, 10_000, '2026-11-22', { originalReference: '631000000001' });
    expect(s.run(overRefund).findings).toEqual([]);
  });
});
