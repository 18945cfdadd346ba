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
import { useReportFonts } from './_fonts.js';
import { RecentMap } from './_recent-map.js';
import { gatherOutput, writeStreams } from './_streams.js';
import { DocumentText, reportTypefaces, type TextStyle } from './_text.js';
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
 * How texts wrap, kept by the thread for every report it renders: a run's reports wrap the same
 * labels, headings and notes at the same widths, and wrapping depends on the thread's fonts
 * alone. By style and width, then by text, the most recently used up to WRAPS_KEPT of each.
 */
const wrapsByStyle = new Map<string, RecentMap<string, readonly string[]>>();
const WRAPS_KEPT = 4096;
/** Styles and widths kept at most: a layout of computed widths cannot grow the cache without end. */
const STYLES_KEPT = 512;

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
  private readonly chunks: Uint8Array[] = [];
  private readonly ended: Promise<void>;
  private currentSection: PDFKit.PDFOutline | undefined;
  /** Headings waiting for the block they introduce (see ensure). */
  private pending: { height: number; draw: () => void }[] = [];
  /** The document's text: measured, wrapped and drawn by _text.ts. */
  private readonly text: DocumentText;

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
    // Parsed once per thread for all the reports it renders, embedded as each document's subsets.
    this.text = new DocumentText(this.doc, reportTypefaces(), useReportFonts(this.doc));
    // pdfkit's XMP packet carries the creation date but not the modification date; PDF/A wants
    // every date of the information dictionary mirrored there.
    const xmpDate = `${when.toISOString().split('.')[0]}Z`;
    this.doc.appendXML(`
        <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
            <xmp:ModifyDate>${xmpDate}</xmp:ModifyDate>
            <xmp:MetadataDate>${xmpDate}</xmp:MetadataDate>
        </rdf:Description>`);
    // The document's bytes as pdfkit writes them; through its stream where they cannot be taken directly.
    if (!gatherOutput(this.doc, (bytes) => this.chunks.push(bytes))) this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    // Flowing, so that the stream ends (and 'end' is emitted) once pdfkit ends it.
    this.doc.resume();
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
   * The height `text` takes when wrapped at `width`: its number of lines times the line height of
   * its style.
   */
  measure(text: string, width: number, s: TextStyle = {}): number {
    return this.lines(text, width, s).length * this.text.typeface(s).lineHeight(s.size ?? 9);
  }

  /** The lines `text` wraps into at `width` in style `s`, as printable text (see Typeface.printable). */
  private lines(text: string, width: number, s: TextStyle): readonly string[] {
    const style = `${s.bold ? 'b' : 'r'} ${s.size ?? 9} ${width}`;
    let wraps = wrapsByStyle.get(style);
    if (wraps === undefined) {
      if (wrapsByStyle.size >= STYLES_KEPT) wrapsByStyle.clear();
      wraps = new RecentMap(WRAPS_KEPT);
      wrapsByStyle.set(style, wraps);
    }
    let lines = wraps.get(text);
    if (lines === undefined) {
      const face = this.text.typeface(s);
      lines = face.wrap(face.printable(text), width, s.size ?? 9);
      wraps.set(text, lines);
    }
    return lines;
  }

  /** Draws text at a position without moving the cursor; returns its height. */
  put(text: string, x: number, y: number, width: number, s: TextStyle = {}): number {
    const lines = this.lines(text, width, s);
    this.text.draw(lines, x, y, width, s, s.color ?? COLORS.text);
    return lines.length * this.text.typeface(s).lineHeight(s.size ?? 9);
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
    }
    doc.end();
    await this.ended;
    return Buffer.concat(this.chunks);
  }
}
