import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { TextDecoder } from 'node:util';
import { crc32, inflateRawSync } from 'node:zlib';
import { AuditError, ErrorCode } from '../model/errors.js';
import { looksBinary } from '../parsers/_text.js';

/**
 * The preflight: before a file is read whole, it is streamed once in chunks and refused if it
 * cannot be a settlement export (DESIGN.md section 10): a binary head, UTF-16 text, text that
 * decodes to garbage in both UTF-8 and GBK, or a line longer than a sane bound. Memory stays at
 * one chunk plus the head, whatever the file's size, so a 1 GB file without a newline costs a
 * few megabytes, not a gigabyte.
 *
 * The scanner (`Preflight`) knows nothing about files, like a csv-parse core: `preflightFile`
 * feeds it from a read stream, `preflightBytes` from an archive entry already in memory.
 *
 * Spreadsheets (.xls, .xlsx) are not text and get no line bound; instead, once read whole, their
 * container structure is checked and they are opened once in a child process
 * (`containerProblem`, `spreadsheetProblem`), because the spreadsheet library can hang or abort
 * the process on a damaged workbook.
 */

/** Bounds of the preflight. */
export interface PreflightLimits {
  /**
   * Longest line accepted in a line-oriented file, in bytes. The widest real export row seen is
   * a few kilobytes (a WeChat fund bill with a long remark); 4 MiB leaves three orders of
   * magnitude of room and still stops a file that is one endless line before it is read whole.
   */
  readonly maxLineBytes: number;
  /** How much of the start of a file is examined for its kind and encoding. */
  readonly headBytes: number;
  /** Read-stream chunk size: the preflight's memory. */
  readonly chunkBytes: number;
}

export const DEFAULT_PREFLIGHT_LIMITS: PreflightLimits = {
  maxLineBytes: 4 * 1024 * 1024,
  headBytes: 64 * 1024,
  chunkBytes: 1024 * 1024,
};

/**
 * What the head says the file is: an archive or spreadsheet we read (no line bound applies),
 * XML (a camt.053 may legally be one long line), or line-oriented text.
 */
export type PreflightKind = 'container' | 'xml' | 'text';

/** Signatures of containers the pipeline or a parser reads: they are not text and need no line bound. */
const CONTAINERS: readonly { name: string; magic: readonly number[] }[] = [
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'empty zip', magic: [0x50, 0x4b, 0x05, 0x06] },
  { name: 'gzip', magic: [0x1f, 0x8b] },
  // OLE2 compound file: the legacy .xls that bank portals still export (CCB, SPDB).
  { name: 'xls', magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
];

