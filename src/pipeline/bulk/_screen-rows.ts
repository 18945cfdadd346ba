import type { CanonicalField } from '../../parsers/_headers.js';
import { cleanCell, parseLocalDateTime } from '../../parsers/_text.js';
import type { Encoding } from '../../parsers/types.js';
import { decodeLine, sameBytes } from './_lines.js';
import { BACKTICK, COLON, DASH, DOT, EQUALS, PIPE, QUOTE, SPACE } from './_bytes.js';
import type { LineMemory } from './_simd.js';

/**
 * The screen's reading of one line of a header-mapped export (acquirer-csv, pos-journal) straight
 * from its bytes: the cells the screen needs, as numbers and shared strings, without decoding the
 * line or making a record. A line is read only when the format's parser would read every one of
 * these cells to the same value: one line per record, no quote, every cell clean as cleanCell
 * leaves it, amounts, dates and times in their plain shapes. Any other line gives false, and its
 * merchant goes to the parser (screen.ts).
 *
 * Why the bytes can be cut at the delimiter: in UTF-8, and in GBK/GB18030 for a comma, TAB or
 * semicolon, the delimiter's byte never occurs inside a character, so the cells of the bytes are
 * the cells of the decoded line. A pipe (0x7C) can be the second byte of a GBK character: such
 * files are not screened.
 */


/** The columns the screen reads, by canonical field: the format's header map. */
export type ColumnMap = Partial<Record<CanonicalField, number>>;

/** A cell as the parser reads it: its text after cleanCell, `undefined` when that is empty. */
type CellText = string | undefined;

/**
 * The values of a column with few distinct cells (merchant, name, type, card kind, status…), each
 * worked out once from the cell's text as the parser sees it: the last few cells are compared
 * byte for byte, the rest looked up by their bytes.
 */
export class CellValues<V> {
  private readonly recent: { bytes: Buffer; value: V }[] = [];
  private readonly byBytes = new Map<string, V>();
  /** The values of the cells the line memory numbered in this table (`table`), by number; NOT_YET where not yet worked out. */
  private readonly byNumber: unknown[] = [];
  private epoch = -1;
  private tableNumber = -1;

  constructor(
    private readonly encoding: Encoding,
    private readonly valueOf: (text: CellText) => V,
  ) {}

  get(buf: Buffer, start: number, end: number): V {
    const length = end - start;
    for (const r of this.recent) {
      if (r.bytes.length === length && sameBytes(r.bytes, buf, start)) return r.value;
    }
    const key = buf.toString('latin1', start, end);
    let value = this.byBytes.get(key);
    if (value === undefined && !this.byBytes.has(key)) {
      const text = cleanCell(decodeLine(buf.subarray(start, end), this.encoding));
      // A byte sequence the decoder could not read: the parser keeps a U+FFFD, the screen does not guess.
      value = this.valueOf(text.includes('\uFFFD') ? INVALID : text === '' ? undefined : text);
      this.byBytes.set(key, value);
    }
    if (this.recent.length >= 4) this.recent.pop();
    this.recent.unshift({ bytes: Buffer.from(buf.subarray(start, end)), value: value as V });
    return value as V;
  }

  /**
   * The table the line memory numbers this column's cells in (LineMemory.readLine), made anew
   * after the memory forgot its tables: the numbers of an earlier epoch are forgotten here too.
   */
  table(memory: LineMemory): number {
    if (this.epoch !== memory.epoch) {
      this.epoch = memory.epoch;
      this.tableNumber = memory.newTable();
      this.byNumber.length = 0;
    }
    return this.tableNumber;
  }

  /**
   * The value of the cell at start..end, which the line memory numbered `n` in this table (-1: it
   * did not number it). Each number's value is worked out by `get` once.
   */
  numbered(n: number, buf: Buffer, start: number, end: number): V {
    const byNumber = this.byNumber;
    if (n >= 0 && n < byNumber.length) {
      const value = byNumber[n];
      if (value !== NOT_YET) return value as V;
    }
    const value = this.get(buf, start, end);
    if (n >= 0) {
      while (byNumber.length <= n) byNumber.push(NOT_YET);
      byNumber[n] = value;
    }
    return value;
  }
}

