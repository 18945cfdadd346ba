/**
 * One-line texts drawn as pdfkit's text() draws them, without its line wrapper.
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
 * Guarded: once per thread, sample lines are drawn both ways in two documents, which must come out
 * with the same page content and the same cursor (linesDrawnDirectly); otherwise pdfkit draws them
 * all. The tests compare the two ways on more lines.
 */
import PDFDocument from 'pdfkit';
import { FONT, useReportFonts } from './_fonts.js';

/** pdfkit's document as drawLine draws text: the members used (js/pdfkit.js). */
interface PdfkitText {
  x: number;
  y: number;
  page: { maxY(): number };
  _lineGap?: number;
  currentLineHeight(includeGap: boolean): number;
  _fragment(text: string, x: number, y: number, options: object): void;
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

/** Sample lines: words, CJK, spaces at either end, digits; left, right and centred (one word); both fonts. */
const SAMPLES: { text: string; bold: boolean; size: number; align: 'left' | 'right' | 'center' }[] = [
  { text: '商户结算审计报告 Merchant settlement audit report', bold: true, size: 13, align: 'left' },
  { text: '1,234,567.89', bold: false, size: 8.5, align: 'right' },
  { text: ' 收单机构 Acquirers：拉卡拉、银联商务 ', bold: false, size: 9, align: 'left' },
  { text: 'findings-898310048990001.csv（问题明细 CSV，UTF-8）', bold: true, size: 7.5, align: 'right' },
  { text: '第 1 页 / 共 2 页 · Page 1 of 2', bold: false, size: 7.5, align: 'left' },
  { text: '10-31', bold: false, size: 6.5, align: 'center' },
  { text: '1,250', bold: true, size: 6.5, align: 'center' },
];

/**
 * Draws the samples into a new document with the report fonts, by pdfkit or by drawLine; its
 * page content and the cursor after each line, or undefined if pdfkit does not keep them as
 * expected.
 */
export function drawSamples(direct: boolean, samples = SAMPLES): { content: Buffer; cursors: number[] } | undefined {
  const doc = new PDFDocument({ size: 'A4', margins: { top: 62, bottom: 58, left: 48, right: 48 }, font: '', compress: false });
  useReportFonts(doc);
  const cursors: number[] = [];
  samples.forEach(({ text, bold, size, align }, i) => {
    doc.font(bold ? FONT.bold : FONT.regular).fontSize(size);
    const [x, y, width] = [48 + (i % 10), 62 + 16 * i, 480];
    if (!direct || !drawLine(doc, text, x, y, width, align)) doc.text(text, x, y, { width, align });
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
