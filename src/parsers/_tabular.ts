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
  readonly rows: TabularRow[];
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
  const lines = splitLines(decode(bytes, encoding));
  const numbers = originalLines.get(bytes);
  const wanted = new Set(explicitHeaders.map(normaliseHeader));
  let headerIndex = -1;
  let delimiter = ',';
  for (let i = 0; i < Math.min(lines.length, 40); i++) {
    const line = lines[i] ?? '';
    const d = guessDelimiter(line);
    const cells = (splitCsvLine(line, d) ?? []).map(cleanCell);
    const explicitHits = wanted.size === 0 ? 0 : cells.filter((c) => wanted.has(normaliseHeader(c))).length;
    if (headerScore(cells) >= minHeaderScore || (wanted.size > 0 && explicitHits === wanted.size)) {
      headerIndex = i;
      delimiter = d;
      break;
    }
  }
  if (headerIndex < 0) return { headerLine: 0, lines };
  const headers = (splitCsvLine(lines[headerIndex] ?? '', delimiter) ?? []).map(cleanCell);
  const rows: TabularRow[] = [];
  const broken: TabularFile['broken'] = [];
  const footer: TabularFile['footer'] = [];
  let blank = 0;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = numbers?.[i] ?? i + 1;
    if (raw.trim() === '' || /^[,\t;|\s]*$/.test(raw)) {
      blank++;
      continue;
    }
    const split = splitCsvLine(raw, delimiter);
    if (isFooterLine(raw)) {
      footer.push({ line, raw, cells: (split ?? [raw]).map(cleanCell) });
      continue;
    }
    if (split === null) {
      broken.push({ line, raw, reason: 'unterminated quote' });
      continue;
    }
    // Trailing empty cells are common (a trailing delimiter); fewer cells than the header is a cut row.
    while (split.length > headers.length && (split[split.length - 1] ?? '').trim() === '') split.pop();
    if (split.length !== headers.length) {
      broken.push({
        line,
        raw,
        reason: `expected ${headers.length} cells, got ${split.length} (row cut short or misaligned)`,
      });
      continue;
    }
    rows.push({ line, raw, cells: split.map(cleanCell) });
  }
  return {
    headerLine: headerIndex + 1,
    headers,
    delimiter,
    preamble: lines.slice(0, headerIndex),
    rows,
    broken,
    footer,
    lineCount: lines.length,
    blank,
  };
}
