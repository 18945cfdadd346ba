import { makeFinding, type Finding } from '../model/finding.js';
import { acquirerUndo } from './_links.js';
import { clock, evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'over-refund';

/**
 * 超额退款: the acquirer gave back more than the original sale → high (DESIGN.md section 5).
 * Refunds are tied to their sale by the original reference, order id or trace they carry; a void or
 * reversal of the same sale counts as giving back the whole amount. A refund split in parts that
 * add up to the sale is not a finding; the excess is the difference.
 */
export const overRefund = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '超额退款',
  description: 'Acquirer refunds (and voids) of one sale that add up to more than the sale.',
  check({ data }) {
    const findings: Finding[] = [];
    for (const [sale, u] of acquirerUndo(data)) {
      if (u.undoneMinor <= sale.amountMinor) continue;
      const excess = u.undoneMinor - sale.amountMinor;
      const ref = sale.reference ?? sale.orderId;
      const parts = [...u.cancels.map(() => `撤销 ${yuan(sale.amountMinor)}`), ...u.refunds.map((r) => `退款 ${yuan(r.amountMinor)}`)];
      findings.push(
        makeFinding(ID, 'high', {
          merchantId: data.merchant.id,
          terminalId: sale.terminalId,
          reference: ref,
          txnTime: sale.txnTime,
          currency: sale.currency,
          amountMinor: sale.amountMinor,
          expectedMinor: sale.amountMinor,
          actualMinor: u.undoneMinor,
          differenceMinor: excess,
          message: `${clock(sale.txnTime)} 的交易 ${yuan(sale.amountMinor)}（参考号 ${ref ?? '-'}）被退回合计 ${yuan(u.undoneMinor)}（${parts.join('、')}），超出原交易 ${yuan(excess)}。`,
          evidence: evidence(sale, ...u.cancels, ...u.refunds),
          keys: [ref, sale.terminalId, sale.trace, sale.txnTime],
        }),
      );
    }
    return findings;
  },
});
