import iconv from 'iconv-lite';
import { mulberry32 } from './prng.js';
import { CORE_SCHEMA, dump } from 'js-yaml';
import { addCalendarDays, chinaCalendar, dueDate } from '../src/model/calendar.js';
import { applyRate, formatDecimal } from '../src/model/money.js';

/**
 * The sample generator: a realistic month of settlement files for a handful of merchants, with
 * anomalies injected on purpose, and the list of findings an audit must report for them.
 *
 * Everything is derived from a seeded PRNG, so the same seed gives the same bytes. The month
 * (October 2026) has weekends, the National Day holiday (1–7 October) and a make-up working
 * Saturday (10 October), so settlements fold several days into one credit.
 */

export interface ExpectedFinding {
  rule: string;
  merchantId: string;
  /** The transaction reference, or the settlement date for findings about a day. */
  key: string;
  differenceMinor: number | null;
  why: string;
}

export interface SampleSet {
  /** Relative path → bytes. */
  files: Map<string, Uint8Array>;
  config: string;
  expected: ExpectedFinding[];
  asOf: string;
}

export interface GeneratorOptions {
  seed?: number;
  /** First day and number of days of the period. */
  from?: string;
  days?: number;
  /** Sales per merchant per business day, on average. */
  salesPerDay?: number;
}

export type Card = 'debit' | 'credit' | 'qr';

interface MerchantProfile {
  id: string;
  name: string;
  mcc: string;
  account: string;
  terminals: string[];
  minYuan: number;
  maxYuan: number;
  /** POS journal encoding: real exports are often GBK. */
  posEncoding: 'utf-8' | 'gbk';
  surcharge?: number;
  /** QR tickets of this range, fees rounded up every time (the rate-creep pattern). */
  smallQr?: { minYuan: number; maxYuan: number };
  /** The acquirer shows the regulated issuer and network fees of card sales. */
  itemisedFees?: boolean;
}

/** The acquirer of the generated months (银联商务), the settlements' payer. */
export const ACQUIRER_NAME = '银联商务股份有限公司';

const MERCHANTS: MerchantProfile[] = [
  { id: '898310048990001', name: '上海味道餐饮有限公司', mcc: '5812', account: '6222021001112223334', terminals: ['10078087', '10078088'], minYuan: 28, maxYuan: 860, posEncoding: 'utf-8' },
  { id: '898330059990002', name: '杭州鲜果超市有限公司', mcc: '5411', account: '6222021202223334445', terminals: ['20066001'], minYuan: 12, maxYuan: 420, posEncoding: 'gbk' },
  { id: '898110070990003', name: '北京悦读书店有限责任公司', mcc: '5942', account: '6222020303334445556', terminals: ['30055001'], minYuan: 35, maxYuan: 300, posEncoding: 'gbk', surcharge: 300 },
  { id: '898440081990004', name: '广州清风茶饮店', mcc: '5814', account: '6222023604445556667', terminals: ['40044001'], minYuan: 9, maxYuan: 68, posEncoding: 'utf-8' },
  { id: '898440091990005', name: '深圳快捷便利店有限公司', mcc: '5499', account: '6222024005556667778', terminals: ['50022001', '50022002'], minYuan: 20, maxYuan: 300, posEncoding: 'gbk', smallQr: { minYuan: 2, maxYuan: 8 }, itemisedFees: true },
  { id: '898510101990006', name: '成都老街火锅店（武侯店）', mcc: '5812', account: '6222025106667778889', terminals: ['60033001', '60033002'], minYuan: 60, maxYuan: 1200, posEncoding: 'utf-8' },
];

/** The contracted rates of every generated merchant, by card kind. */
export const PRICING: Record<Card, { rate: string; ppm: number; capMinor?: number }> = {
  debit: { rate: '0.55%', ppm: 5500, capMinor: 2000 },
  credit: { rate: '0.60%', ppm: 6000 },
  qr: { rate: '0.38%', ppm: 3800 },
};

/** Regulated ceilings of the itemised fees (DESIGN.md section 8), what an honest acquirer shows. */
const ISSUER_PPM: Record<'debit' | 'credit', number> = { debit: 3500, credit: 4500 };
const NETWORK_PPM = 325;

