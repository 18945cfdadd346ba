import { chinaCalendar, dueDate } from '../../model/calendar.js';
import { pricingFor, type MerchantContract, type PricingRow } from '../../model/contract.js';
import type { AcquirerTxn, BankEntry, CardKind, Role, TxnType } from '../../model/records.js';
import { expectedDays, matchAcquirerBank, type AcquirerBankMatch, type ExpectedDay } from '../../matching/acquirer-bank.js';
import { localeOrder } from '../../matching/order.js';
import type { PosAcquirerMatch } from '../../matching/pos-acquirer.js';
import type { DailyTotals, MerchantTotals, SourceTotals } from '../../model/summary.js';
import { CHINAUMS_CODES, cardKindFromText, txnTypeFromText } from '../../model/txn-types.js';
import { mapHeaders } from '../../parsers/_headers.js';
import { readTabular } from '../../parsers/_tabular.js';
import { approvedStatus } from '../../parsers/pos-journal.js';
import { feeByRow } from '../../rules/_shared.js';
import { creepOf, type RateSums } from '../../rules/fee-rate-creep.js';
import { RULES } from '../../rules/index.js';
import { bankTotalsOf } from '../totals.js';
import type { MerchantData, OpenItem } from '../../rules/types.js';
import { carryOfMatches, type MerchantCarry } from '../../state/carry.js';
import type { BulkContext } from './_context.js';
import { KeyLines } from './_chunks.js';
import { KeyTable } from './_key-table.js';
import { LineMemory, READ } from './_simd.js';
import { CellValues, INVALID, LocalTimes, cutLine, keyOf, pairKey, plainAmount, wordsOf, type ColumnMap } from './_screen-rows.js';
import type { BucketFile, BucketTask, FilePart, SmallShare } from './types.js';

/**
 * The screen: a merchant's month read straight from its bytes, before any record is made, to
 * prove that the merchant rules have nothing to report on it. Most merchants of a month are like
 * that: every acquirer record a sale, each with the POS sale of the same reference and amount,
 * no reference and no (terminal, batch, trace) twice, no fee above the contract, the contract's
 * MCC. For such a merchant the stage-2 task takes its control totals and its file figures from the
 * screen and skips the parser, the matcher and the rules, which cost about ten times as much
 * (BENCHMARKS.md). Any merchant the screen cannot clear, for whatever reason, line or rule, takes
 * the full path, as every merchant did before; so the screen only ever decides how a result is
 * reached, never what it is.
 *
 * The proof, rule by rule, for a merchant the screen clears (acquirer and POS records all sales,
 * the POS ones approved; each reference once per side, paired one to one with equal amounts):
 * - matchPosAcquirer pairs every POS sale with the acquirer sale of its reference (the first key it
 *   tries; one candidate, same amount), so nothing is left unmatched, no pair differs in amount,
 *   and there are no refunds, voids or reversals to link:
 *   charged-without-sale, sale-not-settled (and its open items), refund-not-honoured,
 *   refund-without-request, void-still-settled, reversal-still-settled and over-refund find nothing;
 * - duplicateSales keys on the reference (with the settlement date) and on (terminal, batch,
 *   trace), each unique, and near duplicates need an unmatched sale: duplicate-charge finds nothing;
 * - every priced sale's fee is at most its contracted fee: fee-overcharge, debit-cap-exceeded and
 *   hidden-surcharge (the most common residual is then at most 0) find nothing, and neither does
 *   fee-rate-creep against the contract (its tolerance is above 0). Against a rate history, the
 *   screen adds up the month's rates per card kind as monthlyRates does and asks the rule's own
 *   test (creepOf): a merchant whose rate creeps takes the full path;
 * - no fee is itemised, so fee-above-regulation has nothing to check; no record is an adjustment
 *   and there is no bank input, so unexpected-deduction has nothing either;
 * - every MCC is the contract's (or the contract names none): mcc-mismatch finds nothing.
 *
 * With bank statements, the rules that read them (`BANK_RULES`, and unexpected-deduction for the
 * bank's debits) are run for real, on the merchant's settlement days added up by the screen and
 * its bank entries: no rule of them decides anything from a day's records, which only fill in the
 * evidence. A merchant they find anything about takes the full path; the open items of the days
 * not yet credited are kept, with those days' records parsed by the format's parser for their
 * evidence. A run whose roles bring in any other merchant rule (one added later) is not screened:
 * `SCREENED_RULES` and `BANK_RULES` list what the proof covers.
 *
 * A stateful run (`--state`) keeps each merchant's carry: its unmatched POS records (none, for a
 * merchant the screen clears), its settlement days not yet credited with their records, and its
 * month's fee rates. The screen makes it from the days the bank rules matched and the rates it
 * added up. A merchant's days carried from earlier runs join its days as the full path joins them
 * (joinCarriedDays), where they settle on other days than its lines, in its currency; otherwise the
 * merchant takes the full path, as do merchants with POS records carried. Without bank
 * statements, every settlement day stays open, with all its records, which the parser makes.
 */

/** The merchant rules whose silence the screen proves (above). */
const SCREENED_RULES: ReadonlySet<string> = new Set([
  'charged-without-sale',
  'sale-not-settled',
  'duplicate-charge',
  'void-still-settled',
  'reversal-still-settled',
  'refund-not-honoured',
  'over-refund',
  'refund-without-request',
  'fee-overcharge',
  'debit-cap-exceeded',
  'fee-above-regulation',
  'hidden-surcharge',
  'fee-rate-creep',
  'unexpected-deduction',
  'mcc-mismatch',
]);

/** The merchant rules that read bank statements: run for real on the screened settlement days. */
const BANK_RULES: ReadonlySet<string> = new Set(['settlement-not-received', 'settlement-short', 'settlement-late', 'unlicensed-payer', 'unexpected-deduction']);

