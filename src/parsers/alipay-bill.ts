import { createRequire } from 'node:module';
import type { inflateSync as InflateSync } from 'fflate';
import { DateTime } from 'luxon';
import { parseAmount } from '../model/money.js';
import type { AcquirerTxn, ControlCheck, TxnType } from '../model/records.js';
import { assignOptional } from './acquirer-csv.js';
import { cleanCell, decode, detectEncoding, localDate, parseLocalDateTime, splitCsvLine, splitLines } from './_text.js';
import { defineParser, type Encoding, type FileInfo, type ParseEvent, type ParserInput } from './types.js';

const ID = 'alipay-bill';

/**
 * 支付宝 merchant bills, the CSV entries of `{pid}0156_{yyyymmdd}.csv.zip` (alipay.data.dataservice.bill
 * .downloadurl.query, bill_type trade / signcustomer). GBK text laid out as:
 *
 * ```
 * #支付宝业务明细查询                      (or #支付宝账务明细查询)
 * #账号：[20881234567890120156]            (the PID, then the 0156 account suffix)
 * #起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]
 * #-----------------------------------------业务明细列表----------------------------------------
 * 支付宝交易号,商户订单号,业务类型,…        (the header)
 * 2026112022001…\t,T20261120001\t,交易\t,…   (text cells end in a TAB so Excel keeps them as text)
 * #-----------------------------------------业务明细列表结束------------------------------------
 * #交易合计：6笔，商家实收共0.06元，商家优惠共0.00元
 * #退款合计：4笔，商家实收退款共-0.04元，商家优惠退款共0.00元
 * #导出时间：[2026年11月21日 05:46:49]
 * ```
 *
 * 账务明细 has 账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,
 * 账户余额（元）,交易渠道,业务类型,备注 and `#收入合计：N笔，共X元` / `#支出合计：N笔，共X元` trailers.
 * Columns are found by header name.
 */

/** Spec: times in the bill are Beijing time. */
const CN_ZONE = 'Asia/Shanghai';

const DETAIL = {
  tradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  bizType: '业务类型',
  created: '创建时间',
  finished: '完成时间',
  terminal: '终端号',
  orderAmount: '订单金额（元）',
  received: '商家实收（元）',
  merchantDiscount: '商家优惠（元）',
  refundNo: '退款批次号/请求号',
  fee: '服务费（元）',
} as const;

const LEDGER = {
  time: '发生时间',
  income: '收入金额（+元）',
  expense: '支出金额（-元）',
} as const;

type Variant = '业务明细' | '账务明细';

/** `#账号：[2088…0156]`: the account is the 16-digit PID followed by a 4-digit account suffix. */
const ACCOUNT = /^#\s*账号[：:]\s*\[(\d+)\]/;
const PID = /^(2088\d{12})/;

