import { isSale, type AcquirerTxn, type PosSale } from '../model/records.js';
import type { MerchantData } from './types.js';

/**
 * How the acquirer undid its own sales: voids and reversals (tied by the matcher) and refunds
 * (tied here by the original reference, order id or trace they carry). Shared by the rules about
 * cancellations and refunds, so that each of them sees the same story and exactly one finding
 * describes one problem (DESIGN.md section 5).
 */
export interface Undo {
  /** Acquirer voids and reversals of the sale. */
  cancels: AcquirerTxn[];
  /** Acquirer refunds naming the sale as their original. */
  refunds: AcquirerTxn[];
  /** How much of the sale was given back: the whole amount for a void or reversal, plus the refunds. */
  undoneMinor: number;
  /** Fees of the cancels and refunds (negative when the fee was returned). */
  feeBackMinor: number;
}

type Original = { originalReference?: string; originalOrderId?: string; originalTrace?: string; terminalId?: string };
type Identified = { reference?: string; orderId?: string; trace?: string; terminalId?: string };

/** The sales a refund names as its original: by reference, else order id, else trace on the same terminal. */
export function originalCandidates<T extends Identified>(r: Original, sales: readonly T[]): T[] {
  if (r.originalReference) {
    const hit = sales.filter((s) => s.reference === r.originalReference);
    if (hit.length > 0) return hit;
  }
  if (r.originalOrderId) {
    const hit = sales.filter((s) => s.orderId === r.originalOrderId);
    if (hit.length > 0) return hit;
  }
  if (r.originalTrace) {
    return sales.filter((s) => s.trace === r.originalTrace && (!r.terminalId || !s.terminalId || s.terminalId === r.terminalId));
  }
  return [];
}

/**
 * Every acquirer sale with what undid it. A refund whose original reference fits several sales
 * (a sale charged twice carries the same RRN twice) fills the latest sale not yet fully given back,
 * so a refunded duplicate shows as undone; when all are, it goes to the latest, where it shows as
 * an over-refund.
 */
export function acquirerUndo(data: MerchantData): Map<AcquirerTxn, Undo> {
  const undo = new Map<AcquirerTxn, Undo>();
  const sales = data.acquirer
    .filter((a) => isSale(a.txnType))
    .sort((x, y) => x.txnTime.localeCompare(y.txnTime) || x.source.line - y.source.line);
  for (const s of sales) undo.set(s, { cancels: [], refunds: [], undoneMinor: 0, feeBackMinor: 0 });
  for (const { cancel, original } of data.posMatch.acquirerCancels) {
    const u = original && undo.get(original);
    if (!u) continue;
    u.cancels.push(cancel);
    u.undoneMinor += original.amountMinor;
    u.feeBackMinor += cancel.feeMinor;
  }
  const refunds = data.acquirer
    .filter((a) => a.txnType === 'refund')
    .sort((x, y) => x.txnTime.localeCompare(y.txnTime) || x.source.line - y.source.line);
  for (const r of refunds) {
    const candidates = originalCandidates(r, sales);
    if (candidates.length === 0) continue;
    const open = [...candidates].reverse().find((s) => (undo.get(s)?.undoneMinor ?? 0) < s.amountMinor);
    const target = open ?? candidates[candidates.length - 1];
    const u = target && undo.get(target);
    if (!u) continue;
    u.refunds.push(r);
    u.undoneMinor += r.amountMinor;
    u.feeBackMinor += r.feeMinor;
  }
  return undo;
}

/** The acquirer sale a refund was tied to by {@link acquirerUndo}. */
export function refundOriginals(undo: ReadonlyMap<AcquirerTxn, Undo>): Map<AcquirerTxn, AcquirerTxn> {
  const out = new Map<AcquirerTxn, AcquirerTxn>();
  for (const [sale, u] of undo) for (const r of u.refunds) out.set(r, sale);
  return out;
}

/** A POS void or reversal of a POS sale, and what the acquirer did with that sale. */
export interface CancelOutcome {
  cancel: PosSale;
  original: PosSale;
  /** The acquirer sale the POS sale matched, when the acquirer settled it at all. */
  acquirer: AcquirerTxn | undefined;
  undo: Undo | undefined;
}

/**
 * POS voids and reversals tied to the POS sale they cancel (`posMatch.posCancels`), with the
 * acquirer sale behind it. A pre-authorisation void cancels a hold, not a sale: it is not here.
 */
export function posCancelOutcomes(data: MerchantData, undo: ReadonlyMap<AcquirerTxn, Undo>): CancelOutcome[] {
  const acquirerOf = new Map(data.posMatch.sales.map((p) => [p.pos, p.acquirer] as const));
  const out: CancelOutcome[] = [];
  for (const { cancel, original } of data.posMatch.posCancels) {
    if (!original || cancel.txnType === 'preauth-void') continue;
    const a = acquirerOf.get(original);
    out.push({ cancel, original, acquirer: a, undo: a && undo.get(a) });
  }
  return out;
}

/** Whether a POS void (or pre-authorisation completion void) or a reversal: the two rules split them this way. */
export const isVoid = (c: CancelOutcome): boolean => c.cancel.txnType === 'void' || c.cancel.txnType === 'preauth-complete-void';
export const isReversal = (c: CancelOutcome): boolean => c.cancel.txnType === 'reversal';