/** What the bank rules are given of the POS match: nothing, which none of them reads. */
const NO_POS_MATCH: PosAcquirerMatch = {
  sales: [],
  refunds: [],
  unmatchedPosSales: [],
  unmatchedAcquirerSales: [],
  unmatchedPosRefunds: [],
  unmatchedAcquirerRefunds: [],
  posCancels: [],
  acquirerCancels: [],
};

/** What a merchant's records add to a file check's computed side. */
type FooterCheck = 'count' | 'gross';

/**
 * The formats the screen reads: header-mapped exports, whose parsers read one record a line. With
 * each, the file checks its parser makes from its footers: acquirer-csv's 合计 line (its
 * footerChecks) states the count and the gross amount. A file with any other check is not screened.
 */
const SCREENED_FORMATS: Readonly<Record<string, { role: Role; footerChecks: Readonly<Record<string, FooterCheck>> }>> = {
  'acquirer-csv': { role: 'acquirer', footerChecks: { 合计笔数: 'count', 合计金额: 'gross' } },
  'pos-journal': { role: 'pos', footerChecks: {} },
};

/** What the screen gives for a merchant it cleared: what its stage-2 task would have returned. */
export interface Screened {
  parts: FilePart[];
  totals: MerchantTotals;
  /** Open items of the bank rules (settlement days not yet credited), with the rule's index in RULES. */
  open: { rule: number; item: OpenItem }[];
  terminals: { terminal: string; identities: string[] }[];
  /** The input files of its records and statements, sorted (as inputFilesOf lists them). */
  files: string[];
  rows: number;
  /** In a stateful run, what the state store keeps of the merchant (merchantCarryOf). */
  carry?: MerchantCarry;
}

/** What the screen asks of the format's own parser (audit-bucket.ts). */
export interface ScreenParser {
  /** The file's own figures with none of its lines: the head and the footers parsed alone. */
  fileAlone(file: BucketFile): FilePart;
  /** The acquirer records of some of a file's lines, in their order. */
  acquirerRecords(file: BucketFile, lines: KeyLines): AcquirerTxn[];
}

/** A bulk file as the screen reads it: its header map and its columns' values. */
interface ScreenFile {
  role: Role;
  file: BucketFile;
  map: ColumnMap;
  cells: number;
  delimiter: number;
  /** The file's own figures with no line of the merchant's: header and footers alone. */
  empty: FilePart;
  footerChecks: Readonly<Record<string, FooterCheck>>;
  /** Columns that must be empty (currency, itemised fees, payer), when the file has them. */
  mustBeEmpty: number[];
  type: CellValues<TxnType | 'empty' | null>;
  code: CellValues<TxnType | 'empty' | null>;
  text: { name: CellValues<string | undefined | null>; terminal: CellValues<string | undefined | null>; mcc: CellValues<string | undefined | null> };
  cardKind: CellValues<CardKind>;
  approved: CellValues<boolean>;
  /** The cells the line memory reads of a line (LineMemory.readLine), each for its purpose. */
  reads: CellRead[];
}

/**
 * What each cell the screen reads is for: where the line memory's readLine writes what it made
 * of the cell (two numbers a purpose, LineMemory.values).
 */
const P = {
  type: 0,
  code: 1,
  whole: 2,
  wholeClock: 3,
  date: 4,
  clock: 5,
  amount: 6,
  fee: 7,
  net: 8,
  settle: 9,
  cardKind: 10,
  name: 11,
  terminal: 12,
  mcc: 13,
  reference: 14,
  pair: 15,
  status: 16,
} as const;

/** One op of readLine: its kind (READ), the cell, its purpose, and the values its cells are numbered for ('dates': LocalTimes'). */
interface CellRead {
  kind: number;
  column: number;
  purpose: number;
  values?: CellValues<unknown> | 'dates';
  /** A PAIR's second column. */
  other?: number;
}

export class Screen {
  private readonly files = new Map<number, ScreenFile | null>();
  private readonly times: LocalTimes;
  private readonly withHistory: ReadonlySet<string>;

  private constructor(
    private readonly task: BucketTask,
    private readonly ctx: BulkContext,
    private readonly roles: ReadonlySet<Role>,
    private readonly parser: ScreenParser,
    private readonly carriedDays: ((merchantId: string) => readonly AcquirerTxn[]) | undefined,
  ) {
    this.times = new LocalTimes(ctx.parseOptions.timezone);
    // The cells the line memory numbered for an earlier task are not this task's: its tables start empty.
    LineMemory.load()?.forgetValues();
    this.withHistory = new Set((ctx.history.months ?? []).map((m) => m.merchantId));
  }

  /**
   * The screen for a stage-2 task, or undefined where it does not apply (see SCREENED_RULES). In a
   * stateful run, `carriedDays` reads a merchant's carried settlement days' records from the store.
   */
  static of(task: BucketTask, ctx: BulkContext, parser: ScreenParser, carriedDays?: (merchantId: string) => readonly AcquirerTxn[]): Screen | undefined {
    // Identity mode reads records back.
    if (!task.screen || task.mode !== 'audit') return undefined;
    const roles = new Set(task.roles);
    if (!roles.has('acquirer')) return undefined;
    for (const rule of RULES) {
      if (rule.scope === 'merchant' && rule.needs.every((n) => roles.has(n)) && !SCREENED_RULES.has(rule.id) && !BANK_RULES.has(rule.id)) return undefined;
    }
    if (ctx.config.tolerances.rateCreepPpm <= 0) return undefined;
    return new Screen(task, ctx, roles, parser, task.stateful ? carriedDays : undefined);
  }

  /**
   * The screened result of one merchant key, or undefined when the screen cannot clear it. Reads
   * the acquirer files first: the POS references are looked up among what they settled.
   */
  merchant(key: string, lines: ReadonlyMap<number, KeyLines> | undefined, chunks: readonly Buffer[], share: SmallShare | undefined): Screened | undefined {
    try {
      return this.clear(key, lines, chunks, share);
    } catch {
      // The screen only ever decides how a result is reached: whatever it fails on, the full
      // path reads the merchant and reports what is wrong with its lines, or fails as it would.
      return undefined;
    }
  }