/** Header names compared without full/half-width bracket differences or padding. */
const norm = (h: string): string => h.replace(/\(/g, '（').replace(/\)/g, '）').replace(/[\s`]/g, '');

function toZone(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISO({ suppressMilliseconds: true }) ?? iso;
}

function variantOf(firstLine: string): Variant | undefined {
  const s = firstLine.replace(/^\uFEFF/, '').trim();
  if (s.startsWith('#支付宝业务明细查询')) return '业务明细';
  if (s.startsWith('#支付宝账务明细查询')) return '账务明细';
  return undefined;
}

const baseName = (file: string): string => file.split(/[!/\\]/).pop() ?? file;

/** A `#…合计：` trailer: the row count and the `label共X元` figures. */
interface Trailer {
  readonly line: number;
  readonly kind: string;
  readonly count: number;
  readonly figures: readonly { label: string; minor: number }[];
  readonly problem?: string;
}

/**
 * Reads `#交易合计：6笔，商家实收共0.06元，商家优惠共0.00元`, the older `#交易合计：N笔，总金额X元`, and
 * `#收入合计：18笔，共14989.00元`.
 */
export function readTrailer(text: string, line: number): Trailer | undefined {
  const m = /^#+\s*([^：:#]*?合计)[：:]\s*(\d+)\s*笔(.*)$/.exec(text.trim());
  if (!m) return undefined;
  const [, kind = '', count = '0', rest = ''] = m;
  const figures: { label: string; minor: number }[] = [];
  for (const part of rest.split(/[，,]/)) {
    const p = part.trim();
    if (p === '') continue;
    const f = /^(.*?)共?\s*([-+]?[\d,]+(?:\.\d+)?)\s*元$/.exec(p);
    if (!f) return { line, kind, count: Number(count), figures, problem: `${kind}: expected "…共X元", got "${p}"` };
    const amount = parseAmount(f[2] ?? '');
    if (!amount.ok) return { line, kind, count: Number(count), figures, problem: `${kind}: ${amount.reason}` };
    figures.push({ label: (f[1] ?? '').replace(/共$/, '').trim(), minor: amount.minor });
  }
  return { line, kind, count: Number(count), figures };
}

/** Which column a trailer figure totals, from its label. */
function columnOfLabel(label: string, variant: Variant, trailerKind: string): string | undefined {
  if (variant === '账务明细') return trailerKind.startsWith('收入') ? LEDGER.income : trailerKind.startsWith('支出') ? LEDGER.expense : undefined;
  const l = label.replace(/退款$/, '');
  if (l === '商家实收') return DETAIL.received;
  if (l === '商家优惠') return DETAIL.merchantDiscount;
  if (l === '总金额' || l === '订单金额') return DETAIL.orderAmount;
  if (l === '服务费') return DETAIL.fee;
  return undefined;
}

/** Per trailer kind (交易合计, 退款合计, 收入合计, 支出合计): row count and column sums as written. */
class Sums {
  private readonly data = new Map<string, { count: number; cols: Map<string, number> }>();
  add(kind: string, cols: Readonly<Record<string, number | undefined>>): void {
    const entry = this.data.get(kind) ?? { count: 0, cols: new Map<string, number>() };
    entry.count++;
    for (const [k, v] of Object.entries(cols)) if (v !== undefined) entry.cols.set(k, (entry.cols.get(k) ?? 0) + v);
    this.data.set(kind, entry);
  }
  count(kind: string): number {
    return this.data.get(kind)?.count ?? 0;
  }
  sum(kind: string, col: string): number {
    return this.data.get(kind)?.cols.get(col) ?? 0;
  }
}

class Row {
  readonly problems: string[] = [];
  constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly cells: readonly string[],
  ) {}

  has(name: string): boolean {
    return this.index.has(norm(name));
  }

  text(name: string): string | undefined {
    const i = this.index.get(norm(name));
    const v = i === undefined ? undefined : this.cells[i];
    return v === undefined || v === '' ? undefined : v;
  }

  amount(name: string, required: boolean): number | undefined {
    const v = this.text(name);
    if (v === undefined) {
      if (required) this.problems.push(`${name}: ${this.has(name) ? 'missing' : 'no such column'}`);
      return undefined;
    }
    const p = parseAmount(v);
    if (!p.ok) {
      this.problems.push(`${name}: ${p.reason}`);
      return undefined;
    }
    return p.minor;
  }

  time(names: readonly string[], zone: string): string | undefined {
    for (const n of names) {
      const v = this.text(n);
      if (v === undefined) continue;
      const iso = parseLocalDateTime(v, CN_ZONE);
      if (!iso) {
        this.problems.push(`${n}: expected a date-time, got "${v}"`);
        return undefined;
      }
      return toZone(iso, zone);
    }
    this.problems.push(`${names.join('/')}: missing`);
    return undefined;
  }
}

function bizTypeOf(text: string | undefined): TxnType | undefined {
  const s = (text ?? '').trim();
  if (/退款/.test(s)) return 'refund';
  if (/^(交易|支付|收款|在线支付)$/.test(s)) return 'sale';
  return undefined;
}

/**
 * One 业务明细 row. Refund rows write 订单金额 and 商家实收 negative; the record keeps the amount
 * positive and puts the direction in the type. 服务费 is the fee Alipay keeps: charged on a trade,
 * returned on a refund; exports differ in the sign they write it with, so its size is taken and the
 * row type gives the direction. 分润 is not deducted (it is a profit-sharing transfer, not a fee).
 */
function detailRow(row: Row, input: ParserInput, lineNo: number, merchantId: string | undefined, sums: Sums): AcquirerTxn | undefined {
  const zone = input.options.timezone;
  const typeText = row.text(DETAIL.bizType);
  const txnType = bizTypeOf(typeText);
  if (!txnType) row.problems.push(`业务类型: expected 交易 or 退款, got "${typeText ?? ''}"`);
  const txnTime = row.time([DETAIL.finished, DETAIL.created], zone);
  const amountCol = row.has(DETAIL.received) ? DETAIL.received : DETAIL.orderAmount;
  const amount = row.amount(amountCol, true);
  const order = row.amount(DETAIL.orderAmount, false);
  const discount = row.amount(DETAIL.merchantDiscount, false);
  const feeWritten = row.amount(DETAIL.fee, false);
  if (!merchantId) row.problems.push('merchant: no PID in the #账号 line or the file name ({pid}0156_{yyyymmdd}…)');
  if (row.problems.length > 0 || !txnType || !txnTime || amount === undefined || !merchantId) return undefined;
  sums.add(txnType === 'refund' ? '退款合计' : '交易合计', {
    [DETAIL.received]: row.amount(DETAIL.received, false),
    [DETAIL.orderAmount]: order,
    [DETAIL.merchantDiscount]: discount,
    [DETAIL.fee]: feeWritten,
  });
  const abs = Math.abs(amount);
  const feeAbs = Math.abs(feeWritten ?? 0);
  const fee = txnType === 'refund' ? -feeAbs : feeAbs;
  const txn: AcquirerTxn = {
    source: { file: input.file, line: lineNo },
    format: ID,
    merchantId,
    txnType,
    txnTime,
    settleDate: localDate(txnTime, zone),
    currency: 'CNY',
    amountMinor: abs,
    feeMinor: fee,
    netMinor: txnType === 'refund' ? -abs - fee : abs - fee,
    cardKind: 'qr',
  };
  const tradeNo = row.text(DETAIL.tradeNo);
  const outTradeNo = row.text(DETAIL.outTradeNo);
  // A refund row repeats the trade's 支付宝交易号 and 商户订单号; its own key is the merchant's
  // refund request number (out_request_no).
  assignOptional(
    txn,
    txnType === 'refund'
      ? {
          terminalId: row.text(DETAIL.terminal),
          reference: tradeNo,
          orderId: row.text(DETAIL.refundNo) ?? outTradeNo,
          originalReference: tradeNo,
          originalOrderId: outTradeNo,
        }
      : { terminalId: row.text(DETAIL.terminal), reference: tradeNo, orderId: outTradeNo },
  );
  return txn;
}

/**
 * 账务明细 rows are the ledger of the merchant's Alipay balance (trade income, refunds, service fees,
 * withdrawals). Like WeChat's 资金账单 they are not emitted as acquirer records: the trades are
 * already in 业务明细, and counting both would double the expected settlement. Each row is read and
 * checked (time, amounts) so a damaged row is rejected and the 收入合计/支出合计 trailers are verified;
 * good rows count as non-data units.
 */
function ledgerRow(row: Row, zone: string, sums: Sums): boolean {
  row.time([LEDGER.time], zone);
  const income = row.amount(LEDGER.income, true);
  const expense = row.amount(LEDGER.expense, true);
  if (row.problems.length > 0 || income === undefined || expense === undefined) return false;
  if (income !== 0) sums.add('收入合计', { [LEDGER.income]: Math.abs(income) });
  if (expense !== 0) sums.add('支出合计', { [LEDGER.expense]: Math.abs(expense) });
  return true;
}

function* trailerChecks(input: ParserInput, variant: Variant, t: Trailer, sums: Sums): Generator<ParseEvent> {
  const check = (name: string, declared: number, computed: number, unit?: 'count'): ParseEvent => {
    const c: ControlCheck = { file: input.file, line: t.line, name, currency: 'CNY', declared, computed, ...(unit && { unit }) };
    return { kind: 'check', check: c };
  };
  yield check(`${t.kind} 笔数`, t.count, sums.count(t.kind), 'count');
  for (const f of t.figures) {
    const col = columnOfLabel(f.label, variant, t.kind);
    if (!col) continue;
    // The ledger's 支出 total may be written with or without its minus sign: compare sizes.
    const declared = variant === '账务明细' ? Math.abs(f.minor) : f.minor;
    yield check(`${t.kind} ${f.label || col}`, declared, sums.sum(t.kind, col));
  }
}

function encodingOf(input: ParserInput): Encoding {
  if (input.encoding === 'utf-8' || input.encoding === 'gb18030') return input.encoding;
  const detected = detectEncoding(input.bytes);
  return detected === 'binary' ? 'gb18030' : detected;
}

/**
 * 支付宝 业务明细 / 账务明细 CSV (one entry of the `{pid}0156_{yyyymmdd}.csv.zip`), GBK, `#` preamble
 * and `#…合计` trailers checked against the rows.
 */
export const alipayBill = defineParser({
  id: ID,
  role: 'acquirer',
  description: '支付宝 merchant 业务明细 / 账务明细 CSV (GBK, # preamble, #合计 trailers), from {pid}0156_{date}.csv.zip',
  sniff(head, _name) {
    const enc = detectEncoding(head);
    if (enc === 'binary') return 0;
    const first = splitLines(decode(head.subarray(0, 4096), enc)).find((l) => l.trim() !== '') ?? '';
    return variantOf(first) ? 0.9 : 0;
  },
  *parse(input) {
    const lines = splitLines(decode(input.bytes, encodingOf(input)));
    const zone = input.options.timezone;
    let variant = variantOf(lines.find((l) => l.trim() !== '') ?? '');
    let accountNumber: string | undefined;
    let headerAt = -1;
    for (let i = 0; i < lines.length && i < 40; i++) {
      const l = (lines[i] ?? '').trim();
      const acct = ACCOUNT.exec(l);
      if (acct) accountNumber = acct[1];
      if (l.startsWith('#') || l === '') continue;
      const cells = (splitCsvLine(l) ?? []).map((c) => norm(cleanCell(c)));
      if (cells.includes(DETAIL.tradeNo) || cells.includes('账务流水号')) {
        headerAt = i;
        variant ??= cells.includes(DETAIL.tradeNo) ? '业务明细' : '账务明细';
        break;
      }
    }
    const pid = PID.exec(accountNumber ?? '')?.[1] ?? PID.exec(baseName(input.file))?.[1];
    if (headerAt < 0 || !variant) {
      yield {
        kind: 'reject',
        reject: { file: input.file, line: 1, reason: 'no 支付宝交易号/账务流水号 header line found in the first 40 lines', raw: lines[0] ?? '' },
      };
      // An empty file still has its rejected line 1, or the run's row accounting would not balance.
      yield { kind: 'info', info: { units: Math.max(1, lines.length), nonDataUnits: Math.max(0, lines.length - 1) } };
      return;
    }
    const headers = (splitCsvLine(lines[headerAt] ?? '') ?? []).map((c) => norm(cleanCell(c)));
    let width = headers.length;
    while (width > 0 && headers[width - 1] === '') width--;
    const index = new Map<string, number>();
    headers.forEach((h, i) => {
      if (h !== '' && !index.has(h)) index.set(h, i);
    });
    const sums = new Sums();
    const trailers: Trailer[] = [];
    let units = lines.length;
    let nonData = headerAt + 1;
    let sawEnd = false;
    for (let i = headerAt + 1; i < lines.length; i++) {
      const raw = lines[i] ?? '';
      const lineNo = i + 1;
      const reject = (reason: string): ParseEvent => ({ kind: 'reject', reject: { file: input.file, line: lineNo, reason, raw } });
      if (raw.trim() === '' || /^[\s,]*$/.test(raw)) {
        nonData++;
        continue;
      }
      if (raw.trim().startsWith('#')) {
        if (raw.includes('列表结束')) sawEnd = true;
        const t = readTrailer(raw, lineNo);
        if (t?.problem) {
          yield reject(t.problem);
          continue;
        }
        if (t) trailers.push(t);
        nonData++;
        continue;
      }
      const split = splitCsvLine(raw);
      if (!split) {
        yield reject('unterminated quote');
        continue;
      }
      const cells = split.map(cleanCell);
      while (cells.length > width && cells[cells.length - 1] === '') cells.pop();
      if (cells.length !== width) {
        yield reject(
          `expected ${width} cells, got ${cells.length} (${cells.length < width ? 'row cut short' : 'a value holds a comma, or the row is misaligned'})`,
        );
        continue;
      }
      const row = new Row(index, cells);
      if (variant === '账务明细') {
        if (ledgerRow(row, zone, sums)) nonData++;
        else yield reject(row.problems.join('; '));
        continue;
      }
      const txn = detailRow(row, input, lineNo, pid, sums);
      if (txn) yield { kind: 'record', role: 'acquirer', record: txn };
      else yield reject(row.problems.join('; '));
    }
    for (const t of trailers) yield* trailerChecks(input, variant, t, sums);
    if (!sawEnd) {
      // No `#…列表结束` marker: the file was cut short and its 合计 trailers are gone. The missing
      // trailer counts as one unit, rejected.
      units++;
      yield {
        kind: 'reject',
        reject: { file: input.file, line: lines.length + 1, reason: `no #…${variant}列表结束 line and no #…合计 trailers (file cut short?)`, raw: '' },
      };
    }
    const info: FileInfo = {
      units,
      nonDataUnits: nonData,
      variant,
      ...(pid && { merchantId: pid }),
      ...(accountNumber && { accountNumber }),
    };
    yield { kind: 'info', info };
  },
});

/** One file inside a zip, its name decoded. */
export interface ZipEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const u16 = (b: Uint8Array, o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
const u32 = (b: Uint8Array, o: number): number => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;

/**
 * Reads the entries of an Alipay bill zip (`{pid}0156_{yyyymmdd}.csv.zip`) in memory. Alipay writes
 * the entry names (`…_业务明细.csv`, `…_业务明细(汇总).csv`) in GBK without the UTF-8 flag (general
 * purpose bit 11, APPNOTE 4.4.4), so names are decoded as GBK unless that bit is set. Each entry is
 * inflated into a buffer of its declared size (one that inflates to another size is refused), so a
 * forged size cannot make it grow; the sum of declared sizes is capped by `maxTotalBytes`. Stored (0) and deflated (8) entries only; no Zip64.
 */
export function readAlipayZip(bytes: Uint8Array, maxTotalBytes = 1024 ** 3): ZipEntry[] {
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (u32(bytes, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const count = u16(bytes, eocd + 10);
  let p = u32(bytes, eocd + 16);
  const entries: ZipEntry[] = [];
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (u32(bytes, p) !== 0x02014b50) throw new Error(`zip central directory entry ${n + 1}: bad signature`);
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const compressed = u32(bytes, p + 20);
    const size = u32(bytes, p + 24);
    const nameLength = u16(bytes, p + 28);
    const extraLength = u16(bytes, p + 30);
    const commentLength = u16(bytes, p + 32);
    const local = u32(bytes, p + 42);
    const rawName = bytes.subarray(p + 46, p + 46 + nameLength);
    const name = flags & 0x0800 ? new TextDecoder('utf-8').decode(rawName) : decode(rawName, 'gb18030');
    p += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (compressed === 0xffffffff || size === 0xffffffff) throw new Error(`zip entry "${name}": Zip64 is not supported`);
    total += size;
    if (total > maxTotalBytes) throw new Error(`zip expands to more than ${maxTotalBytes} bytes`);
    if (u32(bytes, local) !== 0x04034b50) throw new Error(`zip entry "${name}": bad local header`);
    const start = local + 30 + u16(bytes, local + 26) + u16(bytes, local + 28);
    const data = bytes.subarray(start, start + compressed);
    if (data.length !== compressed) throw new Error(`zip entry "${name}": data cut short`);
    if (method === 0) entries.push({ name, bytes: data.slice() });
    else if (method === 8) {
      // One byte of headroom tells an entry that inflates past its declared size from one that fits.
      // fflate loaded when a zipped bill is first read: most runs read none.
      const { inflateSync } = createRequire(import.meta.url)('fflate') as { inflateSync: typeof InflateSync };
      const out = inflateSync(data, { out: new Uint8Array(size + 1) });
      if (out.length !== size) throw new Error(`zip entry "${name}": inflates to ${out.length > size ? 'more' : 'fewer'} bytes than the ${size} declared`);
      entries.push({ name, bytes: out });
    }
    else throw new Error(`zip entry "${name}": compression method ${method} is not supported`);
  }
  return entries;
}
