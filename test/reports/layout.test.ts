/**
 * What the layout keeps per thread (fonts, layouts, measurements: _fonts.ts and _layout.ts) must
 * not change a byte: a report rendered after others in the same thread is the report rendered
 * first. The middle dot is the telling case: U+00B7 and U+30FB are one glyph in Noto Sans SC, and
 * a report maps it back to the character it was first laid out for, measured or drawn.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { FONT, numbersComposed, useReportFonts } from '../../src/reports/pdf/_fonts.js';
import { ReportWriter } from '../../src/reports/pdf/_layout.js';
import { merchantReportPdf } from '../../src/reports/pdf/merchant.js';
import { buildFixture, LONG, merchantArgs, QINGFENG, WEIDAO } from './_fixture.js';
import { readPdf } from './_pdf.js';

const require = createRequire(import.meta.url);
const fx = buildFixture();
const render = async (id: string, name?: string) => {
  const args = await merchantArgs(fx, id);
  return merchantReportPdf(name === undefined ? args : { ...args, merchant: { ...args.merchant, name } });
};

/** The report fonts' own bytes: a document that registers them is drawn by pdfkit's plain path. */
const FONT_BYTES = {
  regular: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf')),
  bold: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf')),
};

/** A report writer with the shared fonts and a fixed meta. */
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

