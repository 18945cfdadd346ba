import { createRequire } from 'node:module';
import type XLSXModule from 'xlsx';
import { minorDigits, parseAmount } from '../model/money.js';
import type { BankEntry } from '../model/records.js';
import { Tally, bankRecord, checkEvent, maskIfCard, rejectEvent, withOptional } from './_bank.js';
import { cleanCell, decode, detectEncoding, guessDelimiter, ownValue, parseLocalDateTime, splitCsvLine, splitLines } from './_text.js';
import { defineParser, type FileInfo, type ParseEvent, type ParserInput } from './types.js';

const ID = 'bank-statement-cn';

/**
 * SheetJS, loaded the first time a workbook is read: evaluating it takes about 80 ms, a sixth of
 * the command line's start-up, and most runs read no workbook (nor do the bulk workers, which
 * load every parser).
 */
let sheetJs: typeof XLSXModule | undefined;
const xlsx = (): typeof XLSXModule => (sheetJs ??= createRequire(import.meta.url)('xlsx') as typeof XLSXModule);

/** How far down a file the header row is looked for: bank exports put up to a dozen preamble lines above it. */
const HEADER_SCAN = 60;

/** Canonical fields of a bank statement row. `counterpartyInfo` is a cell holding name and account together. */
type Field =
  | 'bookingDate'
  | 'credit'
  | 'debit'
  | 'amount'
  | 'flag'
  | 'balance'
  | 'currency'
  | 'counterpartyName'
  | 'counterpartyAccount'
  | 'counterpartyInfo'
  | 'description'
  | 'reference'
  | 'accountNumber';

/**
 * How a layout says which way money went: `split` has one column for money in (收入/存入/贷方) and one for
 * money out (支出/支取/借方); `signed` has one amount, negative for money out; `flag` has one positive
 * amount and a 借/贷 (Dr/Cr) column.
 */
type AmountStyle = 'split' | 'signed' | 'flag';

interface Layout {
  /** Recorded as FileInfo.variant. */
  readonly id: string;
  readonly amountStyle: AmountStyle;
  /** Header cells that must all be present, besides the columns the amount style needs. */
  readonly signature: readonly string[];
  /** Fields that must resolve to a column besides the booking date and the amount columns. */
  readonly alsoRequired?: readonly Field[];
  /** Header names per field, in order of preference; every `description` column found is joined. */
  readonly columns: Readonly<Partial<Record<Field, readonly string[]>>>;
}

/** Synonyms for layouts not listed by bank: corporate (对公) statements and other banks' exports. */
const GENERIC_COLUMNS: Layout['columns'] = {
  bookingDate: ['记账日期', '记账日', '入账日期', '交易日期', '日期', '交易时间'],
  credit: ['收入金额', '收入', '存入金额', '存入', '贷方发生额', '贷方金额', '贷方发生金额', '贷方'],
  debit: ['支出金额', '支出', '支取金额', '支取', '取出金额', '借方发生额', '借方金额', '借方发生金额', '借方'],
  amount: ['交易金额', '发生额', '金额', '记账金额'],
  flag: ['借贷', '借贷标志', '借贷方向', '借/贷', '借贷标识', '收/支', '收支', '收支标志', '方向'],
  balance: ['余额', '账户余额', '联机余额', '本次余额', '当前余额', '交易后余额'],
  currency: ['币种', '币别', '货币', '记账币种'],
  counterpartyName: ['对方户名', '对方账户名', '对方账户名称', '对方单位名称', '对方单位', '对方名称', '对手户名', '交易对手名称', '收/付方名称', '对方姓名'],
  counterpartyAccount: ['对方账号', '对方卡号/账号', '对方账户', '对方帐号', '交易对手账号', '收/付方账号', '对手账号'],
  counterpartyInfo: ['对手信息', '交易对手', '对方信息'],
  description: ['摘要', '交易摘要', '用途', '附言', '交易附言', '备注', '交易类型', '交易名称', '客户摘要', '交易说明'],
  reference: ['流水号', '交易流水号', '凭证号', '日志号', '交易参考号', '柜员流水号', '业务编号'],
  accountNumber: ['本方账号', '账号', '卡号'],
};

