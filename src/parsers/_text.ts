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
  const s = text.trim();
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m) m = /^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0'] = m;
  const hour = +h;
  const minute = +mi;
  const second = +sec;
  const slow = () => {
    const dt = DateTime.fromObject({ year: +y!, month: +mo!, day: +d!, hour, minute, second }, { zone });
    return dt.isValid ? dt.toISO({ suppressMilliseconds: true }) : null;
  };
  // Asking Luxon for an IANA zone's offset costs ~15 µs (Intl.DateTimeFormat) and a monthly file
  // has millions of rows: the offset is cached per zone and quarter hour of local time (zone
  // transitions fall on a quarter hour). A quarter hour that a transition skips, and odd times
  // like 24:00, take Luxon's own path, so the result is always exactly Luxon's.
  if (hour > 23 || minute > 59 || second > 59) return slow();
  const date = `${y}-${mo!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  const quarter = minute - (minute % 15);
  const key = `${zone}|${date}|${hour}|${quarter}`;
  let suffix = offsetCache.get(key);
  if (suffix === undefined) {
    const dt = DateTime.fromObject({ year: +y!, month: +mo!, day: +d!, hour, minute: quarter, second: 0 }, { zone });
    suffix = !dt.isValid ? null : dt.hour !== hour || dt.minute !== quarter ? SLOW : (dt.toISO({ suppressMilliseconds: true })?.slice(19) ?? null);
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(key, suffix);
  }
  if (suffix === null) return null;
  if (suffix === SLOW) return slow();
  return `${date}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}${suffix}`;
}

const SLOW = 'slow';
const offsetCache = new Map<string, string | null>();
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

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
