import type { CanonicalRecord, ControlCheck, Reject, Role } from '../model/records.js';

export type Encoding = 'utf-8' | 'gb18030' | 'latin1' | 'binary';

/** What a parser is told about the run, beyond the bytes. */
export interface ParseOptions {
  /** IANA zone of the contract: times without an offset are read in it. */
  readonly timezone: string;
  /** Currency for formats that do not name one. */
  readonly currency: string;
  /** Explicit column maps from the config (`columnMaps`), keyed by format id or file name glob. */
  readonly columnMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface ParserInput {
  /** The file as the user knows it: a path, or `archive.zip!entry`. */
  readonly file: string;
  readonly bytes: Uint8Array;
  /** Detected (or forced) encoding of the text. Fixed-width parsers cut bytes before decoding. */
  readonly encoding: Encoding;
  readonly options: ParseOptions;
  /**
   * Other files delivered beside this one (same archive or folder), by base name, for formats
   * whose checksum lives in a companion file (the UnionPay RD summary beside the ZM file).
   */
  readonly companions: ReadonlyMap<string, Uint8Array>;
  /**
   * When `bytes` holds selected lines of a larger file (the bulk path hands a parser one merchant's
   * lines at a time), the delivered file's 1-based number of each line of `bytes`, so that records,
   * rejects and checks still name the line a user can open. Absent: lines are numbered from 1.
   * Line-oriented formats honour it (readTabular does, through `numberLines`).
   */
  readonly lineNumbers?: Uint32Array;
}

/** Information about a file as a whole, emitted once at the end of a parse. */
export interface FileInfo {
  /** Physical lines (or entries, for XML and binary formats) in the file. */
  readonly units: number;
  /** Lines that are not data rows: preamble, header, summary, footer, blank. */
  readonly nonDataUnits: number;
  /** The account the statement is for, where the file names it. */
  readonly accountNumber?: string;
  readonly accountName?: string;
  /** The merchant the whole file is for, where the file names it (UnionPay and Alipay file names). */
  readonly merchantId?: string;
  /** A sub-type of the format, such as `ZM`, `ALL`, `资金账单`, `icbc-debit-v2`. */
  readonly variant?: string;
}

export type ParseEvent =
  | ({ kind: 'record' } & CanonicalRecord)
  | { kind: 'reject'; reject: Reject }
  | { kind: 'check'; check: ControlCheck }
  | { kind: 'info'; info: FileInfo };

/**
 * A parser plug-in: one per format id. `sniff` looks at the first bytes and the name and says how
 * sure it is (0 = not this format, 1 = certainly); `parse` turns the bytes into events, each
 * record carrying its file and line. Parsers do no I/O.
 */
export interface Parser {
  readonly id: string;
  readonly role: Role;
  readonly description: string;
  sniff(head: Uint8Array, name: string): number;
  parse(input: ParserInput): Iterable<ParseEvent>;
}

/** Identity helper that gives a parser object its type. */
export function defineParser<P extends Parser>(parser: P): P {
  return parser;
}
