import { makeFinding } from '../model/finding.js';
import { clock, formatRate, pricedSales, yuan } from './_shared.js';
import { hiddenSurchargeOf } from './hidden-surcharge.js';
import { defineRule } from './types.js';

const ID = 'fee-overcharge';

/**
 * A fee above the contract: expected = round-half-up(amount × rate), capped, plus the contracted
 * fixed fee; more than the tolerance (1 fen) over it is a finding. A debit fee over the cap is
 * debit-cap-exceeded instead, and a constant add-on on most transactions is hidden-surcharge.
 */
export const feeOvercharge = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '手续费高于合同',
  description: 'A transaction fee above the contracted rate, cap and fixed fee.',
  check({ data, config }) {
    const tolerance = config.tolerances.feeFen;
    const surcharge = hiddenSurchargeOf(data, config);
    const findings = [];
    for (const { txn: a, fee } of pricedSales(data)) {
      const over = a.feeMinor - fee.expectedMinor;
      if (over <= tolerance) continue;
      if (fee.capMinor !== undefined && a.cardKind === 'debit' && fee.uncappedMinor >= fee.capMinor) continue;
      if (surcharge && Math.abs(over - surcharge.residualMinor) <= tolerance) continue;
      findings.push(
        makeFinding(ID, 'high', {
          merchantId: data.merchant.id,
          terminalId: a.terminalId,
          reference: a.reference ?? a.orderId,
          txnTime: a.txnTime,
          currency: a.currency,
          amountMinor: a.amountMinor,
          expectedMinor: fee.expectedMinor,
          actualMinor: a.feeMinor,
          differenceMinor: over,
          message: `${clock(a.txnTime)} 交易 ${yuan(a.amountMinor)} 的手续费 ${yuan(a.feeMinor)} 高于合同费率 ${formatRate(fee.rate)} 应收的 ${yuan(fee.expectedMinor)}，多收 ${yuan(over)}。`,
          evidence: [{ file: a.source.file, line: a.source.line }],
          keys: [a.reference ?? a.orderId, a.terminalId, a.trace, a.txnTime],
        }),
      );
    }
    return findings;
  },
});
