import { makeFinding, type Finding } from '../model/finding.js';
import { evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'settlement-late';

/** From this many business days late the delay is high (DESIGN.md section 5: 1–2 medium, 3+ high). */
const HIGH_FROM_DAYS = 3;

/**
 * 结算延迟: a settlement day paid by a bank credit booked after the day's due date. Lateness is
 * counted in China business days after the due date, so a Friday's T+1 settlement credited on
 * the Monday is on time, and a make-up working Saturday (调休) counts. One finding per late day.
 */
export const settlementLate = defineRule({
  id: ID,
  severity: 'medium',
  needs: ['acquirer', 'bank'],
  scope: 'merchant',
  title: '清算资金延迟到账',
  description: 'A settlement credited after its due date: 1–2 business days late medium, 3 or more high.',
  check({ data, calendar }) {
    const findings: Finding[] = [];
    for (const m of data.bankMatch.paid) {
      const booked = m.credit.bookingDate;
      for (const day of m.days) {
        if (booked <= day.due) continue;
        const late = calendar.businessDaysBetween(day.due, booked);
        if (late < 1) continue;
        findings.push(
          makeFinding(ID, late >= HIGH_FROM_DAYS ? 'high' : 'medium', {
            merchantId: data.merchant.id,
            date: day.settleDate,
            reference: m.credit.reference,
            currency: day.currency,
            amountMinor: day.netMinor,
            message: `${day.settleDate} 清算的 ${day.records.length} 笔交易净额 ${yuan(day.netMinor)} 按 ${data.merchant.settlement.cycle} 应于 ${day.due} 到账，银行 ${booked} 才入账，晚了 ${late} 个工作日。`,
            evidence: evidence(m.credit, ...day.records),
            keys: [day.settleDate, day.currency],
          }),
        );
      }
    }
    return findings;
  },
});