/**
 * The layouts this parser knows, most specific first: the first whose signature and needed columns
 * are all in a header row wins. Bank layouts are from the exports in samples/public/cn-bank-statements
 * (deb-sig/double-entry-generator examples); the generic ones need a balance column as well, which
 * is what tells a bank statement from a wallet or acquirer bill.
 */
const LAYOUTS: readonly Layout[] = [
  {
    id: 'icbc-debit-v2',
    amountStyle: 'split',
    signature: ['交易详情', '钞/汇'],
    columns: {
      bookingDate: ['交易日期'],
      // 记账金额 is in the account's currency (记账币种); 交易金额 may be a foreign amount.
      credit: ['记账金额(收入)'],
      debit: ['记账金额(支出)'],
      currency: ['记账币种'],
      balance: ['余额'],
      counterpartyName: ['对方户名'],
      counterpartyAccount: ['对方账户'],
      description: ['摘要', '交易详情', '交易场所'],
    },
  },
  {
    id: 'icbc-credit',
    amountStyle: 'split',
    signature: ['交易日期', '交易国家或地区简称'],
    columns: {
      bookingDate: ['记账日期'],
      credit: ['记账金额(收入)'],
      debit: ['记账金额(支出)'],
      currency: ['记账币种'],
      balance: ['余额'],
      counterpartyName: ['对方户名'],
      description: ['摘要', '交易场所'],
    },
  },
  {
    id: 'icbc-debit-v1',
    amountStyle: 'split',
    signature: ['钞/汇', '交易国家或地区简称'],
    columns: {
      bookingDate: ['交易日期'],
      credit: ['记账金额(收入)'],
      debit: ['记账金额(支出)'],
      currency: ['记账币种'],
      balance: ['余额'],
      counterpartyName: ['对方户名'],
      description: ['摘要', '交易场所'],
    },
  },
  {
    id: 'ccb',
    amountStyle: 'split',
    signature: ['记账日', '账户余额', '交易地点'],
    columns: {
      bookingDate: ['记账日'],
      credit: ['收入'],
      debit: ['支出'],
      currency: ['币种'],
      balance: ['账户余额'],
      counterpartyName: ['对方户名'],
      counterpartyAccount: ['对方账号'],
      description: ['摘要', '交易地点'],
    },
  },
  {
    id: 'cmb',
    amountStyle: 'signed',
    signature: ['联机余额', '对手信息'],
    columns: {
      bookingDate: ['记账日期'],
      amount: ['交易金额'],
      currency: ['货币'],
      balance: ['联机余额'],
      counterpartyInfo: ['对手信息'],
      description: ['交易摘要', '客户摘要'],
    },
  },
  {
    id: 'abc',
    amountStyle: 'signed',
    signature: ['本次余额', '日志号'],
    columns: {
      bookingDate: ['交易日期'],
      amount: ['交易金额'],
      balance: ['本次余额'],
      counterpartyInfo: ['对手信息'],
      reference: ['日志号'],
      description: ['交易摘要', '交易附言', '交易渠道'],
    },
  },
  {
    id: 'boc',
    amountStyle: 'signed',
    signature: ['借记卡号', '对方卡号/账号'],
    columns: {
      bookingDate: ['记账日期'],
      amount: ['金额'],
      currency: ['币别'],
      balance: ['余额'],
      counterpartyName: ['对方账户名'],
      counterpartyAccount: ['对方卡号/账号'],
      accountNumber: ['借记卡号'],
      description: ['交易名称', '附言', '渠道'],
    },
  },
  {
    id: 'bocom',
    amountStyle: 'flag',
    signature: ['序号', '借贷', '交易地点'],
    columns: {
      bookingDate: ['交易日期'],
      amount: ['交易金额'],
      flag: ['借贷'],
      balance: ['余额'],
      counterpartyName: ['对方户名'],
      counterpartyAccount: ['对方账号'],
      description: ['交易类型', '摘要', '交易地点'],
    },
  },
  {
    id: 'spdb',
    amountStyle: 'split',
    signature: ['存入金额', '取出金额', '交易对手名称'],
    columns: {
      bookingDate: ['交易日期'],
      credit: ['存入金额'],
      debit: ['取出金额'],
      balance: ['余额'],
      counterpartyName: ['交易对手名称'],
      counterpartyAccount: ['交易对手账号'],
      description: ['交易类型', '附言'],
    },
  },
  { id: 'generic-split', amountStyle: 'split', signature: [], alsoRequired: ['balance'], columns: GENERIC_COLUMNS },
  { id: 'generic-flag', amountStyle: 'flag', signature: [], alsoRequired: ['balance'], columns: GENERIC_COLUMNS },
  { id: 'generic-signed', amountStyle: 'signed', signature: [], alsoRequired: ['balance'], columns: GENERIC_COLUMNS },
];

