import type { AcquirerTxn, PosSale, TxnType } from '../model/records.js';
import { isCancellation, isSale } from '../model/records.js';

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
    posCancels: linkCancels(pos.filter((p) => isCancellation(p.txnType) && p.approved), posSales),
    acquirerCancels: linkCancels(acquirer.filter((a) => isCancellation(a.txnType)), acqSales),
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
export function linkCancels<T extends Cancellable>(cancels: T[], sales: T[]): { cancel: T; original: T | undefined }[] {
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
