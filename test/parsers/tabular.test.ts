import { describe, expect, it } from 'vitest';
import { readTabular, type TabularFile } from '../../src/parsers/_tabular.js';
import { splitLines } from '../../src/parsers/_text.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

function table(text: string): TabularFile {
  const t = readTabular(utf8(text), 'utf-8');
  if (!('headers' in t)) throw new Error('no header found');
  return t;
}

describe('readTabular', () => {
  const header = '商户编号,终端号,交易时间,交易金额,手续费,参考号';
  const row = (n: number) => `8983100000${n},1000${n},2026-10-01 08:00:0${n},1.0${n},0.01,26100100000${n}`;

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('reads every line of a %s file as splitLines cuts it, with its line number', (_name, eol) => {
    const text = ['# 银联商务 交易明细', header, row(1), '', row(2), ' ,, ', '合计,2笔,,2.03', row(3)].join(eol) + eol;
    const t = table(text);
    const rows = [...t.rows];
    expect(rows.map((r) => [r.line, r.cells[0]])).toEqual([
      [3, '89831000001'],
      [5, '89831000002'],
      [8, '89831000003'],
    ]);
    expect(t.lineCount).toBe(splitLines(text).length);
    expect(t.blank).toBe(2);
    expect(t.footer.map((f) => f.line)).toEqual([7]);
    expect(t.preamble).toEqual(['# 银联商务 交易明细']);
  });

  it('handles mixed line ends, a last line without one, control characters and cut rows', () => {
    const text = `${header}\r\n${row(1)}\n${row(2)}\r${'\u0001'}\n${row(3).slice(0, 20)}\r\n${row(4)}`;
    const t = table(text);
    expect([...t.rows].map((r) => r.line)).toEqual([2, 3, 6]);
    // A line holding only a control character is not blank: it is a broken row, kept with its text.
    expect(t.broken.map((b) => [b.line, b.raw])).toEqual([
      [4, '\u0001'],
      [5, row(3).slice(0, 20)],
    ]);
    expect(t.lineCount).toBe(6);
  });

  it('lets the rows be read once only, so a second pass cannot silently see nothing', () => {
    const t = table(`${header}\n${row(1)}\n`);
    expect([...t.rows]).toHaveLength(1);
    expect(() => [...t.rows]).toThrow(/only once/);
  });
});