/** Signatures of files people attach by mistake, named so the message can say what was found. */
const FOREIGN: readonly { name: string; magic: readonly number[] }[] = [
  { name: 'a PDF document', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { name: 'a PNG image', magic: [0x89, 0x50, 0x4e, 0x47] },
  { name: 'a JPEG image', magic: [0xff, 0xd8, 0xff] },
  { name: 'a GIF image', magic: [0x47, 0x49, 0x46, 0x38] },
  { name: 'a 7-Zip archive (settle-audit reads .zip and .gz)', magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'a RAR archive (settle-audit reads .zip and .gz)', magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { name: 'an xz archive (settle-audit reads .zip and .gz)', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'a bzip2 archive (settle-audit reads .zip and .gz)', magic: [0x42, 0x5a, 0x68] },
  { name: 'a zstd archive (settle-audit reads .zip and .gz)', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'an SQLite database', magic: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66] },
  { name: 'an executable', magic: [0x7f, 0x45, 0x4c, 0x46] },
];

const startsWith = (b: Uint8Array, magic: readonly number[]) => magic.every((m, i) => b[i] === m);
const MiB = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`);

/**
 * Classifies a file by its first bytes; returns the reason to refuse it, or its kind.
 * Exported for tests; `Preflight` calls it once the head is complete.
 */
export function classifyHead(head: Uint8Array): { kind: PreflightKind } | { refuse: string } {
  if (head.length === 0) return { kind: 'text' };
  for (const c of CONTAINERS) if (startsWith(head, c.magic)) return { kind: 'container' };
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    const which = head[0] === 0xff ? (head[2] === 0 && head[3] === 0 ? 'UTF-32LE' : 'UTF-16LE') : 'UTF-16BE';
    return { refuse: `${which} text (byte-order mark ${head[0]!.toString(16).toUpperCase()} ${head[1]!.toString(16).toUpperCase()}); settle-audit reads UTF-8 and GBK: save the file as UTF-8 (Excel: "CSV UTF-8")` };
  }
  const utf16 = utf16WithoutBom(head);
  if (utf16) return { refuse: `${utf16} text without a byte-order mark (every other byte is NUL); settle-audit reads UTF-8 and GBK: save the file as UTF-8` };
  for (const f of FOREIGN) if (startsWith(head, f.magic)) return { refuse: `${f.name}, not a settlement export` };
  if (looksBinary(head)) return { refuse: `binary content (NUL bytes or control characters in the first ${MiB(Math.min(head.length, 8192))}), not a text export` };
  let start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (start < head.length && (head[start] === 0x20 || head[start] === 0x09 || head[start] === 0x0a || head[start] === 0x0d)) start++;
  if (head[start] === 0x3c) return { kind: 'xml' };
  const garbage = undecodable(head);
  if (garbage) return { refuse: garbage };
  return { kind: 'text' };
}

/** UTF-16 text of mostly ASCII characters has a NUL in every other byte. */
function utf16WithoutBom(head: Uint8Array): string | undefined {
  const n = Math.min(head.length, 8192) & ~1;
  if (n < 16) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd > pairs * 0.4 && even < pairs * 0.05) return 'UTF-16LE';
  if (even > pairs * 0.4 && odd < pairs * 0.05) return 'UTF-16BE';
  return undefined;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030');

/**
 * Text in neither UTF-8 nor GBK. Invalid UTF-8 is read as GB18030 (DESIGN.md section 3), which
 * accepts most byte pairs, so garbage shows up two ways: replacement characters, private-use
 * code points (GBK's user-defined areas) and stray controls; or, for Shift-JIS, pairs that decode
 * but land almost all in GBK's rarely used extension area (lead bytes 0x81–0xA0, GBK/3), where its
 * kanji and kana leads (0x81–0x9F) put them. Real Chinese text has few there: its common
 * characters are in GB2312 (leads 0xB0–0xF7), its punctuation in 0xA1–0xA9. Latin-1 text (MT940,
 * whose parser reads it as such) is not caught: its accented letters are leads 0xC0–0xFF.
 */
function undecodable(head: Uint8Array): string | undefined {
  // The head may end inside a character: leave the last 3 bytes out of the strict test.
  const body = head.subarray(0, head.length > 4 ? head.length - 3 : head.length);
  try {
    utf8Strict.decode(body);
    return undefined;
  } catch {
    // not UTF-8: judged as GB18030 below
  }
  const text = gb18030.decode(body);
  let bad = 0;
  let chars = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    chars++;
    if (c === 0xfffd || c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0xe000 && c <= 0xf8ff)) bad++;
  }
  if (bad >= 16 && bad > chars * 0.2) {
    return `text that decodes as neither UTF-8 nor GBK (${bad} of ${chars} characters in the first ${MiB(head.length)} are invalid); save the file as UTF-8 or GBK`;
  }
  let pairs = 0;
  let extension = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b < 0x81 || b > 0xfe) continue;
    const t = body[i + 1] ?? 0;
    if (t >= 0x30 && t <= 0x39) {
      i += 3;
      continue;
    }
    if (t >= 0x40 && t !== 0x7f && t !== 0xff) {
      pairs++;
      if (b <= 0xa0) extension++;
      i++;
    }
  }
  if (pairs >= 32 && extension > pairs * 0.7) {
    return `text that is not GBK or UTF-8 (${extension} of ${pairs} double-byte characters fall in GBK's rarely used extension area: Shift-JIS or another encoding?); save the file as UTF-8 or GBK`;
  }
  return undefined;
}

/**
 * The incremental scanner. Feed it chunks with `push`, then call `end`; each returns the reason
 * to refuse the file as soon as one is known, or undefined.
 */
export class Preflight {
  private readonly limits: PreflightLimits;
  private head: Uint8Array[] = [];
  private headLength = 0;
  private kind: PreflightKind | undefined;
  /** Bytes since the last line break (LF or CR) in the chunks seen so far. */
  private run = 0;
  private line = 1;
  private offset = 0;
  private refusal: string | undefined;