/** A numbered cell's value not yet worked out (CellValues.numbered). */
const NOT_YET = Symbol('not yet');

/** What CellValues hands valueOf for a cell the decoder could not read: no valid text is this. */
export const INVALID = '\uFFFD';

/** Whether this machine stores a word's bytes lowest first, as cutLine's word reads assume. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The 32-bit words of the memory `buf` lies in, for cutLine to read a line four bytes at a time:
 * word `w` holds bytes 4w to 4w + 3 of `buf.buffer`. Null on a machine that stores words highest
 * byte first (cutLine then reads byte by byte). Made once per chunk, not per line.
 */
export function wordsOf(buf: Buffer): Int32Array | null {
  return LITTLE_ENDIAN ? new Int32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2) : null;
}

/** A quote in each byte of a word: where `word ^ QUOTES` has a 0 byte, the word has a quote. */
const QUOTES = 0x22222222;

/**
 * The bytes of `x` that are 0, as a mask with the top bit of each such byte set. Exact (no byte
 * is taken for another): `(b & 0x7f) + 0x7f` sets the top bit of every byte but 0 and carries
 * nothing into the next byte.
 */
function zeroBytes(x: number): number {
  return ~((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | 0) | x | 0x7f7f7f7f);
}

/**
 * The cell boundaries of a line, `cells` of them, into `bounds` (start, end pairs); false when the
 * line has another number of cells or a quote, or opens with anything but a letter or a digit (a
 * footer, a blank or a padded line: the parser's own rules decide those). The line holds no CR:
 * stage 1 ends a line at any CR, as the parser's line reader does (_lines.ts, LineWalker).
 *
 * `words` is wordsOf(buf). Why four bytes at a time: cutting was a third of the screen's time
 * read byte by byte (0.25 µs a line of 158 bytes; 0.16 µs so). A word is tested for a quote and
 * for the delimiter at once, and only the delimiters found are visited, lowest byte first.
 */
export function cutLine(buf: Buffer, words: Int32Array | null, start: number, end: number, delimiter: number, cells: number, bounds: Int32Array): boolean {
  if (end <= start) return false;
  const first = buf[start]!;
  if (!((first >= 0x30 && first <= 0x39) || (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return false;
  const base = buf.byteOffset;
  const from = base + start;
  const to = base + end;
  // The words that hold the line's bytes: the first and last hold other bytes too, left out by `valid`.
  const lastWord = (to + 3) >>> 2;
  if (words === null || lastWord > words.length) return cutBytes(buf, start, end, delimiter, cells, bounds);
  const delimiters = Math.imul(delimiter, 0x01010101);
  const last = cells - 1;
  let cell = 0;
  let cellStart = start;
  for (let w = from >>> 2; w < lastWord; w++) {
    const at = w * 4;
    let valid = 0x80808080;
    if (at < from) valid &= -1 << ((from - at) * 8);
    if (at + 4 > to) valid &= (1 << ((to - at) * 8)) - 1;
    const word = words[w]!;
    if ((zeroBytes(word ^ QUOTES) & valid) !== 0) return false;
    for (let found = zeroBytes(word ^ delimiters) & valid; found !== 0; found ^= found & -found) {
      const i = at - base + ((31 - Math.clz32(found & -found)) >>> 3);
      if (cell >= last) return false;
      bounds[2 * cell] = cellStart;
      bounds[2 * cell + 1] = i;
      cell++;
      cellStart = i + 1;
    }
  }
  if (cell !== last) return false;
  bounds[2 * cell] = cellStart;
  bounds[2 * cell + 1] = end;
  return true;
}

/** cutLine byte by byte, for a line whose words cutLine cannot read (the last bytes of memory not a whole word, or a big-endian machine). */
function cutBytes(buf: Buffer, start: number, end: number, delimiter: number, cells: number, bounds: Int32Array): boolean {
  let cell = 0;
  let cellStart = start;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === delimiter) {
      if (cell >= cells - 1) return false;
      bounds[2 * cell] = cellStart;
      bounds[2 * cell + 1] = i;
      cell++;
      cellStart = i + 1;
    } else if (b === QUOTE) return false;
  }
  if (cell !== cells - 1) return false;
  bounds[2 * cell] = cellStart;
  bounds[2 * cell + 1] = end;
  return true;
}

/**
 * An amount in minor units as parseAmount reads a plain decimal (`digits[.d[d]]`, at most 15
 * digits, no sign, an exact integer of fen), or -1 for any other cell (an empty one included).
 */
export function plainAmount(buf: Buffer, start: number, end: number): number {
  let minor = 0;
  let digits = 0;
  let decimals = -1;
  for (let i = start; i < end; i++) {
    const c = buf[i]! - 0x30;
    if (c >= 0 && c <= 9) {
      minor = minor * 10 + c;
      digits++;
      if (decimals >= 0) decimals++;
    } else if (buf[i] === DOT && decimals < 0 && digits > 0) decimals = 0;
    else return -1;
  }
  if (digits === 0 || digits > 15 || decimals > 2) return -1;
  for (let d = decimals < 0 ? 0 : decimals; d < 2; d++) minor *= 10;
  return minor > Number.MAX_SAFE_INTEGER ? -1 : minor;
}

/**
 * A key that tells key cells (references, batch and trace numbers) apart exactly as their texts
 * would: up to 14 digits as a number that keeps the length (so `012` is not `12`), other plain
 * ASCII as its text. Plain ASCII is what cleanCell leaves as it is: printable ASCII, no space, not
 * opening with a backtick or `=`, and not `-` or `--` (which it empties). `undefined` for a cell
 * that is empty, not plain ASCII, or holds a `|` (the duplicate matcher joins keys with it).
 */
export function keyOf(buf: Buffer, start: number, end: number): number | string | undefined {
  const length = end - start;
  if (length <= 0) return undefined;
  // plainAscii, the digits' value and the search for a `|` in one pass: three keys a line.
  const first = buf[start]!;
  if (first === BACKTICK || first === EQUALS) return undefined;
  let value = 0;
  let digits = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b <= SPACE || b >= 0x7f) return undefined;
    if (digits && b >= 0x30 && b <= 0x39) value = value * 10 + (b - 0x30);
    else {
      digits = false;
      if (b === PIPE) return undefined;
    }
  }
  if (first === DASH && (length === 1 || (length === 2 && buf[start + 1] === DASH))) return undefined;
  if (digits && length <= 14) return length * 1e14 + value;
  return buf.toString('latin1', start, end);
}

