import { makeFinding } from '../model/finding.js';
import { evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'settlement-short';

/** A bank credit below the net the acquirer's file says it settled for those days. */
export const settlementShort = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer', 'bank'],
  scope: 'merchant',
  title: '清算资金短款',
  description: 'A bank credit below the expected net of the settlement days it pays.',
  check({ data }) {
    return data.bankMatch.paid
      .filter((m) => m.shortMinor > 0)
      .map((m) => {
        const dates = m.days.map((d) => d.settleDate);
        const span = dates.length > 1 ? `${dates[0]} 至 ${dates[dates.length - 1]}` : (dates[0] ?? '');
        return makeFinding(ID, 'high', {
          merchantId: data.merchant.id,
          date: dates[0],
          reference: m.credit.reference,
          currency: m.credit.currency,
          amountMinor: m.expectedMinor,
          expectedMinor: m.expectedMinor,
          actualMinor: m.credit.amountMinor,
          differenceMinor: m.shortMinor,
          message: `${m.credit.bookingDate} 银行入账 ${yuan(m.credit.amountMinor)}，而 ${span} 的清算净额应为 ${yuan(m.expectedMinor)}，短款 ${yuan(m.shortMinor)}。`,
          evidence: [...evidence(m.credit), ...evidence(...m.days.flatMap((d) => d.records).slice(0, 20))],
          keys: [dates.join(','), m.credit.currency],
        });
      });
  },
});
