/**
 * Texts drawn as pdfkit's text() draws them, without its line wrapper.
 *
 * Why. Most texts of a report are one line (table cells, labels, figures, footers), and pdfkit
 * wraps each again to draw it: it breaks the text into words (Unicode line breaking), measures
 * each, and emits the one line they make. Profiling a run of a thousand merchant reports showed
 * that at about a twelfth of a report's time. When the text is known to fit on one line (the
 * layout measured it just before), that line is the whole text, and drawing it needs none of the
 * wrapping: this draws it with pdfkit's own line drawing (`_fragment`), with the options the
 * wrapper would pass, and moves the cursor as the wrapper does (pdfkit 0.20.2: LineWrapper.wrap,
 * PDFDocument._text and _line). Centred text is drawn here only when it is one word (no line
 * break opportunity in it): the wrapper centres a line on the sum of its words' widths, each rounded
 * down to a float32, and for one word that is the text's own width so rounded (centredWidth).
 *
 * Longer texts (paragraphs, notes, wrapped cells) are wrapped once, when the layout measures them:
 * wrapLines takes heightOfString's steps and keeps the lines the wrapper emits, and drawLines
 * draws them one drawLine each. Wrapping a CJK paragraph measures every character (each is a word
 * for line breaking). Measured (warm, per drawing): a 70-character CJK note at 7.5 pt, two lines,
 * about 110 µs through the wrapper and 20 µs from its lines; a centred chart date 10 µs and 7 µs.
 * A merchant report has about fifteen texts of several lines and sixteen centred dates.
 *
 * Guarded: once per thread, sample lines are drawn both ways in two documents, which must come out
 * with the same page content and the same cursor (linesDrawnDirectly); otherwise pdfkit draws them
 * all. The tests compare the two ways on more lines.
 */
import PDFDocument from 'pdfkit';
import { FONT, useReportFonts } from './_fonts.js';

/** pdfkit's document as drawLine draws text and wrapLines wraps it: the members used (js/pdfkit.js). */
interface PdfkitText {
  x: number;
  y: number;
  page: { maxY(): number };
  _lineGap?: number;
  currentLineHeight(includeGap: boolean): number;
  _fragment(text: string, x: number, y: number, options: object): void;
  _initOptions?(options: object): object & { lineGap?: number; height?: number };
  _text?(text: string, x: number, y: number, options: object, lineCallback: (line: string) => void): void;
}

/**
 * Characters after which Unicode line breaking (UAX #14, classes BK, CR, LF, NL) must break: a
 * text with one is never drawn here, even where it is the last character (the wrapper then checks
 * the page's end once more).
 */
const MANDATORY_BREAK = /[\n\v\f\r\u0085\u2028\u2029]/;

/** pdfkit's PDFNumber (js/pdfkit.js): the largest float32 not above `n`, as the wrapper rounds a word's width. */
const float32 = new Float32Array(1);
const float32Bits = new Uint32Array(float32.buffer);
function float32AtMost(n: number): number {
  const rounded = Math.fround(n);
  if (rounded <= n) return rounded;
  float32[0] = n;
  if (n <= 0) float32Bits[0]! += 1;
  else float32Bits[0]! -= 1;
  return float32[0]!;
}

/**
 * The width pdfkit's wrapper centres a line of one word on: the word's width in the current font
 * and size, rounded down to a float32 (LineWrapper.wordWidth, with no character or word spacing).
 */
export function centredWidth(doc: PDFKit.PDFDocument, word: string): number {
  return float32AtMost(doc.widthOfString(word));
}

/**
 * Draws `text`, which fits on one line at `width` in the document's current font and size, at
 * (x, y), as `doc.text(text, x, y, { width, align })` does; or returns false, having drawn nothing,
 * where the text has a mandatory line break or pdfkit would first break the page. Centred text
 * must be one word (no line break opportunity, no space).
 */
export function drawLine(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center'): boolean {
  if (MANDATORY_BREAK.test(text)) return false;
  const d = doc as unknown as PdfkitText;
  const lineHeight = d.currentLineHeight(true);
  // The wrapper breaks the page first when the line would end below the page's bottom margin.
  const maxY = Math.fround(d.page.maxY());
  if (y > maxY || y + lineHeight > maxY) return false;
  d.x = x;
  d.y = y;
  // The wrapper's line width: the width scaled by the horizontal scaling (100 %), in one column.
  const lineWidth = (width * 100) / 100;
  const textWidth = align === 'center' ? centredWidth(doc, text) : 0;
  d._fragment(text, x, y, { width, align, lineWidth, textWidth, wordCount: 1, columns: 0, columnGap: 18, rotation: 0 });
  // After the line, the wrapper moves the cursor down a line and back to where it started.
  d.y += lineHeight + (d._lineGap || 0);
  d.x = x;
  return true;
}

/**
 * The lines pdfkit's wrapper breaks `text` into at `width` in the current font and size, with
 * the height heightOfString gives it: heightOfString's own steps (pdfkit 0.20.2), with each line
 * kept as the wrapper hands it over. Undefined where pdfkit has not those members.
 */