  private clear(key: string, lines: ReadonlyMap<number, KeyLines> | undefined, chunks: readonly Buffer[], share: SmallShare | undefined): Screened | undefined {
    const contract = this.ctx.index.get(key);
    if (!contract || contract.id !== key || !lines) return undefined;
    // Bank entries and statements of small inputs are the bank rules'; anything else of them is not screened.
    if (share && (share.records.some((r) => r.role !== 'bank') || (share.carried?.pos.length ?? 0) > 0)) return undefined;
    const files: { file: ScreenFile; lines: KeyLines }[] = [];
    for (const [fileNo, kl] of lines) {
      const file = this.file(fileNo);
      if (!file) return undefined;
      files.push({ file, lines: kl });
    }
    files.sort((a, b) => (a.file.role === b.file.role ? a.file.file.slot - b.file.file.slot : a.file.role === 'acquirer' ? -1 : 1));
    // The month's rates, where something reads them: fee-rate-creep's history, or the state store.
    const keepRates = this.task.stateful !== undefined || this.withHistory.has(key);
    const acquirerLines = files.reduce((n, f) => n + (f.file.role === 'acquirer' ? f.lines.lines.length : 0), 0);
    const month = new MerchantMonth(contract, key, this.times, this.ctx.parseOptions.currency, keepRates, acquirerLines);
    const parts: FilePart[] = [];
    for (const { file, lines: kl } of files) {
      const part = file.role === 'acquirer' ? month.acquirer(file, kl, chunks) : month.pos(file, kl, chunks);
      if (!part) return undefined;
      parts.push(part);
    }
    if (month.acquirerCount === 0 || (this.roles.has('pos') && month.posCount !== month.acquirerCount)) return undefined;
    const rates = month.rates();
    if (rates.some((g) => creepOf(g, contract.id, this.ctx.history, this.ctx.config))) return undefined;
    let bank: BankEntry[] = [];
    let open: Screened['open'] = [];
    let acquirers = ['acquirer-csv'];
    let bankMatch: AcquirerBankMatch | undefined;
    // A stateful run keeps the days not yet credited: without bank statements, every day.
    if (this.roles.has('bank') || this.task.stateful) {
      // In input order, as the full path joins them: by slot, each file's entries in its order.
      bank = [...(share?.records ?? [])].sort((a, b) => a.slot - b.slot).flatMap((r) => (r.role === 'bank' ? [r.record] : []));
      const settled = this.settlement(contract, month, bank, share?.statements ?? []);
      if (!settled) return undefined;
      ({ open, acquirers, bankMatch } = settled);
    }
    let carry: MerchantCarry | undefined;
    if (this.task.stateful && bankMatch) {
      const kept = rates.map((g) => ({ month: g.month, cardKind: g.cardKind, currency: month.currency, sales: g.count, amountMinor: g.amountMinor, feeMinor: g.feeMinor }));
      carry = carryOfMatches(contract.id, NO_POS_MATCH, bankMatch, kept);
    }
    const inputFiles = new Set([...files.map((f) => f.file.file.file), ...bank.map((b) => b.source.file), ...(share?.statements ?? []).map((s) => s.file)]);
    return {
      parts,
      totals: month.totals(bank, acquirers),
      open,
      terminals: month.terminals(),
      files: [...inputFiles].sort(),
      rows: parts.reduce((n, p) => n + p.lines, 0),
      ...(carry ? { carry } : {}),
    };
  }

  /**
   * The bank rules on a screened merchant: its settlement days (the nets the screen added up by
   * settlement date) matched with its bank credits, as buildMerchantData matches them. Undefined
   * when a rule finds anything. The days left unpaid get their records, parsed, for the evidence
   * of their open items and for the state store. A stateful run without bank statements comes
   * here too, for its carry: no rule runs, and every day is left unpaid.
   */
  private settlement(
    contract: MerchantContract,
    month: MerchantMonth,
    bank: BankEntry[],
    statements: SmallShare['statements'],
  ): { open: Screened['open']; acquirers: string[]; bankMatch: AcquirerBankMatch } | undefined {
    const own: ExpectedDay[] = [...month.nets].map(([settleDate, netMinor]) => ({
      settleDate,
      currency: month.currency,
      netMinor,
      due: dueDate(settleDate, contract.settlement.cycle, chinaCalendar),
      records: [] as AcquirerTxn[],
    }));
    // Days carried from earlier runs, as joinCarriedDays adds them: only where none settles on a day
    // of the merchant's lines or in another currency, so that no day mixes records of both (and no
    // carried record can be one today's files deliver again, which the full path drops).
    const carried = this.carriedDays?.(contract.id) ?? [];
    if (carried.some((a) => a.currency !== month.currency || month.nets.has(a.settleDate))) return undefined;
    const days = [...expectedDays(carried, contract.settlement.cycle, chinaCalendar), ...own].sort((x, y) => localeOrder(x.settleDate, y.settleDate));
    const bankMatch = matchAcquirerBank(days, bank);
    const unpaid = new Set(bankMatch.unpaidDays.map((d) => d.settleDate));
    if (unpaid.size > 0) {
      const records = month.recordsOf(unpaid, this.parser.acquirerRecords);
      if (!records) return undefined;
      for (const d of own) d.records = records.get(d.settleDate) ?? [];
    }
    let latestBooking: string | undefined;
    for (const b of bank) if (latestBooking === undefined || b.bookingDate > latestBooking) latestBooking = b.bookingDate;
    const data: MerchantData = {
      merchant: contract,
      acquirer: [],
      bank,
      pos: [],
      posMatch: NO_POS_MATCH,
      days,
      bankMatch,
      statements,
      coverage: { acquirer: month.lastSettleDate, bank: latestBooking, pos: month.lastPosDate },
    };
    const open: Screened['open'] = [];
    for (const [r, rule] of RULES.entries()) {
      if (rule.scope !== 'merchant' || !BANK_RULES.has(rule.id) || rule.needs.some((n) => !this.roles.has(n))) continue;
      const items: OpenItem[] = [];
      const found = rule.check({ data, config: this.ctx.config, calendar: chinaCalendar, asOf: this.task.asOf, roles: this.roles, history: this.ctx.history, open: items });
      if (found.length > 0) return undefined;
      for (const item of items) open.push({ rule: r, item });
    }
    // Who settles, as merchantTotalsOf names them: no record names a payer, so the payers of the credits, else the format.
    const payers = new Set(bankMatch.paid.flatMap((p) => (p.credit.counterpartyName ? [p.credit.counterpartyName] : [])));
    return { open, acquirers: payers.size > 0 ? [...payers].sort() : ['acquirer-csv'], bankMatch };
  }

