import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { parseAmount, type ParsedAmount } from '../model/money.js';
import type { AcquirerTxn, ControlCheck, TxnType } from '../model/records.js';
import { assignOptional } from './acquirer-csv.js';
import { cleanCell, decode, detectEncoding, localDate, ownValue, parseLocalDateTime, splitCsvLine, splitLines } from './_text.js';
import { defineParser, type FileInfo, type ParseEvent, type ParserInput } from './types.js';

const ID = 'wechat-trade-bill';

/**
 * 微信支付 merchant bills (downloadbill / APIv3 tradebill and fundflowbill):
 *
 * - 交易账单 ALL / SUCCESS / REFUND: a header line, one line per order or refund with every value
 *   prefixed by a backtick (so Excel keeps long ids as text), then two summary lines: the names
 *   (总交易单数,应结订单总金额,退款总金额,…) and the values. Columns differ by bill type, so they are
 *   found by header NAME, never by position.
 * - 资金账单: the ledger of the merchant's WeChat Pay balance (记账时间, 资金流水单号, 收支类型, 收支金额, …),
 *   with 资金流水总笔数/收入笔数/收入金额/支出笔数/支出金额 as its summary.
 *
 * Files saved through Excel lose the backticks and turn ids into `4.00123E+27`; such a file (the
 * WeChat sandbox's TAB-separated output is one) is still read: amounts and times survive, ids in
 * scientific notation are dropped rather than carried as false keys.
 */

/** Spec: 交易时间 and 记账时间 are Beijing time. */
const CN_ZONE = 'Asia/Shanghai';

/** The fee column carries five decimals (`0.04000`); WeChat rounds each order's fee to the fen. */
const FEE_DIGITS = 5;
const FEN_PER_FEE_UNIT = 10 ** (FEE_DIGITS - 2);

/** Column names of the trade bill (and the older or sub-merchant spellings of the same column). */
const COL = {
  time: ['交易时间'],
  merchant: ['商户号'],
  subMerchant: ['特约商户号', '子商户号'],
  device: ['设备号'],
  wxOrder: ['微信订单号'],
  outOrder: ['商户订单号'],
  status: ['交易状态'],
  currency: ['货币种类'],
  settleAmount: ['应结订单金额', '总金额'],
  coupon: ['代金券金额', '代金券或立减优惠金额'],
  refundTime: ['退款成功时间'],
  refundAskTime: ['退款申请时间'],
  wxRefund: ['微信退款单号'],
  outRefund: ['商户退款单号'],
  refundAmount: ['退款金额'],
  couponRefund: ['充值券退款金额', '代金券或立减优惠退款金额'],
  fee: ['手续费'],
  orderAmount: ['订单金额'],
  refundAsked: ['申请退款金额'],
} as const;

/** Columns of the 资金账单. */
const FUND = {
  time: ['记账时间'],
  direction: ['收支类型'],
  amount: ['收支金额（元）', '收支金额(元)', '收支金额'],
} as const;

/** The trade-bill columns the summary totals, by the key their running sum is kept under. */
const SUMMED = {
  settle: COL.settleAmount,
  refund: COL.refundAmount,
  couponRefund: COL.couponRefund,
  fee: COL.fee,
  order: COL.orderAmount,
  asked: COL.refundAsked,
  coupon: COL.coupon,
} as const;
type SumKey = keyof typeof SUMMED;

/** Summary names and what each totals: `count` is the number of rows. */
const TRADE_TOTALS: Readonly<Record<string, SumKey | 'count'>> = {
  总交易单数: 'count',
  应结订单总金额: 'settle',
  退款总金额: 'refund',
  充值券退款总金额: 'couponRefund',
  代金券或立减优惠退款总金额: 'couponRefund',
  手续费总金额: 'fee',
  订单总金额: 'order',
  申请退款总金额: 'asked',
  代金券总金额: 'coupon',
};

/** 资金账单 summary names: the total row count, then counts and sums per direction (收入/支出). */
const FUND_TOTALS: Readonly<Record<string, string>> = {
  资金流水总笔数: 'count',
  收入笔数: '收入笔数',
  收入金额: '收入金额',
  支出笔数: '支出笔数',
  支出金额: '支出金额',
};

type Variant = 'ALL' | 'SUCCESS' | 'REFUND' | '资金账单';

