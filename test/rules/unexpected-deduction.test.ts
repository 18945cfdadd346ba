import { describe, expect, it } from 'vitest';
import type { BankEntry } from '../../src/model/records.js';
import { unexpectedDeduction } from '../../src/rules/unexpected-deduction.js';
import { ACQ_FILE, BANK_FILE, contract, ev, scenario } from './_fixtures.js';

type Debit = Partial<BankEntry>;
const debit = (o: Debit): Debit => ({ direction: 'debit', bookingDate: '2026-11-25', amountMinor: 3_000, ...o });

describe('unexpected-deduction', () => {
  it('reports a traffic fee the acquirer debited from the account', () => {
    const s = scenario();
    s.bankRec(debit({ description: 'POS机流量费2026年11月', reference: 'D20261125001' }));
    const { findings } = s.run(unexpectedDeduction);
    expect(findings).toMatchObject([
      {
        rule: 'unexpected-deduction',
        severity: 'medium',
        date: '2026-11-25',
        reference: 'D20261125001',
        amountMinor: 3_000,
        expectedMinor: 0,
        actualMinor: 3_000,
        differenceMinor: 3_000,
        evidence: ev(BANK_FILE, 2),
      },
    ]);
    expect(findings[0]?.message).toBe('2026-11-25 银行账户被 银联商务股份有限公司 扣款 30.00 元（摘要「POS机流量费2026年11月」），合同未约定流量费。');
  });

  it.each([
    { name: 'a deposit from a payment company not on the whitelist', d: debit({ description: '机具押金', counterpartyName: '某某支付科技有限公司', amountMinor: 29_900 }), found: true },
    { name: 'an annual fee with no counterparty named', d: debit({ description: '商户年费', counterpartyName: undefined }), found: true },
    { name: 'a technical service fee from a branch of the payer', d: debit({ description: '技术服务费', counterpartyName: '银联商务股份有限公司上海分公司' }), found: true },
    { name: 'a deduction the contract allows (流量费)', d: debit({ description: 'POS机流量费' }), allowed: ['流量费'], found: false },
    { name: "the merchant's own property service fee to its landlord", d: debit({ description: '物业服务费', counterpartyName: '上海静安物业管理有限公司' }), found: false },
    { name: "the bank's own SMS alert fee", d: debit({ description: '短信服务费', counterpartyName: undefined }), found: false },
    { name: 'a credit that mentions a service fee', d: { direction: 'credit' as const, description: '服务费退回', amountMinor: 3_000 }, found: false },
    { name: 'a debit with an ordinary description', d: debit({ description: '银联商务结算款调账' }), found: false },
  ])('$name', ({ d, allowed, found }) => {
    const s = scenario(contract({ merchant: { allowedDeductions: allowed ?? [] } }));
    s.bankRec(d);
    expect(s.run(unexpectedDeduction).findings).toMatchObject(
      found ? [{ rule: 'unexpected-deduction', severity: 'medium', amountMinor: d.amountMinor, differenceMinor: d.amountMinor, evidence: ev(BANK_FILE, 2) }] : [],
    );
  });

  it('takes a debit from whoever pays the settlements as the settlement side', () => {
    const s = scenario(contract({ licensedPayers: [] }));
    s.acq({ at: '2026-11-20 10:00' });
    s.credit('2026-11-23', ['2026-11-20'], { counterpartyName: '上海某某信息技术有限公司' });
    s.bankRec(debit({ description: '设备费', counterpartyName: '上海某某信息技术有限公司' }));
    expect(s.run(unexpectedDeduction).findings).toMatchObject([{ evidence: ev(BANK_FILE, 3) }]);
  });

  it('reports each of two identical debits, with distinct ids', () => {
    const s = scenario();
    s.bankRec(debit({ description: '流量费' }));
    s.bankRec(debit({ description: '流量费' }));
    const { findings } = s.run(unexpectedDeduction);
    expect(findings.map((f) => f.evidence)).toEqual([ev(BANK_FILE, 2), ev(BANK_FILE, 3)]);
    expect(findings[0]?.id).not.toBe(findings[1]?.id);
  });

  it.each([
    { name: 'a 技术服务费 adjustment', o: { netMinor: -9_900, description: '技术服务费（年）' }, found: true },
    { name: 'an adjustment without a description', o: { netMinor: -9_900 }, found: false },
    { name: 'an adjustment paying the merchant', o: { netMinor: 9_900, description: '服务费返还' }, found: false },
    { name: 'an allowed adjustment', o: { netMinor: -9_900, description: '流量费' }, allowed: ['流量费'], found: false },
  ])('acquirer: $name', ({ o, allowed, found }) => {
    const s = scenario(contract({ merchant: { allowedDeductions: allowed ?? [] } }));
    s.acq({ at: '2026-11-20 00:00', txnType: 'adjustment', amountMinor: 9_900, feeMinor: 0, reference: 'ADJ001', ...o });
    const { findings } = s.run(unexpectedDeduction);
    expect(findings).toMatchObject(found ? [{ severity: 'medium', reference: 'ADJ001', amountMinor: 9_900, differenceMinor: 9_900, evidence: ev(ACQ_FILE, 2) }] : []);
    if (found) expect(findings[0]?.message).toContain('以调整方式扣款 99.00 元');
  });
});
