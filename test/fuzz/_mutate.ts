import fc from 'fast-check';
import iconv from 'iconv-lite';

/**
 * Mutations of a real file, the way settlement files get damaged: bytes flipped or lost in
 * transit, a line cut, doubled or dropped, a cell retyped by hand in Excel. Positions are drawn
 * as plain naturals and taken modulo the file's size when applied, so fast-check can shrink a
 * failing case to the fewest, smallest edits.
 */

/** Cells a person, a spreadsheet or a broken export puts where a value should be. */
export const HOSTILE_CELLS: readonly string[] = [
  '',
  ' ',
  '-',
  '--',
  '0',
  '-0',
  '+5',
  '.5',
  '5.',
  '1,234.56',
  '1.234,56',
  '(12.00)',
  '12.345',
  '１２３．４５',
  '¥1,000.00',
  '1e308',
  '-1e-308',
  'NaN',
  'Infinity',
  '9007199254740993',
  '99999999999999999999999.99',
  '-99999999999999999999999.99',
  '0.000000000000000000001',
  '9'.repeat(400),
  '`',
  '`-',
  '"',
  '""',
  '="1"',
  '="',
  '\t',
  '#',
  '#合计',
  '合计',
  '总交易单数',
  'C000000012345',
  'D999999999999',
  'CD12',
  '2026-02-30 25:61:61',
  '20261320',
  '0000-00-00',
  '9999-12-31 23:59:59',
  '1970-01-01',
  '4111111111111111',
  '622202******0123',
  '借',
  '贷',
  '收入',
  '支出',
  ':61:',
  ':86:',
  ':62F:C261120CNY0,',
  '16,100,5000,,,',
  '<Amt Ccy="CNY">',
  ']]>',
  '&#0;',
  '\u0000',
  '\ufeff',
  '\u2028',
  '\ud800',
  '\r',
];

export type Mutation =
  | { op: 'flip'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'dupLine'; line: number }
  | { op: 'dropLine'; line: number }
  | { op: 'swapLines'; a: number; b: number }
  | { op: 'cell'; line: number; cell: number; text: string; gbk: boolean };

const cellText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_CELLS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^-?\d{1,25}(\.\d{0,6})?$/) },
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('dropLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constant('cell' as const), line: fc.nat(), cell: fc.nat(), text: cellText, gbk: fc.boolean() }),
  fc.record({ op: fc.constant('cell' as const), line: fc.nat(), cell: fc.nat(), text: cellText, gbk: fc.boolean() }),
);

/** Splits bytes into lines keeping each line's terminator, so joining them back is lossless. */
function lines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const DELIMITERS = new Set([0x2c, 0x09, 0x7c, 0x3b]);

/** Replaces one delimited cell of a line (comma, TAB, pipe or semicolon) by bytes. */
function replaceCell(line: Uint8Array, index: number, text: Uint8Array): Uint8Array {
  const bounds: number[] = [-1];
  for (let i = 0; i < line.length; i++) if (DELIMITERS.has(line[i]!)) bounds.push(i);
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
  bounds.push(end);
  const k = index % (bounds.length - 1);
  return concat([line.subarray(0, bounds[k]! + 1), text, line.subarray(bounds[k + 1]!)]);
}

/** Applies mutations in order. */
export function mutate(seed: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = seed;
  for (const m of mutations) {
    switch (m.op) {
      case 'flip': {
        if (b.length === 0) break;
        const copy = b.slice();
        copy[m.at % copy.length] = m.value;
        b = copy;
        break;
      }
      case 'insert': {
        const at = m.at % (b.length + 1);
        b = concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      }
      case 'delete': {
        if (b.length === 0) break;
        const at = m.at % b.length;
        b = concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      }
      case 'truncate':
        b = b.subarray(0, m.at % (b.length + 1));
        break;
      case 'dupLine':
      case 'dropLine': {
        const ls = lines(b);
        if (ls.length === 0) break;
        const i = m.line % ls.length;
        if (m.op === 'dupLine') ls.splice(i, 0, ls[i]!);
        else ls.splice(i, 1);
        b = concat(ls);
        break;
      }
      case 'swapLines': {
        const ls = lines(b);
        if (ls.length < 2) break;
        const i = m.a % ls.length;
        const j = m.b % ls.length;
        [ls[i], ls[j]] = [ls[j]!, ls[i]!];
        b = concat(ls);
        break;
      }
      case 'cell': {
        const ls = lines(b);
        if (ls.length === 0) break;
        const i = m.line % ls.length;
        ls[i] = replaceCell(ls[i]!, m.cell, m.gbk ? new Uint8Array(iconv.encode(m.text, 'gbk')) : new Uint8Array(Buffer.from(m.text, 'utf8')));
        b = concat(ls);
        break;
      }
    }
  }
  return b;
}
