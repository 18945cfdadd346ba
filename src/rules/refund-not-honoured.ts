import { dueDate } from '../model/calendar.js';
import { makeFinding, type Finding } from '../model/finding.js';
import { acquirerOfPosSale, acquirerUndo, originalsFinder } from './_links.js';
import { clock, dateOf, evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'refund-not-honoured';

/**
 * 退款未退: an approved POS refund with no refund in the acquirer files within the cycle plus the
 * grace business days → high (DESIGN.md section 5). Before that deadline, or while the acquirer
 * files do not reach it, it is an open item (as in sale-not-settled). A refund of a sale the
 * acquirer voided itself was honoured that way.
 */
export const refundNotHonoured = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer', 'pos'],
  scope: 'merchant',
  title: '退款未执行',
  description: 'An approved POS refund with no acquirer refund within the cycle plus grace business days.',
  check({ data, config, calendar, asOf, open }) {
    if (data.posMatch.unmatchedPosRefunds.length === 0) return [];
    const grace = config.tolerances.graceBusinessDays;
    const coveredUntil = data.coverage.acquirer ?? '';
    const undo = acquirerUndo(data);
    const acquirerOf = acquirerOfPosSale(data);
    const originalsOf = originalsFinder(data.posMatch.sales.map((p) => p.pos));
    const findings: Finding[] = [];
    for (const p of data.posMatch.unmatchedPosRefunds) {
      const voidedAtAcquirer = originalsOf(p).some((s) => {
        const a = acquirerOf.get(s);
        return a !== undefined && (undo.get(a)?.cancels.length ?? 0) > 0;
      });
      if (voidedAtAcquirer) continue;
      const date = dateOf(p.txnTime);
      const due = calendar.addBusinessDays(dueDate(date, data.merchant.settlement.cycle, calendar), grace);
      if (due >= asOf || due > coveredUntil) {
        open.push({
          kind: 'refund-awaiting-acquirer',
          merchantId: data.merchant.id,
          reference: p.reference ?? p.orderId,
          date,
          currency: p.currency,
          amountMinor: p.amountMinor,
          due,
          ageDays: calendar.businessDaysBetween(date, asOf),
          evidence: evidence(p),
        });
        continue;
      }
      const ref = p.reference ?? p.orderId;
      const original = p.originalReference ?? p.originalOrderId ?? p.originalTrace;
      findings.push(
        makeFinding(ID, 'high', {
          merchantId: data.merchant.id,
          terminalId: p.terminalId,
          reference: ref,
          txnTime: p.txnTime,
          currency: p.currency,
          amountMinor: p.amountMinor,
          expectedMinor: p.amountMinor,
          actualMinor: 0,
          differenceMinor: p.amountMinor,
          message: `收银系统于 ${clock(p.txnTime)} 办理退款 ${yuan(p.amountMinor)}（参考号 ${ref ?? '-'}${original ? `，原交易 ${original}` : ''}），截至 ${due} 收单清算文件中没有对应的退款，顾客可能没有收到退款。`,
          evidence: evidence(p),
          keys: [ref, p.terminalId, p.trace, p.txnTime, p.amountMinor],
        }),
      );
    }
    return findings;
  },
});
