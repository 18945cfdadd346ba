import { makeFinding } from '../model/finding.js';
import { duplicateSales } from '../matching/duplicates.js';
import { clock, evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'charged-without-sale';

/** 扣款未提供服务: the acquirer charged a customer for a sale the merchant's POS never recorded. */
export const chargedWithoutSale = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer', 'pos'],
  scope: 'merchant',
  title: '扣款未提供服务',
  description: 'An acquirer sale with no POS sale behind it.',
  check({ data }) {
    // A second charge of the same sale is a duplicate-charge, and a sale the acquirer itself voided charged nobody.
    const duplicates = duplicateSales(data.acquirer);
    const cancelled = new Set(data.posMatch.acquirerCancels.map((c) => c.original));
    return data.posMatch.unmatchedAcquirerSales
      .filter((a) => !duplicates.has(a) && !cancelled.has(a))
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
  },
});