const STYLE_FIELDS: Record<AmountStyle, readonly Field[]> = {
  split: ['credit', 'debit'],
  signed: ['amount'],
  flag: ['amount', 'flag'],
};

/** Columns of wallet and acquirer bills (WeChat, Alipay) that a bank statement never has. */
const NOT_A_BANK_HEADER = /商户订单号|商户单号|商家订单号|交易单号|交易订单号|账务流水号|资金流水单号|微信|支付宝/;
const NOT_A_BANK_PREAMBLE = /微信支付|支付宝|财付通/;

/** Lines below the rows that are not rows: totals, notes, sign-offs. */
const FOOTER = /^(.{0,8}(合计|总计|小计|汇总|累计)|共\s*\d+\s*笔|以上|注[:：]|说明|备注[:：]|打印|制表|经办|复核|温馨提示|本(明细|回单|对账单))/;

const CURRENCY_NAMES: Record<string, string> = {
  人民币: 'CNY',
  人民币元: 'CNY',
  rmb: 'CNY',
  美元: 'USD',
  港币: 'HKD',
  港元: 'HKD',
  欧元: 'EUR',
  日元: 'JPY',
  英镑: 'GBP',
  澳元: 'AUD',
  加元: 'CAD',
  新加坡元: 'SGD',
  瑞士法郎: 'CHF',
};

/** A row of the file: split cells (null for an unterminated quote), physical line (or sheet row) and raw text. */
interface GridRow {
  readonly line: number;
  readonly raw: string;
  readonly cells: string[] | null;
}

interface Located {
  readonly index: number;
  readonly layout: Layout;
  readonly headers: string[];
  readonly map: Partial<Record<Field, number>>;
  readonly description: number[];
}

/**
 * Chinese bank account statement exports (交易明细): ICBC debit (two layouts) and credit card, CCB,
 * CMB, ABC, BOC, BOCOM and SPDB, plus generic split/flag/signed layouts for corporate statements.
 * CSV in GBK or UTF-8 with a preamble naming the account, or XLS/XLSX read with SheetJS.
 */
export const bankStatementCn = defineParser({
  id: ID,
  role: 'bank',
  description: 'Chinese bank statement export (ICBC, CCB, CMB, ABC, BOC, BOCOM, SPDB …; CSV GBK/UTF-8, XLS, XLSX)',
  sniff(head, _name) {
    if (isSpreadsheet(head)) return sniffSpreadsheet(head);
    const encoding = detectEncoding(head);
    if (encoding === 'binary') return 0;
    const lines = splitLines(decode(head, encoding)).slice(0, HEADER_SCAN);
    const probe = lines.map((l) => splitCsvLine(l, guessDelimiter(l)));
    return looksLikeStatement(probe) ? 0.9 : 0;
  },
  *parse(input) {
    if (isSpreadsheet(input.bytes)) {
      yield* parseSpreadsheet(input);
      return;
    }
    const lines = splitLines(decode(input.bytes, input.encoding));
    const probe = lines.slice(0, HEADER_SCAN).map((l) => splitCsvLine(l, guessDelimiter(l)));
    const found = locateHeader(probe);
    const delimiter = found ? guessDelimiter(lines[found.index] ?? '') : ',';
    const rows: GridRow[] = lines.map((raw, i) => ({
      line: i + 1,
      raw,
      cells: found && i > found.index ? splitCsvLine(raw, delimiter) : (probe[i] ?? splitCsvLine(raw, guessDelimiter(raw))),
    }));
    yield* parseGrid(input, rows, found);
  },
});

