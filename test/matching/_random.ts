/**
 * Random records of one merchant for the differential tests: few distinct references, traces,
 * order ids, terminals, amounts and times, so that keys collide, candidates tie and every branch
 * of the matchers is taken. Seeded, so a failure can be replayed.
 */
import type { AcquirerTxn, PosSale, TxnType } from '../../src/model/records.js';
import { mulberry32 } from '../../samples/prng.js';

export const RANDOM_MERCHANT = '898310048990001';

/** A seeded generator (samples/prng.ts), good enough to pick test data. */
export const seeded = mulberry32;

export interface Pick {
  <T>(xs: readonly T[]): T;
}

export const picker =
  (random: () => number): Pick =>
  <T>(xs: readonly T[]): T =>
    xs[Math.floor(random() * xs.length)] as T;

const TYPES: TxnType[] = ['sale', 'sale', 'sale', 'sale', 'preauth-complete', 'refund', 'refund', 'void', 'reversal', 'preauth-void', 'preauth-complete-void', 'adjustment'];
const REFERENCES = ['632010000001', '632010000002', '632010000003', '632010000004', undefined];
const TRACES = ['000001', '000002', '000003', undefined];
const ORDERS = ['WX20261120001', 'WX20261120002', 'WX20261120003', undefined];
const TERMINALS = ['10078087', '10078088', undefined];
const BATCHES = ['000012', '000013', undefined];
const AMOUNTS = [1_000, 2_000, 3_000];
const CARDS = ['622202******1234', '622202******5678', '622202******12X4', undefined];
/**
 * Times in the layouts parsers produce and a few they might: one zone, other offsets, UTC `Z`,
 * milliseconds, two days. The mix makes time order and text order disagree and makes
 * localeCompare's order differ from code-unit order, as the matchers must cope with both.
 */
const TIMES = [
  '2026-11-20T10:11:00+08:00',
  '2026-11-20T10:11:00+08:00',
  '2026-11-20T10:12:30+08:00',
  '2026-11-20T10:15:00+08:00',
  '2026-11-20T10:40:00+08:00',
  '2026-11-21T09:00:00+08:00',
  '2026-11-20T02:13:00Z',
  '2026-11-20T02:13:00+00:00',
  '2026-11-20T10:11:00.500+08:00',
];

/** One merchant's acquirer records and POS journal, `n` of each. */
export function randomMerchant(seed: number, n: number): { acquirer: AcquirerTxn[]; pos: PosSale[] } {
  const random = seeded(seed);
  const pick = picker(random);
  const maybe = <T>(value: T): T | undefined => (random() < 0.5 ? value : undefined);
  const acquirer: AcquirerTxn[] = [];
  const pos: PosSale[] = [];
  for (let i = 0; i < n; i++) {
    const txnType = pick(TYPES);
    const txnTime = pick(TIMES);
    const amountMinor = pick(AMOUNTS);
    const undoing = !['sale', 'preauth-complete', 'adjustment'].includes(txnType);
    acquirer.push({
      source: { file: 'acquirer.csv', line: i + 2 },
      format: 'acquirer-csv',
      merchantId: RANDOM_MERCHANT,
      terminalId: pick(TERMINALS),
      txnType,
      txnTime,
      settleDate: random() < 0.8 ? txnTime.slice(0, 10) : '2026-11-22',
      currency: 'CNY',
      amountMinor,
      feeMinor: undoing ? -6 : 6,
      netMinor: undoing ? -amountMinor + 6 : amountMinor - 6,
      reference: pick(REFERENCES),
      batch: pick(BATCHES),
      trace: pick(TRACES),
      orderId: pick(ORDERS),
      ...(undoing ? { originalReference: maybe(pick(REFERENCES)), originalTrace: maybe(pick(TRACES)), originalOrderId: maybe(pick(ORDERS)) } : {}),
      cardMasked: pick(CARDS),
      cardKind: 'credit',
    });
    const posType = pick(TYPES);
    pos.push({
      source: { file: 'pos.csv', line: i + 2 },
      format: 'pos-journal',
      merchantId: RANDOM_MERCHANT,
      terminalId: pick(TERMINALS),
      txnType: posType,
      txnTime: pick(TIMES),
      currency: 'CNY',
      amountMinor: pick(AMOUNTS),
      approved: random() < 0.9,
      reference: pick(REFERENCES),
      batch: pick(BATCHES),
      trace: pick(TRACES),
      orderId: pick(ORDERS),
      ...(['sale', 'preauth-complete', 'adjustment'].includes(posType)
        ? {}
        : { originalReference: maybe(pick(REFERENCES)), originalTrace: maybe(pick(TRACES)), originalOrderId: maybe(pick(ORDERS)) }),
      cardLast4: maybe(pick(['1234', '5678'])),
      cardKind: 'credit',
    });
  }
  return { acquirer, pos };
}

/** A record as `<file>:<line>`, for comparisons whose failures read. */
export const where = (r: { source: { file: string; line: number } } | undefined): string => (r ? `${r.source.file}:${r.source.line}` : '-');
