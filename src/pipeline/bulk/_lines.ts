import { TextDecoder } from 'node:util';
import { isFooterLine } from '../../parsers/_tabular.js';
import { cleanCell, splitCsvLine } from '../../parsers/_text.js';
import type { Encoding } from '../../parsers/types.js';
import { BACKTICK, CR, DASH, HASH, LF, QUOTE } from './_bytes.js';

/**
 * Byte-level line work for the bulk path: finding line ends, a line's merchant-id cell and footer
 * lines without decoding the file.
 *
 * Why this is safe on GBK: every byte of a multi-byte GBK/GB18030 character is ≥ 0x81 (lead) or
 * ≥ 0x40 / 0x30–0x39 (trail), so LF, CR, `"`, `,`, TAB, `;` and `|` never occur inside a character
 * (DESIGN.md section 3); the same holds for UTF-8, whose continuation bytes are ≥ 0x80. A
 * decoder also never swallows an ASCII byte after an invalid sequence (WHATWG Encoding: the byte
 * is prepended back to the stream), so lines found on bytes are the lines readTabular finds on text.
 */

const NONE = Number.MAX_SAFE_INTEGER;

/** One physical line of a buffer: content [start, end), the terminator excluded. */
export interface LineSpan {
  start: number;
  end: number;
  /** Where the next line starts. */
  next: number;
}

/**
 * Walks the lines of a buffer as splitLines does (CRLF, LF or a lone CR end a line). It caches the
 * next CR and quote positions, so a file without them costs one memchr for each, not one per line.
 */
export class LineWalker {
  private nextCr = -1;
  private nextQuote = -1;
  private view: Buffer;

  constructor(buf: Buffer, private readonly limit: number) {
    this.view = buf.subarray(0, limit);
  }

  /**
   * The line starting at `pos`, or null when the rest has no terminator (a partial line to carry
   * over, or the last line of a file without a final newline). `atEnd`: `limit` is the end of the
   * data, so a CR in the last byte ends a line rather than possibly starting a CRLF.
   */
  line(pos: number, atEnd: boolean): LineSpan | null {
    const view = this.view;
    const lf = view.indexOf(LF, pos);
    if (this.nextCr !== NONE && this.nextCr < pos) {
      const cr = view.indexOf(CR, pos);
      this.nextCr = cr < 0 ? NONE : cr;
    }
    const lfAt = lf < 0 ? NONE : lf;
    if (this.nextCr < lfAt) {
      const cr = this.nextCr;
      if (cr + 1 < this.limit) return { start: pos, end: cr, next: view[cr + 1] === LF ? cr + 2 : cr + 1 };
      return atEnd ? { start: pos, end: cr, next: cr + 1 } : null;
    }
    if (lfAt !== NONE) return { start: pos, end: lfAt, next: lfAt + 1 };
    return null;
  }

  /** Whether [start, end) holds a double quote. */
  hasQuote(start: number, end: number): boolean {
    if (this.nextQuote !== NONE && this.nextQuote < start) {
      const q = this.view.indexOf(QUOTE, start);
      this.nextQuote = q < 0 ? NONE : q;
    }
    return this.nextQuote < end;
  }
}

/** How a bulk file's lines are keyed: found once from the file's head (see plan.ts). */
export interface KeyPlan {
  encoding: Encoding;
  /** The delimiter as a character and as its byte. */
  delimiter: string;
  /** The merchant-id cell's index. */
  merchantColumn: number;
}

const decoders = new Map<string, TextDecoder>();

/**
 * Decodes one line as the parser will see it inside a larger text: `ignoreBOM`, because a BOM
 * is only stripped at the start of a file, never of a later line.
 */
export function decodeLine(bytes: Uint8Array, encoding: Encoding): string {
  const label = encoding === 'binary' ? 'latin1' : encoding;
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label, { ignoreBOM: true });
    decoders.set(label, d);
  }
  return d.decode(bytes);
}

/**
 * The merchant-id cell of a line exactly as the tabular parsers read it:
 * `cleanCell(splitCsvLine(line, delimiter)[column])`, or '' when the line has no such cell.
 *
 * Fast path, for lines without a quote: the cell is the bytes between two delimiters, and when
 * those bytes are printable ASCII without a backtick, cleanCell would leave them as they are
 * (nothing to trim, no backtick, no `="…"` guard without a quote), except for `-` and `--`,
 * which it empties. Anything else is decoded and put through the parser's own helpers.
 */
export function merchantCell(buf: Buffer, span: LineSpan, quoted: boolean, plan: KeyPlan, delimiterByte: number): string {
  if (!quoted) {
    let cellStart = span.start;
    for (let c = 0; c < plan.merchantColumn; c++) {
      const d = buf.indexOf(delimiterByte, cellStart);
      if (d < 0 || d >= span.end) return '';
      cellStart = d + 1;
    }
    let cellEnd = buf.indexOf(delimiterByte, cellStart);
    if (cellEnd < 0 || cellEnd > span.end) cellEnd = span.end;
    let plain = true;
    for (let i = cellStart; i < cellEnd; i++) {
      const b = buf[i]!;
      if (b < 0x21 || b > 0x7e || b === BACKTICK) {
        plain = false;
        break;
      }
    }
    if (plain) {
      const cell = buf.toString('latin1', cellStart, cellEnd);
      return cell === '-' || cell === '--' ? '' : cell;
    }
    return cleanCell(decodeLine(buf.subarray(cellStart, cellEnd), plan.encoding));
  }
  const cells = splitCsvLine(decodeLine(buf.subarray(span.start, span.end), plan.encoding), plan.delimiter);
  return cleanCell(cells?.[plan.merchantColumn] ?? '');
}

