/**
 * Page layout shared by the PDF reports: an A4 document in the embedded Noto Sans SC font, written
 * top to bottom by a cursor, with sections (bookmarked), paragraphs, key-value blocks and tables
 * whose header row repeats on every page, and "Page X of Y" with the report id on every page.
 *
 * The output is PDF/A-3b (ISO 19005-3): every font embedded, an sRGB output intent, XMP metadata,
 * and the findings CSV attached as an associated file. The same arguments give the same bytes:
 * the creation and modification dates come from the run, the file ID is derived by pdfkit from the
 * document information (which then holds no clock time), and pdfkit names font subsets after the
 * font's order of use (BZZZZZ+, CZZZZZ+), not at random.
 *
 * The only I/O is reading the two font files (_fonts.ts).
 */
import PDFDocument from 'pdfkit';
import { AuditError, ErrorCode } from '../../model/errors.js';
import { FONT, NUMBER, replayLayout, traceLayout, useReportFonts, type LayoutTrace } from './_fonts.js';
import { drawLine, drawLines, linesDrawnDirectly, wrapLines } from './_lines.js';
import { RecentMap } from './_recent-map.js';
import { writeStreams } from './_streams.js';
import { xmpSafe } from './_format.js';

export const COLORS = {
  text: '#101828',
  muted: '#5D6B82',
  faint: '#98A2B3',
  rule: '#D0D5DD',
  hairline: '#E4E7EC',
  headerFill: '#EDF1F7',
  zebra: '#F8F9FB',
  accent: '#1D3A6E',
  accentLight: '#7D9CCB',
  orange: '#C4570C',
  okFill: '#ECFDF3',
  okLine: '#75C69A',
  okText: '#05603A',
  warnFill: '#FFF6ED',
  warnLine: '#F5B37A',
  severity: { critical: '#B42318', high: '#D15B07', medium: '#B08A06', info: '#5D6B82' },
} as const;

const MARGIN = { top: 62, bottom: 58, left: 48, right: 48 } as const;

/** Slack for float rounding when deciding whether a block still fits above the bottom margin. */
const EPS = 0.5;

/** Text attributes. Sizes are points. */
export interface TextStyle {
  size?: number;
  bold?: boolean;
  color?: string;
  align?: 'left' | 'right' | 'center';
}

export interface ReportMeta {
  reportId: string;
  /** Title in Chinese and in English, on the cover and in the document information. */
  title: string;
  titleEn: string;
  /** Printed at the top of every page after the cover, e.g. the merchant's name. */
  runningHead: string;
  subject: string;
  /** ISO 8601 with offset (RunSummary.generatedAt): the document's creation and modification date. */
  generatedAt: string;
  tool: { name: string; version: string };
}

/** A table column. Widths are relative weights, scaled to the width of the text block. */
export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right' | 'center';
}

/** A line spanning the row under its cells: a finding's message, its evidence, a file's sha256. */
export interface RowLine extends TextStyle {
  text: string;
}

export interface TableRow {
  cells: string[];
  /** Colours of individual cells (e.g. a severity); the row's colour otherwise. */
  cellColors?: (string | undefined)[];
  lines?: RowLine[];
  bold?: boolean;
  fill?: string;
}

export interface TableSpec {
  columns: Column[];
  rows: TableRow[];
  /** Font size of cells (headers use the same size, bold). */
  size?: number;
  zebra?: boolean;
  /** Spanning lines start under this column (0: the first), so they can align with the cells. */
  linesFromColumn?: number;
}

/**
 * Texts measured in this thread, by style, width and text: their number of lines, and the words
 * their measurement laid out (traceLayout). A run's reports measure the same labels, headings and
 * file names; another report measures one by laying out those words again, with no wrapping,
 * and takes the count if every word has the width it had (replayLayout), which leaves its fonts
 * exactly as measuring would have. Up to 50 000 are kept, those most recently used (RecentMap),
 * as the words' layouts are (_fonts.ts).
 */
