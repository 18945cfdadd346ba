/**
 * The reports' text (_text.ts) and what a thread keeps between reports (_fonts.ts): text wraps
 * within its width and loses nothing, reads back as drawn, and a report rendered after others in
 * the same thread is the report rendered first. The middle dot is the telling case for the last:
 * U+00B7 and U+30FB are one glyph in Noto Sans SC, and a report maps it back to the character it
 * first drew it for.
 */
import { describe, expect, it } from 'vitest';
import { ReportWriter } from '../../src/reports/pdf/_layout.js';
import { reportTypefaces } from '../../src/reports/pdf/_text.js';
import { merchantReportPdf } from '../../src/reports/pdf/merchant.js';
import { buildFixture, LONG, merchantArgs, QINGFENG, WEIDAO } from './_fixture.js';
import { readPdf, squash } from './_pdf.js';

const fx = buildFixture();
const render = async (id: string, name?: string) => {
  const args = await merchantArgs(fx, id);
  return merchantReportPdf(name === undefined ? args : { ...args, merchant: { ...args.merchant, name } });
};

/** A report writer with a fixed meta. */
const testWriter = () =>
  new ReportWriter({
    reportId: 'R-1',
    title: '测试',
    titleEn: 'Test',
    runningHead: '测试',
    subject: '测试',
    generatedAt: '2026-12-01T23:59:59+08:00',
    tool: { name: 'settle-audit', version: '0.1.0' },
  });

const LATIN_DOT = '约翰·史密斯';
const KATAKANA_DOT = '约翰・史密斯';

const { regular, bold } = reportTypefaces();

const PARAGRAPH =
  '2026-10-16 10:11 的销售 190.61 元（参考号 261016000117）已于 2026-10-16 10:21 在收银端撤销，但收单机构仍在 2026-10-16 清算了该笔交易，' +
  '顾客仍被扣款 190.61 元。The acquirer settled a sale the till had voided: the customer was charged 190.61 yuan for nothing.';

describe('text wrapped by the reports', () => {
  it('fits every line in its width, breaks more than once, and loses no character', () => {
    for (const [face, size, width] of [
      [regular, 8, 200],
      [bold, 9, 120],
      [regular, 7.5, 60],
    ] as const) {
      const lines = face.wrap(PARAGRAPH, width, size);
      expect(lines.length).toBeGreaterThan(2);
      for (const line of lines) expect(face.width(line, size), line).toBeLessThanOrEqual(width + 1e-6);
      expect(squash(lines.join(''))).toBe(squash(PARAGRAPH));
    }
  });

  it('breaks where Unicode line breaking allows: no line starts with closing punctuation, English words stay whole', () => {
    const lines = regular.wrap(PARAGRAPH, 150, 8);
    for (const line of lines.slice(1)) expect(line, lines.join(' | ')).not.toMatch(/^[，。）：、]/);
    const words = new Set(PARAGRAPH.match(/[a-z]+/gi));
    const drawn = lines.flatMap((line) => line.match(/[a-z]+/gi) ?? []);
    expect(drawn.filter((w) => !words.has(w)), 'pieces of words').toEqual([]);
    expect(drawn).toEqual(PARAGRAPH.match(/[a-z]+/gi));
  });

  it('cuts a word wider than a line between characters, going on from where the line is', () => {
    const hash = '26dbccfc6966d5481e3023b7457198352f298137235609acbba0a54fe78d0a1b';
    const text = `SHA-256 ${hash}`;
    const lines = regular.wrap(text, 100, 7.5);
    expect(lines[0]!.startsWith('SHA-256 26')).toBe(true);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(regular.width(line, 7.5)).toBeLessThanOrEqual(100 + 1e-6);
    expect(lines.join('')).toBe(text);
  });

  it('keeps a newline as a line break, and an empty line as a line', () => {
    expect(regular.wrap('第一行\n\n第三行 third', 400, 9)).toEqual(['第一行', '', '第三行 third']);
  });

  it('prints a character the font lacks as its code point, a control character as a space', () => {
    expect(regular.printable('付款方「𠮷野家😀」\t备注')).toBe('付款方「[U+20BB7]野家[U+1F600]」 备注');
    // Half of a surrogate pair, as a cut string leaves it, and the character after it.
    expect(regular.printable('x\ud83dy')).toBe('x[U+D83D]y');
    expect(regular.width('x\ud83dy', 9)).toBe(regular.width('x', 9) + regular.width('\ud83d', 9) + regular.width('y', 9));
  });

  it('measures a text as its lines times the line height, and draws it in that height', () => {
    const w = testWriter();
    const lineHeight = regular.lineHeight(8);
    const height = w.measure(PARAGRAPH, 200, { size: 8 });
    expect(height).toBeCloseTo(regular.wrap(PARAGRAPH, 200, 8).length * lineHeight, 9);
    expect(w.put(PARAGRAPH, w.left, w.y, 200, { size: 8 })).toBe(height);
  });

  it('reads back from the PDF as drawn, line by line, right-aligned and centred text too', async () => {
    const w = testWriter();
    w.paragraph(PARAGRAPH, { size: 8 });
    w.put('1,234,567.89', w.left, w.y, 200, { size: 9, align: 'right' });
    w.put('居中 centred', w.left, w.y + 20, 200, { size: 9, align: 'center', bold: true });
    const pdf = await readPdf(await w.finish());
    expect(pdf.items[0]!.slice(0, regular.wrap(PARAGRAPH, w.width, 8).length)).toEqual(regular.wrap(PARAGRAPH, w.width, 8));
    expect(pdf.flat[0]).toContain(squash(PARAGRAPH));
    expect(pdf.items[0]).toContain('1,234,567.89');
    expect(pdf.items[0]).toContain('居中 centred');
  });
});

