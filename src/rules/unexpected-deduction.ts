import { makeFinding, type Finding } from '../model/finding.js';
import type { AcquirerTxn, BankEntry } from '../model/records.js';
import { clock, evidence, yuan } from './_shared.js';
import { defineRule, type MerchantData } from './types.js';

const ID = 'unexpected-deduction';

/**
 * Words that name a charge for the acquiring service itself rather than a sale: the 服务费 /
 * 流量费 / 押金 / 年费 debits of DESIGN.md section 5 and the other names the same charges go by
 * (SIM 流量卡, 机具 rent, 会员 and 激活 fees, 保证金 instead of 押金).
 */
const DEDUCTION = /技术服务费|服务费|流量费|通讯费|通信费|押金|保证金|年费|月费|会员费|激活费|设备费|机具费|租赁费|维护费|管理费|SIM/i;

/**
 * The bank's own charges on the account (短信 alerts, account management, U盾, cheque books) are
 * the bank's business, not the acquirer's: not deductions from a settlement.
 */
const BANK_OWN = /短信|账户管理|帐户管理|工本费|网银|U盾|UKey|回单|挂失|跨行|汇款手续费|转账手续费/i;

/** Names of payment and acquiring companies, for a debit's counterparty. */
const PAYMENT_PARTY = /支付|银联|收单|拉卡拉|通联|汇付|快钱|易宝|随行付|乐刷|付临门|盛付通|财付通|pay/i;

const normalise = (s: string): string => s.replace(/\s+/g, '').replace(/（/g, '(').replace(/）/g, ')');

/** The parties that pay settlements: the licensed payers, the payers of this merchant's settlement credits and records. */
function settlementPayers(data: MerchantData, licensed: readonly string[]): Set<string> {
  return new Set([
    ...licensed.map(normalise),
    ...data.bankMatch.paid.flatMap((m) => (m.credit.counterpartyName ? [normalise(m.credit.counterpartyName)] : [])),
    ...data.acquirer.flatMap((a) => (a.payerName ? [normalise(a.payerName)] : [])),
  ]);
}

/**
 * Whether a bank debit came from the settlement side: a licensed payer, a party that pays this
 * merchant's settlements, a payment company by name, or no counterparty named at all. A debit to
 * anyone else is the merchant's own spending (rent, a supplier's 服务费), not a deduction.
 * `payers` ({@link settlementPayers}) is asked for only when the debit names a counterparty.
 */
function fromSettlementSide(b: BankEntry, payers: () => ReadonlySet<string>): boolean {
  const who = b.counterpartyName ? normalise(b.counterpartyName) : '';
  if (who === '') return true;
  return [...payers()].some((p) => who === p || who.startsWith(p)) || PAYMENT_PARTY.test(who);
}

const allowedBy = (text: string, allowed: readonly string[]): boolean => allowed.some((a) => a !== '' && text.includes(a));

/**
 * 不明扣款: a bank debit from the settlement side, or an acquirer adjustment taking money, whose
 * description names a service, traffic, deposit or annual fee (服务费/流量费/押金/年费…) that the
 * contract's `allowedDeductions` does not list → medium, one finding per entry (DESIGN.md section 5).
 * An adjustment without a description says nothing about what it is for and is left alone.
 */
export const unexpectedDeduction = defineRule({
  id: ID,
  severity: 'medium',
  needs: [],
  scope: 'merchant',
  title: '合同外扣费',
  description: '服务费/流量费/押金/年费 debits (bank debits, acquirer adjustments) not in the contract.',
  check({ data, config }) {
    const allowed = data.merchant.allowedDeductions;
    const findings: Finding[] = [];
    const seen = new Map<string, number>();
    const occurrence = (key: string) => {
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      return n;
    };
    // Worked out once for all the merchant's debits, not again for each: it reads every record.
    let known: Set<string> | undefined;
    const payers = () => (known ??= settlementPayers(data, config.licensedPayers));
    const debits = data.bank.filter(
      (b) =>
        b.direction === 'debit' &&
        b.description !== undefined &&
        DEDUCTION.test(b.description) &&
        !BANK_OWN.test(b.description) &&
        !allowedBy(b.description, allowed) &&
        fromSettlementSide(b, payers),
    );
    for (const b of debits) {
      const description = b.description ?? '';
      const term = DEDUCTION.exec(description)?.[0] ?? '';
      const base = [b.bookingDate, b.amountMinor, description, b.counterpartyName, b.reference];
      findings.push(
        makeFinding(ID, 'medium', {
          merchantId: data.merchant.id,
          date: b.bookingDate,
          reference: b.reference,
          currency: b.currency,
          amountMinor: b.amountMinor,
          expectedMinor: 0,
          actualMinor: b.amountMinor,
          differenceMinor: b.amountMinor,
          message: `${b.bookingDate} 银行账户被${b.counterpartyName ? ` ${b.counterpartyName} ` : ''}扣款 ${yuan(b.amountMinor)}（摘要「${description}」），合同未约定${term}。`,
          evidence: evidence(b),
          keys: ['bank', ...base, occurrence(base.join('|'))],
        }),
      );
    }
    const adjustments = data.acquirer.filter(
      (a): a is AcquirerTxn & { description: string } =>
        a.txnType === 'adjustment' &&
        a.netMinor < 0 &&
        a.description !== undefined &&
        DEDUCTION.test(a.description) &&
        !allowedBy(a.description, allowed),
    );
    for (const a of adjustments) {
      const taken = -a.netMinor;
      const term = DEDUCTION.exec(a.description)?.[0] ?? '';
      const base = [a.settleDate, a.txnTime, taken, a.description, a.reference ?? a.orderId];
      findings.push(
        makeFinding(ID, 'medium', {
          merchantId: data.merchant.id,
          terminalId: a.terminalId,
          reference: a.reference ?? a.orderId,
          txnTime: a.txnTime,
          date: a.settleDate,
          currency: a.currency,
          amountMinor: taken,
          expectedMinor: 0,
          actualMinor: taken,
          differenceMinor: taken,
          message: `收单机构在 ${a.settleDate} 的清算中以调整方式扣款 ${yuan(taken)}（${clock(a.txnTime)}，说明「${a.description}」），合同未约定${term}。`,
          evidence: evidence(a),
          keys: ['acquirer', ...base, occurrence(base.join('|'))],
        }),
      );
    }
    return findings;
  },
});
