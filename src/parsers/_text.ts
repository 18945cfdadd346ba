import { DateTime } from 'luxon';
import { TextDecoder } from 'node:util';
import type { Encoding } from './types.js';

/**
 * Text helpers shared by the parsers: encoding detection, decoding, line splitting,
 * quote-aware CSV field splitting, and time parsing in the contract's zone.
 */

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** DESIGN.md section 3: a UTF-8 BOM or valid UTF-8 means UTF-8, otherwise GB18030 (a superset of GBK). */
export function detectEncoding(bytes: Uint8Array): Encoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (looksBinary(bytes)) return 'binary';
  // A sample may end inside a multi-byte character: trim up to 3 trailing bytes of a partial sequence.
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = bytes[end - back] ?? 0;
    if ((b & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((b & 0x80) === 0) break;
  }
  try {
    utf8Strict.decode(bytes.subarray(0, end));
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

/** NUL bytes or many control characters in the first kilobytes mean this is not a text file. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0) return true;
    if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  }
  return n > 0 && control / n > 0.05;
}

const decoders = new Map<string, TextDecoder>();

/**
 * Decodes bytes. TextDecoder('gb18030') is used for GBK: DESIGN.md section 11 measured it twice as
 * fast as iconv-lite, and the `gbk` label would miss four-byte GB18030 sequences.
 */
export function decode(bytes: Uint8Array, encoding: Encoding): string {
  const label = encoding === 'binary' ? 'latin1' : encoding;
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  const text = d.decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Splits text into lines without their terminators (CRLF, LF or CR); a final empty line is dropped. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Splits one CSV line into fields, honouring double quotes (RFC 4180 within a line).
 * Settlement exports put one record on one line; parsing line by line is what lets every reject
 * name its exact line and carry its raw text. Returns null for an unterminated quote.
 */
export function splitCsvLine(line: string, delimiter = ','): string[] | null {
  if (!line.includes('"')) return line.split(delimiter);
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
      i++;
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    field += c;
    i++;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

/** Guesses the delimiter of a header line: the most frequent of comma, TAB, semicolon and pipe. */
export function guessDelimiter(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    const count = line.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Trims a cell as exports write them: padding, a WeChat backtick, a trailing Alipay TAB, `="…"` Excel guards. */
export function cleanCell(cell: string): string {
  // Most cells of a large export are plain printable ASCII at both ends with no backtick or `=`
  // guard: nothing to trim or strip, and no substrings to make.
  const first = cell.charCodeAt(0);
  const last = cell.charCodeAt(cell.length - 1);
  if (first > 0x20 && first < 0x7f && first !== 0x60 && first !== 0x3d && last > 0x20 && last < 0x7f) {
    return cell === '-' || cell === '--' ? '' : cell;
  }
  let s = cell.trim();
  if (s.startsWith('`')) s = s.slice(1);
  if (s.startsWith('="') && s.endsWith('"')) s = s.slice(2, -1);
  s = s.trim();
  return s === '-' || s === '--' ? '' : s;
}

/**
 * Parses a local date-time as exports write it (`2026-11-20 10:11:12`, `2026/11/20 10:11`,
 * `20261120101112`, `20261120 101112`) in the given zone, and returns ISO 8601 with offset.
 */
export function parseLocalDateTime(text: string, zone: string): string | null {
  const fast = isoDashed(text);
  if (fast !== undefined) return withOffset(fast, zone);
  const s = text.trim();
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m) m = /^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0'] = m;
  return withOffset({ year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi, second: +sec }, zone);
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`, the shape of nearly every row of a large export, read
 * from character codes: a regular expression and its substrings per row cost more than the rest
 * of the time parsing. Anything else gives `undefined` and takes the general path.
 */
function isoDashed(s: string): LocalTime | undefined {
  const n = s.length;
  if (n !== 10 && n !== 19) return undefined;
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d) return undefined;
  const num = (at: number, width: number): number => {
    let v = 0;
    for (let i = at; i < at + width; i++) {
      const c = s.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) return -1;
      v = v * 10 + c;
    }
    return v;
  };
  const year = num(0, 4);
  const month = num(5, 2);
  const day = num(8, 2);
  if (year < 0 || month < 0 || day < 0) return undefined;
  if (n === 10) return { year, month, day, hour: 0, minute: 0, second: 0 };
  if (s.charCodeAt(10) !== 0x20 || s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) return undefined;
  const hour = num(11, 2);
  const minute = num(14, 2);
  const second = num(17, 2);
  if (hour < 0 || minute < 0 || second < 0) return undefined;
  return { year, month, day, hour, minute, second };
}

/** The local time as ISO 8601 with the zone's offset, exactly as Luxon gives it. */
function withOffset(t: LocalTime, zone: string): string | null {
  const { year, month, day, hour, minute, second } = t;
  const slow = () => {
    const dt = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone });
    return dt.isValid ? dt.toISO({ suppressMilliseconds: true }) : null;
  };
  // Asking Luxon for an IANA zone's offset costs ~15 µs (Intl.DateTimeFormat) and a monthly file
  // has millions of rows: the offset is cached per zone and quarter hour of local time (zone
  // transitions fall on a quarter hour). A quarter hour that a transition skips, and odd times
  // like 24:00, take Luxon's own path, so the result is always exactly Luxon's.
  if (hour > 23 || minute > 59 || second > 59) return slow();
  const quarter = minute - (minute % 15);
  // A number, not a string, keys the cache: building a key string per row was a measurable cost.
  const key = (((year * 100 + month) * 100 + day) * 24 + hour) * 4 + quarter / 15;
  let cache = offsetCache.get(zone);
  if (!cache) offsetCache.set(zone, (cache = new Map()));
  let suffix = cache.get(key);
  if (suffix === undefined) {
    const dt = DateTime.fromObject({ year, month, day, hour, minute: quarter, second: 0 }, { zone });
    suffix = !dt.isValid ? null : dt.hour !== hour || dt.minute !== quarter ? SLOW : (dt.toISO({ suppressMilliseconds: true })?.slice(19) ?? null);
    if (cache.size > 100_000) cache.clear();
    cache.set(key, suffix);
  }
  if (suffix === null) return null;
  if (suffix === SLOW) return slow();
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}${suffix}`;
}

const SLOW = 'slow';
const offsetCache = new Map<string, Map<number, string | null>>();
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, '0');

/** The calendar date (`YYYY-MM-DD`) of an ISO time in the given zone. */
export function localDate(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISODate() ?? iso.slice(0, 10);
}

/** Keeps the first 6 and last 4 digits of a card number at most (PCI DSS); shorter or masked values pass through masked. */
export function maskCard(card: string): string {
  const digits = card.replace(/[\s-]/g, '');
  if (/^\d{13,19}$/.test(digits)) return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
  return digits;
}

export function lastFour(card: string | undefined): string | undefined {
  if (!card) return undefined;
  const m = /(\d{4})$/.exec(card);
  return m?.[1];
}

/**
 * `table[key]` for a key read from a file, or undefined when the table does not itself hold it:
 * a cell reading `toString` or `constructor` must not find Object.prototype's function.
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
