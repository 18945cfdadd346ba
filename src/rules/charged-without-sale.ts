import { makeFinding } from '../model/finding.js';
import { acquirerUndo, exactDuplicates } from './_links.js';
import { clock, dateOf, evidence, yuan } from './_shared.js';
import { nearDuplicates } from './duplicate-charge.js';
import { defineRule } from './types.js';

const ID = 'charged-without-sale';

/** 扣款未提供服务: the acquirer charged a customer for a sale the merchant's POS never recorded. */
export const chargedWithoutSale = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer', 'pos'],
  scope: 'merchant',
  title: '扣款未提供服务',
  description: 'An acquirer sale with no POS sale behind it, or charged for more than the POS sale.',
  check({ data, config }) {
    // A second charge of the same sale is a duplicate-charge (the exact kind, either copy when the
    // POS matched the other, or the near kind), and a sale the acquirer itself voided or refunded
    // in full charged nobody. Past the end of the POS journal nothing can be said to be missing from it.
    const duplicates = exactDuplicates(data);
    // Every acquirer sale is either paired with a POS sale or left unmatched: the (few) unmatched
    // make the smaller set to ask.
    const unmatchedSales = new Set(data.posMatch.unmatchedAcquirerSales);
    const firstOfMatched = new Set([...duplicates].filter(([repeat]) => !unmatchedSales.has(repeat)).map(([, first]) => first));
    const undo = acquirerUndo(data);
    const near = nearDuplicates(data, config);
    const posUntil = data.coverage.pos ?? '';
    // A sale matched by its reference but charged for more than the POS sold: the excess is a
    // charge with no sale behind it.
    const overcharged = data.posMatch.sales
      .filter((p) => p.acquirer.amountMinor > p.pos.amountMinor)
      .map(({ pos, acquirer: a }) =>
        makeFinding(ID, 'critical', {
          merchantId: data.merchant.id,
          terminalId: a.terminalId,
          reference: a.reference ?? a.orderId,
          txnTime: a.txnTime,
          currency: a.currency,
          amountMinor: a.amountMinor,
          expectedMinor: pos.amountMinor,
          actualMinor: a.amountMinor,
          differenceMinor: a.amountMinor - pos.amountMinor,
          message: `收单机构于 ${clock(a.txnTime)} 在终端 ${a.terminalId ?? '-'} 扣款 ${yuan(a.amountMinor)}（参考号 ${a.reference ?? a.orderId ?? '-'}），而收银系统记录的销售金额为 ${yuan(pos.amountMinor)}，多扣 ${yuan(a.amountMinor - pos.amountMinor)}。`,
          evidence: evidence(a, pos),
          keys: [a.reference ?? a.orderId, a.terminalId, a.trace, a.txnTime, 'amount'],
        }),
      );
    const unmatched = data.posMatch.unmatchedAcquirerSales
      .filter(
        (a) =>
          !duplicates.has(a) &&
          !firstOfMatched.has(a) &&
          !near.has(a) &&
          (undo.get(a)?.undoneMinor ?? 0) < a.amountMinor &&
          dateOf(a.txnTime) <= posUntil,
      )
      .map((a) =>
        makeFinding(ID, 'critical', {
          merchantId: data.merchant.id,
          terminalId: a.terminalId,
          reference: a.reference ?? a.orderId,
          txnTime: a.txnTime,
          currency: a.currency,
          amountMinor: a.amountMinor,
          expectedMinor: 0,
          actualMinor: a.amountMinor,
          differenceMinor: a.amountMinor,
          message: `收单机构于 ${clock(a.txnTime)} 在终端 ${a.terminalId ?? '-'} 扣款 ${yuan(a.amountMinor)}（参考号 ${a.reference ?? a.orderId ?? '-'}），但收银系统没有对应的销售记录。`,
          evidence: evidence(a),
          keys: [a.reference ?? a.orderId, a.terminalId, a.trace, a.txnTime, a.amountMinor],
        }),
      );
    return [...unmatched, ...overcharged];
  },
});
