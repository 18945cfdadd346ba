import { cleanCell, decode, guessDelimiter, splitCsvLine, splitLines } from './_text.js';
import { headerScore, normaliseHeader } from './_headers.js';
import type { Encoding, ParserInput } from './types.js';

/** A data row of a delimited file, with its physical line number and raw text for rejects. */
export interface TabularRow {
  readonly line: number;
  readonly raw: string;
  readonly cells: string[];
}

export interface TabularFile {
  readonly headerLine: number;
  readonly headers: string[];
  readonly delimiter: string;
  /** Lines before the header: preamble text that may name an account or a period. */
  readonly preamble: string[];
  /**
   * The data rows, produced as they are read and iterable once: a monthly file has millions, and
   * rows that live only while they are parsed cost far less memory and garbage collection than an
   * array of all of them. `broken`, `footer`, `lineCount` and `blank` are complete once the rows
   * have been iterated to the end.
   */
  readonly rows: Iterable<TabularRow>;
  /** Rows that could not be split (unterminated quote) or have the wrong number of cells. */
  readonly broken: { line: number; raw: string; reason: string }[];
  /** Summary/footer lines (合计, 总计, `#` comments) with their line numbers. */
  readonly footer: { line: number; raw: string; cells: string[] }[];
  readonly lineCount: number;
  /** Blank lines, counted for row accounting. */
  readonly blank: number;
}

