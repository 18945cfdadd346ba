import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
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

/** The preflight of bytes already in memory (an archive's entry). Same verdicts as `preflightFile`. */
export function preflightBytes(file: string, bytes: Uint8Array, limits: PreflightLimits = DEFAULT_PREFLIGHT_LIMITS): PreflightKind {
  const scan = new Preflight(limits);
  let refusal: string | undefined;
  for (let at = 0; at < bytes.length && !refusal; at += limits.chunkBytes) {
    refusal = scan.push(bytes.subarray(at, at + limits.chunkBytes));
    if (scan.detectedKind === 'container' || scan.detectedKind === 'xml') break;
  }
  refusal ??= scan.end();
  if (refusal) throw refuse(file, refusal, bytes.length);
  return scan.detectedKind ?? 'text';
}

/** The sha256 of a file, streamed: the manifest names a refused file by its hash too. */
export async function hashFile(file: string, chunkBytes = DEFAULT_PREFLIGHT_LIMITS.chunkBytes): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}
