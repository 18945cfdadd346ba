import { makeFinding } from '../model/finding.js';
import { evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'settlement-not-received';

/**
 * The acquirer settled a day, and no bank credit paid it by the due date plus the grace days.
 * While that deadline is ahead, or the bank statements do not reach it yet, the day is an open item.
 */
export const settlementNotReceived = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer', 'bank'],
  scope: 'merchant',
  title: '清算资金未到账',
  description: 'A settled day that no bank credit paid by its due date plus grace days.',
  check({ data, config, calendar, asOf, open }) {
    const grace = config.tolerances.graceBusinessDays;
    const coveredUntil = data.coverage.bank ?? '';
    const findings = [];
    for (const day of data.bankMatch.unpaidDays) {
      const deadline = calendar.addBusinessDays(day.due, grace);
      if (deadline >= asOf || deadline > coveredUntil) {
        open.push({
          kind: 'settlement-awaiting-credit',
          merchantId: data.merchant.id,
          date: day.settleDate,
          currency: day.currency,
          amountMinor: day.netMinor,
          due: day.due,
          ageDays: calendar.businessDaysBetween(day.settleDate, asOf),
          evidence: evidence(...day.records.slice(0, 20)),
        });
        continue;
      }
      findings.push(
        makeFinding(ID, 'critical', {
          merchantId: data.merchant.id,
          date: day.settleDate,
          currency: day.currency,
          amountMinor: day.netMinor,
          expectedMinor: day.netMinor,
          actualMinor: 0,
          differenceMinor: day.netMinor,
          message: `${day.settleDate} 清算的 ${day.records.length} 笔交易应于 ${day.due} 入账 ${yuan(day.netMinor)}，截至 ${deadline} 银行流水中没有对应的入账。`,
          evidence: evidence(...day.records),
          keys: [day.settleDate, day.currency],
        }),
      );
    }
    return findings;
  },
});
