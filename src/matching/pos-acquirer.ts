import type { AcquirerTxn, PosSale, TxnType } from '../model/records.js';
import { isCancellation, isSale } from '../model/records.js';
import { groupBy } from './group.js';
import { localeOrder } from './order.js';

/** Which key tied a POS record to an acquirer record (DESIGN.md section 4, in this order). */
export type MatchKey = 'reference' | 'terminal-batch-trace' | 'order' | 'terminal-amount-time';

export interface Pair {
  pos: PosSale;
  acquirer: AcquirerTxn;
  key: MatchKey;
}

export interface PosAcquirerMatch {
  /** POS sales matched one to one with acquirer sales. */
  sales: Pair[];
  /** POS refunds matched with acquirer refunds. */
  refunds: Pair[];
  unmatchedPosSales: PosSale[];
  unmatchedAcquirerSales: AcquirerTxn[];
  unmatchedPosRefunds: PosSale[];
  unmatchedAcquirerRefunds: AcquirerTxn[];
  /** POS voids and reversals, each with the POS sale it cancels (when found). */
  posCancels: { cancel: PosSale; original: PosSale | undefined }[];
  /** Acquirer voids and reversals, each with the acquirer sale it cancels (when found). */
  acquirerCancels: { cancel: AcquirerTxn; original: AcquirerTxn | undefined }[];
}

const minutes = (iso: string): number => Date.parse(iso) / 60_000;

/**
 * Matches one merchant's POS journal with its acquirer records, one to one, trying the keys in
 * the design's order; the last resort (same terminal and amount, time within the window, and
 * same card last 4 when both sides have it) takes the nearest time first.
 */
export function matchPosAcquirer(pos: readonly PosSale[], acquirer: readonly AcquirerTxn[], windowMinutes: number): PosAcquirerMatch {
  const posKinds = byKind(pos.filter((p) => p.approved));
  const acqKinds = byKind(acquirer);
  const sales = pairUp(posKinds.sales, acqKinds.sales, windowMinutes);
  const refunds = pairUp(posKinds.refunds, acqKinds.refunds, windowMinutes);
  return {
    sales: sales.pairs,
    refunds: refunds.pairs,
    unmatchedPosSales: sales.leftPos,
    unmatchedAcquirerSales: sales.leftAcq,
    unmatchedPosRefunds: refunds.leftPos,
    unmatchedAcquirerRefunds: refunds.leftAcq,
    posCancels: linkCancels(posKinds.cancels, posKinds.sales),
    acquirerCancels: linkCancels(acqKinds.cancels, acqKinds.sales),
  };
}

/** Sales, refunds and cancellations (voids, reversals), each in the records' order, in one pass. */
function byKind<T extends { txnType: TxnType }>(records: readonly T[]): { sales: T[]; refunds: T[]; cancels: T[] } {
  const out = { sales: [] as T[], refunds: [] as T[], cancels: [] as T[] };
  for (const r of records) {
    if (isSale(r.txnType)) out.sales.push(r);
    else if (r.txnType === 'refund') out.refunds.push(r);
    else if (isCancellation(r.txnType)) out.cancels.push(r);
  }
  return out;
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
    // Once either side is used up nothing more can pair: the usual end after the reference pass.
    if (leftPos.length === 0 || leftAcq.length === 0) break;
    // Candidates as positions in leftAcq, each group in leftAcq's order: a taken flag per
    // position costs less than a set of records, on the path every record takes.
    const index = new Map<string, number[]>();
    for (let i = 0; i < leftAcq.length; i++) {
      const k = of(leftAcq[i]!);
      if (k === undefined) continue;
      const group = index.get(k);
      if (group) group.push(i);
      else index.set(k, [i]);
    }
    const taken = new Uint8Array(leftAcq.length);
    const stillPos: PosSale[] = [];
    for (const p of leftPos) {
      const k = of(p);
      const i = k === undefined ? -1 : pick(index.get(k), p.amountMinor, leftAcq, taken);
      if (i >= 0) {
        taken[i] = 1;
        pairs.push({ pos: p, acquirer: leftAcq[i]!, key });
      } else stillPos.push(p);
    }
    if (stillPos.length < leftPos.length) leftAcq = leftAcq.filter((_, i) => taken[i] === 0);
    leftPos = stillPos;
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

/**
 * The candidate a POS record takes, as a position in `acq`: the first not yet taken for the same
 * amount, else the first not yet taken; -1 when none is left.
 */
function pick(candidates: readonly number[] | undefined, amountMinor: number, acq: readonly AcquirerTxn[], taken: Uint8Array): number {
  let firstFree = -1;
  for (const i of candidates ?? []) {
    if (taken[i] === 1) continue;
    if (acq[i]!.amountMinor === amountMinor) return i;
    if (firstFree < 0) firstFree = i;
  }
  return firstFree;
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
export function linkCancels<T extends Cancellable>(cancels: T[], sales: T[]): { cancel: T; original: T | undefined }[] {
  const used = new Set<T>();
  // The sales indexed by each key when first needed, not scanned for every cancel: the first free
  // sale of a group is the first free sale of the scan, as groups keep the order of `sales`.
  let byReference: Map<string | undefined, T[]> | undefined;
  let byTrace: Map<string | undefined, T[]> | undefined;
  let byOrderId: Map<string | undefined, T[]> | undefined;
  let byTerminal: Map<string | undefined, T[]> | undefined;
  const firstFree = (group: readonly T[] | undefined, fits: (s: T) => boolean = () => true) => group?.find((s) => !used.has(s) && fits(s));
  return cancels.map((c) => {
    // 预授权撤销 releases a hold, never a sale (DESIGN.md section 8, UnionPay code 32): tying it to a
    // sale of the same amount on the same terminal would hide that sale from the rules.
    if (c.txnType === 'preauth-void') return { cancel: c, original: undefined };
    const original =
      (c.originalReference && firstFree((byReference ??= groupBy(sales, (s) => s.reference)).get(c.originalReference))) ||
      (c.originalTrace && firstFree((byTrace ??= groupBy(sales, (s) => s.trace)).get(c.originalTrace), (s) => s.terminalId === c.terminalId)) ||
      (c.originalOrderId && firstFree((byOrderId ??= groupBy(sales, (s) => s.orderId)).get(c.originalOrderId))) ||
      (c.reference && firstFree((byReference ??= groupBy(sales, (s) => s.reference)).get(c.reference))) ||
      latestEarlierSameDay(c, (byTerminal ??= groupBy(sales, (s) => s.terminalId)).get(c.terminalId), used) ||
      undefined;
    if (original) used.add(original);
    return { cancel: c, original };
  });
}

/**
 * The latest free sale on the cancel's terminal for the same amount, earlier the same day: the
 * first of the latest in the order of `sales` (as a stable sort by time, latest first, gives).
 */
function latestEarlierSameDay<T extends Cancellable>(c: T, sameTerminal: readonly T[] | undefined, used: ReadonlySet<T>): T | undefined {
  let latest: T | undefined;
  for (const s of sameTerminal ?? []) {
    if (used.has(s) || s.amountMinor !== c.amountMinor || s.txnTime > c.txnTime || s.txnTime.slice(0, 10) !== c.txnTime.slice(0, 10)) continue;
    if (!latest || localeOrder(s.txnTime, latest.txnTime) > 0) latest = s;
  }
  return latest;
}