  /** A bulk file prepared for the screen once per task, or null when the screen does not read it. */
  private file(fileNo: number): ScreenFile | null {
    let f = this.files.get(fileNo);
    if (f === undefined) {
      f = prepare(this.task.files[fileNo]!, this.ctx, this.parser.fileAlone);
      this.files.set(fileNo, f);
    }
    return f;
  }
}

function prepare(file: BucketFile, ctx: BulkContext, parseFileAlone: (file: BucketFile) => FilePart): ScreenFile | null {
  const format = SCREENED_FORMATS[file.format];
  if (!format) return null;
  const { role, footerChecks } = format;
  // A pipe can be the second byte of a GBK character: the bytes cannot be cut at it.
  if (file.delimiter === '|' && file.encoding !== 'utf-8') return null;
  const explicit = ctx.parseOptions.columnMaps[file.format] ?? {};
  // The header as the parser finds it: the head ends with the header line.
  const table = readTabular(file.head, file.encoding, Object.values(explicit));
  if (!('headers' in table) || table.delimiter !== file.delimiter) return null;
  const map = mapHeaders(table.headers, explicit);
  if (map.merchantId === undefined || map.amount === undefined) return null;
  const empty = parseFileAlone(file);
  if (empty.rejects.length > 0 || empty.blank !== 0 || empty.checks.some((c) => footerChecks[c.name] === undefined)) return null;
  const encoding = file.encoding;
  const text = (valueOf: (t: string) => string | null = (t) => t) => new CellValues<string | undefined | null>(encoding, (t) => (t === undefined ? undefined : t === INVALID ? null : valueOf(t)));
  const typeOf = (t: string | undefined): TxnType | 'empty' | null => (t === undefined ? 'empty' : t === INVALID ? null : (txnTypeFromText(t, CHINAUMS_CODES) ?? null));
  const screenFile: ScreenFile = {
    role,
    file,
    map,
    cells: table.headers.length,
    delimiter: file.delimiter.charCodeAt(0),
    empty,
    footerChecks,
    mustBeEmpty: (['currency', 'issuerFee', 'networkFee', 'payerName'] as const).flatMap((f) => (map[f] === undefined ? [] : [map[f]])),
    type: new CellValues(encoding, typeOf),
    code: new CellValues(encoding, typeOf),
    // A terminal with a `|` would blur the duplicate matcher's (terminal, batch, trace) key.
    text: { name: text(), terminal: text((t) => (t.includes('|') ? null : t)), mcc: text() },
    cardKind: new CellValues(encoding, (t) => (t === INVALID ? 'unknown' : cardKindFromText(t))),
    approved: new CellValues(encoding, (t) => t !== INVALID && approvedStatus(t ?? '')),
    reads: [],
  };
  // Every cell MerchantMonth reads of a line of this role, where the file has its column.
  const read = (kind: number, column: number | undefined, purpose: number, values?: CellRead['values'], other?: number) => {
    if (column !== undefined) screenFile.reads.push({ kind, column, purpose, ...(values ? { values } : {}), ...(other !== undefined ? { other } : {}) });
  };
  read(READ.intern, map.txnType, P.type, screenFile.type);
  read(READ.intern, map.txnCode, P.code, screenFile.code);
  read(READ.dateTime, map.txnTime, P.whole, 'dates');
  read(READ.time, map.txnTime, P.wholeClock);
  read(READ.date, map.txnDate, P.date, 'dates');
  read(READ.time, map.txnClock, P.clock);
  read(READ.amount, map.amount, P.amount);
  read(READ.key, map.reference, P.reference);
  if (role === 'acquirer') {
    read(READ.amount, map.fee, P.fee);
    read(READ.amount, map.net, P.net);
    read(READ.date, map.settleDate, P.settle, 'dates');
    read(READ.intern, map.cardKind, P.cardKind, screenFile.cardKind);
    read(READ.intern, map.merchantName, P.name, screenFile.text.name);
    read(READ.intern, map.terminalId, P.terminal, screenFile.text.terminal);
    read(READ.intern, map.mcc, P.mcc, screenFile.text.mcc);
    // The (batch, trace) key, the column of the trace number where a table's would be.
    if (map.trace !== undefined) read(READ.pair, map.batch, P.pair, undefined, map.trace);
  } else read(READ.intern, map.status, P.status, screenFile.approved);
  return screenFile;
}

/** The most cells a screened line may have: the line's cells are cut into a buffer of that size. */
const MAX_CELLS = 256;

/**
 * The thread's two key tables, emptied for each merchant's month (KeyTable.reset says why). One
 * month at a time uses them: a month is made, read and done with within one call of Screen.merchant.
 */
const MONTH_TABLES = { references: new KeyTable(), traces: new KeyTable() };

