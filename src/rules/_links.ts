import { duplicateSales, salesInTimeOrder } from '../matching/duplicates.js';
import { groupBy } from '../matching/group.js';
import { byTimeThenLine } from '../matching/order.js';
import type { AcquirerTxn, PosSale } from '../model/records.js';
import { perMerchant } from './_memo.js';

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

/**
 * Finds the sales a refund names as its original: by reference, else order id, else trace on the
 * same terminal; several in the order of `sales`. The sales are indexed (each key when first
 * needed) rather than scanned for every refund, which made a merchant's refunds cost its sales
 * times its refunds. The lists returned are shared: callers must not change them.
 */
export function originalsFinder<T extends Identified>(sales: readonly T[]): (r: Original) => readonly T[] {
  let byReference: Map<string | undefined, T[]> | undefined;
  let byOrderId: Map<string | undefined, T[]> | undefined;
  let byTrace: Map<string | undefined, T[]> | undefined;
  return (r) => {
    if (r.originalReference) {
      const hit = (byReference ??= groupBy(sales, (s) => s.reference)).get(r.originalReference);
      if (hit) return hit;
    }
    if (r.originalOrderId) {
      const hit = (byOrderId ??= groupBy(sales, (s) => s.orderId)).get(r.originalOrderId);
      if (hit) return hit;
    }
    if (r.originalTrace) {
      const hit = (byTrace ??= groupBy(sales, (s) => s.trace)).get(r.originalTrace) ?? [];
      return hit.filter((s) => !r.terminalId || !s.terminalId || s.terminalId === r.terminalId);
    }
    return [];
  };
}

/** The merchant's acquirer sales in time order, then by line ({@link salesInTimeOrder}). */
const acquirerSalesInOrder = perMerchant((data): readonly AcquirerTxn[] => salesInTimeOrder(data.acquirer));

/** The merchant's acquirer sales that repeat an earlier one ({@link duplicateSales}), each with the first. */
export const exactDuplicates = perMerchant((data): ReadonlyMap<AcquirerTxn, AcquirerTxn> => duplicateSales(data.acquirer, acquirerSalesInOrder(data)));

/**
 * Every acquirer sale that something undid, with what undid it, in time order; a sale nothing
 * undid is not there (most sales: an entry for each was most of the work). A refund whose
 * original reference fits several sales (a sale charged twice carries the same RRN twice) fills
 * the latest sale not yet fully given back, so a refunded duplicate shows as undone; when all
 * are, it goes to the latest, where it shows as an over-refund.
 */
export const acquirerUndo = perMerchant((data): ReadonlyMap<AcquirerTxn, Readonly<Undo>> => {
  const undone = new Map<AcquirerTxn, Undo>();
  const undoOf = (sale: AcquirerTxn): Undo => {
    let u = undone.get(sale);
    if (!u) undone.set(sale, (u = { cancels: [], refunds: [], undoneMinor: 0, feeBackMinor: 0 }));
    return u;
  };
  for (const { cancel, original } of data.posMatch.acquirerCancels) {
    if (!original) continue;
    const u = undoOf(original);
    u.cancels.push(cancel);
    u.undoneMinor += original.amountMinor;
    u.feeBackMinor += cancel.feeMinor;
  }
  const refunds = data.acquirer.filter((a) => a.txnType === 'refund');
  if (undone.size === 0 && refunds.length === 0) return undone;
  const sales = acquirerSalesInOrder(data);
  const originalsOf = originalsFinder(sales);
  for (const r of refunds.sort(byTimeThenLine)) {
    const candidates = originalsOf(r);
    const open = [...candidates].reverse().find((s) => (undone.get(s)?.undoneMinor ?? 0) < s.amountMinor);
    const target = open ?? candidates[candidates.length - 1];
    if (!target) continue;
    const u = undoOf(target);
    u.refunds.push(r);
    u.undoneMinor += r.amountMinor;
    u.feeBackMinor += r.feeMinor;
  }
  // In the time order of the sales, as the rules report them.
  const inOrder = new Map<AcquirerTxn, Undo>();
  for (const s of sales) {
    const u = undone.get(s);
    if (u) inOrder.set(s, u);
  }
  return inOrder;
});

/** The acquirer sale a refund was tied to by {@link acquirerUndo}. */
export function refundOriginals(undo: ReadonlyMap<AcquirerTxn, Readonly<Undo>>): Map<AcquirerTxn, AcquirerTxn> {
  const out = new Map<AcquirerTxn, AcquirerTxn>();
  for (const [sale, u] of undo) for (const r of u.refunds) out.set(r, sale);
  return out;
}

/** The acquirer sale each matched POS sale settled as: `posMatch.sales` as a map. */
export const acquirerOfPosSale = perMerchant((data): ReadonlyMap<PosSale, AcquirerTxn> => new Map(data.posMatch.sales.map((p) => [p.pos, p.acquirer] as const)));

/** A POS void or reversal of a POS sale, and what the acquirer did with that sale. */
export interface CancelOutcome {
  cancel: PosSale;
  original: PosSale;
  /** The acquirer sale the POS sale matched, when the acquirer settled it at all. */
  acquirer: AcquirerTxn | undefined;
  undo: Readonly<Undo> | undefined;
}

/**
 * POS voids and reversals tied to the POS sale they cancel (`posMatch.posCancels`), with the
 * acquirer sale behind it. A pre-authorisation void cancels a hold, not a sale: it is not here.
 */
export const posCancelOutcomes = perMerchant((data): readonly CancelOutcome[] => {
  if (data.posMatch.posCancels.length === 0) return [];
  const acquirerOf = acquirerOfPosSale(data);
  const undo = acquirerUndo(data);
  const out: CancelOutcome[] = [];
  for (const { cancel, original } of data.posMatch.posCancels) {
    if (!original || cancel.txnType === 'preauth-void') continue;
    const a = acquirerOf.get(original);
    out.push({ cancel, original, acquirer: a, undo: a && undo.get(a) });
  }
  return out;
});

/** Whether a POS void (or pre-authorisation completion void) or a reversal: the two rules split them this way. */
export const isVoid = (c: CancelOutcome): boolean => c.cancel.txnType === 'void' || c.cancel.txnType === 'preauth-complete-void';
export const isReversal = (c: CancelOutcome): boolean => c.cancel.txnType === 'reversal';
