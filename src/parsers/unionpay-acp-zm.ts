import { DateTime } from 'luxon';
import { parseAmount, parseMinorDigits } from '../model/money.js';
import type { AcquirerTxn, CardKind, ControlCheck, TxnType } from '../model/records.js';
import { isSale } from '../model/records.js';
import { UNIONPAY_ACP_CODES } from '../model/txn-types.js';
import { assignOptional } from './acquirer-csv.js';
import { decode, maskCard, splitLines } from './_text.js';
import { defineParser, type FileInfo, type ParseEvent, type ParserInput } from './types.js';

const ID = 'unionpay-acp-zm';

/**
 * UnionPay 全渠道 (ACP) merchant reconciliation files, as delivered in the daily
 * `{merId}_{yyyymmdd}.zip` of the file-transfer interface (fileType 00):
 *
 * - `INN{yymmdd}88ZM_{merId}`: one fixed-width record per transaction (ZM, 《全渠道平台接入接口规范
 *   第3部分 文件接口》 §6.1). GBK, every field followed by one space, 607 bytes a record.
 * - `INN{yymmdd}88ZME_{merId}`: the error/adjustment (差错) records (§6.2), 339 bytes a record.
 * - `RD{…}_{merId}`: the human-readable 商户交易汇总表, whose 总计 line is the checksum of the ZM file.
 *
 * Records are cut by BYTES before decoding (DESIGN.md section 3): a GBK sub-merchant name or
 * 商户自定义域 takes two bytes a character, so cutting decoded text by characters shifts every
 * later field (terminal id, net amount).
 */

/** A field of a fixed-width record: its key, its name in the spec, its width in bytes. */
export interface FixedField {
  readonly key: string;
  readonly name: string;
  readonly length: number;
}

/** A field placed in its record: byte offset from the start of the record. */
export interface PlacedField extends FixedField {
  readonly offset: number;
}

export interface FixedLayout {
  readonly fields: readonly PlacedField[];
  /** Bytes of a record, without its line terminator. */
  readonly recordLength: number;
}

/** Places fields one after the other, each followed by the one-byte space separator of the spec. */
function layout(fields: readonly FixedField[]): FixedLayout {
  let offset = 0;
  const placed = fields.map((f) => {
    const p = { ...f, offset };
    offset += f.length + 1;
    return p;
  });
  return { fields: placed, recordLength: offset - 1 };
}

/**
 * ZM record layout. Widths are the official SDK demo's `parseZMFile` array
 * (3,11,11,6,10,19,12,4,2,21,2,32,2,6,10,13,13,4,15,2,2,6,2,4,32,1,21,15,1,15,32,13,13,8,32,13,13,12,2,1,32,98),
 * names from the spec's ZM table; 41 separators make 607 bytes, which the public sample confirms.
 */
