import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ACQUIRER_NAME, PRICING, icbcStatement, merchantContract, type BankRow, type Card } from '../samples/generator.js';
import { mulberry32 } from '../samples/prng.js';
import iconv from 'iconv-lite';
import { CORE_SCHEMA, dump } from 'js-yaml';
import { addCalendarDays, chinaCalendar, dueDate } from '../src/model/calendar.js';
import { formatDecimal } from '../src/model/money.js';

/**
 * The benchmark's month of data: N acquirer rows and the matching POS journal, both GBK, in the
 * layouts of samples/generator.ts (the 银联商务-style acquirer export and the POS journal), for
 * about a thousand merchants, with a few anomalies of each kind planted at known rows.
 *
 * It streams: rows are built as byte strings and written in 16 MiB blocks, so 10M rows take
 * seconds and little memory. The same seed gives the same bytes.
 */

export interface MonthOptions {
  /** Acquirer rows (the POS journal has about as many). */
  rows: number;
  merchants?: number;
  seed?: number;
  /** Anomalies planted of each kind. */
  anomalies?: number;
}

export interface GeneratedMonth {
  acquirerFile: string;
  posFile: string;
  /** The merchants' bank statements, one ICBC export each: every settlement day credited when due. */
  bankDir: string;
  /**
   * The same statements, but the first SHORT_MERCHANTS merchants are credited 1 元 short every
   * day: a month with about a thousand settlement-short findings, each naming the day's records.
   */
  bankShortDir: string;
  configFile: string;
  asOf: string;
  acquirerRows: number;
  posRows: number;
  bytes: number;
  /** What an audit must find, by rule, from the planted anomalies. */
  planted: Record<string, number>;
}

const FROM = '2026-10-01';
const DAYS = 31;
const AS_OF = '2026-11-30';

const CITIES = ['上海', '杭州', '北京', '广州', '深圳', '成都', '南京', '苏州', '武汉', '西安'];
const WORDS = ['味道', '鲜果', '悦读', '清风', '云锦', '百福', '金穗', '和丰', '嘉禾', '瑞雪', '春晓', '明德'];
const TRADES: { suffix: string; mcc: string; minYuan: number; maxYuan: number }[] = [
  { suffix: '餐饮有限公司', mcc: '5812', minYuan: 28, maxYuan: 860 },
  { suffix: '超市有限公司', mcc: '5411', minYuan: 12, maxYuan: 420 },
  { suffix: '书店有限责任公司', mcc: '5942', minYuan: 35, maxYuan: 300 },
  { suffix: '茶饮店', mcc: '5814', minYuan: 9, maxYuan: 68 },
  { suffix: '百货有限公司', mcc: '5311', minYuan: 20, maxYuan: 3000 },
];

/** The month's seeded generator (samples/prng.ts). */
const prng = mulberry32;

/** GBK bytes as a latin1 string, so a whole line can be concatenated and written in one call. */
const gbk = (text: string): string => iconv.encode(text, 'gbk').toString('latin1');

interface Merchant {
  id: string;
  name: string;
  nameGbk: string;
  mcc: string;
  account: string;
  terminals: string[];
  minMinor: number;
  maxMinor: number;
}

function makeMerchants(n: number, rnd: () => number): Merchant[] {
  const out: Merchant[] = [];
  for (let i = 0; i < n; i++) {
    const trade = TRADES[i % TRADES.length]!;
    const name = `${CITIES[i % CITIES.length]}${WORDS[Math.floor(i / CITIES.length) % WORDS.length]}${trade.suffix}第${String(i + 1).padStart(4, '0')}店`;
    const terminals = Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, t) => String(10_000_000 + i * 10 + t));
    out.push({
      id: `898${String(310 + (i % 90)).padStart(3, '0')}${String(i + 1).padStart(5, '0')}${String(Math.floor(rnd() * 10000)).padStart(4, '0')}`,
      name,
      nameGbk: gbk(name),
      mcc: trade.mcc,
      account: `6222${String(i + 1).padStart(6, '0')}${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`,
      terminals,
      minMinor: trade.minYuan * 100,
      maxMinor: trade.maxYuan * 100,
    });
  }
  return out;
}

/** Writes latin1 strings (GBK bytes) into a file in large blocks. */
class BlockWriter {
  private readonly buf = Buffer.allocUnsafe(16 * 1024 * 1024);
  private used = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}
  line(s: string): void {
    if (this.used + s.length * 2 > this.buf.length) this.flush();
    this.used += this.buf.write(s, this.used, 'latin1');
  }
  flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.bytes += this.used;
    this.used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/**
 * Contracted fee: amount × rate rounded half up, capped. amount × ppm stays far below 2^53, so the
 * integer arithmetic here is exact and equals money.applyRate for positive amounts.
 */
