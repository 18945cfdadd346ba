import { makeFinding, type Finding } from '../model/finding.js';
import { clock, formatRate, pricedSales, yuan } from './_shared.js';
import { hiddenSurchargeOf } from './hidden-surcharge.js';
import { defineRule } from './types.js';

const ID = 'debit-cap-exceeded';

/**
 * 封顶未封顶: a debit card sale large enough for the contract's cap (封顶) to apply, charged more
 * than the cap plus the contracted fixed fee plus the tolerance (DESIGN.md section 5). fee-overcharge
 * leaves these sales to this rule; a constant add-on on most sales is hidden-surcharge's.
 */
export const debitCapExceeded = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '借记卡封顶未执行',
  description: "A debit card fee above the contract's cap.",
  check({ data, config }) {
    const tolerance = config.tolerances.feeFen;
    const surcharge = hiddenSurchargeOf(data, config);
    const findings: Finding[] = [];
    for (const { txn: a, fee } of pricedSales(data)) {
      if (a.cardKind !== 'debit' || fee.capMinor === undefined || fee.uncappedMinor < fee.capMinor) continue;
      const over = a.feeMinor - fee.expectedMinor;
      if (over <= tolerance) continue;
      if (surcharge && Math.abs(over - surcharge.residualMinor) <= tolerance) continue;
      const ref = a.reference ?? a.orderId;
      const fixed = fee.fixedMinor > 0 ? ` 加固定费用 ${yuan(fee.fixedMinor)}` : '';
      findings.push(
        makeFinding(ID, 'high', {
          merchantId: data.merchant.id,
          terminalId: a.terminalId,
          reference: ref,
          txnTime: a.txnTime,
          currency: a.currency,
          amountMinor: a.amountMinor,
          expectedMinor: fee.expectedMinor,
          actualMinor: a.feeMinor,
          differenceMinor: over,
          message: `${clock(a.txnTime)} 借记卡交易 ${yuan(a.amountMinor)}（参考号 ${ref ?? '-'}）按 ${formatRate(fee.rate)} 计费已达合同封顶 ${yuan(fee.capMinor)}${fixed}，应收 ${yuan(fee.expectedMinor)}，实收 ${yuan(a.feeMinor)}，多收 ${yuan(over)}。`,
          evidence: [{ file: a.source.file, line: a.source.line }],
          keys: [ref, a.terminalId, a.trace, a.txnTime],
        }),
      );
    }
    return findings;
  },
});