const SCIENTIFIC = /^\d(?:\.\d+)?E\+\d+$/i;

function toZone(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISO({ suppressMilliseconds: true }) ?? iso;
}

/**
 * gzip (1f 8b) is expanded. `partial`: the sniffer sees only the head of the stream, so the first
 * 8 KiB are inflated without requiring the end of the stream, into at most 4 MiB.
 */
function gunzipped(bytes: Uint8Array, partial: boolean): Uint8Array {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  if (partial) return gunzipSync(bytes.subarray(0, 8192), { maxOutputLength: 4 * 1024 ** 2, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return gunzipSync(bytes, { maxOutputLength: 2 ** 31 - 1 });
}

function text(bytes: Uint8Array): string {
  const enc = detectEncoding(bytes);
  return decode(bytes, enc === 'binary' ? 'utf-8' : enc);
}

/** Header cells, normalised: BOM, backticks and padding removed. */
const headerCells = (line: string, delimiter: string): string[] =>
  line
    .replace(/^\uFEFF/, '')
    .split(delimiter)
    .map((c) => c.trim().replace(/^`/, '').trim());

function billKind(headers: readonly string[]): Variant | undefined {
  if (headers.includes('微信订单号')) {
    if (headers.includes('退款申请时间')) return 'REFUND';
    if (headers.includes('微信退款单号')) return 'ALL';
    return 'SUCCESS';
  }
  if (headers.includes('记账时间') && headers.includes('资金流水单号')) return '资金账单';
  return undefined;
}

/**
 * Splits a line. Backtick mode (production): every value starts with a backtick, so values are
 * separated by `` ,` `` and a comma inside a product name does not split it. Otherwise the delimiter
 * of the header (comma or TAB), quotes honoured.
 */
function splitRow(line: string, delimiter: string): string[] | null {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('`')) return trimmed.slice(1).split(`${delimiter}\``).map(cleanCell);
  const cells = splitCsvLine(line, delimiter);
  return cells ? cells.map(cleanCell) : null;
}

/** A row's cells by column name. */
class Row {
  readonly problems: string[] = [];
  constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly cells: readonly string[],
  ) {}

  has(names: readonly string[]): boolean {
    return names.some((n) => this.index.has(n));
  }

  text(names: readonly string[]): string | undefined {
    for (const n of names) {
      const i = this.index.get(n);
      if (i === undefined) continue;
      const v = this.cells[i];
      return v === undefined || v === '' ? undefined : v;
    }
    return undefined;
  }

  /** An id: dropped when Excel turned it into scientific notation (its digits are lost). */
  id(names: readonly string[]): string | undefined {
    const v = this.text(names);
    return v === undefined || SCIENTIFIC.test(v) ? undefined : v;
  }

  amount(names: readonly string[], required: boolean, digits = 2): number | undefined {
    const v = this.text(names);
    if (v === undefined) {
      if (required && this.has(names)) this.problems.push(`${names[0]}: missing`);
      else if (required) this.problems.push(`${names[0]}: no such column`);
      return undefined;
    }
    const p = parseAmount(v, digits);
    if (!p.ok) {
      this.problems.push(`${names[0]}: ${p.reason}`);
      return undefined;
    }
    return p.minor;
  }

  time(names: readonly string[], zone: string): string | undefined {
    const v = this.text(names);
    if (v === undefined) return undefined;
    const iso = parseLocalDateTime(v, CN_ZONE);
    if (!iso) {
      this.problems.push(`${names[0]}: expected a date-time, got "${v}"`);
      return undefined;
    }
    return toZone(iso, zone);
  }
}

/** Rounds a five-decimal fee to the fen, half away from zero. */
function feeToFen(units: number): number {
  const abs = Math.abs(units);
  const fen = Math.floor((abs + FEN_PER_FEE_UNIT / 2) / FEN_PER_FEE_UNIT);
  return units < 0 ? -fen : fen;
}

const STATUS: Readonly<Record<string, TxnType>> = { SUCCESS: 'sale', REFUND: 'refund', REVOKED: 'void' };

/** Running sums of the columns the summary totals, over rows read, in the column's own units. */
class Sums {
  readonly byColumn = new Map<string, number>();
  count = 0;
  add(column: string, value: number | undefined): void {
    if (value !== undefined) this.byColumn.set(column, (this.byColumn.get(column) ?? 0) + value);
  }
}

function tradeRow(row: Row, input: ParserInput, lineNo: number, sums: Sums): AcquirerTxn | undefined {
  const zone = input.options.timezone;
  const statusText = row.text(COL.status) ?? '';
  const txnType = ownValue(STATUS, statusText);
  if (!txnType) row.problems.push(`交易状态: expected SUCCESS, REFUND or REVOKED, got "${statusText}"`);
  const sub = row.text(COL.subMerchant);
  // 特约商户号 is the sub-merchant of a service provider; `0` or empty means the bill is the merchant's own.
  const merchantId = sub && sub !== '0' ? sub : row.text(COL.merchant);
  if (!merchantId) row.problems.push('商户号: missing');
  const refundLike = txnType === 'refund' || txnType === 'void';
  const orderTime = row.time(COL.time, zone);
  const refundTime = refundLike ? (row.time(COL.refundTime, zone) ?? row.time(COL.refundAskTime, zone)) : undefined;
  const txnTime = refundTime ?? orderTime;
  if (!txnTime && row.problems.every((p) => !p.startsWith('交易时间'))) row.problems.push('交易时间: missing');
  const settle = row.amount(COL.settleAmount, txnType === 'sale');
  const refund = row.amount(COL.refundAmount, txnType === 'refund');
  const feeUnits = row.amount(COL.fee, true, FEE_DIGITS);
  const extra = {
    coupon: row.amount(COL.coupon, false),
    couponRefund: row.amount(COL.couponRefund, false),
    order: row.amount(COL.orderAmount, false),
    asked: row.amount(COL.refundAsked, false),
  };
  if (row.problems.length > 0 || !txnType || !merchantId || !txnTime || feeUnits === undefined) return undefined;
  // A sale credits 应结订单金额 (the order less merchant-funded coupons), the amount the fee is charged on.
  // A refund debits 退款金额; its fee is negative (returned). A revoked order is treated like a refund.
  const amount = txnType === 'sale' ? (settle ?? 0) : refund || settle || 0;
  const fee = feeToFen(feeUnits);
  const net = txnType === 'sale' ? amount - fee : -amount - fee;
  sums.count++;
  const summed: Record<SumKey, number | undefined> = { settle, refund, fee: feeUnits, ...extra };
  for (const [key, value] of Object.entries(summed)) sums.add(key, value);
  const txn: AcquirerTxn = {
    source: { file: input.file, line: lineNo },
    format: ID,
    merchantId,
    txnType,
    txnTime,
    settleDate: localDate(txnTime, zone),
    currency: row.text(COL.currency) ?? input.options.currency,
    amountMinor: Math.abs(amount),
    feeMinor: fee,
    netMinor: net,
    cardKind: 'qr',
  };
  const outOrder = row.id(COL.outOrder);
  const wxOrder = row.id(COL.wxOrder);
  assignOptional(
    txn,
    refundLike
      ? {
          terminalId: row.id(COL.device),
          reference: row.id(COL.wxRefund) ?? wxOrder,
          orderId: row.id(COL.outRefund) ?? outOrder,
          originalReference: wxOrder,
          originalOrderId: outOrder,
        }
      : { terminalId: row.id(COL.device), reference: wxOrder, orderId: outOrder },
  );
  return txn;
}

/**
 * 资金账单 rows are the wallet's ledger: order income, refunds, fees and withdrawals to the bank.
 * They are NOT emitted as acquirer records: the same money is already in the trade bill, and
 * counting it twice would double every expected settlement. Each row is still read (time,
 * direction, amount) so that a damaged row is rejected and the summary is checked; good rows count
 * as non-data units.
 */
function fundRow(row: Row, zone: string, sums: Sums): boolean {
  if (row.text(FUND.time) === undefined) row.problems.push(`${FUND.time[0]}: missing`);
  else row.time(FUND.time, zone);
  const direction = row.text(FUND.direction);
  if (direction !== '收入' && direction !== '支出') row.problems.push(`收支类型: expected 收入 or 支出, got "${direction ?? ''}"`);
  const amount = row.amount(FUND.amount, true);
  if (row.problems.length > 0 || amount === undefined) return false;
  sums.count++;
  sums.add(`${direction}笔数`, 1);
  sums.add(`${direction}金额`, Math.abs(amount));
  return true;
}

/** Parses a summary figure: counts may be written `20.0`. */
function figure(textValue: string, isCount: boolean, digits: number): ParsedAmount {
  if (isCount) {
    const m = /^(\d+)(?:\.0*)?$/.exec(textValue);
    // A count past 2^53 is not a count a bill can have, and would not compare exactly.
    const count = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(count) ? { ok: true, minor: count } : { ok: false, reason: `expected a whole count, got "${textValue}"` };
  }
  return parseAmount(textValue, digits);
}

function* summaryChecks(
  input: ParserInput,
  variant: Variant,
  names: readonly string[],
  values: readonly string[],
  line: number,
  headerIndex: ReadonlyMap<string, number>,
  sums: Sums,
  currency: string,
): Generator<ParseEvent, string[]> {
  const problems: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i] ?? '';
    if (name === '') continue;
    const raw = values[i] ?? '';
    const what = variant === '资金账单' ? ownValue(FUND_TOTALS, name) : ownValue(TRADE_TOTALS, name);
    if (what === undefined) continue;
    const isCount = what === 'count' || what.endsWith('笔数');
    // A total of a column this bill type does not have is not checked.
    if (variant !== '资金账单' && what !== 'count' && !SUMMED[what as SumKey].some((c) => headerIndex.has(c))) continue;
    const computed = what === 'count' ? sums.count : (sums.byColumn.get(what) ?? 0);
    const digits = what === 'fee' ? FEE_DIGITS : 2;
    const declared = figure(raw, isCount, digits);
    if (!declared.ok) {
      problems.push(`${name}: ${declared.reason}`);
      continue;
    }
    // Fee totals are summed exactly at five decimals, then compared at fen precision.
    const asFen = (v: number) => (digits === FEE_DIGITS ? feeToFen(v) : v);
    const check: ControlCheck = {
      file: input.file,
      line,
      name,
      currency,
      declared: asFen(declared.minor),
      computed: asFen(computed),
      ...(isCount && { unit: 'count' as const }),
    };
    yield { kind: 'check', check };
  }
  return problems;
}