export const ZM_LAYOUT: FixedLayout = layout([
  { key: 'txnCode', name: '交易代码', length: 3 },
  { key: 'acqInsCode', name: '代理机构标识码', length: 11 },
  { key: 'sendInsCode', name: '发送机构标识码', length: 11 },
  { key: 'traceNo', name: '系统跟踪号', length: 6 },
  { key: 'txnTime', name: '交易传输时间', length: 10 },
  { key: 'pan', name: '主账号', length: 19 },
  { key: 'txnAmt', name: '交易金额', length: 12 },
  { key: 'mcc', name: '商户类别', length: 4 },
  { key: 'termType', name: '终端类型', length: 2 },
  { key: 'queryId', name: '查询流水号', length: 21 },
  { key: 'payTypeOld', name: '支付方式（旧）', length: 2 },
  { key: 'orderId', name: '商户订单号', length: 32 },
  { key: 'payCardType', name: '支付卡类型', length: 2 },
  { key: 'origTraceNo', name: '原始交易的系统跟踪号', length: 6 },
  { key: 'origTxnTime', name: '原交易传输时间', length: 10 },
  { key: 'merFee', name: '商户手续费', length: 13 },
  { key: 'settleAmt', name: '结算金额', length: 13 },
  { key: 'payType', name: '支付方式', length: 4 },
  { key: 'groupMerId', name: '集团商户代码', length: 15 },
  { key: 'txnType', name: '交易类型', length: 2 },
  { key: 'txnSubType', name: '交易子类', length: 2 },
  { key: 'bizType', name: '业务类型', length: 6 },
  { key: 'accType', name: '帐号类型', length: 2 },
  { key: 'billType', name: '账单类型', length: 4 },
  { key: 'billNo', name: '账单号码', length: 32 },
  { key: 'interactMode', name: '交互方式', length: 1 },
  { key: 'origQueryId', name: '原交易查询流水号', length: 21 },
  { key: 'merId', name: '商户代码', length: 15 },
  { key: 'splitMode', name: '分账入账方式', length: 1 },
  { key: 'subMerId', name: '二级商户代码', length: 15 },
  { key: 'subMerAbbr', name: '二级商户简称', length: 32 },
  { key: 'subMerSplitAmt', name: '二级商户分账入账金额', length: 13 },
  { key: 'settleNet', name: '清算净额', length: 13 },
  { key: 'termId', name: '终端号', length: 8 },
  { key: 'merReserved', name: '商户自定义域', length: 32 },
  { key: 'discountAmt', name: '优惠金额', length: 13 },
  { key: 'invoiceAmt', name: '发票金额', length: 13 },
  { key: 'instalmentFee', name: '分期付款附加手续费', length: 12 },
  { key: 'instalments', name: '分期付款期数', length: 2 },
  { key: 'txnMedia', name: '交易介质', length: 1 },
  { key: 'origOrderId', name: '原始交易订单号', length: 32 },
  { key: 'reserved', name: '保留使用', length: 98 },
]);

/**
 * ZME (差错) record layout. Widths are the official SDK demo's `parseZMEFile` array
 * (3,11,11,6,10,19,12,4,2,2,6,10,4,12,13,13,15,15,1,12,2,135): 339 bytes. The first nine fields are
 * the ZM ones (same widths, same order). The names of the later fields could not be confirmed from a
 * public copy of the spec; they are named here by analogy with ZM (the two 13-byte fields carry a
 * C/D sign like ZM's fee and settlement amount, and every ZME amount is checked for that sign).
 */
export const ZME_LAYOUT: FixedLayout = layout([
  { key: 'txnCode', name: '交易代码', length: 3 },
  { key: 'acqInsCode', name: '代理机构标识码', length: 11 },
  { key: 'sendInsCode', name: '发送机构标识码', length: 11 },
  { key: 'traceNo', name: '系统跟踪号', length: 6 },
  { key: 'txnTime', name: '交易传输时间', length: 10 },
  { key: 'pan', name: '主账号', length: 19 },
  { key: 'txnAmt', name: '交易金额', length: 12 },
  { key: 'mcc', name: '商户类别', length: 4 },
  { key: 'termType', name: '终端类型', length: 2 },
  { key: 'zme10', name: 'ZME field 10 (2 bytes)', length: 2 },
  { key: 'origTraceNo', name: 'ZME field 11 (6 bytes, 原系统跟踪号?)', length: 6 },
  { key: 'origTxnTime', name: 'ZME field 12 (10 bytes, 原交易时间?)', length: 10 },
  { key: 'errorReason', name: 'ZME field 13 (4 bytes, 差错原因?)', length: 4 },
  { key: 'zme14', name: 'ZME field 14 (12 bytes)', length: 12 },
  { key: 'merFee', name: 'ZME field 15 (13 bytes, C/D-signed fee)', length: 13 },
  { key: 'settleAmt', name: 'ZME field 16 (13 bytes, C/D-signed settlement amount)', length: 13 },
  { key: 'merId', name: 'ZME field 17 (15 bytes, 商户代码?)', length: 15 },
  { key: 'zme18', name: 'ZME field 18 (15 bytes)', length: 15 },
  { key: 'zme19', name: 'ZME field 19 (1 byte)', length: 1 },
  { key: 'zme20', name: 'ZME field 20 (12 bytes)', length: 12 },
  { key: 'zme21', name: 'ZME field 21 (2 bytes)', length: 2 },
  { key: 'reserved', name: '保留使用', length: 135 },
]);