function fee(amountMinor: number, card: Card, ppmOverride?: number): number {
  const p = PRICING[card];
  const raw = Math.floor((amountMinor * (ppmOverride ?? p.ppm) + 500_000) / 1_000_000);
  return ppmOverride === undefined && p.capMinor !== undefined ? Math.min(raw, p.capMinor) : raw;
}

/** Generates the month into `dir`. */
export function generateMonth(dir: string, options: MonthOptions): GeneratedMonth {
  const rows = options.rows;
  const rnd = prng(options.seed ?? 20261031);
  const merchants = makeMerchants(options.merchants ?? 1000, rnd);
  // Stores of one group trade alike, within ±50% of each other. The bulk path's memory follows the
  // largest merchant's month (BENCHMARKS.md), so a group with one dominant merchant needs more.
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < merchants.length; k++) cumulative.push((total += 0.5 + rnd()));
  const pickMerchant = (): number => {
    const x = rnd() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  // Planted anomalies, spread over the month; each kind on its own rows.
  const count = Math.min(options.anomalies ?? 5, Math.floor(rows / 10));
  const kinds = ['charged-without-sale', 'sale-not-settled', 'fee-overcharge', 'unparseable-row', 'merchant-identity-drift'] as const;
  const planted = new Map<number, (typeof kinds)[number]>();
  for (let k = 0; k < count; k++) {
    const base = Math.floor(((k + 0.37) * rows) / count);
    kinds.forEach((kind, j) => planted.set(base + j, kind));
  }

  mkdirSync(dir, { recursive: true });
  const acquirerFile = path.join(dir, 'acquirer_202610.csv');
  const posFile = path.join(dir, 'pos_202610.csv');
  const acq = new BlockWriter(openSync(acquirerFile, 'w'));
  const pos = new BlockWriter(openSync(posFile, 'w'));
  acq.line(gbk('商户编号,商户名称,终端号,交易日期,交易时间,清算日期,交易类型,卡号,卡类型,交易金额,手续费,结算金额,参考号,批次号,凭证号,MCC\r\n'));
  pos.line(gbk('商户号,门店,终端号,订单号,收银时间,交易类型,支付方式,金额,参考号,凭证号,卡号后四位,状态\r\n'));
  const SALE = gbk('消费');
  const OK = gbk('成功');
  const FAILED = gbk('失败');
  const cardLabel: Record<Card, string> = { debit: gbk('借记卡'), credit: gbk('贷记卡'), qr: gbk('扫码') };
  const payLabel: Record<Card, string> = { debit: gbk('借记卡'), credit: gbk('信用卡'), qr: gbk('微信支付') };
  const DEBIT_BINS = ['622202', '621700', '623668'];
  const CREDIT_BINS = ['622588', '625807', '436742'];

  // Each merchant's acquirer net by settlement date, for its bank statement.
  const nets = merchants.map(() => new Map<string, number>());
  let acquirerRows = 0;
  let posRows = 0;
  let grossMinor = 0;
  const found: Record<string, number> = {};
  let day = -1;
  let dayStart = 0;
  let dayEnd = 0;
  let date = '';
  let yymmdd = '';
  let ymd = '';
  let batch = '';
  for (let i = 0; i < rows; i++) {
    if (i >= dayEnd) {
      day++;
      dayStart = dayEnd;
      dayEnd = Math.floor(((day + 1) * rows) / DAYS);
      date = addCalendarDays(FROM, day);
      ymd = date.replace(/-/g, '');
      yymmdd = ymd.slice(2);
      batch = `${ymd.slice(4)}01`;
    }
    // Trading from 08:00 to 22:00, in time order across all merchants, as a monthly export is.
    const sec = 8 * 3600 + Math.floor(((i - dayStart) * 14 * 3600) / Math.max(1, dayEnd - dayStart));
    const time = `${pad(Math.floor(sec / 3600), 2)}:${pad(Math.floor(sec / 60) % 60, 2)}:${pad(sec % 60, 2)}`;
    const kind = planted.get(i);
    const merchant = pickMerchant();
    const m = merchants[merchant]!;
    let terminal = m.terminals[Math.floor(rnd() * m.terminals.length)]!;
    if (kind === 'merchant-identity-drift') {
      // A terminal of another merchant settles this sale: 移机 / 套用商户.
      const other = merchants[(merchants.indexOf(m) + 1) % merchants.length]!;
      terminal = other.terminals[0]!;
    }
    const r = rnd();
    const card: Card = r < 0.4 ? 'qr' : r < 0.73 ? 'debit' : 'credit';
    const cardNo = card === 'qr' ? '' : `${(card === 'debit' ? DEBIT_BINS : CREDIT_BINS)[Math.floor(rnd() * 3)]}******${pad(Math.floor(rnd() * 10000), 4)}`;
    const amount = m.minMinor + Math.floor(rnd() * (m.maxMinor - m.minMinor + 1));
    const feeMinor = kind === 'fee-overcharge' ? fee(amount, card, PRICING[card].ppm + 1800) : fee(amount, card);
    const seq = i - dayStart + 1;
    const reference = `${yymmdd}${pad(seq, 6)}`;
    const trace = pad(seq % 1_000_000, 6);
    if (kind !== 'sale-not-settled') {
      acq.line(
        `${m.id},${m.nameGbk},${terminal},${date},${time},${date},${SALE},${cardNo},${cardLabel[card]},${formatDecimal(amount)},${formatDecimal(feeMinor)},${formatDecimal(amount - feeMinor)},${reference},${batch},${trace},${m.mcc}\r\n`,
      );
      acquirerRows++;
      grossMinor += amount;
      const net = nets[merchant]!;
      net.set(date, (net.get(date) ?? 0) + amount - feeMinor);
    }
    if (kind !== 'charged-without-sale') {
      pos.line(
        `${m.id},${m.nameGbk},${terminal},PO${ymd}${pad(seq, 7)},${date} ${time},${SALE},${payLabel[card]},${formatDecimal(amount)},${reference},${trace},${cardNo.slice(-4)},${OK}\r\n`,
      );
      posRows++;
    }
    if (kind === 'unparseable-row') {
      // A declined sale whose amount was typed with a letter O: the row cannot be read.
      pos.line(`${m.id},${m.nameGbk},${terminal},PO${ymd}${pad(seq, 7)}X,${date} ${time},${SALE},${payLabel.credit},12O.00,,,,${FAILED}\r\n`);
      posRows++;
    }
    if (kind) found[kind] = (found[kind] ?? 0) + 1;
  }
  acq.line(gbk(`合计,${acquirerRows}笔,,,,,,,,${formatDecimal(grossMinor)},,,,,,\r\n`));
  acq.close();
  pos.close();

  const bankDir = path.join(dir, 'bank');
  writeStatements(bankDir, merchants, nets, 0);
  const bankShortDir = path.join(dir, 'bank-short');
  writeStatements(bankShortDir, merchants, nets, SHORT_MERCHANTS);
  const configFile = path.join(dir, 'contracts.yaml');
  writeFileSync(configFile, contractYaml(merchants));
  const result: GeneratedMonth = {
    acquirerFile,
    posFile,
    bankDir,
    bankShortDir,
    configFile,
    asOf: AS_OF,
    acquirerRows,
    posRows,
    bytes: acq.bytes + pos.bytes,
    planted: found,
  };
  writeFileSync(path.join(dir, 'generated.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Merchants whose every credit is 1 元 short in `bankShortDir`. */
export const SHORT_MERCHANTS = 50;

/**
 * One ICBC statement per merchant (samples/generator.ts's layout): a credit from the acquirer on
 * each due date (T+1 in business days) of its settlement days' net, through the first days of
 * the next month, so that every day of the month is credited. The first `short` merchants' credits
 * are each 1 元 (100 fen) short.
 */
function writeStatements(dir: string, merchants: Merchant[], nets: Map<string, number>[], short: number): void {
  mkdirSync(dir, { recursive: true });
  const dues = new Map<string, string>();
  merchants.forEach((m, i) => {
    const byDue = new Map<string, number>();
    for (const [date, net] of nets[i]!) {
      let due = dues.get(date);
      if (due === undefined) dues.set(date, (due = dueDate(date, 'T+1', chinaCalendar)));
      byDue.set(due, (byDue.get(due) ?? 0) + net);
    }
    const shortBy = i < short ? 100 : 0;
    const rows: BankRow[] = [...byDue].sort().map(([date, income]) => ({ date, summary: '银联入账', income: income - shortBy, expense: 0, payer: ACQUIRER_NAME }));
    writeFileSync(path.join(dir, `icbc_${m.account}_202610.csv`), icbcStatement({ account: m.account, name: m.name }, rows));
  });
}

function contractYaml(merchants: Merchant[]): string {
  const config = {
    timezone: 'Asia/Shanghai',
    licensedPayers: [ACQUIRER_NAME],
    merchants: merchants.map(merchantContract),
  };
  return `# Contracts of the benchmark merchants. Generated by bench/generate.ts.\n${dump(config, { schema: CORE_SCHEMA, lineWidth: -1, noRefs: true, quoteStyle: 'double' })}`;
}

/** `node dist/bench/generate.js --rows N --out DIR [--merchants M] [--seed S]` */
function cli(argv: string[]): void {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rows = Number(arg('rows') ?? 5_000_000);
  if (!Number.isSafeInteger(rows) || rows < 10) throw new Error(`--rows must be an integer ≥ 10, got ${arg('rows')}`);
  const started = performance.now();
  const out = generateMonth(arg('out') ?? 'bench-out/data', {
    rows,
    merchants: arg('merchants') ? Number(arg('merchants')) : undefined,
    seed: arg('seed') ? Number(arg('seed')) : undefined,
  });
  process.stderr.write(`generated ${out.acquirerRows} acquirer + ${out.posRows} POS rows, ${(out.bytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) cli(process.argv.slice(2));
