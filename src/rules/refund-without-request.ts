import { makeFinding, type Finding } from '../model/finding.js';
import { acquirerUndo, exactDuplicates, posCancelOutcomes, refundOriginals } from './_links.js';
import { clock, dateOf, evidence, yuan } from './_shared.js';
import { nearDuplicates } from './duplicate-charge.js';
import { defineRule } from './types.js';

const ID = 'refund-without-request';

/**
 * 无请求退款: a refund in the acquirer files that the merchant's POS never made → critical
 * (DESIGN.md section 5): money taken back from the merchant without its request.
 * Not a finding when the refund gives back a charge the POS never had as a sale of its own: a sale
 * the POS voided or reversed, a duplicate charge, or a sale with no POS sale behind it (the
 * acquirer undoing its own error), nor while the POS journal does not reach the refund's date.
 */
export const refundWithoutRequest = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer', 'pos'],
  scope: 'merchant',
  title: '无请求退款',
  description: 'An acquirer refund with no POS refund behind it.',
  check({ data, config }) {
    if (data.posMatch.unmatchedAcquirerRefunds.length === 0) return [];
    const originals = refundOriginals(acquirerUndo(data));
    const excused = new Set([
      ...posCancelOutcomes(data).flatMap((c) => (c.acquirer ? [c.acquirer] : [])),
      ...exactDuplicates(data).keys(),
      ...nearDuplicates(data, config).keys(),
      ...data.posMatch.unmatchedAcquirerSales,
    ]);
    const posUntil = data.coverage.pos ?? '';
    const findings: Finding[] = [];
    for (const r of data.posMatch.unmatchedAcquirerRefunds) {
      const original = originals.get(r);
      if (original && excused.has(original)) continue;
      if (dateOf(r.txnTime) > posUntil) continue;
      const ref = r.reference ?? r.orderId;
      const originalRef = original?.reference ?? original?.orderId ?? r.originalReference ?? r.originalOrderId;
      findings.push(
        makeFinding(ID, 'critical', {
          merchantId: data.merchant.id,
          terminalId: r.terminalId,
          reference: ref,
          txnTime: r.txnTime,
          currency: r.currency,
          amountMinor: r.amountMinor,
          expectedMinor: 0,
          actualMinor: r.amountMinor,
          differenceMinor: r.amountMinor,
          message: `收单机构于 ${clock(r.txnTime)} 从商户结算款中退款 ${yuan(r.amountMinor)}（参考号 ${ref ?? '-'}${originalRef ? `，原交易 ${originalRef}` : ''}），收银系统没有对应的退款记录。`,
          evidence: evidence(r, original),
          keys: [ref, r.terminalId, r.trace, r.txnTime, r.amountMinor],
        }),
      );
    }
    return findings;
  },
});