describe('a report rendered after others in the same thread', () => {
  it('has the bytes it has when rendered first', async () => {
    // First in this describe; the text tests above draw other words in this thread before it.
    const first = await render(QINGFENG.id, `${LATIN_DOT}书店`);
    await render(QINGFENG.id, `${KATAKANA_DOT}书店`);
    await render(WEIDAO.id);
    await render(LONG.id);
    await render(QINGFENG.id, `${KATAKANA_DOT}书店`);
    expect((await render(QINGFENG.id, `${LATIN_DOT}书店`)).equals(first)).toBe(true);
  });

  it('gives the same bytes when two documents are drawn in turns as when each is drawn alone', async () => {
    // The documents of a thread share the marks of which characters each has in its font subset.
    const textsA = ['收单机构 Acquirers', PARAGRAPH, '𠮷野家 1,234.56', '合计 Total'];
    const textsB = ['合计 Total', '银行入账 Bank credits', '𠮷野家 9,876.54', PARAGRAPH];
    const alone = async (texts: string[]) => {
      const w = testWriter();
      for (const t of texts) w.paragraph(t);
      return w.finish();
    };
    const [a, b] = [testWriter(), testWriter()];
    textsA.forEach((t, i) => {
      a.paragraph(t);
      b.paragraph(textsB[i]!);
    });
    const [turnA, turnB] = await Promise.all([a.finish(), b.finish()]);
    expect(turnA.equals(await alone(textsA))).toBe(true);
    expect(turnB.equals(await alone(textsB))).toBe(true);
    expect((await readPdf(turnB)).flat[0]).toContain(squash(textsB.join('')).replace('𠮷', '[U+20BB7]'));
  });

  it('reads a glyph two characters share back as the first it drew', async () => {
    for (const [firstDot, secondDot] of [
      [LATIN_DOT, KATAKANA_DOT],
      [KATAKANA_DOT, LATIN_DOT],
    ] as const) {
      const w = testWriter();
      w.paragraph(firstDot);
      w.paragraph(secondDot);
      const pdf = await readPdf(await w.finish());
      expect(pdf.items[0]!.slice(0, 2)).toEqual([firstDot, firstDot]);
    }
  });
});
