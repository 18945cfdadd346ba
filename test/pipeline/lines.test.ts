import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { LineWalker, MerchantCells, merchantCell, type KeyPlan, type LineSpan } from '../../src/pipeline/bulk/_lines.js';

/** Every line of `text` in `encoding`, with the cell MerchantCells gives and merchantCell's. */
function readBoth(text: string, plan: KeyPlan, capacity?: number) {
  const buf = iconv.encode(text, plan.encoding === 'utf-8' ? 'utf8' : plan.encoding);
  const walker = new LineWalker(buf, buf.length);
  const cells = new MerchantCells(plan, (cell) => cell, capacity);
  const delimiter = plan.delimiter.charCodeAt(0);
  const out: { cached: string; read: string }[] = [];
  const read = (span: LineSpan) => {
    const quoted = walker.hasQuote(span.start, span.end);
    out.push({ cached: cells.get(buf, span, quoted, delimiter), read: merchantCell(buf, span, quoted, plan, delimiter) });
  };
  let at = 0;
  for (let span = walker.line(at, true); span; span = walker.line(at, true)) {
    read(span);
    at = span.next;
  }
  // The last line, without a terminator, as stage 1 takes it.
  if (at < buf.length) read({ start: at, end: buf.length, next: buf.length });
  return out;
}

describe('MerchantCells: a line merchant cell looked up by its bytes', () => {
  const lines = [
    '898310048990001,上海,1',
    '898310048990002,北京,2',
    '898310048990001,上海,3',
    '"898310048990003",带引号,4',
    ' 898310048990004 ,带空格,5',
    '-,横线,6',
    '--,两条横线,7',
    '---,三条横线,8',
    ',空的,9',
    '商户甲,中文编号,10',
    '`898310048990005,反引号,11',
    '=898310048990006,等号,12',
    '898310048990001',
  ];

  it.each([
    ['gb18030', ',', 0],
    ['utf-8', ',', 0],
  ] as const)('gives what merchantCell reads, line by line (%s)', (encoding, delimiter, merchantColumn) => {
    const read = readBoth(lines.join('\n'), { encoding, delimiter, merchantColumn });
    expect(read.map((r) => r.cached)).toEqual(read.map((r) => r.read));
    // What merchantCell reads of them, as the parsers' cleanCell does: the cache must not change it.
    expect(read.map((r) => r.read)).toEqual([
      '898310048990001',
      '898310048990002',
      '898310048990001',
      '898310048990003',
      '898310048990004',
      '',
      '',
      '---',
      '',
      '商户甲',
      '898310048990005',
      '=898310048990006',
      '898310048990001',
    ]);
  });

  it('reads a later column, and a line too short to have it', () => {
    const text = ['a,898310048990001,x', 'b,898310048990002', 'c', 'd,"898310048990003",y', 'e,,z'].join('\r\n');
    const read = readBoth(text, { encoding: 'utf-8', delimiter: ',', merchantColumn: 1 });
    expect(read.map((r) => r.cached)).toEqual(['898310048990001', '898310048990002', '', '898310048990003', '']);
    expect(read.map((r) => r.cached)).toEqual(read.map((r) => r.read));
  });

  it('tells apart cells of equal hash slots and lengths, and keeps reading past its capacity', () => {
    const ids = Array.from({ length: 300 }, (_, i) => String(898310000000000 + i * 7919));
    const twice = [...ids, ...[...ids].reverse()];
    const read = readBoth(twice.map((id, i) => `${id}\t${i}`).join('\n'), { encoding: 'utf-8', delimiter: '\t', merchantColumn: 0 }, 64);
    expect(read.map((r) => r.cached)).toEqual(twice);
  });

  it('gives what merchantCell reads for thousands of cells of every length, past the first size of its store', () => {
    // 5 000 ids of 1 to 40 characters: about 100 KB of cells, past the store's first 16 KB.
    const ids = Array.from({ length: 5_000 }, (_, i) => `M${String(i).padStart(4, '0')}${'x'.repeat(i % 36)}`);
    const twice = [...ids, ...[...ids].reverse()];
    const read = readBoth(twice.map((id, i) => `${id},${i}`).join('\n'), { encoding: 'gb18030', delimiter: ',', merchantColumn: 0 });
    expect(read.map((r) => r.cached)).toEqual(twice);
  });
});