  constructor(limits: PreflightLimits = DEFAULT_PREFLIGHT_LIMITS) {
    this.limits = limits;
  }

  /** The file's kind once its head has been seen. */
  get detectedKind(): PreflightKind | undefined {
    return this.kind;
  }

  push(chunk: Uint8Array): string | undefined {
    if (this.refusal) return this.refusal;
    if (this.kind === undefined) {
      // Hold chunks until the head is complete: the kind decides whether lines are bounded.
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (this.headLength < this.limits.headBytes) return undefined;
      return this.classify();
    }
    if (this.kind === 'text') this.scanLines(chunk);
    return this.refusal;
  }

  end(): string | undefined {
    if (this.refusal) return this.refusal;
    if (this.kind === undefined) return this.classify();
    return undefined;
  }

  private classify(): string | undefined {
    const all = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
    this.head = [];
    const verdict = classifyHead(all.subarray(0, this.limits.headBytes));
    if ('refuse' in verdict) {
      this.refusal = verdict.refuse;
      return this.refusal;
    }
    this.kind = verdict.kind;
    if (this.kind === 'text') this.scanLines(all);
    return this.refusal;
  }

  /**
   * Tracks the length of the current line across chunks. LF is found with indexOf (memchr); CR,
   * which ends a line on its own in old Mac exports (splitLines accepts it), is only looked for
   * when a stretch without LF gets long, so CRLF files cost one search per line.
   */
  private scanLines(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const max = this.limits.maxLineBytes;
    let pos = 0;
    for (;;) {
      const lf = buf.indexOf(0x0a, pos);
      const end = lf === -1 ? buf.length : lf;
      if (this.run + (end - pos) > max) {
        for (let cr = buf.indexOf(0x0d, pos); cr !== -1 && cr < end; cr = buf.indexOf(0x0d, pos)) {
          if (this.run + (cr - pos) > max) return this.tooLong(pos - this.run);
          this.run = 0;
          this.line++;
          pos = cr + 1;
        }
        if (this.run + (end - pos) > max) return this.tooLong(pos - this.run);
        this.run += end - pos;
      } else if (lf === -1) {
        const cr = buf.lastIndexOf(0x0d, end - 1);
        this.run = cr >= pos ? end - cr - 1 : this.run + (end - pos);
      }
      if (lf === -1) break;
      this.run = 0;
      this.line++;
      pos = lf + 1;
    }
    this.offset += buf.length;
  }

  private tooLong(startInChunk: number): void {
    const start = this.offset + startInChunk;
    this.refusal = `line ${this.line} (from byte ${start}) runs longer than ${MiB(this.limits.maxLineBytes)} without a line break; a settlement export has short lines (a file that is one endless line is not one)`;
  }
}

const refuse = (file: string, reason: string, size: number) =>
  new AuditError(ErrorCode.INPUT_UNREADABLE, `${file}: refused: ${reason} (file of ${size} bytes)`, { file, reason, size });

/**
 * Streams a file through the preflight. Resolves with the file's kind, or throws an AuditError
 * INPUT_UNREADABLE naming the file and the reason. Stops reading at the first refusal, and at the
 * end of the head for archives, spreadsheets and XML.
 */
export async function preflightFile(file: string, limits: PreflightLimits = DEFAULT_PREFLIGHT_LIMITS): Promise<PreflightKind> {
  const scan = new Preflight(limits);
  let refusal: string | undefined;
  let size: number;
  const stream = createReadStream(file, { highWaterMark: limits.chunkBytes });
  try {
    size = (await stat(file)).size;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      refusal = scan.push(chunk);
      if (refusal || scan.detectedKind === 'container' || scan.detectedKind === 'xml') break;
    }
  } catch (err) {
    throw new AuditError(ErrorCode.INPUT_UNREADABLE, `${file}: cannot be read (${(err as Error).message})`, { file }, err);
  } finally {
    stream.destroy();
  }
  refusal ??= scan.end();
  if (refusal) throw refuse(file, refusal, size);
  return scan.detectedKind ?? 'text';
}