/** A seeded generator (mulberry32) with helpers: the same seed gives the same month. */
function prng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

type AcqType = '消费' | '退货' | '撤销';
type PosType = '消费' | '退货' | '撤销' | '冲正';

/** One line of the acquirer file. Amounts in fen; fee and net signed as the merchant sees them. */
interface AcqRow {
  merchant: MerchantProfile;
  merchantName: string;
  terminal: string;
  time: string;
  date: string;
  type: AcqType;
  card: Card;
  cardNo: string;
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  reference: string;
  batch: string;
  trace: string;
  originalReference: string;
  mcc: string;
  issuerMinor?: number;
  networkMinor?: number;
}

/** One line of the merchant's POS journal. */
interface PosRow {
  merchant: MerchantProfile;
  terminal: string;
  orderId: string;
  time: string;
  type: PosType;
  card: Card;
  amountMinor: number;
  reference: string;
  trace: string;
  last4: string;
  originalReference: string;
  status: '成功' | '失败';
}

/** A sale as both sides record it, before anomalies touch either side. */
interface Sale {
  merchant: MerchantProfile;
  terminal: string;
  time: string;
  date: string;
  card: Card;
  cardNo: string;
  amountMinor: number;
  feeMinor: number;
  reference: string;
  batch: string;
  trace: string;
  orderId: string;
  mcc: string;
  merchantName: string;
  issuerMinor?: number;
  networkMinor?: number;
  inAcquirer: boolean;
  inPos: boolean;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function contractFee(amountMinor: number, card: Card): number {
  const p = PRICING[card];
  const fee = applyRate(amountMinor, p.ppm);
  return p.capMinor !== undefined ? Math.min(fee, p.capMinor) : fee;
}

/** amount × rate rounded UP to the fen: within a fen of the contract each time, above it on average. */
function ceilFee(amountMinor: number, ppm: number): number {
  return Number((BigInt(amountMinor) * BigInt(ppm) + 999_999n) / 1_000_000n);
}

function cardNumber(rng: ReturnType<typeof prng>, card: Card): string {
  if (card === 'qr') return '';
  const bin = card === 'debit' ? rng.pick(['622202', '621700', '623668']) : rng.pick(['622588', '625807', '436742']);
  return `${bin}******${pad(rng.int(0, 9999), 4)}`;
}

const addMinutes = (time: string, minutes: number): string => {
  const [d, t] = time.split(' ') as [string, string];
  const [h, m, sec] = t.split(':').map(Number) as [number, number, number];
  const total = Math.min(h * 60 + m + minutes, 23 * 60 + 59);
  return `${d} ${pad(Math.floor(total / 60), 2)}:${pad(total % 60, 2)}:${pad(sec, 2)}`;
};

/** Generates the bundled sample set. */
export function generateSampleSet(options: GeneratorOptions = {}): SampleSet {
  const rng = prng(options.seed ?? 20261031);
  const from = options.from ?? '2026-10-01';
  const days = options.days ?? 31;
  const perDay = options.salesPerDay ?? 6;
  const dates = Array.from({ length: days }, (_, i) => addCalendarDays(from, i));
  const month = from.slice(0, 7).replace('-', '');
  const expected: ExpectedFinding[] = [];
  const sales: Sale[] = [];
  const extraAcq: AcqRow[] = [];
  const extraPos: PosRow[] = [];
  let rrn = 0;
  const nextRef = (date: string) => `${date.slice(2).replace(/-/g, '')}${pad(++rrn, 6)}`;

  for (const m of MERCHANTS) {
    for (const date of dates) {
      // Restaurants and shops trade every day; more on weekends and holidays.
      const busy = chinaCalendar.isBusinessDay(date) ? 1 : 1.5;
      const n = Math.max(1, Math.round(perDay * busy * (0.6 + rng.next() * 0.8)));
      const times = Array.from({ length: n }, () => rng.int(9 * 3600, 22 * 3600)).sort((a, b) => a - b);
      times.forEach((sec, i) => {
        const card: Card = rng.next() < 0.4 ? 'qr' : rng.next() < 0.55 ? 'debit' : 'credit';
        const range = card === 'qr' && m.smallQr ? m.smallQr : { minYuan: m.minYuan, maxYuan: m.maxYuan };
        const amountMinor = rng.int(range.minYuan * 100, range.maxYuan * 100);
        const reference = nextRef(date);
        const itemised = m.itemisedFees && card !== 'qr';
        sales.push({
          merchant: m,
          terminal: rng.pick(m.terminals),
          time: `${date} ${pad(Math.floor(sec / 3600), 2)}:${pad(Math.floor((sec % 3600) / 60), 2)}:${pad(sec % 60, 2)}`,
          date,
          card,
          cardNo: cardNumber(rng, card),
          amountMinor,
          feeMinor: (card === 'qr' && m.smallQr ? ceilFee(amountMinor, PRICING.qr.ppm) : contractFee(amountMinor, card)) + (m.surcharge ?? 0),
          reference,
          batch: `${date.slice(5).replace('-', '')}01`.slice(0, 6),
          trace: pad(i + 1, 6),
          orderId: `PO${date.replace(/-/g, '')}${reference.slice(-6)}`,
          mcc: m.mcc,
          merchantName: m.name,
          ...(itemised
            ? { issuerMinor: Math.min(applyRate(amountMinor, ISSUER_PPM[card]), card === 'debit' ? 1300 : Infinity), networkMinor: Math.min(applyRate(amountMinor, NETWORK_PPM), 325) }
            : {}),
          inAcquirer: true,
          inPos: true,
        });
      });
    }
  }

  const [m1, m2, m3, m4, m5, m6] = MERCHANTS as [MerchantProfile, MerchantProfile, MerchantProfile, MerchantProfile, MerchantProfile, MerchantProfile];
  const of = (m: MerchantProfile, date: string) => sales.filter((s) => s.merchant === m && s.date === date);
  const acqOf = (s: Sale, type: AcqType, amountMinor: number, feeMinor: number, time: string, reference: string): AcqRow => ({
    merchant: s.merchant,
    merchantName: s.merchantName,
    terminal: s.terminal,
    time,
    date: time.slice(0, 10),
    type,
    card: s.card,
    cardNo: s.cardNo,
    amountMinor,
    feeMinor,
    netMinor: type === '消费' ? amountMinor - feeMinor : -amountMinor - feeMinor,
    reference,
    batch: s.batch,
    trace: pad(900 + extraAcq.length, 6),
    originalReference: type === '消费' ? '' : s.reference,
    mcc: s.mcc,
  });
  const posOf = (s: Sale, type: PosType, amountMinor: number, time: string, reference: string, orderId: string): PosRow => ({
    merchant: s.merchant,
    terminal: s.terminal,
    orderId,
    time,
    type,
    card: s.card,
    amountMinor,
    reference,
    trace: '',
    last4: s.cardNo.slice(-4),
    originalReference: s.reference,
    status: '成功',
  });
  /** Splits a refund's fee back to the merchant in proportion, as acquirers return it. */
  const refundFee = (s: Sale, part: number) => -Math.round((s.feeMinor * part) / s.amountMinor);

  // ---- Merchant 1: money taken with nothing behind it, and cancellations ignored.
  {
    // charged-without-sale: the acquirer charged a card for a sale the POS never recorded.
    const s = of(m1, '2026-10-12')[1]!;
    s.inPos = false;
    expected.push({ rule: 'charged-without-sale', merchantId: m1.id, key: s.reference, differenceMinor: s.amountMinor, why: 'sale removed from the POS journal' });
  }
  {
    // sale-not-settled: a POS sale that no acquirer file carries.
    const s = of(m1, '2026-10-15')[0]!;
    s.inAcquirer = false;
    expected.push({ rule: 'sale-not-settled', merchantId: m1.id, key: s.reference, differenceMinor: s.amountMinor, why: 'sale removed from the acquirer file' });
  }
  {
    // fee-overcharge: a credit-card fee at 0.78% instead of the contracted 0.60%.
    const s = of(m1, '2026-10-20').find((x) => x.card === 'credit') ?? of(m1, '2026-10-20')[0]!;
    s.card = 'credit';
    if (!s.cardNo) s.cardNo = '625807******4411';
    s.amountMinor = Math.max(s.amountMinor, 35_000);
    const due = contractFee(s.amountMinor, 'credit');
    s.feeMinor = applyRate(s.amountMinor, 7800);
    expected.push({ rule: 'fee-overcharge', merchantId: m1.id, key: s.reference, differenceMinor: s.feeMinor - due, why: 'fee charged at 0.78%' });
  }
  {
    // duplicate-charge: the same sale (same RRN, same day) appears twice in the acquirer file.
    const s = of(m1, '2026-10-08')[2]!;
    extraAcq.push({ ...acqOf(s, '消费', s.amountMinor, s.feeMinor, s.time, s.reference), trace: s.trace });
    expected.push({ rule: 'duplicate-charge', merchantId: m1.id, key: s.reference, differenceMinor: s.amountMinor, why: 'sale settled twice' });
  }
  {
    // void-still-settled: voided at the POS ten minutes later; the acquirer settled the sale anyway.
    const s = of(m1, '2026-10-16')[1]!;
    extraPos.push(posOf(s, '撤销', s.amountMinor, addMinutes(s.time, 10), '', `${s.orderId}V`));
    expected.push({ rule: 'void-still-settled', merchantId: m1.id, key: s.reference, differenceMinor: s.amountMinor, why: 'POS void not honoured' });
  }
  {
    // reversal-still-settled: the terminal timed out and sent a 冲正; the acquirer settled the sale.
    const s = of(m1, '2026-10-23')[0]!;
    extraPos.push(posOf(s, '冲正', s.amountMinor, addMinutes(s.time, 1), '', `${s.orderId}R`));
    expected.push({ rule: 'reversal-still-settled', merchantId: m1.id, key: s.reference, differenceMinor: s.amountMinor, why: 'reversal not honoured' });
  }

  // ---- Merchant 2: refunds gone wrong, and a short and a late settlement.
  {
    // refund-not-honoured: the POS refunded part of a sale; the acquirer never did.
    const s = of(m2, '2026-10-09')[0]!;
    const part = Math.floor(s.amountMinor / 2);
    const orderId = `RF${s.orderId.slice(2)}`;
    extraPos.push(posOf(s, '退货', part, '2026-10-19 15:20:00', '', orderId));
    expected.push({ rule: 'refund-not-honoured', merchantId: m2.id, key: orderId, differenceMinor: part, why: 'POS refund never reached the acquirer' });
  }
  {
    // over-refund: two refunds of 60% each of one sale, on both sides.
    const s = of(m2, '2026-10-05')[1]!;
    const part = Math.round(s.amountMinor * 0.6);
    for (const [i, time] of ['2026-10-13 11:00:00', '2026-10-13 16:30:00'].entries()) {
      const ref = nextRef('2026-10-13');
      extraAcq.push(acqOf(s, '退货', part, refundFee(s, part), time, ref));
      extraPos.push(posOf(s, '退货', part, time, ref, `RF${s.orderId.slice(2)}${i}`));
    }
    expected.push({ rule: 'over-refund', merchantId: m2.id, key: s.reference, differenceMinor: 2 * part - s.amountMinor, why: 'refunds above the sale' });
  }
  {
    // refund-without-request: the acquirer refunded a sale nobody asked to refund.
    const s = of(m2, '2026-10-26')[0]!;
    const ref = nextRef('2026-10-27');
    extraAcq.push(acqOf(s, '退货', s.amountMinor, refundFee(s, s.amountMinor), '2026-10-27 10:05:00', ref));
    expected.push({ rule: 'refund-without-request', merchantId: m2.id, key: ref, differenceMinor: s.amountMinor, why: 'refund with no POS refund' });
  }

  // ---- Merchant 4, the clean one: near misses that must not be reported.
  {
    // A same-day void that the acquirer honoured, fee returned.
    const s = of(m4, '2026-10-14')[0]!;
    extraPos.push(posOf(s, '撤销', s.amountMinor, addMinutes(s.time, 5), '', `${s.orderId}V`));
    extraAcq.push(acqOf(s, '撤销', s.amountMinor, -s.feeMinor, addMinutes(s.time, 5), nextRef('2026-10-14')));
    // A refund split in two parts that add up to the sale.
    const r = of(m4, '2026-10-06')[0]!;
    const first = Math.floor(r.amountMinor / 3);
    for (const [i, part] of [first, r.amountMinor - first].entries()) {
      const time = `2026-10-${18 + i} 12:00:00`;
      const ref = nextRef(time.slice(0, 10));
      extraAcq.push(acqOf(r, '退货', part, refundFee(r, part), time, ref));
      extraPos.push(posOf(r, '退货', part, time, ref, `RF${r.orderId.slice(2)}${i}`));
    }
    // A fee one fen above the contract: rounding, within the tolerance.
    const f = of(m4, '2026-10-21')[0]!;
    f.feeMinor += 1;
  }

  // ---- Merchant 5: fees against the cap, the regulation, and a creeping rate.
  {
    // debit-cap-exceeded: a large debit sale charged 25.00 against the 20.00 cap.
    const s = of(m5, '2026-10-13').find((x) => x.card !== 'qr')!;
    s.card = 'debit';
    s.cardNo = s.cardNo || '621700******0088';
    s.amountMinor = 600_000;
    s.feeMinor = 2500;
    s.issuerMinor = 1300;
    s.networkMinor = 195;
    expected.push({ rule: 'debit-cap-exceeded', merchantId: m5.id, key: s.reference, differenceMinor: 500, why: 'debit fee above the cap' });
  }
  {
    // fee-above-regulation: the itemised issuer fee of a credit sale at 0.50%, above the 0.45% ceiling.
    const s = of(m5, '2026-10-22').find((x) => x.card !== 'qr')!;
    s.card = 'credit';
    s.cardNo = s.cardNo || '622588******0099';
    s.amountMinor = Math.max(s.amountMinor, 20_000);
    s.feeMinor = contractFee(s.amountMinor, 'credit');
    s.issuerMinor = applyRate(s.amountMinor, 5000);
    s.networkMinor = applyRate(s.amountMinor, NETWORK_PPM);
    expected.push({ rule: 'fee-above-regulation', merchantId: m5.id, key: s.reference, differenceMinor: s.issuerMinor - applyRate(s.amountMinor, 4500), why: 'issuer fee 0.50% > 0.45%' });
  }
  {
    // fee-rate-creep: every small QR fee rounded up. Each is within a fen; the month is well above 0.38%.
    const qr = sales.filter((s) => s.merchant === m5 && s.card === 'qr');
    const extra = qr.reduce((sum, s) => sum + s.feeMinor - contractFee(s.amountMinor, 'qr'), 0);
    expected.push({ rule: 'fee-rate-creep', merchantId: m5.id, key: qr[0]!.date, differenceMinor: extra, why: 'QR fees always rounded up' });
  }

  // ---- Merchant 6: code jumping, a terminal under another name, and an unlicensed payer.
  {
    // mcc-mismatch: three days settled under 5411 (supermarkets, a preferential class) instead of 5812.
    const jumped = sales.filter((s) => s.merchant === m6 && s.date >= '2026-10-10' && s.date <= '2026-10-12');
    for (const s of jumped) s.mcc = '5411';
    expected.push({ rule: 'mcc-mismatch', merchantId: m6.id, key: jumped[0]!.date, differenceMinor: null, why: 'settled under MCC 5411' });
    // merchant-identity-drift: one terminal settles under another company's name for three days.
    const drifted = sales.filter((s) => s.merchant === m6 && s.terminal === '60033002' && s.date >= '2026-10-20' && s.date <= '2026-10-22');
    for (const s of drifted) s.merchantName = '成都某某餐饮管理有限公司';
    const terminalSales = sales.filter((s) => s.merchant === m6 && s.terminal === '60033002');
    expected.push({ rule: 'merchant-identity-drift', merchantId: m6.id, key: terminalSales[0]!.date, differenceMinor: null, why: 'terminal under another name' });
  }

  const files = new Map<string, Uint8Array>();
  const bankPlan: BankPlan = {
    drop: new Set([`${m1.id}|${dueDate('2026-10-21', 'T+1', chinaCalendar)}`]),
    short: new Map([[`${m2.id}|${dueDate('2026-10-14', 'T+1', chinaCalendar)}`, 1500]]),
    late: new Map([[`${m2.id}|${dueDate('2026-10-27', 'T+1', chinaCalendar)}`, '2026-11-02']]),
    payer: new Map([[`${m6.id}|${dueDate('2026-10-14', 'T+1', chinaCalendar)}`, '成都速付信息技术有限公司']]),
    debits: new Map([[m5.id, [{ date: '2026-10-15', summary: 'POS机具服务费', amount: 9900, payer: ACQUIRER_NAME }]]]),
  };

  for (const m of MERCHANTS) {
    const own = sales.filter((s) => s.merchant === m);
    const acq = [
      ...own.filter((s) => s.inAcquirer).map((s): AcqRow => ({ ...acqOf(s, '消费', s.amountMinor, s.feeMinor, s.time, s.reference), trace: s.trace, originalReference: '', ...(s.issuerMinor !== undefined ? { issuerMinor: s.issuerMinor, networkMinor: s.networkMinor } : {}) })),
      ...extraAcq.filter((a) => a.merchant === m),
    ].sort((a, b) => a.time.localeCompare(b.time));
    const pos = [
      ...own.filter((s) => s.inPos).map((s): PosRow => ({ ...posOf(s, '消费', s.amountMinor, s.time, s.reference, s.orderId), trace: s.trace, originalReference: '' })),
      ...extraPos.filter((p) => p.merchant === m),
    ].sort((a, b) => a.time.localeCompare(b.time));
    // file-totals-mismatch: merchant 6's acquirer file states a total 100.00 above its rows.
    const skew = m === m6 ? 10_000 : 0;
    files.set(`acquirer/银联商务_${m.id}_${month}.csv`, acquirerFile(acq, skew));
    if (skew) expected.push({ rule: 'file-totals-mismatch', merchantId: m.id, key: `银联商务_${m.id}_${month}.csv`, differenceMinor: skew, why: '合计 footer 100.00 too high' });
    files.set(`pos/pos_${m.id}_${month}.csv`, posFile(m, pos, m === m3));
    const bank = bankFile(m, acq, bankPlan, dates[dates.length - 1]!);
    files.set(`bank/icbc_${m.account}_${month}.csv`, bank.bytes);
    expected.push(...bank.expected);
  }
  // unparseable-row: merchant 3's POS journal carries a declined sale whose amount was typed as "12O.00".
  expected.push({ rule: 'unparseable-row', merchantId: m3.id, key: `pos_${m3.id}_${month}.csv`, differenceMinor: null, why: 'amount "12O.00"' });
  // hidden-surcharge: every fee of merchant 3 carries +3 元 that the contract does not allow.
  {
    const own = sales.filter((s) => s.merchant === m3 && s.inAcquirer);
    expected.push({ rule: 'hidden-surcharge', merchantId: m3.id, key: own[0]!.date, differenceMinor: own.length * m3.surcharge!, why: '+3 元 on every sale' });
  }

  const asOf = addCalendarDays(dates[dates.length - 1]!, 10);
  return { files, config: contractYaml(), expected: expected.sort(compareExpected), asOf };
}

interface BankPlan {
  /** Merchant|due date of credits that never arrive. */
  drop: Set<string>;
  /** Credits that arrive short by this much. */
  short: Map<string, number>;
  /** Credits that arrive on a later date. */
  late: Map<string, string>;
  /** Credits paid by someone else than the acquirer. */
  payer: Map<string, string>;
  /** Debits the acquirer takes from the account. */
  debits: Map<string, { date: string; summary: string; amount: number; payer: string }[]>;
}

/** One credit per due date: T+1 folds a Friday, a weekend or a holiday into the next business day. */
function bankFile(m: MerchantProfile, acq: AcqRow[], plan: BankPlan, last: string) {
  const byDue = new Map<string, { days: Set<string>; net: number }>();
  for (const a of acq) {
    const due = dueDate(a.date, 'T+1', chinaCalendar);
    const entry = byDue.get(due) ?? { days: new Set<string>(), net: 0 };
    entry.days.add(a.date);
    entry.net += a.netMinor;
    byDue.set(due, entry);
  }
  const rows: BankRow[] = [];
  const expected: ExpectedFinding[] = [];
  const statementEnd = addCalendarDays(last, 7);
  for (const [due, entry] of [...byDue.entries()].sort()) {
    if (due > statementEnd) continue;
    const key = `${m.id}|${due}`;
    const days = [...entry.days].sort();
    const firstDay = days[0]!;
    if (plan.drop.has(key)) {
      expected.push({ rule: 'settlement-not-received', merchantId: m.id, key: firstDay, differenceMinor: entry.net, why: `credit due ${due} never paid` });
      continue;
    }
    const shortBy = plan.short.get(key) ?? 0;
    if (shortBy) expected.push({ rule: 'settlement-short', merchantId: m.id, key: firstDay, differenceMinor: shortBy, why: `credit due ${due} short` });
    const date = plan.late.get(key) ?? due;
    if (date !== due) for (const d of days) expected.push({ rule: 'settlement-late', merchantId: m.id, key: d, differenceMinor: null, why: `credit due ${due} paid ${date}` });
    const payer = plan.payer.get(key) ?? ACQUIRER_NAME;
    if (payer !== ACQUIRER_NAME) expected.push({ rule: 'unlicensed-payer', merchantId: m.id, key: date, differenceMinor: null, why: `paid by ${payer}` });
    rows.push({ date, summary: '银联入账', income: entry.net - shortBy, expense: 0, payer });
  }
  for (const d of plan.debits.get(m.id) ?? []) {
    rows.push({ date: d.date, summary: d.summary, income: 0, expense: d.amount, payer: d.payer });
    expected.push({ rule: 'unexpected-deduction', merchantId: m.id, key: d.date, differenceMinor: d.amount, why: `${d.summary} not in the contract` });
  }
  return { bytes: icbcStatement(m, rows), expected };
}

export interface BankRow {
  date: string;
  summary: string;
  income: number;
  expense: number;
  payer: string;
}

function compareExpected(a: ExpectedFinding, b: ExpectedFinding): number {
  return a.merchantId.localeCompare(b.merchantId) || a.rule.localeCompare(b.rule) || a.key.localeCompare(b.key);
}

const gbk = (text: string) => new Uint8Array(iconv.encode(text, 'gbk'));
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const cardLabel: Record<Card, string> = { debit: '借记卡', credit: '贷记卡', qr: '扫码' };

/** The acquirer's monthly transaction file, GBK, as 银联商务-style exports are. */
function acquirerFile(rows: AcqRow[], footerSkewMinor = 0): Uint8Array {
  const itemised = rows.some((r) => r.issuerMinor !== undefined);
  const header = `商户编号,商户名称,终端号,交易日期,交易时间,清算日期,交易类型,卡号,卡类型,交易金额,手续费,结算金额,参考号,批次号,凭证号,原参考号,MCC${itemised ? ',发卡行服务费,网络服务费' : ''}`;
  const lines = [header];
  for (const r of rows) {
    const cells = [
      r.merchant.id,
      r.merchantName,
      r.terminal,
      r.date,
      r.time.slice(11),
      r.date,
      r.type,
      r.cardNo,
      cardLabel[r.card],
      formatDecimal(r.amountMinor),
      formatDecimal(r.feeMinor),
      formatDecimal(r.netMinor),
      r.reference,
      r.batch,
      r.trace,
      r.originalReference,
      r.mcc,
    ];
    if (itemised) cells.push(r.issuerMinor === undefined ? '' : formatDecimal(r.issuerMinor), r.networkMinor === undefined ? '' : formatDecimal(r.networkMinor));
    lines.push(cells.join(','));
  }
  // Refunds and voids count negative in the acquirer's own total.
  const total = rows.reduce((t, r) => t + (r.type === '消费' ? r.amountMinor : -r.amountMinor), 0);
  lines.push(`合计,${rows.length}笔,,,,,,,,${formatDecimal(total + footerSkewMinor)},,,,,,,${itemised ? ',,' : ''}`);
  return gbk(`${lines.join('\r\n')}\r\n`);
}

const payLabel: Record<Card, string> = { debit: '借记卡', credit: '信用卡', qr: '微信支付' };

/** The merchant's POS journal: UTF-8 or GBK, one line per sale, void, reversal or refund. */
function posFile(m: MerchantProfile, rows: PosRow[], withBadRow: boolean): Uint8Array {
  const lines = ['商户号,门店,终端号,订单号,收银时间,交易类型,支付方式,金额,参考号,凭证号,卡号后四位,原参考号,状态'];
  rows.forEach((r, i) => {
    lines.push([m.id, m.name, r.terminal, r.orderId, r.time, r.type, payLabel[r.card], formatDecimal(r.amountMinor), r.reference, r.trace, r.last4, r.originalReference, r.status].join(','));
    if (withBadRow && i === 7) {
      lines.push([m.id, m.name, r.terminal, `${r.orderId}X`, r.time, '消费', '信用卡', '12O.00', '', '', '', '', '失败'].join(','));
    }
  });
  const text = `${lines.join('\r\n')}\r\n`;
  return m.posEncoding === 'gbk' ? gbk(text) : utf8(text);
}

/** An ICBC 明细查询 export (the public sample's v2 layout), UTF-8, with its 人民币合计 footer. */
export function icbcStatement(m: { account: string; name: string }, rows: readonly BankRow[]): Uint8Array {
  const lines = [
    '明细查询文件下载',
    '',
    `卡号: ${m.account},"卡别名: ${m.name}"`,
    '',
    '子账户序号: 00000,子账户类别: 活期,"子账户别名: "',
    '',
    '交易日期,摘要,交易详情,交易场所,交易国家或地区简称,钞/汇,交易金额(收入),交易金额(支出),交易币种,记账金额(收入),记账金额(支出),记账币种,余额,对方户名,对方账户',
  ];
  let balance = 1_000_000;
  const grouped = (minor: number) => formatDecimal(minor).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  let income = 0;
  let expense = 0;
  const ordered = [...rows].sort((a, b) => a.date.localeCompare(b.date));
  const withBalance = ordered.map((r) => {
    balance += r.income - r.expense;
    income += r.income;
    expense += r.expense;
    return { ...r, balance };
  });
  // ICBC lists the newest line first.
  for (const r of withBalance.reverse()) {
    lines.push(
      [
        r.date,
        `"${r.summary}"`,
        '""',
        '""',
        '"CHN"',
        '钞',
        '"-"',
        '"-"',
        '-',
        r.income ? `"${grouped(r.income)}"` : '""',
        r.expense ? `"${grouped(r.expense)}"` : '""',
        '人民币',
        `"${grouped(r.balance)}"`,
        `"${r.payer}"`,
        '"1001234509876543210"',
      ].join(','),
    );
  }
  lines.push(' ');
  lines.push(`人民币合计,,,,,,,,,"${grouped(income)}","${grouped(expense)}",`);
  return utf8(`${lines.join('\n')}\n`);
}

/** The contract configuration of the sample merchants (DESIGN.md section 6). */
function contractYaml(): string {
  const config = {
    timezone: 'Asia/Shanghai',
    licensedPayers: [ACQUIRER_NAME, '财付通支付科技有限公司', '支付宝（中国）网络技术有限公司'],
    merchants: MERCHANTS.map(merchantContract),
  };
  return `# Contracts of the sample merchants. Generated by samples/generator.ts.\n${dump(config, { schema: CORE_SCHEMA, lineWidth: -1, noRefs: true, quoteStyle: 'double' })}`;
}

/** A generated merchant's contract: T+1, the PRICING rates from 2026, no fixed fee or deductions. */
export function merchantContract(m: { id: string; name: string; mcc: string; account: string }) {
  return {
    id: m.id,
    name: m.name,
    mcc: m.mcc,
    account: { name: m.name, number: m.account },
    settlement: { cycle: 'T+1' },
    pricing: (Object.keys(PRICING) as Card[]).map((card) => ({
      from: '2026-01-01',
      card,
      rate: PRICING[card].rate,
      ...(PRICING[card].capMinor !== undefined ? { cap: formatDecimal(PRICING[card].capMinor!) } : {}),
    })),
    fixedFee: '0.00',
    allowedDeductions: [],
  };
}
