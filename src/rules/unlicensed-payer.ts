import { makeFinding, type Finding } from '../model/finding.js';
import { evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'unlicensed-payer';

/** Spelling differences that are not a different name: spaces and full-width brackets. */
const normaliseName = (s: string): string => s.replace(/\s+/g, '').replace(/（/g, '(').replace(/）/g, ')');

/**
 * Whether a payer is on the whitelist: the licensed name itself, or a branch of it
 * (`银联商务股份有限公司上海分公司` pays for `银联商务股份有限公司`).
 */
export function isLicensed(payer: string, licensed: readonly string[]): boolean {
  const who = normaliseName(payer);
  return licensed.some((l) => {
    const name = normaliseName(l);
    return name !== '' && (who === name || who.startsWith(name));
  });
}

const MASK = /[*xX•]/;

/**
 * Whether a statement's account number is the contract's. Statements often mask the middle
 * (`6222****3334`): then the visible head and tail must match.
 */
export function sameAccountNumber(shown: string, contract: string): boolean {
  const full = contract.replace(/\D/g, '');
  const s = shown.replace(/[\s-]/g, '');
  if (!MASK.test(s)) return s.replace(/\D/g, '') === full;
  const head = (/^[^*xX•]*/.exec(s)?.[0] ?? '').replace(/\D/g, '');
  const tail = (/[^*xX•]*$/.exec(s)?.[0] ?? '').replace(/\D/g, '');
  return head.length + tail.length > 0 && full.startsWith(head) && full.endsWith(tail);
}

/**
 * 二清: settlement money that passed through a party not licensed for it, or landed in an account
 * not in the merchant's name → critical (DESIGN.md section 5).
 * - A bank credit paying settlement days whose payer is not in `licensedPayers` (when the list is
 *   not empty; a credit that names no payer proves nothing and is left alone): one per credit.
 * - A bank statement for an account whose number or name differs from the contract's account.
 */
export const unlicensedPayer = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['bank'],
  scope: 'merchant',
  title: '二清（非持牌机构结算）',
  description: 'Settlement paid by a party not on the licensed whitelist, or into an account not in the merchant\'s name.',
  check({ data, config }) {
    const findings: Finding[] = [];
    if (config.licensedPayers.length > 0) {
      for (const m of data.bankMatch.paid) {
        const payer = m.credit.counterpartyName;
        if (!payer || isLicensed(payer, config.licensedPayers)) continue;
        const dates = m.days.map((d) => d.settleDate);
        const span = dates.length > 1 ? `${dates[0]} 至 ${dates[dates.length - 1]}` : (dates[0] ?? '');
        findings.push(
          makeFinding(ID, 'critical', {
            merchantId: data.merchant.id,
            date: m.credit.bookingDate,
            reference: m.credit.reference,
            currency: m.credit.currency,
            amountMinor: m.credit.amountMinor,
            message: `${m.credit.bookingDate} 入账的 ${span} 清算款 ${yuan(m.credit.amountMinor)} 由「${payer}」支付，它不在合同列明的持牌清算机构名单（${config.licensedPayers.join('、')}）中，涉嫌二次清算（二清）。`,
            evidence: evidence(m.credit, ...m.days.flatMap((d) => d.records)),
            keys: ['payer', m.credit.bookingDate, m.credit.amountMinor, payer, m.credit.reference],
          }),
        );
      }
    }
    const account = data.merchant.account;
    if (account) {
      for (const st of data.statements) {
        const wrongNumber = st.number !== undefined && st.number.trim() !== '' && !sameAccountNumber(st.number, account.number);
        const wrongName = st.name !== undefined && st.name.trim() !== '' && normaliseName(st.name) !== normaliseName(account.name);
        if (!wrongNumber && !wrongName) continue;
        const entries = data.bank.filter((b) => b.source.file === st.file);
        const credited = entries.filter((b) => b.direction === 'credit').reduce((s, b) => s + b.amountMinor, 0);
        const shown = [st.name, st.number].filter((x) => x).join(' ');
        findings.push(
          makeFinding(ID, 'critical', {
            merchantId: data.merchant.id,
            currency: entries[0]?.currency ?? config.currency,
            amountMinor: credited,
            message: `银行对账单 ${st.file} 的账户为「${shown}」，与合同约定的结算账户「${account.name} ${account.number}」${wrongNumber && wrongName ? '户名和账号都' : wrongName ? '户名' : '账号'}不符：结算款进入了非商户本人名下的账户，涉嫌二清。该账户收入合计 ${yuan(credited)}。`,
            // The account is named in the statement's preamble, whose line the statement record does not keep.
            evidence: entries.length > 0 ? evidence(...entries) : [{ file: st.file, line: 1 }],
            keys: ['account', st.number?.trim(), st.name ? normaliseName(st.name) : undefined],
          }),
        );
      }
    }
    return findings;
  },
});