/**
 * The preflight of bytes already in memory (an archive's entry, or a spreadsheet read whole).
 * Same verdicts as `preflightFile`, and a spreadsheet container's structure is checked too
 * (`containerProblem`), which needs the whole file.
 */
export function preflightBytes(
  file: string,
  bytes: Uint8Array,
  limits: PreflightLimits = DEFAULT_PREFLIGHT_LIMITS,
  spreadsheet: SpreadsheetLimits = DEFAULT_SPREADSHEET_LIMITS,
): PreflightKind {
  const scan = new Preflight(limits);
  let refusal: string | undefined;
  for (let at = 0; at < bytes.length && !refusal; at += limits.chunkBytes) {
    refusal = scan.push(bytes.subarray(at, at + limits.chunkBytes));
    if (scan.detectedKind === 'container' || scan.detectedKind === 'xml') break;
  }
  refusal ??= scan.end();
  if (!refusal && scan.detectedKind === 'container' && isSpreadsheetContainer(bytes)) refusal = containerProblem(bytes) ?? spreadsheetProblem(bytes, spreadsheet);
  if (refusal) throw refuse(file, refusal, bytes.length);
  return scan.detectedKind ?? 'text';
}

/**
 * Throws INPUT_UNREADABLE naming the file when a zip or OLE2 container it hands to a parser is
 * damaged (`containerProblem`) or cannot be opened safely (`spreadsheetProblem`); for a file whose
 * head `preflightFile` already passed.
 */
export function checkContainer(file: string, bytes: Uint8Array, limits: SpreadsheetLimits = DEFAULT_SPREADSHEET_LIMITS): void {
  if (!isSpreadsheetContainer(bytes)) return;
  const problem = containerProblem(bytes) ?? spreadsheetProblem(bytes, limits);
  if (problem) throw refuse(file, problem, bytes.length);
}

/** Bounds on opening a spreadsheet in the sandbox. */
export interface SpreadsheetLimits {
  readonly timeoutMs: number;
  /** The child's V8 heap; the in-process parse of the same bytes then needs no more. */
  readonly maxHeapMb: number;
  /**
   * Cells a sheet's declared range may span: the parser walks the whole range. A bank statement
   * of 100,000 lines by 20 columns is 2 million; a damaged dimension record says 17 billion.
   */
  readonly maxCells: number;
}

export const DEFAULT_SPREADSHEET_LIMITS: SpreadsheetLimits = { timeoutMs: 30_000, maxHeapMb: 512, maxCells: 5_000_000 };

/**
 * The sandbox's program: reads the bytes from stdin, opens them with the options the
 * bank-statement-cn parser uses (whole workbook, and the 64 KiB head its sniffer reads with
 * sheetRows), and prints the largest declared sheet. A workbook the library rejects with an
 * exception is not the sandbox's business (the parser turns that into a reject); only a crash,
 * a hang or an absurd range is.
 */
const SANDBOX = `
const XLSX = require(process.argv[1]);
const bytes = require('node:fs').readFileSync(0);
const options = { type: 'buffer', cellNF: true, cellDates: false, cellHTML: false };
let cells = 0;
for (const [data, rows] of [[bytes, 0], [bytes.subarray(0, ${DEFAULT_PREFLIGHT_LIMITS.headBytes}), 60]]) {
  let wb;
  try { wb = XLSX.read(data, { ...options, sheetRows: rows }); } catch { continue; }
  for (const name of wb.SheetNames) {
    const ref = wb.Sheets[name] && wb.Sheets[name]['!ref'];
    if (!ref) continue;
    const r = XLSX.utils.decode_range(ref);
    cells = Math.max(cells, (r.e.r + 1) * (r.e.c + 1));
  }
}
process.stdout.write(JSON.stringify({ cells }));
`;

let xlsxPath: string | undefined;

/**
 * Opens a spreadsheet in a child process first, with a heap bound and a time limit, and says why
 * it must not be opened in this process: the xlsx package (SheetJS 0.18.5, the last on npm) can
 * loop forever, exhaust the heap, or abort V8 outright ("invalid array length", which no
 * try/catch and no worker thread survives) on a damaged workbook; the fuzz tests find such files
 * in minutes. Called only for spreadsheets a parser would open, about one a run; costs a process
 * start (~0.2 s).
 */
