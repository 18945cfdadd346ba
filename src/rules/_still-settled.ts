import { makeFinding, type Finding } from '../model/finding.js';
import { posCancelOutcomes, type CancelOutcome } from './_links.js';
import { clock, dateOf, evidence, yuan } from './_shared.js';
import type { MerchantData } from './types.js';

/**
 * The common core of void-still-settled and reversal-still-settled (DESIGN.md section 5): a POS
 * void or reversal of a POS sale that the acquirer settled.
 * - The acquirer did not give the sale back (no void or reversal of its own, refunds short of the
 *   amount) → critical: the customer is still charged.
 * - The acquirer gave it back but kept its fee (sale fee + fees of the cancel > 0) where the
 *   contract does not allow it (`feeKeptOnVoid`) → medium.
 * A sale voided before settlement never reaches the acquirer file, and that is the normal case: no finding.
 * Nor is it one while the acquirer files reach no day after the cancel (a cancel after the daily
 * cut-off clears the next day).
 */
export function stillSettled(
  rule: string,
  data: MerchantData,
  which: (c: CancelOutcome) => boolean,
  word: string,
): Finding[] {
  const findings: Finding[] = [];
  for (const c of posCancelOutcomes(data).filter(which)) {
    const a = c.acquirer;
    if (!a) continue;
    const undone = Math.min(c.undo?.undoneMinor ?? 0, a.amountMinor);
    const ref = a.reference ?? a.orderId ?? c.original.reference ?? c.original.orderId;
    const base = {
      merchantId: data.merchant.id,
      terminalId: a.terminalId ?? c.original.terminalId,
      reference: ref,
      txnTime: a.txnTime,
      currency: a.currency,
      amountMinor: a.amountMinor,
      expectedMinor: 0,
    };
    const keys = [ref, a.terminalId, a.trace, a.txnTime];
    const undoRecords = [...(c.undo?.cancels ?? []), ...(c.undo?.refunds ?? [])];
    // A void after the acquirer's daily cut-off reaches the next clearing day's file: until the
    // files cover a later day, the acquirer has not had its chance to cancel.
    if (undone < a.amountMinor && (data.coverage.acquirer ?? '') > dateOf(c.cancel.txnTime)) {
      const left = a.amountMinor - undone;
      const partly = undone > 0 ? `，收单机构只退回了 ${yuan(undone)}` : '';
      findings.push(
        makeFinding(rule, 'critical', {
          ...base,
          actualMinor: left,
          differenceMinor: left,
          message: `${clock(c.original.txnTime)} 的销售 ${yuan(a.amountMinor)}（参考号 ${ref ?? '-'}）已于 ${clock(c.cancel.txnTime)} 在收银端${word}，但收单机构仍在 ${a.settleDate} 清算了该笔交易${partly}，顾客仍被扣款 ${yuan(left)}。`,
          evidence: evidence(c.cancel, c.original, a, ...undoRecords),
          keys,
        }),
      );
      continue;
    }
    if (undone < a.amountMinor) continue;
    const keptFee = a.feeMinor + (c.undo?.feeBackMinor ?? 0);
    if (keptFee > 0 && !data.merchant.feeKeptOnVoid) {
      findings.push(
        makeFinding(rule, 'medium', {
          ...base,
          actualMinor: keptFee,
          differenceMinor: keptFee,
          message: `${clock(c.original.txnTime)} 的销售 ${yuan(a.amountMinor)}（参考号 ${ref ?? '-'}）已${word}，收单机构却保留了手续费 ${yuan(keptFee)}，合同未约定${word}交易不退手续费。`,
          evidence: evidence(c.cancel, c.original, a, ...undoRecords),
          keys: [...keys, 'fee'],
        }),
      );
    }
  }
  return findings;
}