const gbk = (bytes: Uint8Array): string => decode(bytes, 'gb18030');

/**
 * Cuts one record by byte offsets and decodes each field on its own (GBK), right-trimmed.
 * Returns the fields by key. The record must be at least `layout.recordLength` bytes.
 */
export function cutRecord(record: Uint8Array, fixed: FixedLayout): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fixed.fields) out[f.key] = gbk(record.subarray(f.offset, f.offset + f.length)).replace(/\s+$/, '');
  return out;
}

/** `INN{yymmdd}{2}ZM_{merId}` or `…ZME_{merId}`: the settlement date and the merchant are in the name. */
const DATA_NAME = /^INN(\d{2})(\d{2})(\d{2})\d{2}(ZME|ZM)_(\w+)(?:\.\w+)?$/;
/** `RD{…}_{merId}`, e.g. `RD201015090501_802310048993424` (the date is inside the digits). */
const RD_NAME = /^RD(\d+)_(\w+)(?:\.\w+)?$/;
const RD_TITLE = '交易汇总表';

const baseName = (file: string): string => file.split(/[!/\\]/).pop() ?? file;

/** Spec: 交易传输时间 and 清算日期 are Beijing time. */
const CN_ZONE = 'Asia/Shanghai';

interface NameInfo {
  kind: 'ZM' | 'ZME' | 'RD';
  settleDate?: string;
  merchantId?: string;
}

function nameInfo(file: string): NameInfo | undefined {
  const base = baseName(file);
  const m = DATA_NAME.exec(base);
  if (m) {
    const [, yy, mm, dd, kind, merId] = m;
    return { kind: kind === 'ZME' ? 'ZME' : 'ZM', settleDate: `20${yy}-${mm}-${dd}`, merchantId: merId };
  }
  const r = RD_NAME.exec(base);
  if (r) return { kind: 'RD', merchantId: r[2] };
  return undefined;
}

/** Splits bytes into lines at LF (never inside a GBK character), dropping a CR before it. */
function byteLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      const end = i > start && bytes[i - 1] === 0x0d ? i - 1 : i;
      lines.push(bytes.subarray(start, end));
      start = i + 1;
    }
  }
  if (start < bytes.length) {
    const end = bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    lines.push(bytes.subarray(start, end));
  }
  return lines;
}

const isBlank = (line: Uint8Array): boolean => line.every((b) => b === 0x20 || b === 0x09);

/**
 * Whether a line is one record of the layout: at least its length, nothing but spaces past it,
 * and the one-space separator after every field.
 */
function looksLikeRecord(line: Uint8Array, fixed: FixedLayout): boolean {
  if (line.length < fixed.recordLength) return false;
  for (let i = fixed.recordLength; i < line.length; i++) if (line[i] !== 0x20) return false;
  return fixed.fields.every((f, i) => i === fixed.fields.length - 1 || line[f.offset + f.length] === 0x20);
}

/** The 总计 line of an RD summary: count, then 交易金额/费用/资金清算差额 as 借 and 贷 pairs. */
export interface RdTotals {
  readonly line: number;
  readonly count: number;
  readonly amountDebit: number;
  readonly amountCredit: number;
  readonly feeDebit: number;
  readonly feeCredit: number;
  readonly netDebit: number;
  readonly netCredit: number;
}