export function spreadsheetProblem(bytes: Uint8Array, limits: SpreadsheetLimits = DEFAULT_SPREADSHEET_LIMITS): string | undefined {
  xlsxPath ??= createRequire(import.meta.url).resolve('xlsx');
  const child = spawnSync(process.execPath, [`--max-old-space-size=${limits.maxHeapMb}`, '-e', SANDBOX, xlsxPath], {
    input: bytes,
    timeout: limits.timeoutMs,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return `the spreadsheet library did not finish opening it in ${limits.timeoutMs / 1000} s (a damaged workbook)`;
  }
  if (child.status !== 0) {
    const why = child.signal ? `killed by ${child.signal}` : (child.stderr.split('\n').find((l) => /error/i.test(l)) ?? `exit ${child.status}`).trim();
    return `the spreadsheet library crashed opening it (${why.slice(0, 200)}): a damaged workbook`;
  }
  let cells: number;
  try {
    cells = (JSON.parse(child.stdout) as { cells: number }).cells;
  } catch {
    return 'the spreadsheet library gave no answer opening it (a damaged workbook)';
  }
  if (cells > limits.maxCells) return `a sheet declares ${cells} cells (more than ${limits.maxCells}): a damaged dimension record`;
  return undefined;
}

const u16 = (b: Uint8Array, o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
const u32 = (b: Uint8Array, o: number): number => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;

/**
 * What is structurally wrong with a zip (an .xlsx) or an OLE2 compound file (an .xls) that a
 * parser will hand to a spreadsheet library, or undefined. The xlsx package (SheetJS 0.18.5, the
 * last on npm) loops forever on two kinds of damage the fuzz tests produce in seconds: a deflate
 * stream that does not end (its own inflate), and a cycle in an OLE2 sector chain
 * (get_sector_list). So, before any library sees the bytes: every zip entry is inflated here by
 * zlib within its declared size, and checked against its CRC; every OLE2 sector chain is followed
 * and must end. Gzip is not checked: the pipeline expands it itself, with limits.
 */
export function containerProblem(bytes: Uint8Array, maxExpandedBytes = 1024 ** 3): string | undefined {
  if (!isSpreadsheetContainer(bytes)) return undefined;
  return bytes[0] === 0x50 ? zipProblem(bytes, maxExpandedBytes) : oleProblem(bytes);
}

/** A zip (.xlsx) or OLE2 (.xls) head: what a spreadsheet library would be handed. */
const isSpreadsheetContainer = (b: Uint8Array): boolean =>
  (b[0] === 0x50 && b[1] === 0x4b) || (b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0);

/**
 * Reads the zip the way SheetJS does (the last end-of-central-directory record, then each local
 * header, whose sizes it trusts; APPNOTE 4.3.7, 4.3.12, 4.3.16) and inflates every entry with
 * zlib, bounded by its declared size.
 */
function zipProblem(b: Uint8Array, maxExpandedBytes: number): string | undefined {
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
    if (u32(b, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return 'a damaged zip container: no end-of-central-directory record';
  const count = u16(b, eocd + 10);
  let p = u32(b, eocd + 16);
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > b.length || u32(b, p) !== 0x02014b50) return `a damaged zip container: central directory entry ${n + 1} is missing`;
    const central = p;
    const local = u32(b, p + 42);
    p += 46 + u16(b, p + 28) + u16(b, p + 30) + u16(b, p + 32);
    if (local + 30 > b.length || u32(b, local) !== 0x04034b50) return `a damaged zip container: entry ${n + 1} has no local header`;
    const flags = u16(b, local + 6);
    const method = u16(b, local + 8);
    // With a data descriptor (bit 3) the local header's CRC and sizes are zero: the central
    // directory has them.
    const crc = u32(b, flags & 0x0008 ? central + 16 : local + 14);
    const compressed = u32(b, flags & 0x0008 ? central + 20 : local + 18);
    const size = u32(b, flags & 0x0008 ? central + 24 : local + 22);
    const start = local + 30 + u16(b, local + 26) + u16(b, local + 28);
    if (flags & 0x0001) return `entry ${n + 1} of the zip container is encrypted`;
    if (compressed === 0xffffffff || size === 0xffffffff) return `entry ${n + 1} of the zip container is ZIP64, which the spreadsheet reader does not support`;
    if (start + compressed > b.length) return `a damaged zip container: entry ${n + 1} is cut short`;
    total += size;
    if (total > maxExpandedBytes) return `the zip container expands to more than ${maxExpandedBytes} bytes`;
    const data = b.subarray(start, start + compressed);
    let out: Uint8Array;
    if (method === 0) out = data;
    else if (method === 8) {
      try {
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, size) });
      } catch (err) {
        return `a damaged zip container: entry ${n + 1} does not inflate to its declared ${size} bytes (${(err as Error).message})`;
      }
    } else return `entry ${n + 1} of the zip container uses compression method ${method}`;
    if (out.length !== size) return `a damaged zip container: entry ${n + 1} inflates to ${out.length} bytes, ${size} declared`;
    if ((crc32(out) >>> 0) !== crc) return `a damaged zip container: entry ${n + 1} fails its CRC-32 check`;
  }
  return undefined;
}

