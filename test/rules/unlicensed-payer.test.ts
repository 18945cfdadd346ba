import { describe, expect, it } from 'vitest';
import { sameAccountNumber, unlicensedPayer } from '../../src/rules/unlicensed-payer.js';
import { ACCOUNT, ACQ_FILE, BANK_FILE, MERCHANT_NAME, contract, ev, scenario } from './_fixtures.js';

describe('unlicensed-payer: who paid', () => {
  it('reports a settlement paid by a party not on the licensed whitelist (二清)', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:00', amountMinor: 10_000 });
    s.acq({ at: '2026-11-20 11:00', amountMinor: 20_000 });
    s.credit('2026-11-23', ['2026-11-20'], { counterpartyName: '深圳市某某信息科技有限公司', reference: 'B1123001' });
    const { findings } = s.run(unlicensedPayer);
    expect(findings).toMatchObject([
      {
        rule: 'unlicensed-payer',
        severity: 'critical',
        date: '2026-11-23',
        reference: 'B1123001',
        amountMinor: 29_820,
        evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 2, 3)],
      },
    ]);
    expect(findings[0]?.message).toBe(
      '2026-11-23 入账的 2026-11-20 清算款 298.20 元 由「深圳市某某信息科技有限公司」支付，它不在合同列明的持牌清算机构名单（银联商务股份有限公司、财付通支付科技有限公司）中，涉嫌二次清算（二清）。',
    );
  });

  it.each([
    { name: 'a licensed payer', payer: '银联商务股份有限公司', config: contract(), found: 0 },
    { name: 'a branch of a licensed payer', payer: '银联商务股份有限公司上海分公司', config: contract(), found: 0 },
    { name: 'a licensed payer written with a stray space', payer: '财付通支付科技 有限公司', config: contract(), found: 0 },
    { name: 'a credit that names no payer', payer: undefined, config: contract(), found: 0 },
    { name: 'an empty whitelist (nothing to check against)', payer: '深圳市某某信息科技有限公司', config: contract({ licensedPayers: [] }), found: 0 },
    { name: 'one credit per finding', payer: '深圳市某某信息科技有限公司', config: contract(), found: 2 },
  ])('$name', ({ payer, config, found }) => {
    const s = scenario(config);
    s.acq({ at: '2026-11-20 10:00' });
    s.acq({ at: '2026-11-23 10:00', amountMinor: 20_000 });
    s.credit('2026-11-23', ['2026-11-20'], { counterpartyName: payer });
    s.credit('2026-11-24', ['2026-11-23'], { counterpartyName: payer });
    const { findings } = s.run(unlicensedPayer);
    expect(findings).toHaveLength(found);
    if (found === 2) {
      expect(findings).toMatchObject([
        { date: '2026-11-23', amountMinor: 9_940, evidence: [...ev(BANK_FILE, 2), ...ev(ACQ_FILE, 2)] },
        { date: '2026-11-24', amountMinor: 19_880, evidence: [...ev(BANK_FILE, 3), ...ev(ACQ_FILE, 3)] },
      ]);
    }
  });

  it('leaves credits that pay no settlement alone', () => {
    const s = scenario();
    s.acq({ at: '2026-11-20 10:00' });
    s.credit('2026-11-23', ['2026-11-20']);
    s.bankRec({ bookingDate: '2026-11-24', amountMinor: 500_000, counterpartyName: '张三', description: '货款' });
    expect(s.run(unlicensedPayer).findings).toEqual([]);
  });
});

describe('unlicensed-payer: into whose account', () => {
  it.each([
    { name: 'the contract account', st: { number: ACCOUNT, name: MERCHANT_NAME }, wrong: undefined },
    { name: 'the contract account, masked', st: { number: '6222 02** **** 2223 334', name: MERCHANT_NAME }, wrong: undefined },
    { name: 'another account number under the merchant name', st: { number: '6222021009998887776', name: MERCHANT_NAME }, wrong: '账号' },
    { name: 'a masked number with another tail', st: { number: '622202*********7776', name: MERCHANT_NAME }, wrong: '账号' },
    { name: 'the contract number in the name of a person', st: { number: ACCOUNT, name: '王小明' }, wrong: '户名' },
  ])('$name', ({ st, wrong }) => {
    const s = scenario();
    s.statement({ file: 'stmt.csv', ...st });
    s.bankRec({ file: 'stmt.csv', accountNumber: st.number, accountName: st.name, amountMinor: 12_345, bookingDate: '2026-11-23' });
    s.bankRec({ file: 'stmt.csv', accountNumber: st.number, accountName: st.name, amountMinor: 1_000, direction: 'debit', description: '转账' });
    const { findings } = s.run(unlicensedPayer);
    if (!wrong) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toMatchObject([{ severity: 'critical', amountMinor: 12_345, evidence: ev('stmt.csv', 2, 3) }]);
    expect(findings[0]?.message).toContain(`与合同约定的结算账户「${MERCHANT_NAME} ${ACCOUNT}」${wrong}不符`);
  });

  it.each([
    { shown: '6222021001112223334', same: true },
    { shown: '6222-0210-0111-2223-334', same: true },
    { shown: '6222********3334', same: true },
    { shown: '6222xxxxxxxx3334', same: true },
    { shown: '6222********3335', same: false },
    { shown: '6223********3334', same: false },
    { shown: '6222021001112223335', same: false },
    { shown: '****', same: false },
  ])('account number $shown is the contract one: $same', ({ shown, same }) => {
    expect(sameAccountNumber(shown, ACCOUNT)).toBe(same);
  });
});
