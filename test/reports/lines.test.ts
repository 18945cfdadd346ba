/**
 * Texts drawn without pdfkit's line wrapper (_lines.ts), on one line or on the lines it would
 * break them into: the same page content and the same cursor as pdfkit's text(), and pdfkit's
 * own drawing wherever it would break the page.
 */
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { FONT, useReportFonts } from '../../src/reports/pdf/_fonts.js';
import { drawLine, drawSamples, linesDrawnDirectly } from '../../src/reports/pdf/_lines.js';

const LINES = [
  '上海味道餐饮有限公司',
  'Merchant settlement audit report',
  '644,795.45',
  '—',
  ' ',
  'x',
  '  spaces before and after  ',
  '收单净额 − 银行入账 Acquirer net − bank credits',
  'SA-20261130-35189D94-898320001012842',
  '26dbccfc6966d5481e3023b7457198352f298137235609acbba0a54fe78d',
  '约翰·史密斯书店 · 约翰・史密斯书店',
  '付款方「[U+20BB7]野家」 备注',
  'a\u00adb soft hyphen, tab\tand no-break\u00a0space',
];

/** The samples drawn directly leave the same page content and the same cursors as pdfkit's text(). */
function expectDrawnAsPdfkitDraws(samples: Parameters<typeof drawSamples>[1]): void {
  const viaPdfkit = drawSamples(false, samples);
  const direct = drawSamples(true, samples);
  expect(viaPdfkit).toBeDefined();
  expect(direct!.content.equals(viaPdfkit!.content)).toBe(true);
  expect(direct!.cursors).toEqual(viaPdfkit!.cursors);
}

describe('one-line texts drawn directly', () => {
  it('are drawn so in this thread (the check against pdfkit passed)', () => {
    expect(linesDrawnDirectly()).toBe(true);
  });

  it.each(['left', 'right'] as const)('leave the page and the cursor as pdfkit does, %s-aligned', (align) => {
    const samples = LINES.flatMap((text, i) => [
      { text, bold: i % 2 === 0, size: 7.5 + (i % 4), align },
      { text, bold: i % 2 === 1, size: 13, align },
    ]);
    expectDrawnAsPdfkitDraws(samples);
  });

  it.each(['left', 'right'] as const)('leave the page and the cursor as pdfkit does, %s-aligned, wrapped to several lines', (align) => {
    const samples = LINES.flatMap((text, i) => [
      { text, bold: i % 2 === 0, size: 7.5 + (i % 4), align, width: 60 },
      { text: `${text} ${LINES[(i + 3) % LINES.length]}`, bold: i % 2 === 1, size: 9, align, width: 150 },
    ]);
    expectDrawnAsPdfkitDraws(samples);
  });

  it('leave the page and the cursor as pdfkit does, centred, where the text is one word', () => {
    const words = ['10-31', '11-01', '1,234,567.89', '—', 'x', '2026-10-31', 'Page', '0.494%'];
    const samples = words.flatMap((text, i) => [
      { text, bold: i % 2 === 0, size: 6.5 + (i % 4), align: 'center' as const },
      { text, bold: i % 2 === 1, size: 13, align: 'center' as const },
    ]);
    expectDrawnAsPdfkitDraws(samples);
  });

  it('are left to pdfkit where a line would end below the bottom margin, or the text must break', () => {
    const doc = new PDFDocument({ size: 'A4', margins: { top: 62, bottom: 58, left: 48, right: 48 }, font: '' });
    useReportFonts(doc);
    doc.font(FONT.regular).fontSize(9);
    const bottom = doc.page.height - 58;
    const lineHeight = doc.currentLineHeight(true);
    expect(drawLine(doc, '第 1 页', 48, bottom - lineHeight / 2, 200, 'left')).toBe(false);
    expect(drawLine(doc, '第 1 页', 48, bottom - lineHeight, 200, 'left')).toBe(true);
    for (const text of ['a\nb', 'line separator\u2028', '\u2029', 'carriage return\r']) expect(drawLine(doc, text, 48, 100, 400, 'left')).toBe(false);
  });
});