/**
 * Follows every sector chain of an OLE2 compound file ([MS-CFB] 2.2 header, 2.3 FAT, 2.5 DIFAT)
 * as SheetJS does, and refuses a chain that loops.
 */
function oleProblem(b: Uint8Array): string | undefined {
  if (b.length < 512) return 'a damaged OLE2 (.xls) container: shorter than its 512-byte header';
  const major = u16(b, 26);
  const ssz = major === 4 ? 4096 : 512;
  const sectors = Math.ceil(b.length / ssz) - 1;
  const at = (sector: number) => (sector + 1) * ssz;
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const s = u32(b, 76 + 4 * i);
    if (s >= 0xfffffffa) break;
    fatSectors.push(s);
  }
  // The DIFAT chain: each DIFAT sector lists FAT sectors and ends with the next DIFAT sector.
  const seen = new Set<number>();
  for (let d = u32(b, 68); d < sectors; d = u32(b, at(d) + ssz - 4)) {
    if (seen.has(d)) return 'a damaged OLE2 (.xls) container: its DIFAT chain loops';
    seen.add(d);
    for (let i = 0; i < ssz / 4 - 1; i++) {
      const s = u32(b, at(d) + 4 * i);
      if (s >= 0xfffffffa) break;
      fatSectors.push(s);
    }
  }
  const perSector = ssz / 4;
  const next = (j: number): number => {
    const fat = fatSectors[Math.floor(j / perSector)];
    if (fat === undefined || fat >= sectors) return -1;
    const v = u32(b, at(fat) + 4 * (j % perSector));
    return v < sectors ? v : -1;
  };
  // A chain is a walk along `next`; the FAT is a functional graph, so a loop anywhere is found
  // by colouring: 1 = on the walk in progress, 2 = known to end.
  const state = new Uint8Array(sectors);
  for (let s = 0; s < sectors; s++) {
    const walk: number[] = [];
    let j = s;
    while (j >= 0 && state[j] === 0) {
      state[j] = 1;
      walk.push(j);
      j = next(j);
    }
    if (j >= 0 && state[j] === 1) return `a damaged OLE2 (.xls) container: the sector chain through sector ${j} loops`;
    for (const w of walk) state[w] = 2;
  }
  return undefined;
}

/**
 * A large file's sha256 and what the preflight finds of it (why it is refused, if it is), in one
 * read. One buffer, read into again and again: a read stream's fresh buffer per chunk would pile
 * up gigabytes of garbage faster than a thread collects it.
 */
export async function hashAndPreflightFile(file: string): Promise<{ sha256: string; refusal?: string }> {
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  const hash = createHash('sha256');
  const scan = new Preflight();
  let refusal: string | undefined;
  const fh = await open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      // The preflight holds on to the first chunks until it has seen the head: give it a copy of those.
      refusal ??= scan.push(scan.detectedKind === undefined ? Buffer.from(chunk) : chunk);
    }
  } finally {
    await fh.close();
  }
  refusal ??= scan.end();
  return { sha256: hash.digest('hex'), ...(refusal ? { refusal } : {}) };
}

/** The sha256 of a file, streamed: the manifest names a refused file by its hash too. */
export async function hashFile(file: string, chunkBytes = DEFAULT_PREFLIGHT_LIMITS.chunkBytes): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}