/**
 * What the lines' merchant cells stand for (their bucket and merchant, in stage 1), looked up by
 * the cell's bytes: `valueOf(merchantCell(...))`, worked out once per distinct cell. A month has
 * millions of lines and a few thousand merchants, and making each line's cell a string to look it
 * up by text cost about 0.2 µs a line, a third of stage 1's time (measured on 5M lines).
 *
 * The bytes stand for the text only where merchantCell's fast path would read them as they are
 * (an unquoted line, a printable ASCII cell without a backtick, not `-` or `--`): any other cell
 * is read by merchantCell every time. Up to `capacity` distinct cells are kept; beyond, cells not
 * kept are read every time.
 */
export class MerchantCells<V> {
  /** Open addressing: entry index + 1 by hash slot, 0 for an empty slot. */
  private readonly slots: Int32Array;
  /**
   * The cells kept, their bytes one after another in `bytes`: entry i from `starts[i]`, `lengths[i]`
   * long. One block of memory rather than a Buffer each: a line's lookup then reads its entry's
   * bytes straight, not through an object per cell scattered over the heap (stage 1 looks up
   * every line of a month).
   */
  private bytes = new Uint8Array(16 * 1024);
  private used = 0;
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;
  private readonly values: V[] = [];

  constructor(
    private readonly plan: KeyPlan,
    private readonly valueOf: (cell: string) => V,
    private readonly capacity = 1 << 14,
  ) {
    this.slots = new Int32Array(2 * capacity);
    this.starts = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
  }

  get(buf: Buffer, span: LineSpan, quoted: boolean, delimiterByte: number): V {
    if (quoted) return this.valueOf(merchantCell(buf, span, quoted, this.plan, delimiterByte));
    // Byte loops, not Buffer#indexOf: its call costs more than scanning a short cell.
    const end = span.end;
    let cellStart = span.start;
    for (let c = 0; c < this.plan.merchantColumn; c++) {
      while (cellStart < end && buf[cellStart] !== delimiterByte) cellStart++;
      if (cellStart >= end) return this.valueOf('');
      cellStart++;
    }
    // FNV-1a over the bytes, checking on the way that merchantCell would take them as they are.
    let h = 0x811c9dc5;
    let cellEnd = cellStart;
    for (; cellEnd < end; cellEnd++) {
      const b = buf[cellEnd]!;
      if (b === delimiterByte) break;
      if (b < 0x21 || b > 0x7e || b === BACKTICK) return this.valueOf(merchantCell(buf, span, quoted, this.plan, delimiterByte));
      h = Math.imul(h ^ b, 0x01000193);
    }
    const length = cellEnd - cellStart;
    if (length === 0 || (buf[cellStart] === DASH && length <= 2)) return this.valueOf(merchantCell(buf, span, quoted, this.plan, delimiterByte));
    const mask = this.slots.length - 1;
    const bytes = this.bytes;
    let slot = h & mask;
    for (let entry = this.slots[slot]!; entry !== 0; entry = this.slots[slot]!) {
      if (this.lengths[entry - 1] === length) {
        const at = this.starts[entry - 1]!;
        let i = 0;
        while (i < length && bytes[at + i] === buf[cellStart + i]) i++;
        if (i === length) return this.values[entry - 1]!;
      }
      slot = (slot + 1) & mask;
    }
    const value = this.valueOf(buf.toString('latin1', cellStart, cellEnd));
    const n = this.values.length;
    if (n < this.capacity) {
      if (this.used + length > this.bytes.length) {
        const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.used + length));
        grown.set(this.bytes.subarray(0, this.used));
        this.bytes = grown;
      }
      this.bytes.set(buf.subarray(cellStart, cellEnd), this.used);
      this.starts[n] = this.used;
      this.lengths[n] = length;
      this.used += length;
      this.values.push(value);
      this.slots[slot] = n + 1;
    }
    return value;
  }
}

/** Whether `buf` holds the bytes of `cell` at `at` (the caller knows there are that many). */
export function sameBytes(cell: Buffer, buf: Buffer, at: number): boolean {
  const length = cell.length;
  for (let i = 0; i < length; i++) if (cell[i] !== buf[at + i]) return false;
  return true;
}

/**
 * Whether a line is a summary/footer line for readTabular (`isFooterLine`). Footer words are
 * Chinese and `#`/`＃`, so a line whose first non-blank byte is ASCII other than `#` (or a quote
 * followed by ASCII) cannot be one and is not decoded: the common case of a data row costs a few
 * byte reads. Blank lines never reach here as footers: readTabular tests blank first, and a footer
 * word is not blank.
 */
export function isFooter(buf: Buffer, span: LineSpan, encoding: Encoding): boolean {
  let i = span.start;
  if (buf[i] === BACKTICK) i++;
  while (i < span.end && (buf[i] === 0x20 || (buf[i]! >= 0x09 && buf[i]! <= 0x0d))) i++;
  if (i >= span.end) return false;
  const b = buf[i]!;
  const maybe = b >= 0x80 || b === HASH || (b === QUOTE && i + 1 < span.end && buf[i + 1]! >= 0x80);
  return maybe && isFooterLine(decodeLine(buf.subarray(span.start, span.end), encoding));
}

/** FNV-1a over a string's UTF-16 units: the bucket of a key the contract does not know (BulkContext.bucketOf), the same in every thread. */
export function hashBucket(key: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}