export function wrapLines(doc: PDFKit.PDFDocument, text: string, width: number): { height: number; lines: string[] } | undefined {
  const d = doc as unknown as PdfkitText;
  if (typeof d._initOptions !== 'function' || typeof d._text !== 'function') return undefined;
  const { x, y } = d;
  const options = d._initOptions({ width });
  options.height = Infinity;
  const lineGap = options.lineGap || d._lineGap || 0;
  const lines: string[] = [];
  d._text(text, d.x, d.y, options, (line) => {
    lines.push(line);
    d.y += d.currentLineHeight(true) + lineGap;
  });
  const height = d.y - y;
  d.x = x;
  d.y = y;
  return { height, lines };
}

/**
 * Draws `lines`, the lines wrapLines gave for a text at `width` in the current font and size, at
 * (x, y), as `doc.text(text, x, y, { width, align })` does, one drawLine each, the cursor moving
 * down a line after each as the wrapper moves it; or returns false, having drawn nothing, where
 * drawLine would not draw one of them (a mandatory break, or the page's end).
 */
export function drawLines(doc: PDFKit.PDFDocument, lines: readonly string[], x: number, y: number, width: number, align: 'left' | 'right'): boolean {
  const d = doc as unknown as PdfkitText;
  const lineHeight = d.currentLineHeight(true);
  const step = lineHeight + (d._lineGap || 0);
  const maxY = Math.fround(d.page.maxY());
  let lineY = y;
  for (const line of lines) {
    if (MANDATORY_BREAK.test(line) || lineY > maxY || lineY + lineHeight > maxY) return false;
    lineY += step;
  }
  lineY = y;
  for (const line of lines) {
    drawLine(doc, line, x, lineY, width, align);
    lineY = d.y;
  }
  return true;
}

/**
 * Sample lines: words, CJK, spaces at either end, digits; left, right and centred (one word); a
 * paragraph that wraps to several lines; both fonts.
 */
const SAMPLES: { text: string; bold: boolean; size: number; align: 'left' | 'right' | 'center'; width?: number }[] = [
  { text: '商户结算审计报告 Merchant settlement audit report', bold: true, size: 13, align: 'left' },
  { text: '1,234,567.89', bold: false, size: 8.5, align: 'right' },
  { text: ' 收单机构 Acquirers：拉卡拉、银联商务 ', bold: false, size: 9, align: 'left' },
  { text: 'findings-898310048990001.csv（问题明细 CSV，UTF-8）', bold: true, size: 7.5, align: 'right' },
  { text: '第 1 页 / 共 2 页 · Page 1 of 2', bold: false, size: 7.5, align: 'left' },
  { text: '10-31', bold: false, size: 6.5, align: 'center' },
  { text: '1,250', bold: true, size: 6.5, align: 'center' },
  { text: '收单金额与收银销售均为销售减去退货、撤销后的净额。Both are net of refunds.', bold: false, size: 7.5, align: 'left', width: 120 },
  { text: 'bench-out/data-5000000/acquirer_202610.csv 4,999,997', bold: true, size: 8, align: 'right', width: 90 },
];

/**
 * Draws the samples into a new document with the report fonts, by pdfkit or directly (drawLine,
 * or wrapLines and drawLines for left and right alignment); its page content and the cursor
 * after each sample, or undefined if pdfkit does not keep them as expected.
 */
export function drawSamples(direct: boolean, samples = SAMPLES): { content: Buffer; cursors: number[] } | undefined {
  const doc = new PDFDocument({ size: 'A4', margins: { top: 62, bottom: 58, left: 48, right: 48 }, font: '', compress: false });
  useReportFonts(doc);
  const cursors: number[] = [];
  const drawnDirectly = (text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center') => {
    if (align === 'center') return drawLine(doc, text, x, y, width, align);
    const wrapped = wrapLines(doc, text, width);
    return wrapped !== undefined && drawLines(doc, wrapped.lines, x, y, width, align);
  };
  samples.forEach(({ text, bold, size, align, width = 480 }, i) => {
    doc.font(bold ? FONT.bold : FONT.regular).fontSize(size);
    const [x, y] = [48 + (i % 10), 62 + 16 * i];
    if (!direct || !drawnDirectly(text, x, y, width, align)) doc.text(text, x, y, { width, align });
    cursors.push(doc.x, doc.y);
  });
  const content = (doc as unknown as { page?: { content?: { buffer?: unknown } } }).page?.content?.buffer;
  if (!Array.isArray(content) || !content.every((c) => c instanceof Uint8Array)) return undefined;
  return { content: Buffer.concat(content), cursors };
}

let direct: boolean | undefined;

/** Whether drawLine draws as pdfkit does, decided once per thread (see above). */
export function linesDrawnDirectly(): boolean {
  if (direct === undefined) {
    try {
      const [viaPdfkit, drawn] = [drawSamples(false), drawSamples(true)];
      direct =
        viaPdfkit !== undefined &&
        drawn !== undefined &&
        viaPdfkit.content.equals(drawn.content) &&
        viaPdfkit.cursors.every((c, i) => Object.is(c, drawn.cursors[i]));
    } catch {
      direct = false;
    }
  }
  return direct;
}