export interface RdSummary {
  readonly merchantId?: string;
  readonly merchantName?: string;
  /** 清算日期, `YYYY-MM-DD`. */
  readonly settleDate?: string;
  readonly totals?: RdTotals;
  /** Why no totals were read, when they were not. */
  readonly problem?: string;
  readonly lineCount: number;
}

/**
 * Reads an RD 商户交易汇总表: the header fields (商户代码, 清算日期, 商户名称) and the first 总计 line,
 * which totals the 交易类型 section (the later 卡性质 section repeats the same totals).
 */
export function readRdSummary(bytes: Uint8Array): RdSummary {
  const lines = splitLines(gbk(bytes));
  const text = lines.join('\n');
  const merchantId = /商户代码[:：]\s*(\S+)/.exec(text)?.[1];
  const merchantName = /商户名称[:：][ \t]*(\S(?:.*?\S)?)(?:\s{2,}|$)/m.exec(text)?.[1];
  const date = /清算日期[:：]\s*(\d{4})(\d{2})(\d{2})/.exec(text);
  const settleDate = date ? `${date[1]}-${date[2]}-${date[3]}` : undefined;
  const base = { lineCount: lines.length, ...(merchantId && { merchantId }), ...(merchantName && { merchantName }), ...(settleDate && { settleDate }) };
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*总计\s+(\d+)((?:\s+\S+){6})\s*$/.exec(lines[i] ?? '');
    if (!m) continue;
    const figures = (m[2] ?? '').trim().split(/\s+/);
    const parsed = figures.map((f) => parseAmount(f));
    const bad = parsed.findIndex((p) => !p.ok);
    if (bad >= 0) return { ...base, problem: `RD 总计 line ${i + 1}: expected six decimal figures, got "${figures[bad]}"` };
    const [amountDebit, amountCredit, feeDebit, feeCredit, netDebit, netCredit] = parsed.map((p) => (p.ok ? p.minor : 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { ...base, totals: { line: i + 1, count: Number(m[1]), amountDebit, amountCredit, feeDebit, feeCredit, netDebit, netCredit } };
  }
  return { ...base, problem: 'RD summary: no 总计 line with a count and six figures found' };
}

/**
 * A C/D-signed 13-byte amount: `C` credits the merchant (+), `D` debits it (−), then 12 digits of fen.
 * A blank sign is accepted for zero only (the sample writes unused amounts as ` 000000000000`).
 */
function signedAmount(text: string, name: string, problems: string[]): number | undefined {
  const m = /^([CD ]?)(\d{12})$/.exec(text);
  if (!m) {
    problems.push(`${name}: expected C or D and 12 digits of fen, got "${text}"`);
    return undefined;
  }
  const [, sign = '', digits = ''] = m;
  const parsed = parseMinorDigits(digits);
  if (!parsed.ok) {
    problems.push(`${name}: ${parsed.reason}`);
    return undefined;
  }
  if ((sign === '' || sign === ' ') && parsed.minor !== 0) {
    problems.push(`${name}: expected a C (credit) or D (debit) sign before a non-zero amount, got "${text}"`);
    return undefined;
  }
  return sign === 'D' ? -parsed.minor : parsed.minor;
}

/**
 * 交易传输时间 is MMDDhhmmss without a year (spec §6.1). The year is the one that puts the time nearest
 * the settlement date: a transaction at 1231235959 settled on 2026-01-01 belongs to 2025, and one at
 * 0101000010 settled on 2025-12-31 (after the clearing cut-off) to 2026.
 */
export function resolveTransmissionTime(mmddhhmmss: string, settleDate: string, zone: string): string | null {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(mmddhhmmss);
  const s = /^(\d{4})-(\d{2})-(\d{2})$/.exec(settleDate);
  if (!m || !s) return null;
  const [, mo, d, h, mi, sec] = m.map(Number) as [number, number, number, number, number, number];
  const settle = DateTime.fromObject({ year: Number(s[1]), month: Number(s[2]), day: Number(s[3]) }, { zone: CN_ZONE });
  let best: DateTime | undefined;
  for (const year of [settle.year - 1, settle.year, settle.year + 1]) {
    const dt = DateTime.fromObject({ year, month: mo, day: d, hour: h, minute: mi, second: sec }, { zone: CN_ZONE });
    if (!dt.isValid) continue;
    if (!best || Math.abs(dt.diff(settle).as('milliseconds')) < Math.abs(best.diff(settle).as('milliseconds'))) best = dt;
  }
  return best ? best.setZone(zone).toISO({ suppressMilliseconds: true }) : null;
}

/** 支付卡类型 (spec appendix): 01 借记账户, 02 贷记账户, 03 准贷记账户; others are not cards of either kind. */
function cardKindOf(code: string): CardKind {
  if (code === '01') return 'debit';
  if (code === '02' || code === '03') return 'credit';
  return 'unknown';
}

interface Totals {
  count: number;
  amount: number;
  fee: number;
  net: number;
}

/**
 * Parses one ZM or ZME record into a transaction, or says why it cannot.
 *
 * Reference choice: `reference` is the 查询流水号 (queryId), UnionPay's unique id of the transaction,
 * the one an ACP merchant receives in the payment response and the one refunds and voids quote as
 * 原交易查询流水号; the ZM file carries no ISO 8583 RRN. The six-digit 系统跟踪号 (not unique across
 * days) goes to `trace`.
 */
function toTxn(
  f: Record<string, string>,
  kind: 'ZM' | 'ZME',
  ctx: { settleDate: string; fileMerchant?: string; zone: string; merchantName?: string; file: string; line: number },
): { txn: AcquirerTxn } | { problems: string[] } {
  const problems: string[] = [];
  const amount = /^\d{12}$/.test(f.txnAmt ?? '') ? parseMinorDigits(f.txnAmt ?? '') : undefined;
  if (!amount?.ok) problems.push(`交易金额: expected 12 digits of fen, got "${f.txnAmt ?? ''}"`);
  const txnTime = resolveTransmissionTime(f.txnTime ?? '', ctx.settleDate, ctx.zone);
  if (!txnTime) problems.push(`交易传输时间: expected MMDDhhmmss, got "${f.txnTime ?? ''}"`);
  const fee = signedAmount(f.merFee ?? '', kind === 'ZM' ? '商户手续费' : 'ZME fee (field 15)', problems);
  let net: number | undefined;
  if (kind === 'ZM' && (f.settleNet ?? '') !== '') net = signedAmount(f.settleNet ?? '', '清算净额', problems);
  else net = signedAmount(f.settleAmt ?? '', kind === 'ZM' ? '结算金额' : 'ZME settlement amount (field 16)', problems);
  let txnType: TxnType | undefined;
  if (kind === 'ZM') {
    txnType = UNIONPAY_ACP_CODES[f.txnType ?? ''];
    if (!txnType) {
      problems.push(`交易类型: expected one of ${Object.keys(UNIONPAY_ACP_CODES).sort().join(', ')}, got "${f.txnType ?? ''}"`);
    }
  } else {
    // 差错 records adjust earlier transactions: chargebacks, representments, manual credits.
    txnType = 'adjustment';
  }
  const recordMerchant = kind === 'ZM' || /^\d{15}$/.test(f.merId ?? '') ? (f.merId ?? '') : '';
  const merchantId = recordMerchant || ctx.fileMerchant || '';
  if (!merchantId) problems.push('商户代码: empty, and the file name carries no merchant id');
  if (problems.length > 0 || !amount?.ok || !txnTime || fee === undefined || net === undefined || !txnType) return { problems };
  const txn: AcquirerTxn = {
    source: { file: ctx.file, line: ctx.line },
    format: ID,
    merchantId,
    txnType,
    txnTime,
    settleDate: ctx.settleDate,
    currency: 'CNY',
    amountMinor: amount.minor,
    // C/D is seen from the merchant: a D fee is charged (+), a C fee is returned (−).
    feeMinor: fee === 0 ? 0 : -fee,
    netMinor: net,
    cardKind: cardKindOf(f.payCardType ?? ''),
  };
  const blankToUndef = (s: string | undefined) => (s === undefined || s.trim() === '' || /^0+$/.test(s.trim()) ? undefined : s.trim());
  assignOptional(txn, {
    merchantName: ctx.merchantName,
    terminalId: blankToUndef(f.termId),
    reference: blankToUndef(f.queryId),
    trace: blankToUndef(f.traceNo),
    orderId: blankToUndef(f.orderId),
    originalReference: blankToUndef(f.origQueryId),
    originalTrace: blankToUndef(f.origTraceNo),
    originalOrderId: blankToUndef(f.origOrderId),
    cardMasked: blankToUndef(f.pan) && maskCard(f.pan?.trim() ?? ''),
    mcc: blankToUndef(f.mcc),
  });
  return { txn };
}

/** Finds the RD summary delivered beside a ZM file for the same merchant and settlement date. */
function findRd(input: ParserInput, merchantId: string | undefined, settleDate: string | undefined): { name: string; rd: RdSummary } | undefined {
  for (const [name, bytes] of input.companions) {
    const r = RD_NAME.exec(name);
    if (!r || (merchantId && r[2] !== merchantId)) continue;
    const rd = readRdSummary(bytes);
    if (settleDate && rd.settleDate && rd.settleDate !== settleDate) continue;
    if (!settleDate && !rd.settleDate) continue;
    return { name, rd };
  }
  return undefined;
}

/** The RD file as the user knows it: same folder or archive as the ZM file. */
function siblingPath(file: string, name: string): string {
  const base = baseName(file);
  return file.slice(0, file.length - base.length) + name;
}

function* rdChecks(input: ParserInput, rdFile: string, t: RdTotals, computed: Totals): Generator<ParseEvent> {
  const check = (name: string, declared: number, value: number, unit?: 'count'): ParseEvent => {
    const c: ControlCheck = { file: rdFile, line: t.line, name, currency: 'CNY', declared, computed: value, ...(unit && { unit }) };
    return { kind: 'check', check: c };
  };
  yield check(`RD 总计 交易笔数 vs ${baseName(input.file)}`, t.count, computed.count, 'count');
  yield check(`RD 总计 交易金额 (贷 − 借) vs ${baseName(input.file)}`, t.amountCredit - t.amountDebit, computed.amount);
  yield check(`RD 总计 费用 (借 − 贷) vs ${baseName(input.file)}`, t.feeDebit - t.feeCredit, computed.fee);
  yield check(`RD 总计 资金清算差额 (贷 − 借) vs ${baseName(input.file)}`, t.netCredit - t.netDebit, computed.net);
}

function sniffKind(head: Uint8Array): 'ZM' | 'ZME' | 'RD' | undefined {
  const first = byteLines(head.subarray(0, 4096)).find((l) => !isBlank(l));
  if (!first) return undefined;
  if (looksLikeRecord(first, ZM_LAYOUT) && /^\d{12}$/.test(gbk(first.subarray(66, 78)))) return 'ZM';
  if (first.length >= ZME_LAYOUT.recordLength && looksLikeRecord(first, ZME_LAYOUT) && /^\d{12}$/.test(gbk(first.subarray(66, 78)))) {
    return 'ZME';
  }
  if (gbk(head.subarray(0, 4096)).includes(RD_TITLE)) return 'RD';
  return undefined;
}

/**
 * UnionPay 全渠道 merchant files: ZM (transactions), ZME (差错 adjustments) and the RD summary.
 * A ZM file is checked against the RD summary delivered beside it (count, amount, fee, net).
 */
export const unionpayAcpZm = defineParser({
  id: ID,
  role: 'acquirer',
  description: 'UnionPay 全渠道 (ACP) merchant files: INN…ZM/ZME fixed-width GBK records and the RD summary',
  sniff(head, name) {
    const fromName = nameInfo(name);
    const fromContent = sniffKind(head);
    if (fromName && (fromName.kind !== 'RD' || fromContent === 'RD' || head.length === 0)) return 0.9;
    if (fromContent === 'ZM' || fromContent === 'RD') return 0.9;
    if (fromContent === 'ZME') return 0.8;
    return 0;
  },
  *parse(input) {
    const fromName = nameInfo(input.file);
    const kind = fromName?.kind ?? sniffKind(input.bytes) ?? 'ZM';
    const lines = byteLines(input.bytes);
    if (kind === 'RD') {
      const rd = readRdSummary(input.bytes);
      let nonData = lines.length;
      if (rd.problem) {
        yield { kind: 'reject', reject: { file: input.file, line: 1, reason: rd.problem, raw: gbk(lines[0] ?? new Uint8Array()) } };
        nonData -= Math.min(1, lines.length);
      }
      const merchantId = rd.merchantId ?? fromName?.merchantId;
      // An empty RD file still has its rejected line 1, or the run's row accounting would not balance.
      const units = rd.problem ? Math.max(1, lines.length) : lines.length;
      yield { kind: 'info', info: { units, nonDataUnits: nonData, variant: 'RD', ...(merchantId && { merchantId }) } };
      return;
    }
    const fixed = kind === 'ZME' ? ZME_LAYOUT : ZM_LAYOUT;
    const rdFound = kind === 'ZM' ? findRd(input, fromName?.merchantId, fromName?.settleDate) : undefined;
    const settleDate = fromName?.settleDate ?? rdFound?.rd.settleDate;
    const merchantName = rdFound?.rd.merchantName;
    const totals: Totals = { count: 0, amount: 0, fee: 0, net: 0 };
    let nonData = 0;
    const merchants = new Set<string>();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? new Uint8Array();
      const lineNo = i + 1;
      if (isBlank(line)) {
        nonData++;
        continue;
      }
      const reject = (reason: string): ParseEvent => ({ kind: 'reject', reject: { file: input.file, line: lineNo, reason, raw: gbk(line) } });
      if (!looksLikeRecord(line, fixed)) {
        yield reject(
          line.length === fixed.recordLength
            ? `${kind} record: a field separator is not a space: the record is misaligned`
            : `${kind} record: expected ${fixed.recordLength} bytes, got ${line.length} (record cut short or misaligned)`,
        );
        continue;
      }
      if (!settleDate) {
        yield reject(`${kind} record: the settlement date is unknown (file name should be INN{yymmdd}88${kind}_{merId}), so 交易传输时间 has no year`);
        continue;
      }
      const fields = cutRecord(line, fixed);
      const result = toTxn(fields, kind, {
        settleDate,
        zone: input.options.timezone,
        file: input.file,
        line: lineNo,
        ...(fromName?.merchantId && { fileMerchant: fromName.merchantId }),
        ...(merchantName && { merchantName }),
      });
      if ('problems' in result) {
        yield reject(result.problems.join('; '));
        continue;
      }
      const t = result.txn;
      totals.count++;
      totals.amount += isSale(t.txnType) ? t.amountMinor : -t.amountMinor;
      totals.fee += t.feeMinor;
      totals.net += t.netMinor;
      merchants.add(t.merchantId);
      yield { kind: 'record', role: 'acquirer', record: t };
    }
    if (rdFound?.rd.totals) yield* rdChecks(input, siblingPath(input.file, rdFound.name), rdFound.rd.totals, totals);
    const merchantId = merchants.size === 1 ? [...merchants][0] : fromName?.merchantId;
    const info: FileInfo = { units: lines.length, nonDataUnits: nonData, variant: kind, ...(merchantId && { merchantId }) };
    yield { kind: 'info', info };
  },
});