/** One merchant's screened records, added up as the full path adds them. */
class MerchantMonth {
  acquirerCount = 0;
  posCount = 0;
  /** The acquirer's net by settlement date, as expectedDays adds it up. */
  readonly nets = new Map<string, number>();
  lastSettleDate: string | undefined;
  lastPosDate: string | undefined;
  /** Each acquirer file read, with the settlement date of each of its lines. */
  private readonly settleDates: { file: ScreenFile; lines: KeyLines; dates: string[] }[] = [];
  private readonly acquirerSums = { amountMinor: 0, feeMinor: 0, netMinor: 0 };
  private posAmountMinor = 0;
  private readonly daily = new Map<string, DailyTotals>();
  /** Acquirer references, each with its amount; -1 once a POS sale took it. */
  private readonly references: KeyTable;
  /** (batch, trace) keys seen, each in the group of its terminal (terminalGroups). */
  private readonly traces: KeyTable;
  private readonly terminalGroups = new Map<string, number>();
  private lastTerminal: string | undefined;
  private lastGroup = 0;
  private readonly identities = new Map<string, { identities: Set<string>; name: string | undefined; mcc: string | undefined }>();
  private readonly pricing = new Map<CardKind, Map<string, PricingRow | null>>();
  /** The pricing rows asked last and before it, by card kind and date. */
  private lastRow: AskedRow = { cardKind: undefined, date: '', row: null };
  private rowBefore: AskedRow = { cardKind: undefined, date: '', row: null };
  /**
   * The month's fee rates as monthlyRates adds them up, when kept: by card kind and transaction
   * date, each date's sums those of its month (`monthRates`, by month and card kind).
   */
  private readonly dateRates: Map<CardKind, Map<string, RateSums>> | undefined;
  private readonly monthRates = new Map<string, RateSums>();
  /** The thread's line memory, whose readLine reads the lines of the chunks it holds (_simd.ts). */
  private readonly lineMemory = LineMemory.load();
  /**
   * The cells of the line read last. In the line memory, where its readLine writes them (and the
   * JavaScript cutLine too, for chunks elsewhere): a task reserves its line memory before its
   * first merchant, so the view stays valid for the merchant's month.
   */
  private readonly bounds = this.lineMemory?.bounds ?? new Int32Array(2 * MAX_CELLS);
  /** What the line memory's readLine made of the cells of the line read last, by purpose (P). */
  private readonly values = this.lineMemory?.values ?? new Float64Array(0);
  /** The memory of the chunk read last, its words (cutLine), and whether the line memory holds it. */
  private wordsBuffer: ArrayBufferLike | undefined;
  private words: Int32Array | null = null;
  private inLineMemory = false;
  /** The chunk of the line read last: `buf.buffer` is a call into V8, asked only when the chunk changes. */
  private lastChunk: Buffer | undefined;
  /** The daily totals of the line read last, and the last MCC found the contract's. */
  private lastDay: DailyTotals | undefined;
  private lastMcc: string | undefined;

  constructor(
    private readonly contract: MerchantContract,
    private readonly key: string,
    private readonly times: LocalTimes,
    readonly currency: string,
    keepRates: boolean,
    acquirerLines: number,
  ) {
    this.dateRates = keepRates ? new Map() : undefined;
    // Sized for a reference and a pair a line, so that they never grow while the lines are read.
    this.references = MONTH_TABLES.references;
    this.traces = MONTH_TABLES.traces;
    this.references.reset(acquirerLines);
    this.traces.reset(acquirerLines);
  }

  acquirer(f: ScreenFile, kl: KeyLines, chunks: readonly Buffer[]): FilePart | undefined {
    if (f.cells > MAX_CELLS) return undefined;
    const lines = new AcquirerLines();
    if (!this.readAcquirerLines(f, kl, chunks, lines)) return undefined;
    const { sums, span, dates } = lines;
    // The last day's net: the loop stores a day's net when the next day begins.
    if (lines.settleDate !== '') this.nets.set(lines.settleDate, (this.nets.get(lines.settleDate) ?? 0) + lines.dayNet);
    for (const d of this.nets.keys()) if (this.lastSettleDate === undefined || d > this.lastSettleDate) this.lastSettleDate = d;
    this.settleDates.push({ file: f, lines: kl, dates });
    this.acquirerCount += sums.count;
    this.acquirerSums.amountMinor += sums.amountMinor;
    this.acquirerSums.feeMinor += sums.feeMinor;
    this.acquirerSums.netMinor += sums.netMinor;
    return this.part(f, kl, span, { ...sums, currency: this.currency }, { count: sums.count, gross: sums.amountMinor });
  }