function looksLikeStatement(probe: readonly (string[] | null)[]): boolean {
  const found = locateHeader(probe);
  if (!found) return false;
  if (found.headers.some((h) => NOT_A_BANK_HEADER.test(h))) return false;
  const preamble = probe.slice(0, found.index).map((cells) => (cells ?? []).join(' '));
  return !preamble.some((l) => NOT_A_BANK_PREAMBLE.test(l));
}

/** The first row, within the scan window, that is the header of a known layout. */
function locateHeader(probe: readonly (string[] | null)[]): Located | null {
  for (let i = 0; i < Math.min(probe.length, HEADER_SCAN); i++) {
    const cells = probe[i];
    if (!cells || cells.filter((c) => c.trim() !== '').length < 3) continue;
    const headers = trimTrailingEmpty(cells.map(cleanCell));
    const normalised = headers.map(normaliseHeader);
    for (const layout of LAYOUTS) {
      const resolved = resolveLayout(layout, normalised);
      if (resolved) return { index: i, layout, headers, ...resolved };
    }
  }
  return null;
}

function resolveLayout(layout: Layout, normalised: readonly string[]) {
  if (!layout.signature.every((s) => normalised.includes(normaliseHeader(s)))) return null;
  const map: Partial<Record<Field, number>> = {};
  const claimed = new Set<number>();
  for (const [field, names] of Object.entries(layout.columns) as [Field, readonly string[]][]) {
    if (field === 'description') continue;
    for (const name of names) {
      const i = normalised.indexOf(normaliseHeader(name));
      if (i >= 0 && !claimed.has(i)) {
        map[field] = i;
        claimed.add(i);
        break;
      }
    }
  }
  const needed: Field[] = ['bookingDate', ...STYLE_FIELDS[layout.amountStyle], ...(layout.alsoRequired ?? [])];
  if (needed.some((f) => map[f] === undefined)) return null;
  const description: number[] = [];
  for (const name of layout.columns.description ?? []) {
    const i = normalised.indexOf(normaliseHeader(name));
    if (i >= 0 && !claimed.has(i) && !description.includes(i)) description.push(i);
  }
  return { map, description };
}