const measured = new RecentMap<string, Wrapping & { trace: LayoutTrace }>(50_000);

/** How a measured text wraps: its number of lines, whether it is one word (see oneWord), and the lines where known. */
interface Wrapping {
  lines: number;
  oneWord: boolean;
  /** The lines pdfkit's wrapper breaks the text into (wrapLines), to draw them without it. */
  text?: readonly string[];
}

/**
 * Whether pdfkit's wrapper took `text` as one word: its measurement laid out the whole text and
 * nothing else. The wrapper measures each of its words (which the font lays out split at spaces
 * and tabs), so a text the line breaker split, or with a space or tab, shows other words here.
 */
function oneWord(text: string, trace: LayoutTrace | undefined): boolean {
  return trace !== undefined && trace.length === 1 && trace[0]![0] === text && !/[ \t]/.test(text);
}

/** The key of a text's measurement: its style, width and text. */
const measureKey = (text: string, width: number, s: TextStyle) => `${s.bold ? 'b' : 'r'} ${s.size ?? 9} ${width} ${text}`;

/**
 * Numbers (NUMBER, _fonts.ts) measured in this thread to fit on one line, by their shape (style,
 * width, and the text with every digit a 0), with their width. A report prints a few dozen
 * amounts no report before it printed, each measured through pdfkit's line wrapper (about 90 µs
 * each, a tenth of a report). A number of a shape measured before, of the same width, wraps as
 * that one did: the wrapper decides on the words' widths and break opportunities alone, which
 * are the same (every digit has one line-breaking class, and in these fonts one width). Only a
 * measurement that laid out the number as one word and nothing else is kept; a number of its
 * shape is then measured by laying it out, as the wrapper would (see layout()).
 */
const numberShapes = new Map<string, number>();
const numberShape = (text: string, width: number, s: TextStyle) => measureKey(text.replace(/[0-9]/g, '0'), width, s);

const PAD_X = 4;
const PAD_Y = 3.5;

/** pdfkit's document-level attachment options, plus the PDF/A-3 relationship its types omit. */
type AttachmentOptions = PDFKit.Mixins.PDFAttachmentOptions & { relationship?: 'Source' | 'Data' | 'Alternative' | 'Supplement' | 'Unspecified' };

/**
 * Writes one report. Content goes down the page from `y`; anything that does not fit in what is
 * left of the page moves to the next one, so no text is ever cut at the bottom.
 */
export class ReportWriter {
  readonly doc: PDFKit.PDFDocument;
  readonly meta: ReportMeta;
  readonly left = MARGIN.left;
  readonly width: number;
  readonly right: number;
  readonly top = MARGIN.top;
  readonly bottom: number;
  y: number;
  private readonly chunks: Buffer[] = [];
  private readonly ended: Promise<void>;
  private currentSection: PDFKit.PDFOutline | undefined;
  /** Headings waiting for the block they introduce (see ensure). */
  private pending: { height: number; draw: () => void }[] = [];
  /** How each text measured so far wraps, by style and width (see measure). */
  private readonly lineCounts = new Map<string, Wrapping>();

