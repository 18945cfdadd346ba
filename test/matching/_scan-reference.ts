/**
 * The plain scans that the indexed matchers and rule helpers replaced (the code before the
 * performance work, verbatim but for names), kept as their specification: the differential tests
 * check that the indexed versions give the same answers, in the same order, on random data.
 */
import type { MatchKey, Pair, PosAcquirerMatch } from '../../src/matching/pos-acquirer.js';
import { isCancellation, isSale, type AcquirerTxn, type PosSale, type TxnType } from '../../src/model/records.js';
import type { MerchantData } from '../../src/rules/types.js';

/** What a sale was given back by, as the scan computed it (every sale has an entry). */
export interface ScanUndo {
  cancels: AcquirerTxn[];
  refunds: AcquirerTxn[];
  undoneMinor: number;
  feeBackMinor: number;
}

type Original = { originalReference?: string; originalOrderId?: string; originalTrace?: string; terminalId?: string };
type Identified = { reference?: string; orderId?: string; trace?: string; terminalId?: string };

const minutes = (iso: string): number => Date.parse(iso) / 60_000;

/**
 * Matches one merchant's POS journal with its acquirer records, one to one, trying the keys in
 * the design's order; the last resort (same terminal and amount, time within the window, and
 * same card last 4 when both sides have it) takes the nearest time first.
 */
export function matchPosAcquirerByScan(pos: readonly PosSale[], acquirer: readonly AcquirerTxn[], windowMinutes: number): PosAcquirerMatch {
  const posSales = pos.filter((p) => isSale(p.txnType) && p.approved);
  const acqSales = acquirer.filter((a) => isSale(a.txnType));
  const posRefunds = pos.filter((p) => p.txnType === 'refund' && p.approved);
  const acqRefunds = acquirer.filter((a) => a.txnType === 'refund');
  const sales = pairUp(posSales, acqSales, windowMinutes);
  const refunds = pairUp(posRefunds, acqRefunds, windowMinutes);
  return {
    sales: sales.pairs,
    refunds: refunds.pairs,
    unmatchedPosSales: sales.leftPos,
    unmatchedAcquirerSales: sales.leftAcq,
    unmatchedPosRefunds: refunds.leftPos,
    unmatchedAcquirerRefunds: refunds.leftAcq,
    posCancels: linkCancelsByScan(pos.filter((p) => isCancellation(p.txnType) && p.approved), posSales),
    acquirerCancels: linkCancelsByScan(acquirer.filter((a) => isCancellation(a.txnType)), acqSales),
  };
}

interface Keyed {
  merchantId: string;
  terminalId?: string;
  reference?: string;
  batch?: string;
  trace?: string;
  orderId?: string;
  amountMinor: number;
  txnTime: string;
}

const KEYS: { key: MatchKey; of: (r: Keyed) => string | undefined }[] = [
  { key: 'reference', of: (r) => r.reference },
  { key: 'terminal-batch-trace', of: (r) => (r.terminalId && r.batch && r.trace ? `${r.terminalId}|${r.batch}|${r.trace}` : undefined) },
  { key: 'order', of: (r) => r.orderId },
];

function pairUp(posList: PosSale[], acqList: AcquirerTxn[], windowMinutes: number) {
  const pairs: Pair[] = [];
  let leftPos = posList;
  let leftAcq = acqList;
  for (const { key, of } of KEYS) {
    const index = new Map<string, AcquirerTxn[]>();
    for (const a of leftAcq) {
      const k = of(a);
      if (k === undefined) continue;
      const list = index.get(k);
      if (list) list.push(a);
      else index.set(k, [a]);
    }
    const taken = new Set<AcquirerTxn>();
    const stillPos: PosSale[] = [];
    for (const p of leftPos) {
      const k = of(p);
      const candidates = k === undefined ? undefined : index.get(k);
      const a = candidates?.find((c) => !taken.has(c) && c.amountMinor === p.amountMinor) ?? candidates?.find((c) => !taken.has(c));
      if (a) {
        taken.add(a);
        pairs.push({ pos: p, acquirer: a, key });
      } else stillPos.push(p);
    }
    leftPos = stillPos;
    leftAcq = leftAcq.filter((a) => !taken.has(a));
  }
  // Last resort: terminal + amount + time window (+ card last 4 when both have it), nearest first.
  const candidates: { p: PosSale; a: AcquirerTxn; gap: number }[] = [];
  const byTerminalAmount = new Map<string, AcquirerTxn[]>();
  for (const a of leftAcq) {
    const k = `${a.terminalId ?? ''}|${a.amountMinor}`;
    const list = byTerminalAmount.get(k);
    if (list) list.push(a);
    else byTerminalAmount.set(k, [a]);
  }
  for (const p of leftPos) {
    for (const a of byTerminalAmount.get(`${p.terminalId ?? ''}|${p.amountMinor}`) ?? []) {
      const gap = Math.abs(minutes(a.txnTime) - minutes(p.txnTime));
      if (gap > windowMinutes) continue;
      const aLast4 = a.cardMasked?.slice(-4);
      if (p.cardLast4 && aLast4 && /^\d{4}$/.test(aLast4) && p.cardLast4 !== aLast4) continue;
      candidates.push({ p, a, gap });
    }
  }
  candidates.sort((x, y) => x.gap - y.gap || x.p.source.line - y.p.source.line);
  const usedPos = new Set<PosSale>();
  const usedAcq = new Set<AcquirerTxn>();
  for (const { p, a } of candidates) {
    if (usedPos.has(p) || usedAcq.has(a)) continue;
    usedPos.add(p);
    usedAcq.add(a);
    pairs.push({ pos: p, acquirer: a, key: 'terminal-amount-time' });
  }
  return {
    pairs,
    leftPos: leftPos.filter((p) => !usedPos.has(p)),
    leftAcq: leftAcq.filter((a) => !usedAcq.has(a)),
  };
}