/** Header text compared without spaces (incl. full-width), quotes, colons, or a unit like `(元)`; brackets made ASCII. */
function normaliseHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .replace(/[\s\u3000`"'：:]/g, '')
    .replace(/（/g, '(')
    .replace(/）/g, ')')
    .replace(/\([+-]?(元|人民币|rmb|cny|¥|￥)\)/gi, '')
    .toLowerCase();
}

/** A cell as the exports write it: padded, TAB-terminated, `-` or a run of dashes for empty. */
function clean(cell: string): string {
  const s = cleanCell(cell);
  return /^[-—–]+$/.test(s) ? '' : s;
}

function trimTrailingEmpty(cells: string[]): string[] {
  let n = cells.length;
  while (n > 0 && (cells[n - 1] ?? '').trim() === '') n--;
  return cells.slice(0, n);
}

interface Preamble {
  accountNumber?: string;
  accountName?: string;
  currency?: string;
}

const ACCOUNT_KEYS = new Set(['账号', '帐号', '卡号', '账户', '账户号', '账户号码', '查询账号', '银行账号']);
const NAME_KEYS = new Set(['户名', '账户名称', '账户名', '客户名称', '单位名称']);
const CURRENCY_KEYS = new Set(['币种', '币别', '货币']);

/**
 * Reads `key: value` cells (`卡号: 1234****9876`) and key/value cell pairs (`账  号：`,`62…`, padded with full-width spaces) above
 * the header: the account the statement is for.
 */
function readPreamble(rows: readonly (string[] | null)[]): Preamble {
  const out: Preamble = {};
  for (const cells of rows) {
    const c = (cells ?? []).map((x) => x.trim());
    for (let i = 0; i < c.length; i++) {
      const cell = c[i] ?? '';
      const m = /^([^:：]{1,12})[:：]\s*(.*)$/.exec(cell);
      const key = (m ? (m[1] ?? '') : cell).replace(/[\s\u3000]/g, '');
      let value = m ? (m[2] ?? '').trim() : '';
      if (value === '') value = m || ACCOUNT_KEYS.has(key) || NAME_KEYS.has(key) || CURRENCY_KEYS.has(key) ? clean(c[i + 1] ?? '') : '';
      if (value === '' || /[:：]/.test(value)) continue;
      if (ACCOUNT_KEYS.has(key)) out.accountNumber ??= value;
      else if (NAME_KEYS.has(key)) out.accountName ??= value;
      else if (CURRENCY_KEYS.has(key)) out.currency ??= currencyCode(value) ?? undefined;
    }
  }
  return out;
}

function currencyCode(text: string): string | null {
  const s = text.trim();
  if (/^[A-Z]{3}$/.test(s)) return s;
  return ownValue(CURRENCY_NAMES, s.toLowerCase()) ?? null;
}

function parseDate(text: string, zone: string): string | null {
  if (text === '') return null;
  const iso = parseLocalDateTime(text, zone);
  return iso ? iso.slice(0, 10) : null;
}

function* parseGrid(input: ParserInput, rows: readonly GridRow[], found: Located | null): Generator<ParseEvent> {
  if (!found) {
    yield rejectEvent(
      input.file,
      1,
      `no bank statement header found in the first ${HEADER_SCAN} lines: expected a date column (记账日期/交易日期) with 收入/支出, 借/贷 + 金额, or a signed 金额, and 余额`,
      rows[0]?.raw ?? '',
    );
    // The reject stands for line 1 even in an empty file, so the accounting still adds up.
    yield { kind: 'info', info: { units: Math.max(1, rows.length), nonDataUnits: Math.max(0, rows.length - 1) } };
    return;
  }
  const zone = input.options.timezone;
  const preamble = readPreamble(rows.slice(0, found.index).map((r) => r.cells));
  const defaultCurrency = preamble.currency ?? input.options.currency;
  const { map, headers, layout } = found;
  const required = ['bookingDate', ...STYLE_FIELDS[layout.amountStyle]].map((f) => map[f as Field] ?? 0);
  const lastRequired = Math.max(...required);
  const tally = new Tally();
  const footers: { line: number; raw: string; cells: string[] }[] = [];
  let nonData = found.index + 1;
  for (const row of rows.slice(found.index + 1)) {
    if (row.cells === null) {
      yield rejectEvent(input.file, row.line, 'unterminated quote: the row is cut short or a quote is unbalanced', row.raw);
      continue;
    }
    const cells = row.cells.map(clean);
    if (cells.every((c) => c === '')) {
      nonData++;
      continue;
    }
    const hasDate = parseDate(cells[map.bookingDate ?? 0] ?? '', zone) !== null;
    const first = cells.find((c) => c !== '') ?? '';
    if (!hasDate && (FOOTER.test(first) || (footers.length > 0 && !hasMoney(cells, map)))) {
      footers.push({ line: row.line, raw: row.raw, cells });
      nonData++;
      continue;
    }
    const trimmed = trimTrailingEmpty(cells);
    if (trimmed.length > headers.length) {
      yield rejectEvent(input.file, row.line, `expected ${headers.length} cells, got ${trimmed.length} (misaligned row: a delimiter inside an unquoted cell?)`, row.raw);
      continue;
    }
    // A short row is read only when every needed cell is followed by another, so none of them can be cut.
    if (cells.length < headers.length && cells.length <= lastRequired + 1) {
      yield rejectEvent(input.file, row.line, `expected ${headers.length} cells, got ${cells.length} (row cut short)`, row.raw);
      continue;
    }
    const result = toEntry(cells, found, input, row.line, preamble, defaultCurrency);
    if (typeof result === 'string') {
      yield rejectEvent(input.file, row.line, result, row.raw);
      continue;
    }
    tally.add(result);
    yield bankRecord(result);
  }
  for (const footer of footers) yield* footerChecks(input, footer, found, tally, defaultCurrency);
  yield {
    kind: 'info',
    info: withOptional<FileInfo>(
      { units: rows.length, nonDataUnits: nonData, variant: layout.id },
      { accountNumber: preamble.accountNumber, accountName: preamble.accountName },
    ),
  };
}

function hasMoney(cells: readonly string[], map: Partial<Record<Field, number>>): boolean {
  return (['credit', 'debit', 'amount'] as const).some((f) => map[f] !== undefined && (cells[map[f] ?? 0] ?? '') !== '');
}

/** Builds a BankEntry from a row, or returns the reason it cannot be read. */
function toEntry(
  cells: readonly string[],
  found: Located,
  input: ParserInput,
  line: number,
  preamble: Preamble,
  defaultCurrency: string,
): BankEntry | string {
  const { map, headers, layout } = found;
  const cell = (f: Field): string => (map[f] === undefined ? '' : (cells[map[f] ?? 0] ?? ''));
  const header = (f: Field): string => headers[map[f] ?? 0] ?? f;
  const problems: string[] = [];

  const dateText = cell('bookingDate');
  const bookingDate = parseDate(dateText, input.options.timezone);
  if (!bookingDate) problems.push(`${header('bookingDate')}: expected a date, got "${dateText}"`);

  const currencyText = cell('currency');
  const currency = currencyText === '' ? defaultCurrency : currencyCode(currencyText);
  if (!currency) problems.push(`${header('currency')}: expected a currency (人民币, CNY, 美元 …), got "${currencyText}"`);
  const digits = minorDigits(currency ?? defaultCurrency);

  const money = readMoney(layout.amountStyle, cell, header, digits);
  if (typeof money === 'string') problems.push(money);
  if (problems.length > 0 || typeof money === 'string' || !bookingDate || !currency) return problems.join('; ');

  let counterpartyName = cell('counterpartyName');
  let counterpartyAccount = cell('counterpartyAccount');
  const info = cell('counterpartyInfo');
  if (info !== '') {
    // ABC and CMB write name and account in one cell: `北京住房公积金管理中心1111111111`, `张三 6666…`.
    const m = /^(.*?)\s*([0-9*]{6,})$/.exec(info);
    counterpartyName ||= (m ? (m[1] ?? '') : info).trim();
    counterpartyAccount ||= m?.[2] ?? '';
  }
  const description = [...new Set(found.description.map((i) => cells[i] ?? '').filter((s) => s !== ''))].join(' / ');
  const reference = cell('reference');
  const entry: BankEntry = {
    source: { file: input.file, line },
    format: ID,
    bookingDate,
    direction: money.direction,
    amountMinor: money.minor,
    currency,
  };
  return withOptional(entry, {
    accountNumber: cell('accountNumber') || preamble.accountNumber,
    accountName: preamble.accountName,
    counterpartyName,
    counterpartyAccount: counterpartyAccount ? maskIfCard(counterpartyAccount) : undefined,
    description,
    // ABC writes 0000000000 for "no log number".
    reference: /^0+$/.test(reference) ? undefined : reference,
  });
}

function readMoney(
  style: AmountStyle,
  cell: (f: Field) => string,
  header: (f: Field) => string,
  digits: number,
): { direction: 'credit' | 'debit'; minor: number } | string {
  const amount = (f: Field) => {
    const text = cell(f);
    if (text === '') return null;
    const parsed = parseAmount(text, digits);
    return parsed.ok ? parsed.minor : `${header(f)}: ${parsed.reason}`;
  };
  if (style === 'split') {
    const credit = amount('credit');
    const debit = amount('debit');
    if (typeof credit === 'string') return credit;
    if (typeof debit === 'string') return debit;
    if (credit === null && debit === null) return `${header('credit')}/${header('debit')}: expected an amount in one of them, both empty`;
    if (credit && debit) return `${header('credit')}/${header('debit')}: expected one amount, got both ("${cell('credit')}", "${cell('debit')}")`;
    // Money out is sometimes written negative in the 支出 column; a negative 收入 is money going back out.
    if (credit) return credit > 0 ? { direction: 'credit', minor: credit } : { direction: 'debit', minor: -credit };
    if (debit) return { direction: 'debit', minor: Math.abs(debit) };
    return { direction: credit === null ? 'debit' : 'credit', minor: 0 };
  }
  const value = amount('amount');
  if (typeof value === 'string') return value;
  if (value === null) return `${header('amount')}: expected an amount, got ""`;
  if (style === 'signed') return value < 0 ? { direction: 'debit', minor: -value } : { direction: 'credit', minor: value };
  // The 借/贷 flag is authoritative: some banks also print debits negative.
  const flag = cell('flag');
  const direction = flagDirection(flag);
  if (!direction) return `${header('flag')}: expected 借/贷 (Dr/Cr), got "${flag}"`;
  return { direction, minor: Math.abs(value) };
}

function flagDirection(text: string): 'credit' | 'debit' | null {
  const s = text.replace(/\s/g, '').toLowerCase();
  if (/借|支|付|出|^d(r|ebit)?$|^dr/.test(s) || s === '-') return 'debit';
  if (/贷|收|入|存|^c(r|redit)?$|^cr/.test(s) || s === '+') return 'credit';
  return null;
}

const TOTAL_WORDS = { credit: '收入|贷方|存入|转入', debit: '支出|借方|支取|取出|转出' } as const;

/**
 * Checks a footer's declared totals against the rows read: the cells under the 收入/支出 columns of a
 * split layout (`人民币合计,,,,"1,234.56","9,876.54"`), and totals written as text in any layout
 * (`收入：3笔 1,234.56元`, `贷方发生额合计 1234.56`). Only rows in the footer's currency count.
 */
function* footerChecks(
  input: ParserInput,
  footer: { line: number; raw: string; cells: string[] },
  found: Located,
  tally: Tally,
  defaultCurrency: string,
): Generator<ParseEvent> {
  // The footer's own name (`人民币合计`, `合计金额`), without the figures that may follow it in the same cell.
  const label = /^[^\d:：,，;；\s]+/.exec(footer.cells.find((c) => c !== '') ?? '')?.[0] ?? '合计';
  const named = Object.keys(CURRENCY_NAMES).find((n) => label.startsWith(n));
  const seen = tally.currencies();
  const currency = named ? (ownValue(CURRENCY_NAMES, named) ?? defaultCurrency) : seen.length === 1 ? (seen[0] ?? defaultCurrency) : defaultCurrency;
  const digits = minorDigits(currency);
  const t = tally.get(currency);
  const done = new Set<string>();
  if (found.layout.amountStyle === 'split') {
    for (const side of ['credit', 'debit'] as const) {
      const i = found.map[side];
      const text = i === undefined ? '' : (footer.cells[i] ?? '');
      const parsed = text === '' ? null : parseAmount(text, digits);
      if (!parsed?.ok) continue;
      done.add(`${side}-sum`);
      const computed = side === 'credit' ? t.creditSum : t.debitSum;
      yield checkEvent(input.file, footer.line, `${label} ${found.headers[i ?? 0] ?? side}`, currency, Math.abs(parsed.minor), computed);
    }
  }
  // Text totals are read from the raw line: `1,234.00` unquoted would be split into cells.
  const text = footer.raw.replace(/"/g, '');
  for (const side of ['credit', 'debit'] as const) {
    const words = TOTAL_WORDS[side];
    const count = new RegExp(`(?:${words})[^0-9笔]{0,10}?(\\d+)\\s*笔`).exec(text);
    if (count) {
      const computed = side === 'credit' ? t.credits : t.debits;
      yield checkEvent(input.file, footer.line, `${label} ${side === 'credit' ? '收入' : '支出'}笔数`, currency, Number(count[1]), computed, true);
    }
    if (done.has(`${side}-sum`)) continue;
    const sum = new RegExp(`(?:${words})(?:[^0-9+-]{0,10}?\\d+\\s*笔)?[^0-9+-]{0,12}?([+-]?\\d[\\d,]*\\.\\d+)`).exec(text);
    const parsed = sum ? parseAmount(sum[1] ?? '', digits) : null;
    if (parsed?.ok) {
      const computed = side === 'credit' ? t.creditSum : t.debitSum;
      yield checkEvent(input.file, footer.line, `${label} ${side === 'credit' ? '收入' : '支出'}金额`, currency, Math.abs(parsed.minor), computed);
    }
  }
}

// ---- Spreadsheets (XLS, XLSX) ----

const XLS_MAGIC = [0xd0, 0xcf, 0x11, 0xe0];

function isSpreadsheet(bytes: Uint8Array): boolean {
  if (XLS_MAGIC.every((b, i) => bytes[i] === b)) return true;
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04 && includesBytes(bytes, Buffer.from('xl/'));
}

function sniffSpreadsheet(head: Uint8Array): number {
  let sheets: string[][][];
  try {
    sheets = readSheets(head, HEADER_SCAN);
  } catch {
    return sniffXlsBytes(head);
  }
  const first = sheets[0];
  return first && looksLikeStatement(first) ? 0.9 : 0;
}

/**
 * A head cut from a larger XLS cannot be opened as a workbook: look for the header words in the
 * string table instead (UTF-16LE in BIFF8, the code page's bytes in BIFF5). An XLSX head cannot be
 * read at all (the zip directory is at the end), so it scores 0 and needs the whole file.
 */
function sniffXlsBytes(head: Uint8Array): number {
  if (!XLS_MAGIC.every((b, i) => head[i] === b)) return 0;
  const has = (word: string) =>
    includesBytes(head, Buffer.from(word, 'utf16le')) || includesBytes(head, Buffer.from(gbkBytes(word)));
  return has('余额') && (has('记账') || has('交易日期')) ? 0.6 : 0;
}

/** GBK bytes of the few header words sniffing looks for (GB2312 code points, fixed). */
function gbkBytes(word: string): number[] {
  const table: Record<string, number[]> = {
    余额: [0xd3, 0xe0, 0xb6, 0xee],
    记账: [0xbc, 0xc7, 0xd5, 0xcb],
    交易日期: [0xbd, 0xbb, 0xd2, 0xd7, 0xc8, 0xd5, 0xc6, 0xda],
  };
  return table[word] ?? [];
}

function includesBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(Buffer.from(needle));
}

/**
 * Every sheet of a workbook as rows of cell text, the same cell arrays the CSV path splits.
 * Numbers are written from the stored value (shortest round-trip decimal), not from the display
 * format, which may round; date-formatted numbers become `YYYY-MM-DD HH:MM:SS`.
 */
function readSheets(bytes: Uint8Array, maxRows = Infinity): string[][][] {
  const XLSX = xlsx();
  const wb = XLSX.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    type: 'buffer',
    cellNF: true,
    cellDates: false,
    cellHTML: false,
    sheetRows: maxRows === Infinity ? 0 : maxRows,
  });
  return wb.SheetNames.map((name) => {
    const ws = wb.Sheets[name];
    if (!ws?.['!ref']) return [];
    const range = XLSX.utils.decode_range(ws['!ref']);
    const rows: string[][] = [];
    for (let r = 0; r <= range.e.r; r++) {
      const cells: string[] = [];
      for (let c = 0; c <= range.e.c; c++) cells.push(cellText(ws[XLSX.utils.encode_cell({ r, c })] as XLSXModule.CellObject | undefined));
      rows.push(cells);
    }
    return rows;
  });
}

function cellText(cell: XLSXModule.CellObject | undefined): string {
  if (!cell || cell.v === undefined || cell.v === null) return cell?.w ?? '';
  if (cell.t === 'n' && typeof cell.v === 'number') {
    if (cell.z !== undefined && xlsx().SSF.is_date(cell.z)) return excelDate(cell.v);
    const s = String(cell.v);
    return /e/i.test(s) ? (cell.w ?? s) : s;
  }
  if (cell.v instanceof Date) return cell.v.toISOString();
  return String(cell.v);
}

function excelDate(serial: number): string {
  const d = xlsx().SSF.parse_date_code(serial) as { y: number; m: number; d: number; H: number; M: number; S: number };
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.y}-${p(d.m)}-${p(d.d)}`;
  return d.H || d.M || d.S ? `${date} ${p(d.H)}:${p(d.M)}:${p(d.S)}` : date;
}

function* parseSpreadsheet(input: ParserInput): Generator<ParseEvent> {
  let sheets: string[][][];
  try {
    sheets = readSheets(input.bytes);
  } catch (e) {
    yield rejectEvent(input.file, 1, `spreadsheet could not be opened: ${(e as Error).message}`, '');
    // The rejected workbook is the one unit, or the run's row accounting would not balance.
    yield { kind: 'info', info: { units: 1, nonDataUnits: 0 } };
    return;
  }
  // The first sheet that has a statement header; the first sheet if none has (its rows then reject).
  let chosen = sheets[0] ?? [];
  let found: Located | null = null;
  for (const sheet of sheets) {
    found = locateHeader(sheet);
    if (found) {
      chosen = sheet;
      break;
    }
  }
  const rows: GridRow[] = chosen.map((cells, i) => ({ line: i + 1, raw: trimTrailingEmpty(cells).join(','), cells }));
  yield* parseGrid(input, rows, found);
}