describe('a report rendered after others in the same thread', () => {
  it('has the bytes it has when rendered first', async () => {
    // First in this file, so first in its thread (each test file runs in a process of its own).
    const first = await render(QINGFENG.id, `${LATIN_DOT}书店`);
    await render(QINGFENG.id, `${KATAKANA_DOT}书店`);
    await render(WEIDAO.id);
    await render(LONG.id);
    await render(QINGFENG.id, `${KATAKANA_DOT}书店`);
    expect((await render(QINGFENG.id, `${LATIN_DOT}书店`)).equals(first)).toBe(true);
  });

  it('draws words laid out again, once the layout caches dropped them, as a font of its own draws them', async () => {
    // A month with a thousand settlement-day findings lays out more distinct words than the
    // thread and the document keep the layouts of (_fonts.ts): the first words are dropped, and
    // laid out again when drawn again. pdfkit's own font keeps every word of the document.
    const flood = Array.from({ length: 6000 }, (_, i) => `W${i}号`);
    const texts = [LATIN_DOT, ...Array.from({ length: 60 }, (_, i) => flood.slice(100 * i, 100 * i + 100).join(' ')), LATIN_DOT, KATAKANA_DOT, flood.slice(0, 100).join(' ')];
    const draw = async (fonts: 'shared' | 'own') => {
      const doc = new PDFDocument({ compress: false, font: '', size: 'A4' });
      if (fonts === 'shared') useReportFonts(doc);
      else doc.registerFont(FONT.regular, FONT_BYTES.regular);
      doc.font(FONT.regular).fontSize(9);
      for (const text of texts) doc.text(text);
      const chunks: Buffer[] = [];
      doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise((resolve) => doc.on('end', resolve));
      doc.end();
      await ended;
      // The pages' text operators and the font's character map: what a reader draws and reads.
      const streams = [...Buffer.concat(chunks).toString('latin1').matchAll(/stream\n([\s\S]*?)\nendstream/g)].map(([, body]) => body!);
      return streams.filter((body) => body.includes(' Tj') || body.includes(' TJ') || body.includes('begincmap'));
    };
    const own = await draw('own');
    expect(own.length).toBeGreaterThan(10);
    expect(await draw('shared')).toEqual(own);
    // Again, with the thread's layouts of the first document's last words.
    expect(await draw('shared')).toEqual(own);
  });

  it('draws numbers laid out from their characters as a font of its own draws them', async () => {
    // Amounts, counts and rates of every shape, each number once per document but the same digits
    // again and again: a number is laid out from its characters' layouts (_fonts.ts, NUMBER_WORD),
    // a number followed by more text with its space (the forty numbers joined by spaces).
    expect(numbersComposed()).toBe(true);
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const numbers = Array.from({ length: 400 }, (_, i) => {
      const yuan = Math.floor(random() * 10 ** (1 + (i % 9)));
      const grouped = yuan.toLocaleString('en-US');
      return i % 3 === 0 ? String(yuan) : `${grouped}.${String(Math.floor(random() * 100)).padStart(2, '0')}`;
    });
    const texts = [...numbers, numbers.slice(0, 40).join(' '), '0.00', '1,000', '.5', '5.', ',,', numbers.join(',')];
    const draw = async (fonts: 'shared' | 'own', bold: boolean) => {
      const doc = new PDFDocument({ compress: false, font: '', size: 'A4' });
      if (fonts === 'shared') useReportFonts(doc);
      else {
        // Both, regular first, as useReportFonts opens them: pdfkit names fonts in that order.
        doc.registerFont(FONT.regular, FONT_BYTES.regular);
        doc.registerFont(FONT.bold, FONT_BYTES.bold);
        doc.font(FONT.regular).font(FONT.bold);
      }
      doc.font(bold ? FONT.bold : FONT.regular).fontSize(8.5);
      for (const text of texts) doc.text(text, { width: 90, align: 'right' });
      const chunks: Buffer[] = [];
      doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise((resolve) => doc.on('end', resolve));
      doc.end();
      await ended;
      const streams = [...Buffer.concat(chunks).toString('latin1').matchAll(/stream\n([\s\S]*?)\nendstream/g)].map(([, body]) => body!);
      return streams.filter((body) => body.includes(' Tj') || body.includes(' TJ') || body.includes('begincmap'));
    };
    for (const bold of [false, true]) {
      const own = await draw('own', bold);
      expect(own.length).toBeGreaterThan(3);
      expect(await draw('shared', bold)).toEqual(own);
      expect(await draw('shared', bold)).toEqual(own);
    }
  });

  it('measures numbers as pdfkit measures them, those of a shape measured before too', () => {
    // A number of a shape measured before (every digit a 0) is measured without pdfkit's line
    // wrapper (_layout.ts, numberShapes); one too wide for its width wraps as pdfkit wraps it.
    const w = testWriter();
    const plain = new PDFDocument({ font: '', size: 'A4' });
    plain.registerFont(FONT.regular, FONT_BYTES.regular);
    plain.registerFont(FONT.bold, FONT_BYTES.bold);
    const shapes = ['0.00', '000.00', '0,000.00', '000,000,000.00', '0', '00,000'];
    let checked = 0;
    for (let round = 0; round < 3; round++) {
      for (const shape of shapes) {
        for (const [width, size, bold] of [[90, 8.5, false], [12, 8.5, false], [30, 9, true], [14, 9, true]] as const) {
          const text = shape.replace(/0/g, () => String((round * 7 + checked++) % 10));
          plain.font(bold ? FONT.bold : FONT.regular).fontSize(size);
          plain.y = w.doc.y;
          expect(w.measure(text, width, { size, bold }), `${text} at ${width}`).toBe(plain.heightOfString(text, { width }));
        }
      }
    }
  });

  it('lays out the text a measurement taken from an earlier report measured, before drawing anything else', async () => {
    // Measured before anything is drawn, the text with U+00B7 decides how the shared glyph reads,
    // also in the text drawn next with U+30FB; in the second report its line count is the first's.
    const write = async () => {
      const w = testWriter();
      w.measure(LATIN_DOT, 300);
      w.put(KATAKANA_DOT, w.left, w.top, 300);
      w.put(LATIN_DOT, w.left, w.top + 20, 300);
      return readPdf(await w.finish());
    };
    for (const pdf of [await write(), await write()]) {
      expect(pdf.items[0]!.filter((s) => s.startsWith('约翰'))).toEqual([LATIN_DOT, LATIN_DOT]);
    }
  });
});
