import { dueDate } from '../model/calendar.js';
import { makeFinding } from '../model/finding.js';
import { clock, dateOf, evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'sale-not-settled';

/**
 * 扣款未到账: an approved POS sale, not voided or reversed, that no acquirer file settled within the
 * cycle plus the grace days. Before that deadline, or while the acquirer files do not reach it yet,
 * it is an open item, not a finding.
 */
export const saleNotSettled = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer', 'pos'],
  scope: 'merchant',
  title: '扣款未到账',
  description: 'An approved POS sale that no acquirer file settled within the cycle plus grace days.',
  check({ data, config, calendar, asOf, open }) {
    const cancelled = new Set(data.posMatch.posCancels.map((c) => c.original));
    const grace = config.tolerances.graceBusinessDays;
    const coveredUntil = data.coverage.acquirer ?? '';
    const findings = [];
    for (const p of data.posMatch.unmatchedPosSales) {
      if (cancelled.has(p)) continue;
      const saleDate = dateOf(p.txnTime);
      const due = calendar.addBusinessDays(dueDate(saleDate, data.merchant.settlement.cycle, calendar), grace);
      if (due >= asOf || due > coveredUntil) {
        open.push({
          kind: 'sale-awaiting-settlement',
          merchantId: data.merchant.id,
          reference: p.reference ?? p.orderId,
          date: saleDate,
          currency: p.currency,
          amountMinor: p.amountMinor,
          due,
          ageDays: calendar.businessDaysBetween(saleDate, asOf),
          evidence: evidence(p),
        });
        continue;
      }
      findings.push(
        makeFinding(ID, 'critical', {
          merchantId: data.merchant.id,
          terminalId: p.terminalId,
          reference: p.reference ?? p.orderId,
          txnTime: p.txnTime,
          currency: p.currency,
          amountMinor: p.amountMinor,
          expectedMinor: p.amountMinor,
          actualMinor: 0,
          differenceMinor: p.amountMinor,
          message: `收银系统于 ${clock(p.txnTime)} 记录的销售 ${yuan(p.amountMinor)}（参考号 ${p.reference ?? p.orderId ?? '-'}）在 ${due} 前未出现在任何收单清算文件中。`,
          evidence: evidence(p),
          keys: [p.reference ?? p.orderId, p.terminalId, p.trace, p.txnTime, p.amountMinor],
        }),
      );
    }
    return findings;
  },
});