const FOOTER = /^\s*[#＃]|^\s*"?(合计|总计|汇总|小计|总笔数|共\s*\d+\s*笔|交易总|收入合计|支出合计)/;

/**
 * Whether a (non-blank) line is a summary/footer line (合计, 总计, `#` comments) rather than a data
 * row. Exported for the bulk partitioner, which must treat footers as readTabular does.
 */
export const isFooterLine = (raw: string): boolean => FOOTER.test(raw.replace(/^`/, ''));

/**
 * Original line numbers of byte buffers that hold selected lines of a larger file. Tabular parsers
 * hand readTabular `input.bytes` alone, so `numberLines` registers `input.lineNumbers` here
 * instead of every parser passing it on; a WeakMap, so nothing outlives the bytes.
 */
const originalLines = new WeakMap<Uint8Array, Uint32Array>();

/** Makes `input.lineNumbers` (when given) the line numbers readTabular reports for `input.bytes`. */
export function numberLines<I extends ParserInput>(input: I): I {
  if (input.lineNumbers) originalLines.set(input.bytes, input.lineNumbers);
  return input;
}

/**
 * Reads a delimited export: finds the header below any preamble (the first line within the first
 * 40 whose cells are mostly known header names), then splits every later line. Nothing is dropped:
 * each line is a row, a footer, a blank, or broken.
 */
export function readTabular(
  bytes: Uint8Array,
  encoding: Encoding,
  explicitHeaders: readonly string[] = [],
  minHeaderScore = 3,
): TabularFile | { headerLine: 0; lines: string[] } {
  const text = decode(bytes, encoding);
  const numbers = originalLines.get(bytes);
  const reader = new LineReader(text);
  const head: string[] = [];
  // The header is looked for in the first 40 lines; the rest is read row by row.
  while (head.length < 40) {
    const line = reader.next();
    if (line === undefined) break;
    head.push(line);
  }
  const wanted = new Set(explicitHeaders.map(normaliseHeader));
  let headerIndex = -1;
  let delimiter = ',';
  for (let i = 0; i < head.length; i++) {
    const line = head[i] ?? '';
    const d = guessDelimiter(line);
    const cells = (splitCsvLine(line, d) ?? []).map(cleanCell);
    const explicitHits = wanted.size === 0 ? 0 : cells.filter((c) => wanted.has(normaliseHeader(c))).length;
    if (headerScore(cells) >= minHeaderScore || (wanted.size > 0 && explicitHits === wanted.size)) {
      headerIndex = i;
      delimiter = d;
      break;
    }
  }
  if (headerIndex < 0) return { headerLine: 0, lines: splitLines(text) };
  const headers = (splitCsvLine(head[headerIndex] ?? '', delimiter) ?? []).map(cleanCell);
  const file = {
    headerLine: headerIndex + 1,
    headers,
    delimiter,
    preamble: head.slice(0, headerIndex),
    rows: [] as Iterable<TabularRow>,
    broken: [] as TabularFile['broken'],
    footer: [] as TabularFile['footer'],
    lineCount: 0,
    blank: 0,
  };
  let iterated = false;
  file.rows = {
    *[Symbol.iterator]() {
      if (iterated) throw new Error('readTabular: the rows of a table can be iterated only once');
      iterated = true;
      // The head lines after the header first, then the rest of the text as it is read.
      let i = headerIndex + 1;
      for (; i < head.length; i++) {
        const row = classify(head[i]!, numbers?.[i] ?? i + 1);
        if (row) yield row;
      }
      for (let raw = reader.next(); raw !== undefined; raw = reader.next(), i++) {
        const row = classify(raw, numbers?.[i] ?? i + 1);
        if (row) yield row;
      }
      file.lineCount = i;
    },
  };
  /** A data row, or undefined when the line is blank, a footer or broken (and counted as such). */
  function classify(raw: string, line: number): TabularRow | undefined {
    if (isBlank(raw)) {
      file.blank++;
      return undefined;
    }
    const split = splitCsvLine(raw, delimiter);
    if (mayBeFooter(raw) && isFooterLine(raw)) {
      file.footer.push({ line, raw, cells: (split ?? [raw]).map(cleanCell) });
      return undefined;
    }
    if (split === null) {
      file.broken.push({ line, raw, reason: 'unterminated quote' });
      return undefined;
    }
    // Trailing empty cells are common (a trailing delimiter); fewer cells than the header is a cut row.
    while (split.length > headers.length && (split[split.length - 1] ?? '').trim() === '') split.pop();
    if (split.length !== headers.length) {
      file.broken.push({
        line,
        raw,
        reason: `expected ${headers.length} cells, got ${split.length} (row cut short or misaligned)`,
      });
      return undefined;
    }
    for (let c = 0; c < split.length; c++) split[c] = cleanCell(split[c]!);
    return { line, raw, cells: split };
  }
  return file;
}

/** Lines of a text one at a time, split as splitLines splits them (CRLF, LF or CR; no final empty line). */
class LineReader {
  private at = 0;
  /**
   * Whether a CR ends a line on its own somewhere. Most files are LF or CRLF throughout: for them
   * a search for LF (dropping a CR before it) is much faster than the regular expression.
   */
  private readonly loneCr: boolean;
  private readonly terminator = /\r\n|\n|\r/g;

  constructor(private readonly text: string) {
    this.loneCr = /\r(?!\n)/.test(text);
  }

  next(): string | undefined {
    const { text, at } = this;
    if (at >= text.length) return undefined;
    if (!this.loneCr) {
      const end = text.indexOf('\n', at);
      if (end < 0) {
        this.at = text.length;
        return text.slice(at);
      }
      this.at = end + 1;
      return text.slice(at, text.charCodeAt(end - 1) === 0x0d && end > at ? end - 1 : end);
    }
    this.terminator.lastIndex = at;
    const m = this.terminator.exec(text);
    if (!m) {
      this.at = text.length;
      return text.slice(at);
    }
    this.at = m.index + m[0].length;
    return text.slice(at, m.index);
  }
}

/** A line of only spaces and delimiters. */
function isBlank(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    // Printable ASCII but the delimiters makes the line not blank; anything else not plain ASCII
    // whitespace is decided by the full test (Unicode spaces count as blank, controls do not).
    if (c > 0x20 && c < 0x7f && c !== 0x2c && c !== 0x3b && c !== 0x7c) return false;
    if (c >= 0x7f || (c < 0x20 && (c < 0x09 || c > 0x0d))) return raw.trim() === '' || /^[,\t;|\s]*$/.test(raw);
  }
  return true;
}

/**
 * Whether a line could be a footer: FOOTER anchors at the start, after optional spaces, a quote
 * or a backtick, so a line opening with a letter or a digit (nearly every data row) cannot be one.
 */
function mayBeFooter(raw: string): boolean {
  const c = raw.charCodeAt(0);
  return !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
}