  /**
   * The loop of `acquirer`, into `out`; false when a line is not one the screen clears. Kept apart,
   * ending with nothing but its return, because of how V8 optimizes a long loop: it compiles the
   * running loop on the spot (on-stack replacement) and keeps that code for the next calls. Code
   * after the loop that had not yet run when it was compiled made later calls fall back to the
   * interpreter at the loop's end: 116 deoptimizations in one 5 M-row run (`node --trace-deopt`);
   * none since.
   */
  private readAcquirerLines(f: ScreenFile, kl: KeyLines, chunks: readonly Buffer[], out: AcquirerLines): boolean {
    const map = f.map;
    const b = this.bounds;
    const at = (column: number | undefined): number => (column === undefined ? -1 : 2 * column);
    const fee = at(map.fee);
    const net = at(map.net);
    const settle = at(map.settleDate);
    const kind = at(map.cardKind);
    const name = at(map.merchantName);
    const terminalAt = at(map.terminalId);
    const mccAt = at(map.mcc);
    const batch = at(map.batch);
    const trace = at(map.trace);
    const reference = at(map.reference);
    if (reference < 0) return false;
    const { sums, span, dates } = out;
    let settleDate = '';
    let dayNet = 0;
    this.useSpec(f);
    for (let i = 0; i < kl.count; i++) {
      const buf = chunks[kl.chunkOf[i]!]!;
      const date = this.common(f, buf, kl.starts[i]!, kl.ends[i]!);
      if (date === null) return false;
      const amount = this.cellAmount(buf, P.amount, 2 * map.amount!);
      const feeMinor = fee < 0 || b[fee] === b[fee + 1] ? 0 : this.cellAmount(buf, P.fee, fee);
      const netMinor = net < 0 || b[net] === b[net + 1] ? amount - feeMinor : this.cellAmount(buf, P.net, net);
      if (amount < 0 || feeMinor < 0 || netMinor < 0) return false;
      // r.date('settleDate') ?? the transaction's date
      const settled = settle >= 0 && b[settle] !== b[settle + 1] ? this.cellDate(buf, P.settle, settle) : date;
      if (settled === null) return false;
      const cardKind: CardKind = kind < 0 ? 'unknown' : this.cellText(f.cardKind, buf, P.cardKind, kind);
      const merchantName = name < 0 ? undefined : this.cellText(f.text.name, buf, P.name, name);
      const terminal = terminalAt < 0 ? undefined : this.cellText(f.text.terminal, buf, P.terminal, terminalAt);
      const mcc = mccAt < 0 ? undefined : this.cellText(f.text.mcc, buf, P.mcc, mccAt);
      if (merchantName === null || terminal === null || mcc === null) return false;
      if (mcc !== undefined && mcc !== this.lastMcc && this.contract.mcc) {
        if (mcc.trim() !== this.contract.mcc) return false;
        this.lastMcc = mcc;
      }

      const ref = this.cellKey(buf, P.reference, reference);
      if (ref === undefined) return false;
      if (!this.references.addNew(ref, amount)) return false;
      if (terminal !== undefined && batch >= 0 && trace >= 0 && b[batch] !== b[batch + 1] && b[trace] !== b[trace + 1]) {
        const pair = this.cellPair(buf, batch, trace);
        if (pair === undefined || !this.firstTrace(terminal, pair)) return false;
      }
      const row = this.pricingRow(cardKind, date);
      if (row) {
        const fee = feeByRow(this.contract, row, amount);
        if (feeMinor > fee.expectedMinor) return false;
        // monthlyRates leaves out sales of no amount and debit sales at their cap.
        if (this.dateRates !== undefined && amount > 0 && !(cardKind === 'debit' && fee.capMinor !== undefined && fee.uncappedMinor >= fee.capMinor)) {
          this.addRate(this.dateRates, cardKind, date, amount, feeMinor, fee.expectedMinor);
        }
      }

      sums.count++;
      sums.amountMinor += amount;
      sums.feeMinor += feeMinor;
      sums.netMinor += netMinor;
      dates.push(settled);
      // A file lists a day's records together: the day's net is added up until the day changes.
      if (settled !== settleDate) {
        if (settleDate !== '') this.nets.set(settleDate, (this.nets.get(settleDate) ?? 0) + dayNet);
        settleDate = settled;
        dayNet = 0;
      }
      dayNet += netMinor;
      // A file lists a day's lines together: the day of the line before is most often this one's.
      let day = this.lastDay;
      if (day === undefined || day.date !== date) day = this.daily.get(date);
      if (day) {
        day.count++;
        day.amountMinor += amount;
        day.feeMinor += feeMinor;
      } else this.daily.set(date, (day = { date, count: 1, amountMinor: amount, feeMinor }));
      this.lastDay = day;
      if (terminal !== undefined) this.identify(terminal, merchantName, mcc);
      span.add(kl.lines[i]!, date);
      // Stored line by line, not once after the loop: a store there would be code that had not
      // run when the loop was first compiled (above).
      out.settleDate = settleDate;
      out.dayNet = dayNet;
    }
    return true;
  }

  pos(f: ScreenFile, kl: KeyLines, chunks: readonly Buffer[]): FilePart | undefined {
    if (f.cells > MAX_CELLS) return undefined;
    const map = f.map;
    const status = map.status === undefined ? -1 : 2 * map.status;
    const reference = map.reference === undefined ? -1 : 2 * map.reference;
    if (reference < 0) return undefined;
    let count = 0;
    let amountMinor = 0;
    const span = new Span();
    this.useSpec(f);
    for (let i = 0; i < kl.count; i++) {
      const buf = chunks[kl.chunkOf[i]!]!;
      const date = this.common(f, buf, kl.starts[i]!, kl.ends[i]!);
      if (date === null) return undefined;
      const amount = this.cellAmount(buf, P.amount, 2 * map.amount!);
      if (amount < 0) return undefined;
      if (status >= 0 && !this.cellText(f.approved, buf, P.status, status)) return undefined;
      // The acquirer sale of the same reference, not yet taken, for the same amount.
      const ref = this.cellKey(buf, P.reference, reference);
      if (ref === undefined || this.references.get(ref) !== amount) return undefined;
      this.references.replace(ref, -1);
      count++;
      amountMinor += amount;
      span.add(kl.lines[i]!, date);
    }
    this.posCount += count;
    this.posAmountMinor += amountMinor;
    if (span.maxDate !== '' && (this.lastPosDate === undefined || span.maxDate > this.lastPosDate)) this.lastPosDate = span.maxDate;
    return this.part(f, kl, span, { count, amountMinor, feeMinor: 0, netMinor: 0, currency: this.currency }, { count, gross: 0 });
  }