const SUMMARY_HEAD = /^(总交易单数|资金流水总笔数)$/;

/**
 * 微信支付 交易账单 (ALL/SUCCESS/REFUND) and 资金账单, UTF-8 or gzip, backtick-prefixed values,
 * columns by header name, the two summary lines checked against the rows.
 */
export const wechatTradeBill = defineParser({
  id: ID,
  role: 'acquirer',
  description: '微信支付 merchant 交易账单 (ALL/SUCCESS/REFUND) and 资金账单, backtick CSV or gzip',
  sniff(head, _name) {
    let bytes: Uint8Array;
    try {
      bytes = gunzipped(head, true);
    } catch {
      return 0;
    }
    const lines = splitLines(text(bytes.subarray(0, 16 * 1024))).filter((l) => l.trim() !== '');
    const first = lines[0] ?? '';
    const kind = billKind(headerCells(first, first.includes('\t') ? '\t' : ','));
    if (!kind) return 0;
    // A backtick on the first data line is the production layout; without it, an Excel-saved copy.
    return (lines[1] ?? '').trimStart().startsWith('`') || lines.length < 2 ? 0.9 : 0.8;
  },
  *parse(input) {
    let bytes: Uint8Array;
    try {
      bytes = gunzipped(input.bytes, false);
    } catch (err) {
      yield { kind: 'reject', reject: { file: input.file, line: 1, reason: `gzip: not a readable gzip stream (${(err as Error).message})`, raw: '' } };
      yield { kind: 'info', info: { units: 1, nonDataUnits: 0 } };
      return;
    }
    const known = bytes === input.bytes && (input.encoding === 'utf-8' || input.encoding === 'gb18030');
    const lines = splitLines(known ? decode(bytes, input.encoding) : text(bytes));
    const headerAt = lines.findIndex((l, i) => i < 10 && billKind(headerCells(l, l.includes('\t') ? '\t' : ',')) !== undefined);
    if (headerAt < 0) {
      yield {
        kind: 'reject',
        reject: { file: input.file, line: 1, reason: 'no WeChat bill header (交易时间…微信订单号, or 记账时间…资金流水单号) in the first 10 lines', raw: lines[0] ?? '' },
      };
      // An empty file still has its rejected line 1, or the run's row accounting would not balance.
      yield { kind: 'info', info: { units: Math.max(1, lines.length), nonDataUnits: Math.max(0, lines.length - 1) } };
      return;
    }
    const headerLine = lines[headerAt] ?? '';
    const delimiter = headerLine.includes('\t') ? '\t' : ',';
    const headers = headerCells(headerLine, delimiter);
    const variant = billKind(headers) as Variant;
    const index = new Map<string, number>();
    headers.forEach((h, i) => {
      if (h !== '' && !index.has(h)) index.set(h, i);
    });
    let width = headers.length;
    while (width > 0 && headers[width - 1] === '') width--;
    const sums = new Sums();
    const merchants = new Set<string>();
    const currencies = new Set<string>();
    let units = lines.length;
    let nonData = headerAt + 1;
    let summary: { names: string[]; line: number } | undefined;
    let summaryValues: { values: string[]; line: number } | undefined;
    for (let i = headerAt + 1; i < lines.length; i++) {
      const raw = lines[i] ?? '';
      const lineNo = i + 1;
      if (raw.trim() === '' || /^[\s,\t`]*$/.test(raw)) {
        nonData++;
        continue;
      }
      const reject = (reason: string): ParseEvent => ({ kind: 'reject', reject: { file: input.file, line: lineNo, reason, raw } });
      const cells = splitRow(raw, delimiter);
      if (!summary && cells && SUMMARY_HEAD.test(cells[0] ?? '')) {
        summary = { names: cells, line: lineNo };
        nonData++;
        continue;
      }
      if (summary && !summaryValues) {
        summaryValues = { values: cells ?? [], line: lineNo };
        continue;
      }
      if (!cells) {
        yield reject('unterminated quote');
        continue;
      }
      while (cells.length > width && cells[cells.length - 1] === '') cells.pop();
      if (cells.length < width) {
        yield reject(`expected ${width} cells, got ${cells.length} (row cut short or misaligned)`);
        continue;
      }
      if (cells.length > width) {
        yield reject(`expected ${width} cells, got ${cells.length} (a value holds the delimiter, or the row is misaligned)`);
        continue;
      }
      const row = new Row(index, cells);
      if (variant === '资金账单') {
        if (fundRow(row, input.options.timezone, sums)) nonData++;
        else yield reject(row.problems.join('; '));
        continue;
      }
      const txn = tradeRow(row, input, lineNo, sums);
      if (!txn) {
        yield reject(row.problems.join('; '));
        continue;
      }
      merchants.add(txn.merchantId);
      currencies.add(txn.currency);
      yield { kind: 'record', role: 'acquirer', record: txn };
    }
    if (summary && summaryValues) {
      const currency = currencies.size === 1 ? ([...currencies][0] ?? input.options.currency) : input.options.currency;
      const problems = yield* summaryChecks(input, variant, summary.names, summaryValues.values, summaryValues.line, index, sums, currency);
      if (problems.length > 0) {
        yield { kind: 'reject', reject: { file: input.file, line: summaryValues.line, reason: `summary: ${problems.join('; ')}`, raw: lines[summaryValues.line - 1] ?? '' } };
      } else nonData++;
    } else if (summary) {
      // The names line is there, the figures are not: the names line stands as the reject.
      yield {
        kind: 'reject',
        reject: { file: input.file, line: summary.line, reason: 'summary: the line of totals after the summary names is missing (file cut short?)', raw: lines[summary.line - 1] ?? '' },
      };
      nonData--;
    } else {
      // No summary at all: the file was cut short. The missing summary counts as one unit, rejected.
      units++;
      yield {
        kind: 'reject',
        reject: { file: input.file, line: lines.length + 1, reason: 'summary: no 总交易单数/资金流水总笔数 lines at the end (file cut short?)', raw: '' },
      };
    }
    const merchantId = merchants.size === 1 ? [...merchants][0] : undefined;
    const info: FileInfo = { units, nonDataUnits: nonData, variant, ...(merchantId && { merchantId }) };
    yield { kind: 'info', info };
  },
});