interface Cancellable extends Keyed {
  txnType: TxnType;
  originalReference?: string;
  originalTrace?: string;
  originalOrderId?: string;
}

/**
 * Ties each void or reversal to the sale it cancels: by the original reference, trace or order id it
 * carries, else by the same reference, else the latest earlier sale on the same terminal for the same
 * amount on the same day. A pre-authorisation void cancels no sale.
 */
export function linkCancelsByScan<T extends Cancellable>(cancels: T[], sales: T[]): { cancel: T; original: T | undefined }[] {
  const used = new Set<T>();
  return cancels.map((c) => {
    // 预授权撤销 releases a hold, never a sale (DESIGN.md section 8, UnionPay code 32): tying it to a
    // sale of the same amount on the same terminal would hide that sale from the rules.
    if (c.txnType === 'preauth-void') return { cancel: c, original: undefined };
    const free = sales.filter((s) => !used.has(s));
    const original =
      (c.originalReference && free.find((s) => s.reference === c.originalReference)) ||
      (c.originalTrace && free.find((s) => s.trace === c.originalTrace && s.terminalId === c.terminalId)) ||
      (c.originalOrderId && free.find((s) => s.orderId === c.originalOrderId)) ||
      (c.reference && free.find((s) => s.reference === c.reference)) ||
      free
        .filter(
          (s) =>
            s.terminalId === c.terminalId &&
            s.amountMinor === c.amountMinor &&
            s.txnTime <= c.txnTime &&
            s.txnTime.slice(0, 10) === c.txnTime.slice(0, 10),
        )
        .sort((x, y) => y.txnTime.localeCompare(x.txnTime))[0] ||
      undefined;
    if (original) used.add(original);
    return { cancel: c, original };
  });
}

export function duplicateSalesByScan(acquirer: readonly AcquirerTxn[]): Map<AcquirerTxn, AcquirerTxn> {
  const firstByKey = new Map<string, AcquirerTxn>();
  const repeats = new Map<AcquirerTxn, AcquirerTxn>();
  const sales = acquirer.filter((a) => isSale(a.txnType)).sort((x, y) => x.txnTime.localeCompare(y.txnTime) || x.source.line - y.source.line);
  for (const a of sales) {
    const keys = [
      a.reference ? `rrn|${a.reference}|${a.settleDate}` : undefined,
      a.terminalId && a.batch && a.trace ? `tbt|${a.terminalId}|${a.batch}|${a.trace}` : undefined,
    ].filter((k): k is string => k !== undefined);
    const first = keys.map((k) => firstByKey.get(k)).find((f) => f !== undefined);
    if (first) repeats.set(a, first);
    else for (const k of keys) firstByKey.set(k, a);
  }
  return repeats;
}

/** The sales a refund names as its original: by reference, else order id, else trace on the same terminal. */
export function originalCandidatesByScan<T extends Identified>(r: Original, sales: readonly T[]): T[] {
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
export function acquirerUndoByScan(data: MerchantData): Map<AcquirerTxn, ScanUndo> {
  const undo = new Map<AcquirerTxn, ScanUndo>();
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
    const candidates = originalCandidatesByScan(r, sales);
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