  constructor(meta: ReportMeta) {
    this.meta = meta;
    const when = new Date(meta.generatedAt);
    if (Number.isNaN(when.getTime())) {
      throw new AuditError(ErrorCode.INTERNAL, `generatedAt: expected an ISO 8601 time with offset, got "${meta.generatedAt}"`, {
        reportId: meta.reportId,
      });
    }
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { ...MARGIN },
      pdfVersion: '1.7',
      subset: 'PDF/A-3b',
      // No default font: pdfkit's would be Helvetica, a standard font PDF/A forbids unembedded.
      // Noto is registered by name just below and selected before anything is drawn.
      font: '',
      // The first page is added below, once the document deflates its streams as _streams.ts says.
      autoFirstPage: false,
      bufferPages: true,
      lang: 'zh-CN',
      displayTitle: true,
      info: {
        Title: xmpSafe(`${meta.title} ${meta.titleEn}`),
        Subject: xmpSafe(meta.subject),
        Author: meta.tool.name,
        Creator: `${meta.tool.name} ${meta.tool.version}`,
        CreationDate: when,
        ModDate: when,
      },
    });
    writeStreams(this.doc);
    // What pdfkit's constructor does last with autoFirstPage: the document is the same.
    this.doc.addPage();
    // Registered by name (a font given as bytes would be parsed again at every switch between
    // regular and bold), and parsed once per thread for all the reports it renders.
    useReportFonts(this.doc);
    // pdfkit's XMP packet carries the creation date but not the modification date; PDF/A wants
    // every date of the information dictionary mirrored there.
    const xmpDate = `${when.toISOString().split('.')[0]}Z`;
    this.doc.appendXML(`
        <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
            <xmp:ModifyDate>${xmpDate}</xmp:ModifyDate>
            <xmp:MetadataDate>${xmpDate}</xmp:MetadataDate>
        </rdf:Description>`);
    this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.ended = new Promise((resolve, reject) => {
      this.doc.on('end', resolve);
      this.doc.on('error', reject);
    });
    const page = this.doc.page;
    this.width = page.width - MARGIN.left - MARGIN.right;
    this.right = MARGIN.left + this.width;
    this.bottom = page.height - MARGIN.bottom;
    this.y = this.top;
  }

  /** Attaches bytes as an associated file (PDF/A-3 §6.8), dated with the run. */
  attach(bytes: Buffer, name: string, type: string, description: string): void {
    const when = new Date(this.meta.generatedAt);
    const options: AttachmentOptions = { name, type, description, creationDate: when, modifiedDate: when, relationship: 'Data' };
    this.doc.file(bytes, options);
  }

  newPage(): void {
    this.doc.addPage();
    this.y = this.top;
  }

  /**
   * Makes room for a block of `height` (plus any heading waiting to be drawn above it), breaking
   * the page if needed, then draws the waiting headings. Every block calls this before drawing,
   * which is what keeps a heading on the same page as the first lines under it.
   */
  ensure(height: number): void {
    const pendingHeight = this.pending.reduce((s, p) => s + p.height, 0);
    if (this.y + pendingHeight + height > this.bottom + EPS && this.y > this.top) this.newPage();
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.draw();
  }

  gap(height: number): void {
    this.y = Math.min(this.y + height, this.bottom);
  }

  /**
   * Selects the font and size of `s`: all that measuring needs. The colour is set by put(), just
   * before drawing: pdfkit writes every colour it is given to the page, measured text or not.
   */
  private typeface(s: TextStyle): void {
    this.doc.font(s.bold ? FONT.bold : FONT.regular).fontSize(s.size ?? 9);
  }

  /**
   * Text as the current font can print it. A character the font has no glyph for (an emoji, a
   * rare CJK Extension B character in a name) would print as an empty box and vanish from the
   * text layer, and PDF/A forbids showing .notdef: it is written as its code point, "[U+20BB7]",
   * so nothing is lost silently. Control characters (a TAB in a raw row) become spaces.
   */
  private printable(text: string): string {
    if (text === '') return ' ';
    if (/^[\x20-\x7e\n]*$/.test(text)) return text;
    // pdfkit's current font wraps the fontkit font it parsed; asking it spares a second parse.
    const font = (this.doc as unknown as { _font?: { font?: { hasGlyphForCodePoint?: (cp: number) => boolean } } })._font?.font;
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      if (ch === '\n' || (cp >= 0x20 && cp <= 0x7e)) out += ch;
      else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += ' ';
      else if (!font?.hasGlyphForCodePoint || font.hasGlyphForCodePoint(cp)) out += ch;
      else out += `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
    }
    return out;
  }

  /**
   * The height `text` takes when wrapped at `width`.
   *
   * Half the texts are measured again (by put(), after the block that drew them measured them to
   * make room), and wrapping is most of a report's time; so each text's number of lines is kept.
   * The height is not: pdfkit's heightOfString adds each line's height to the cursor and
   * subtracts the cursor, so its last bits depend on where the cursor is. heightOfLines repeats
   * that sum, and a count is kept only if it gives back pdfkit's very height. Counts are kept
   * for the thread's later reports too (`measured`), which take them by replaying the words the
   * measurement laid out rather than wrapping the text again.
   */
  measure(text: string, width: number, s: TextStyle = {}): number {
    return this.layout(text, width, s).height;
  }

  /** measure(), with how the text wraps where that is kept (undefined where pdfkit's height was not a whole count). */
  private layout(text: string, width: number, s: TextStyle): { height: number; wrapping?: Wrapping } {
    this.typeface(s);
    const key = measureKey(text, width, s);
    const wrapping = this.lineCounts.get(key);
    if (wrapping !== undefined) return { height: this.heightOfLines(wrapping.lines), wrapping };
    const known = measured.get(key);
    if (known && replayLayout(this.doc, known.trace)) {
      this.lineCounts.set(key, known);
      return { height: this.heightOfLines(known.lines), wrapping: known };
    }
    const number = NUMBER.test(text);
    if (number) {
      const shapeWidth = numberShapes.get(numberShape(text, width, s));
      // widthOfString lays the number out in this document, as measuring it would have.
      if (shapeWidth !== undefined && this.doc.widthOfString(text) === shapeWidth) {
        const oneLine: Wrapping = { lines: 1, oneWord: true, text: [text] };
        this.lineCounts.set(key, oneLine);
        return { height: this.heightOfLines(1), wrapping: oneLine };
      }
    }
    const printable = this.printable(text);
    const { value: wrapped, trace } = traceLayout(this.doc, () => wrapLines(this.doc, printable, width) ?? { height: this.doc.heightOfString(printable, { width }) });
    const { height } = wrapped;
    const counted = Math.round(height / this.doc.currentLineHeight(true));
    if (this.heightOfLines(counted) !== height) return { height };
    const lines = 'lines' in wrapped && wrapped.lines.length === counted ? wrapped.lines : undefined;
    const measuredHere: Wrapping = { lines: counted, oneWord: oneWord(printable, trace), text: lines };
    this.lineCounts.set(key, measuredHere);
    if (number && counted === 1 && measuredHere.oneWord && lines?.[0] === text) {
      // The measurement laid out the number and nothing else (oneWord): what the shortcut above does.
      numberShapes.set(numberShape(text, width, s), this.doc.widthOfString(text));
    } else if (trace && !known) {
      measured.set(key, { ...measuredHere, trace });
    }
    return { height, wrapping: measuredHere };
  }

  /** What heightOfString gives for `lines` lines of the current font and size, from the cursor. */
  private heightOfLines(lines: number): number {
    const lineHeight = this.doc.currentLineHeight(true);
    const start = this.doc.y;
    let y = start;
    for (let i = 0; i < lines; i++) y += lineHeight;
    return y - start;
  }

  /**
   * Draws text at a position without moving the cursor; returns its height. Text measured to fit
   * on one line (and, centred, to be one word) is drawn without pdfkit's line wrapper, where that
   * draws the same (_lines.ts); so are the lines of a longer text its measurement kept, left or
   * right aligned: wrapping a paragraph measures each of its words (each CJK character is one),
   * drawing its lines measures each line once.
   */
  put(text: string, x: number, y: number, width: number, s: TextStyle = {}): number {
    const { height, wrapping } = this.layout(text, width, s);
    this.doc.fillColor(s.color ?? COLORS.text);
    const align = s.align ?? 'left';
    const printable = this.printable(text);
    const oneLine = wrapping?.lines === 1 && (align !== 'center' || wrapping.oneWord);
    const lines = wrapping?.lines !== 1 ? wrapping?.text : undefined;
    const drawn =
      linesDrawnDirectly() &&
      ((oneLine && drawLine(this.doc, printable, x, y, width, align)) || (lines !== undefined && align !== 'center' && drawLines(this.doc, lines, x, y, width, align)));
    if (!drawn) {
      this.doc.text(printable, x, y, { width, align });
    }
    return height;
  }

  /** A paragraph across the text block (or from `indent`), moved to the next page if it does not fit. */
  paragraph(text: string, s: TextStyle = {}, after = 4, indent = 0): void {
    const width = this.width - indent;
    const height = this.measure(text, width, s);
    this.ensure(Math.min(height, this.bottom - this.top));
    this.flow(text, this.left + indent, width, s, () => this.newPage());
    this.y += after;
  }

  /**
   * Draws text at the cursor. Text taller than what is left of the page (a reject reason quoting
   * a very long raw line) is split where the page ends and continued after `breakPage`, instead
   * of letting pdfkit open a page behind the cursor's back.
   */
  private flow(text: string, x: number, width: number, s: TextStyle, breakPage: () => void): void {
    let rest = text;
    for (;;) {
      const height = this.measure(rest, width, s);
      if (this.y + height <= this.bottom + EPS) {
        this.y += this.put(rest, x, this.y, width, s);
        return;
      }
      const [head, tail] = this.splitToFit(rest, width, s, this.bottom - this.y);
      if (head === '' && this.y <= this.top) {
        // Not one character fits on an empty page (cannot happen at report sizes): draw, don't loop.
        this.y += this.put(rest, x, this.y, width, s);
        return;
      }
      if (head !== '') this.y += this.put(head, x, this.y, width, s);
      rest = tail;
      breakPage();
    }
  }

  /** The longest head of `text` (in code points) that fits in `room` points at `width`, and the rest. */
  private splitToFit(text: string, width: number, s: TextStyle, room: number): [string, string] {
    const chars = Array.from(text);
    let lo = 0;
    let hi = chars.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.measure(chars.slice(0, mid).join(''), width, s) <= room + EPS) lo = mid;
      else hi = mid - 1;
    }
    return [chars.slice(0, lo).join(''), chars.slice(lo).join('')];
  }

  /**
   * A top-level section: a bookmark and a heading with a rule under it. The heading is drawn with
   * the first block that follows it, so it never stands alone at the bottom of a page.
   */
  section(title: string, options: { newPage?: boolean } = {}): void {
    if (options.newPage && this.y > this.top) {
      this.ensure(0);
      this.newPage();
    }
    const style: TextStyle = { size: 13, bold: true, color: COLORS.accent };
    this.pending.push({
      height: 8 + this.measure(title, this.width, style) + 10,
      draw: () => {
        if (this.y > this.top) this.y += 8;
        this.currentSection = this.doc.outline.addItem(title);
        this.y += this.put(title, this.left, this.y, this.width, style) + 2;
        this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.8).strokeColor(COLORS.accent).stroke();
        this.y += 8;
      },
    });
  }

  /** A heading inside a section, bookmarked under it; drawn with the block that follows, like section(). */
  subsection(title: string): void {
    const style: TextStyle = { size: 10.5, bold: true, color: COLORS.text };
    this.pending.push({
      height: 4 + this.measure(title, this.width, style) + 5,
      draw: () => {
        if (this.y > this.top) this.y += 4;
        (this.currentSection ?? this.doc.outline).addItem(title);
        this.y += this.put(title, this.left, this.y, this.width, style) + 5;
      },
    });
  }

  /** Label/value pairs in two columns; values wrap, never cut. */
  keyValues(rows: [string, string][], options: { labelWidth?: number; size?: number } = {}): void {
    const labelWidth = options.labelWidth ?? 150;
    const size = options.size ?? 9;
    const valueWidth = this.width - labelWidth;
    for (const [label, value] of rows) {
      const height = Math.max(this.measure(label, labelWidth - 8, { size }), this.measure(value, valueWidth, { size }));
      this.ensure(height + 3);
      this.put(label, this.left, this.y, labelWidth - 8, { size, color: COLORS.muted });
      this.put(value, this.left + labelWidth, this.y, valueWidth, { size });
      this.y += height + 3;
    }
  }

  /** A boxed one-line statement, e.g. "本期未发现问题 / No findings". */
  notice(text: string, tone: 'ok' | 'warn' = 'ok'): void {
    const style: TextStyle = { size: 10, bold: true, color: tone === 'ok' ? COLORS.okText : COLORS.orange };
    const height = this.measure(text, this.width - 24, style) + 14;
    this.ensure(height);
    this.doc
      .roundedRect(this.left, this.y, this.width, height, 3)
      .lineWidth(0.8)
      .fillAndStroke(tone === 'ok' ? COLORS.okFill : COLORS.warnFill, tone === 'ok' ? COLORS.okLine : COLORS.warnLine);
    this.put(text, this.left + 12, this.y + 7, this.width - 24, style);
    this.y += height + 8;
  }

  /**
   * Big figures side by side (a label above each value), for the first lines of a summary.
   */
  figures(items: { label: string; value: string; color?: string }[]): void {
    const cell = this.width / items.length;
    const heights = items.map(
      (i) => this.measure(i.label, cell - 12, { size: 8 }) + this.measure(i.value, cell - 12, { size: 15, bold: true }),
    );
    const height = Math.max(...heights) + 16;
    this.ensure(height);
    items.forEach((item, n) => {
      const x = this.left + n * cell;
      this.doc.rect(x + 2, this.y, cell - 4, height).fill(COLORS.headerFill);
      const labelHeight = this.put(item.label, x + 8, this.y + 6, cell - 16, { size: 8, color: COLORS.muted });
      this.put(item.value, x + 8, this.y + 6 + labelHeight, cell - 16, { size: 15, bold: true, color: item.color ?? COLORS.text });
    });
    this.y += height + 10;
  }

  /**
   * A table. The header row is drawn again at the top of every page the table continues on; a row
   * that does not fit in what is left of the page moves whole to the next page. A row taller than
   * a whole page (a pathological message) is split between its cells and its spanning lines, and
   * a spanning line taller than a page is continued on the next one, under the header again.
   */
  table(spec: TableSpec): void {
    const size = spec.size ?? 8;
    const scale = this.width / spec.columns.reduce((s, c) => s + c.width, 0);
    const widths = spec.columns.map((c) => c.width * scale);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((s, w) => s + w, 0));
    const linesFrom = spec.linesFromColumn ?? 0;
    const linesX = (xs[linesFrom] ?? this.left) + PAD_X;
    const linesWidth = this.right - linesX - PAD_X;

    const headerHeight = Math.max(...spec.columns.map((c, i) => this.measure(c.header, (widths[i] ?? 0) - 2 * PAD_X, { size, bold: true }))) + 2 * PAD_Y;
    const drawHeader = () => {
      this.doc.rect(this.left, this.y, this.width, headerHeight).fill(COLORS.headerFill);
      spec.columns.forEach((c, i) =>
        this.put(c.header, (xs[i] ?? 0) + PAD_X, this.y + PAD_Y, (widths[i] ?? 0) - 2 * PAD_X, { size, bold: true, color: COLORS.text, align: c.align ?? 'left' }),
      );
      this.y += headerHeight;
      this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.6).strokeColor(COLORS.rule).stroke();
    };
    const breakPage = () => {
      this.newPage();
      drawHeader();
    };

    const measureRow = (row: TableRow) => {
      const cellsHeight =
        Math.max(...row.cells.map((text, i) => this.measure(text, (widths[i] ?? 0) - 2 * PAD_X, { size, bold: row.bold }))) + 2 * PAD_Y;
      const lineHeights = (row.lines ?? []).map((l) => this.measure(l.text, linesWidth, { size, ...l }) + 1);
      return { cellsHeight, lineHeights, total: cellsHeight + lineHeights.reduce((s, h) => s + h, 0) + (lineHeights.length ? PAD_Y : 0) };
    };
    const drawCells = (row: TableRow, height: number) => {
      row.cells.forEach((text, i) =>
        this.put(text, (xs[i] ?? 0) + PAD_X, this.y + PAD_Y, (widths[i] ?? 0) - 2 * PAD_X, {
          size,
          bold: row.bold,
          color: row.cellColors?.[i] ?? COLORS.text,
          align: spec.columns[i]?.align ?? 'left',
        }),
      );
      this.y += height;
    };
    const drawLine = (line: RowLine, height: number) => {
      this.put(line.text, linesX, this.y, linesWidth, { size, ...line });
      this.y += height;
    };
    const separator = () => {
      this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.4).strokeColor(COLORS.hairline).stroke();
    };

    const bodyRoom = this.bottom - this.top - headerHeight;
    const first = spec.rows[0] ? measureRow(spec.rows[0]) : undefined;
    // Keep the header with its first row; a row taller than a page only needs its cells and a line.
    this.ensure(headerHeight + (first ? (first.total <= bodyRoom ? first.total : first.cellsHeight + 40) : 0));
    drawHeader();
    spec.rows.forEach((row, n) => {
      const m = measureRow(row);
      const fill = row.fill ?? (spec.zebra && n % 2 === 1 ? COLORS.zebra : undefined);
      if (m.total <= bodyRoom + EPS) {
        if (this.y + m.total > this.bottom + EPS) breakPage();
        if (fill) this.doc.rect(this.left, this.y, this.width, m.total).fill(fill);
        drawCells(row, m.cellsHeight);
        (row.lines ?? []).forEach((l, i) => drawLine(l, m.lineHeights[i] ?? 0));
        if (m.lineHeights.length) this.y += PAD_Y;
      } else {
        if (this.y + m.cellsHeight > this.bottom + EPS) breakPage();
        drawCells(row, m.cellsHeight);
        for (const line of row.lines ?? []) {
          this.flow(line.text, linesX, linesWidth, { size, ...line }, breakPage);
          this.y += 1;
        }
      }
      separator();
    });
    this.y += 6;
  }

  /**
   * Finishes the document: the running head and the footer ("Page X of Y" and the report id) on
   * every page, then the bytes.
   */
  async finish(): Promise<Buffer> {
    this.ensure(0);
    const doc = this.doc;
    const { start, count } = doc.bufferedPageRange();
    for (let i = start; i < start + count; i++) {
      doc.switchToPage(i);
      const page = doc.page;
      const saved = { ...page.margins };
      // Text below the bottom margin would make pdfkit open a new page: lift the margins while
      // writing in them.
      page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
      const n = i - start + 1;
      if (n > 1) {
        this.put(this.meta.runningHead, this.left, 26, this.width, { size: 7.5, color: COLORS.muted });
        doc.moveTo(this.left, MARGIN.top - 14).lineTo(this.right, MARGIN.top - 14).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
      }
      const footerY = page.height - MARGIN.bottom + 18;
      doc.moveTo(this.left, footerY - 6).lineTo(this.right, footerY - 6).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
      this.put(`报告编号 Report ID: ${this.meta.reportId}`, this.left, footerY, this.width * 0.6, { size: 7.5, color: COLORS.muted });
      this.put(`第 ${n} 页 / 共 ${count} 页 · Page ${n} of ${count}`, this.left + this.width * 0.6, footerY, this.width * 0.4, {
        size: 7.5,
        color: COLORS.muted,
        align: 'right',
      });
      page.margins = saved;
    }
    doc.end();
    await this.ended;
    return Buffer.concat(this.chunks);
  }
}