const UNKNOWN = 0;
const KEPT = 1;
const MOVED = 2;

/**
 * One key for a (batch, trace) pair, from their keys ({@link keyOf}): a number when both are
 * numbers of up to 7 digits (the usual 6-digit batch and trace numbers), their texts joined
 * otherwise. Distinct pairs keep distinct keys.
 */
export function pairKey(batch: number | string, trace: number | string): number | string {
  if (typeof batch === 'number' && typeof trace === 'number' && batch < 8e14 && trace < 8e14) {
    // length × 1e14 + value, with length ≤ 7: below 8e7 once divided back to length × 1e7 + value.
    const b = Math.floor(batch / 1e14) * 1e7 + (batch % 1e14);
    const t = Math.floor(trace / 1e14) * 1e7 + (trace % 1e14);
    return b * 8e7 + t;
  }
  return `${textOfKey(batch)}|${textOfKey(trace)}`;
}

/** The cell text a key stands for: no `|` in it (keyOf), so two joined with one stay apart. */
function textOfKey(key: number | string): string {
  if (typeof key === 'string') return key;
  const length = Math.floor(key / 1e14);
  return String(key % 1e14).padStart(length, '0');
}

/** Two digits at `at`, or -1. */
function two(buf: Buffer, at: number): number {
  const a = buf[at]! - 0x30;
  const b = buf[at + 1]! - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The quarter hours LocalTimes asked the parser about, by time zone and date, kept by the thread
 * for the next LocalTimes of the zone: each stage-2 task makes its own, and a month's 3 000 quarter
 * hours asked again by each task of a 5 M-row month cost a worker a fifth of a second of luxon.
 * The answer for a zone and a local time never changes. Past QUARTER_DATES_KEPT dates (a
 * long-running schedule), a zone's start again.
 */
const QUARTERS = new Map<string, Map<string, Uint8Array>>();
const QUARTER_DATES_KEPT = 4096;

/**
 * Dates and times of one time zone as the parser reads them (parseLocalDateTime), for the plain
 * shapes `YYYY-MM-DD` and `HH:MM:SS`: each date, and each quarter hour of it, is asked of the
 * parser's own function once, and a time is read only where that answer keeps the local time as
 * written (no zone transition moves it), which is where the parser's answer for every second of
 * the quarter hour has the same date.
 */
export class LocalTimes {
  private readonly dates = new CellValues<string | null>('utf-8', (text) => this.dateOf(text));
  /** By date, each quarter hour of the day: UNKNOWN until asked, then KEPT or MOVED (QUARTERS). */
  private readonly quarters: Map<string, Uint8Array>;
  private lastDate: string | undefined;
  private lastQuarters: Uint8Array = new Uint8Array(96);

  constructor(private readonly zone: string) {
    let quarters = QUARTERS.get(zone);
    if (!quarters || quarters.size >= QUARTER_DATES_KEPT) QUARTERS.set(zone, (quarters = new Map()));
    this.quarters = quarters;
  }

  /** The date of a `YYYY-MM-DD` cell, null for any other cell or a date the zone does not have. */
  date(buf: Buffer, start: number, end: number): string | null {
    if (end - start !== 10 || buf[start + 4] !== DASH || buf[start + 7] !== DASH) return null;
    return this.dates.get(buf, start, end);
  }

  /**
   * date() of a cell the line memory read as DATE (or the date of a DATE_TIME cell, its first ten
   * bytes at start..end): `n` its number, -1 for a date-shaped cell not numbered, -2 for another shape.
   */
  numberedDate(n: number, buf: Buffer, start: number, end: number): string | null {
    return n === -2 ? null : this.dates.numbered(n, buf, start, end);
  }

  /** Whether `HH:MM:SS` at start..end is a time the parser reads on `date` as written. */
  time(date: string, buf: Buffer, start: number, end: number): boolean {
    if (end - start !== 8 || buf[start + 2] !== COLON || buf[start + 5] !== COLON) return false;
    const hour = two(buf, start);
    const minute = two(buf, start + 3);
    const second = two(buf, start + 6);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
    return this.kept(date, hour * 60 + minute);
  }

  /**
   * Whether the time `minutes` into the day (of a valid `HH:MM:SS`) is one the parser reads on
   * `date` as written.
   */
  kept(date: string, minutes: number): boolean {
    const hour = (minutes / 60) | 0;
    const minute = minutes - hour * 60;
    // The lines of a merchant come day after day: the day's quarters are looked up when it changes.
    let quarters: Uint8Array | undefined = this.lastQuarters;
    if (date !== this.lastDate) {
      quarters = this.quarters.get(date);
      if (!quarters) this.quarters.set(date, (quarters = new Uint8Array(96)));
      this.lastDate = date;
      this.lastQuarters = quarters;
    }
    const q = hour * 4 + ((minute / 15) | 0);
    if (quarters[q] === UNKNOWN) {
      const local = `${date}T${String(hour).padStart(2, '0')}:${String(minute - (minute % 15)).padStart(2, '0')}`;
      quarters[q] = parseLocalDateTime(`${local.replace('T', ' ')}:00`, this.zone)?.startsWith(local) === true ? KEPT : MOVED;
    }
    return quarters[q] === KEPT;
  }

  /** Whether `YYYY-MM-DD HH:MM:SS` (one cell) is such a time; its date, or null. */
  dateTime(buf: Buffer, start: number, end: number): string | null {
    if (end - start !== 19 || buf[start + 10] !== SPACE) return null;
    const date = this.date(buf, start, start + 10);
    return date !== null && this.time(date, buf, start + 11, end) ? date : null;
  }

  /** The table of date cells in the line memory, for the line memory's DATE and DATE_TIME ops. */
  dateTable(memory: LineMemory): number {
    return this.dates.table(memory);
  }

  private dateOf(text: CellText): string | null {
    if (text === undefined || text.length !== 10) return null;
    for (let i = 0; i < 10; i++) {
      const c = text.charCodeAt(i);
      if (i === 4 || i === 7 ? c !== DASH : c < 0x30 || c > 0x39) return null;
    }
    // The parser's own answer: null for a day the month does not have.
    return parseLocalDateTime(text, this.zone) === null ? null : text;
  }
}
