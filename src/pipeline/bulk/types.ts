import type { Finding } from '../../model/finding.js';
import type { AcquirerTxn, BankEntry, ControlCheck, PosSale, Reject, Role } from '../../model/records.js';
import type { MerchantTotals, SourceTotals } from '../../model/summary.js';
import type { FileInfo } from '../../parsers/types.js';
import type { ContractConfig } from '../../model/contract.js';
import type { OpenItem, RateMonth, StatementAccount } from '../../rules/types.js';
import type { MerchantCarry } from '../../state/carry.js';
import type { ChunkRef } from './_chunks.js';
import type { TerminalRecords } from './_terminal-records.js';
import type { KeyPlan } from './_lines.js';

/**
 * The messages between the bulk orchestrator and its workers. Everything here is plain data:
 * structured clone carries it, and Node 20 loses Error subclasses across threads, so a task
 * answers `{ ok: true, value } | { ok: false, error }` instead of throwing.
 */

/** An error as it crosses a thread: code, message and context, never an Error object. */
export interface TaskError {
  code: string;
  message: string;
  context: Record<string, unknown>;
}

export type TaskOutcome<T> = { ok: true; value: T } | { ok: false; error: TaskError };

/** A large tabular file taken by the bulk path, as the main thread planned it from the head. */
export interface FilePlan extends KeyPlan {
  /** Position among the run's inputs: output order follows it. */
  slot: number;
  /** The name shown in findings (the path as given). */
  file: string;
  path: string;
  size: number;
  format: string;
  role: Role;
  /** The preamble and header lines, terminators included: every partition parse starts with them. */
  head: Uint8Array;
  headLines: number;
}

/** Stage 1: cut one newline-aligned byte range of a file into bucket chunks. */
export interface PartitionTask {
  slot: number;
  file: string;
  path: string;
  plan: KeyPlan;
  range: number;
  start: number;
  end: number;
  /** `end` is the end of the file: a last line without a newline is still a line. */
  atEof: boolean;
  buckets: number;
  /** Where to spill; absent: chunks come back in memory. */
  spillPath?: string;
  /** Buffered bytes above which a spilling task writes its buckets out. */
  flushBytes: number;
}

export interface PartitionResult {
  slot: number;
  range: number;
  /** Physical lines in the range. */
  lines: number;
  bytes: number;
  chunks: ChunkRef[];
  /** Footer (合计) lines: every partition parse of the file gets them, see merge.ts. */
  footers: { lineIndex: number; bytes: Uint8Array }[];
}

/** One bulk file as a stage-2 task sees it: its head, footers and this bucket's chunks. */
export interface BucketFile extends KeyPlan {
  slot: number;
  file: string;
  format: string;
  head: Uint8Array;
  headLines: number;
  /** Footer lines with their line numbers. */
  footers: { line: number; bytes: Uint8Array }[];
  chunks: ChunkRef[];
  /** Line number of the first line of each byte range, minus one. */
  rangeBase: number[];
}

/** A record of a small (in-memory) input, routed to the merchant it belongs to. */
export type SmallRecord =
  | { slot: number; role: 'acquirer'; record: AcquirerTxn }
  | { slot: number; role: 'pos'; record: PosSale }
  | { slot: number; role: 'bank'; record: BankEntry };

/** The small inputs' share of one merchant key, and the records the state store carried for it. */
export interface SmallShare {
  records: SmallRecord[];
  statements: StatementAccount[];
  /** The state store's carried POS records (the settlement days' records are read by the worker). */
  carried?: { pos: PosSale[] };
}

/** What every worker is given once. */
export interface BulkWorkerData {
  config: ContractConfig;
  /** The rate history's months (`RateHistory.months`), for fee-rate-creep. */
  history: readonly RateMonth[];
}

/** Stage 2 (and 3): parse, match and audit the merchants of one bucket. */
export interface BucketTask {
  bucket: number;
  files: BucketFile[];
  /** Small inputs' records, by merchant key. */
  small: [string, SmallShare][];
  roles: Role[];
  asOf: string;
  /**
   * 'audit' runs the merchant rules. 'identity' only re-reads the given keys and returns the
   * acquirer records of the given terminals, for merchant-identity-drift (run.ts).
   */
  mode: 'audit' | 'identity';
  /**
   * Set for a stateful run: each merchant's carry comes back (`BucketResult.carry`), its open
   * settlement days' records written to `spillDir` when given; the carried days' records are read
   * from the store `daysFrom`.
   */
  stateful?: { daysFrom: string; spillDir?: string };
  keys?: string[];
  terminals?: string[];
  /** Whether merchants are screened first (screen.ts): `SETTLE_AUDIT_SCREEN=off` turns it off. */
  screen?: boolean;
}

/** What one (merchant key, bulk file) parse contributed to the file's figures. */
export interface FilePart {
  slot: number;
  /** Data lines of the file given to this parse (header and footers excluded). */
  lines: number;
  records: number;
  /** Blank lines among them. */
  blank: number;
  rejects: Reject[];
  checks: ControlCheck[];
  info: FileInfo;
  totals: SourceTotals;
  /** The first and last record lines: the currency of the file's totals and checks follows them. */
  firstLine: number;
  lastLine: number;
  merchantIds: string[];
  /** Dates seen, for the run's period. */
  minDate?: string;
  maxDate?: string;
}

export interface BucketResult {
  bucket: number;
  parts: FilePart[];
  /** Merchant-rule findings with the index of the rule in RULES. */
  findings: { rule: number; merchant: number; finding: Finding }[];
  open: { rule: number; merchant: number; item: OpenItem }[];
  /** Per merchant (index in config.merchants), without findings and at-stake (the main thread adds those). */
  /** Each merchant's control totals, and the input files of its records and statements (inputFilesOf). */
  totals: { merchant: number; totals: MerchantTotals; files: string[] }[];
  unknown: { role: Role; merchantId: string; count: number; file: string; slot: number; firstLine: number }[];
  /** In a stateful run, what the state store keeps of each merchant (index in config.merchants). */
  carry: { merchant: number; carry: MerchantCarry }[];
  /** Per merchant key, the distinct `merchant|name|mcc` identities of each terminal. */
  terminals: { key: string; terminal: string; identities: string[] }[];
  /** In 'identity' mode: the acquirer records of the asked terminals, by merchant index. */
  identity: { merchant: number; records: TerminalRecords }[];
  rows: number;
  /** The input bytes of the bucket's lines (terminators counted as one byte). */
  bytes: number;
  cpuMs: { read: number; screen: number; parse: number; match: number; rules: number };
  /** Merchants whose result the screen gave. */
  screened: number;
}