  /**
   * What acquirer and POS lines share: the cells cut, the type (a sale) and the transaction's
   * local date, as MappedRow.time reads it; null when the line is not one the screen reads.
   */
  private common(f: ScreenFile, buf: Buffer, start: number, end: number): string | null {
    const b = this.bounds;
    const { map } = f;
    if (buf !== this.lastChunk && buf.buffer !== this.wordsBuffer) {
      this.wordsBuffer = buf.buffer;
      this.words = wordsOf(buf);
      this.inLineMemory = this.lineMemory?.holds(buf) === true;
    }
    this.lastChunk = buf;
    // In the line memory, the line's cells are read at once (useSpec): the reads below take what it made of them.
    const cut = this.inLineMemory ? this.lineMemory!.readLine(buf, start, end) : cutLine(buf, this.words, start, end, f.delimiter, f.cells, b);
    if (!cut) return null;
    // The merchant cell needs no reading: stage 1 put the line under this key by that cell, read
    // as the parser reads it (_lines.ts, merchantCell).
    for (const c of f.mustBeEmpty) if (b[2 * c] !== b[2 * c + 1]) return null;
    // text('txnType') ?? text('txnCode') ?? '消费'
    let type: TxnType | 'empty' | null = map.txnType === undefined ? 'empty' : this.cellText(f.type, buf, P.type, 2 * map.txnType);
    if (type === 'empty' && map.txnCode !== undefined) type = this.cellText(f.code, buf, P.code, 2 * map.txnCode);
    if (type !== 'sale' && type !== 'empty') return null;
    // One date-time cell opening with a year, or a date cell and a time cell (the time-only cell
    // may be the one the header calls the transaction time).
    const whole = map.txnTime === undefined ? -1 : 2 * map.txnTime;
    if (whole >= 0 && b[whole] !== b[whole + 1]) {
      if (opensWithYear(buf, b[whole]!, b[whole + 1]!)) return this.cellDateTime(buf, whole);
      // Padding would hide a year from the bytes that the parser's trimmed text shows.
      const first = buf[b[whole]!]!;
      if (first < 0x30 || first > 0x39) return null;
    }
    if (map.txnDate === undefined) return null;
    const date = this.cellDate(buf, P.date, 2 * map.txnDate);
    if (date === null) return null;
    if (map.txnClock !== undefined && b[2 * map.txnClock] !== b[2 * map.txnClock + 1]) return this.cellClock(date, buf, P.clock, 2 * map.txnClock) ? date : null;
    return whole >= 0 && this.cellClock(date, buf, P.wholeClock, whole) ? date : null;
  }

  /**
   * Has the line memory read the cells of `f`'s lines (LineMemory.readLine): its tables are those
   * of this task's CellValues and LocalTimes.
   */
  private useSpec(f: ScreenFile): void {
    const memory = this.lineMemory;
    if (!memory) return;
    const ops: number[] = [];
    for (const r of f.reads) {
      const table = r.other ?? (r.values === undefined ? -1 : r.values === 'dates' ? this.times.dateTable(memory) : r.values.table(memory));
      ops.push(r.kind, r.column, table, r.purpose);
    }
    memory.useSpec(f.delimiter, f.cells, ops);
  }

  // The reads of a line's cells: from what the line memory made of them when it holds the line,
  // else from the bytes. `cell` is twice the column (the cell's place in `bounds`).

  /** The value of a column with few values (CellValues). */
  private cellText<V>(values: CellValues<V>, buf: Buffer, purpose: number, cell: number): V {
    const b = this.bounds;
    return this.inLineMemory ? values.numbered(this.values[2 * purpose]!, buf, b[cell]!, b[cell + 1]!) : values.get(buf, b[cell]!, b[cell + 1]!);
  }

  /** plainAmount of the cell. */
  private cellAmount(buf: Buffer, purpose: number, cell: number): number {
    return this.inLineMemory ? this.values[2 * purpose]! : plainAmount(buf, this.bounds[cell]!, this.bounds[cell + 1]!);
  }

  /** keyOf of the cell. */
  private cellKey(buf: Buffer, purpose: number, cell: number): number | string | undefined {
    if (this.inLineMemory) {
      const key = this.values[2 * purpose]!;
      if (key >= 0) return key;
    }
    return keyOf(buf, this.bounds[cell]!, this.bounds[cell + 1]!);
  }

  /** pairKey of the keys of the batch and trace cells, undefined where either has none. */
  private cellPair(buf: Buffer, batchCell: number, traceCell: number): number | string | undefined {
    if (this.inLineMemory) {
      const pair = this.values[2 * P.pair]!;
      if (pair >= 0) return pair;
    }
    const b = this.bounds;
    const batch = keyOf(buf, b[batchCell]!, b[batchCell + 1]!);
    const trace = keyOf(buf, b[traceCell]!, b[traceCell + 1]!);
    return batch === undefined || trace === undefined ? undefined : pairKey(batch, trace);
  }

  /** LocalTimes.date of the cell. */
  private cellDate(buf: Buffer, purpose: number, cell: number): string | null {
    const b = this.bounds;
    return this.inLineMemory ? this.times.numberedDate(this.values[2 * purpose]!, buf, b[cell]!, b[cell + 1]!) : this.times.date(buf, b[cell]!, b[cell + 1]!);
  }

  /** LocalTimes.time of the cell on `date`. */
  private cellClock(date: string, buf: Buffer, purpose: number, cell: number): boolean {
    if (!this.inLineMemory) return this.times.time(date, buf, this.bounds[cell]!, this.bounds[cell + 1]!);
    const minutes = this.values[2 * purpose]!;
    return minutes >= 0 && this.times.kept(date, minutes);
  }

  /** LocalTimes.dateTime of the transaction's date-time cell (P.whole). */
  private cellDateTime(buf: Buffer, cell: number): string | null {
    const b = this.bounds;
    if (!this.inLineMemory) return this.times.dateTime(buf, b[cell]!, b[cell + 1]!);
    const date = this.times.numberedDate(this.values[2 * P.whole]!, buf, b[cell]!, b[cell]! + 10);
    const minutes = this.values[2 * P.whole + 1]!;
    return date !== null && minutes >= 0 && this.times.kept(date, minutes) ? date : null;
  }

  private firstTrace(terminal: string, pair: number | string): boolean {
    // Most lines are on the terminal of the line before: its group is looked up when it changes.
    if (terminal !== this.lastTerminal) {
      let group = this.terminalGroups.get(terminal);
      if (group === undefined) this.terminalGroups.set(terminal, (group = this.terminalGroups.size));
      this.lastTerminal = terminal;
      this.lastGroup = group;
    }
    return this.traces.addNew(pair, 1, this.lastGroup);
  }

  private pricingRow(cardKind: CardKind, date: string): PricingRow | null {
    // A day's lines mix card kinds, mostly two: the rows of the last two asked are kept at hand.
    const last = this.lastRow;
    if (last.cardKind === cardKind && last.date === date) return last.row;
    const before = this.rowBefore;
    this.rowBefore = last;
    if (before.cardKind === cardKind && before.date === date) return (this.lastRow = before).row;
    before.cardKind = cardKind;
    before.date = date;
    before.row = this.pricingRowOf(cardKind, date);
    return (this.lastRow = before).row;
  }

  private pricingRowOf(cardKind: CardKind, date: string): PricingRow | null {
    let byDate = this.pricing.get(cardKind);
    if (!byDate) this.pricing.set(cardKind, (byDate = new Map()));
    let row = byDate.get(date);
    if (row === undefined) {
      row = pricingFor(this.contract, cardKind, date) ?? null;
      byDate.set(date, row);
    }
    return row;
  }

  private addRate(dateRates: Map<CardKind, Map<string, RateSums>>, cardKind: CardKind, date: string, amountMinor: number, feeMinor: number, expectedMinor: number): void {
    let byDate = dateRates.get(cardKind);
    if (!byDate) dateRates.set(cardKind, (byDate = new Map()));
    let sums = byDate.get(date);
    if (!sums) {
      const month = date.slice(0, 7);
      const key = `${month}|${cardKind}`;
      sums = this.monthRates.get(key);
      if (!sums) this.monthRates.set(key, (sums = { month, cardKind, count: 0, amountMinor: 0, feeMinor: 0, expectedMinor: 0 }));
      byDate.set(date, sums);
    }
    sums.count++;
    sums.amountMinor += amountMinor;
    sums.feeMinor += feeMinor;
    sums.expectedMinor += expectedMinor;
  }

  /** The month's fee rates by month and card kind, in monthlyRates' order; none unless kept. */
  rates(): RateSums[] {
    return [...this.monthRates.values()].sort((x, y) => x.month.localeCompare(y.month) || x.cardKind.localeCompare(y.cardKind));
  }

  /** As the stage-2 task lists a terminal's identities: merchant, name and MCC, in the order met. */
  private identify(terminal: string, name: string | undefined, mcc: string | undefined): void {
    let t = this.identities.get(terminal);
    if (!t) this.identities.set(terminal, (t = { identities: new Set(), name: undefined, mcc: undefined }));
    else if (t.identities.size > 0 && t.name === name && t.mcc === mcc) return;
    t.name = name;
    t.mcc = mcc;
    t.identities.add(`${this.contract.id}\u0001${name ?? ''}\u0001${mcc ?? ''}`);
  }

  /** The file's part for the merchant's lines: the file's own figures plus its records'. */
  private part(f: ScreenFile, kl: KeyLines, span: Span, totals: Omit<SourceTotals, 'file' | 'role' | 'format' | 'creditMinor' | 'debitMinor'>, add: { count: number; gross: number }): FilePart {
    const { empty } = f;
    const n = kl.count;
    return {
      ...empty,
      lines: n,
      records: n,
      blank: 0,
      rejects: [],
      checks: empty.checks.map((c) => ({ ...c, computed: c.computed + (f.footerChecks[c.name] === 'count' ? add.count : add.gross) })),
      info: { ...empty.info, units: empty.info.units + n },
      totals: { ...empty.totals, ...totals },
      firstLine: span.firstLine,
      lastLine: span.lastLine,
      merchantIds: [this.key],
      minDate: span.minDate,
      maxDate: span.maxDate,
    };
  }

  /**
   * The parser's records of the lines settled on the given dates, by settlement date, in the
   * order of the files and their lines; undefined if the parser does not read them all.
   */
  recordsOf(dates: ReadonlySet<string>, parse: ScreenParser['acquirerRecords']): Map<string, AcquirerTxn[]> | undefined {
    const out = new Map<string, AcquirerTxn[]>();
    for (const { file, lines: kl, dates: settled } of this.settleDates) {
      const some = new KeyLines();
      for (let i = 0; i < kl.count; i++) if (dates.has(settled[i]!)) some.push(kl.lines[i]!, kl.chunkOf[i]!, kl.starts[i]!, kl.ends[i]!);
      if (some.count === 0) continue;
      const records = parse(file.file, some);
      if (records.length !== some.count) return undefined;
      for (const r of records) {
        const list = out.get(r.settleDate);
        if (list) list.push(r);
        else out.set(r.settleDate, [r]);
      }
    }
    return out;
  }

  totals(bank: readonly BankEntry[], acquirers: string[]): MerchantTotals {
    return {
      merchantId: this.contract.id,
      name: this.contract.name,
      currency: this.currency,
      acquirers,
      acquirer: { count: this.acquirerCount, ...this.acquirerSums },
      bank: bankTotalsOf(bank),
      pos: { count: this.posCount, amountMinor: this.posAmountMinor },
      daily: [...this.daily.values()].sort((a, b) => a.date.localeCompare(b.date)),
      findings: 0,
      atStakeMinor: 0,
    };
  }

  terminals(): Screened['terminals'] {
    return [...this.identities].map(([terminal, t]) => ({ terminal, identities: [...t.identities] }));
  }
}

/** A pricing row asked of the contract, by card kind and date (MerchantMonth.pricingRow). */
interface AskedRow {
  cardKind: CardKind | undefined;
  date: string;
  row: PricingRow | null;
}

/** What the loop of MerchantMonth.acquirer reads of one file's lines. */
class AcquirerLines {
  readonly sums = { count: 0, amountMinor: 0, feeMinor: 0, netMinor: 0 };
  readonly span = new Span();
  /** The settlement date of each line. */
  readonly dates: string[] = [];
  /** The day being added up when the loop ended, and its net so far. */
  settleDate = '';
  dayNet = 0;
}

/** The first and last line and date of a file's screened records. */
class Span {
  firstLine = Number.MAX_SAFE_INTEGER;
  lastLine = 0;
  minDate = '';
  maxDate = '';

  add(line: number, date: string): void {
    if (line < this.firstLine) this.firstLine = line;
    if (line > this.lastLine) this.lastLine = line;
    if (this.minDate === '' || date < this.minDate) this.minDate = date;
    if (date > this.maxDate) this.maxDate = date;
  }
}

/** Whether a cell opens with four digits, as MappedRow's opensWithYear asks of its text. */
function opensWithYear(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 4) return false;
  for (let i = start; i < start + 4; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) return false;
  return true;
}
