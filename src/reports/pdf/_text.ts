/**
 * The reports' text: measured, wrapped and drawn here, from the fonts' own metrics, one glyph per
 * character; pdfkit keeps the document (pages, fonts and their subsets, bookmarks, attachments).
 *
 * Why not pdfkit's text(). It shapes every word with fontkit (OpenType substitution and
 * positioning lookups), wraps every text again with its line wrapper, and writes each line glyph
 * by glyph with its positioning; a thousand merchant reports spent about half of their time
 * there, and more on the caches built to avoid doing it again (BENCHMARKS.md, the fifteenth and
 * sixteenth rounds). The reports print Chinese, Latin letters, digits and punctuation in Noto Sans SC,
 * which need no shaping: each character is drawn as the glyph the font's cmap gives it, at its
 * advance width, with no kerning and no ligatures, which is how the text also measures. A text is
 * wrapped at the break opportunities of Unicode line breaking (UAX #14, the `linebreak` package
 * pdfkit itself uses), line by line as long as the words fit, and a word longer than a whole line
 * is cut between characters.
 *
 * Each document registers the glyphs it draws in its own subset of the font (pdfkit's
 * EmbeddedFont): their widths, and the code point each stands for, the first the document drew
 * with it, for the ToUnicode map that text extraction and search read. The same text always
 * gives the same bytes.
 */
import LineBreaker from 'linebreak';
import { parsedFont, type EmbeddedFont, type FontkitFont, type Variant } from './_fonts.js';

/** Text attributes. Sizes are points. */
export interface TextStyle {
  size?: number;
  bold?: boolean;
  color?: string;
  align?: 'left' | 'right' | 'center';
}

/** Slack for float sums when deciding whether a line fits its width, in points. */
const FIT_EPS = 1e-6;

/** A report font as text is measured in it, the same for every document of this thread. */
export class Typeface {
  /** Above the baseline, in thousandths of the size (pdfkit's EmbeddedFont.ascender). */
  readonly ascender: number;
  /** A line's height per point of size: ascender, line gap and descender (pdfkit's lineHeight with the gap). */
  private readonly lineHeightPerPoint: number;
  /** Thousandths of the size per font unit. */
  private readonly scale: number;
  /** Glyph id of each code point of the Basic Multilingual Plane, -1 until looked up. */
  private readonly bmp = new Int32Array(0x10000).fill(-1);
  private readonly astral = new Map<number, number>();
  /** Advance width of each glyph looked up, in thousandths of the size. */
  private readonly advances = new Map<number, number>();
  /** For DocumentFace: which document last registered each BMP code point, and as which subset glyph. */
  readonly markedIn = new Uint32Array(0x10000);
  readonly ownGlyph = new Uint16Array(0x10000);

  constructor(private readonly font: FontkitFont) {
    this.scale = 1000 / font.unitsPerEm;
    this.ascender = font.ascent * this.scale;
    this.lineHeightPerPoint = (font.ascent + font.lineGap - font.descent) * this.scale / 1000;
  }

  /** The glyph the font draws `codePoint` with; 0 (.notdef) where it has none. */
  glyph(codePoint: number): number {
    if (codePoint < 0x10000) {
      let id = this.bmp[codePoint]!;
      if (id < 0) {
        id = this.lookUp(codePoint);
        this.bmp[codePoint] = id;
      }
      return id;
    }
    let id = this.astral.get(codePoint);
    if (id === undefined) {
      id = this.lookUp(codePoint);
      this.astral.set(codePoint, id);
    }
    return id;
  }

  private lookUp(codePoint: number): number {
    return this.font.hasGlyphForCodePoint(codePoint) ? this.font.glyphForCodePoint(codePoint).id : 0;
  }

  /** Glyph `id`'s advance width in thousandths of the size. */
  advance(id: number): number {
    let advance = this.advances.get(id);
    if (advance === undefined) {
      advance = this.font.getGlyph(id).advanceWidth * this.scale;
      this.advances.set(id, advance);
    }
    return advance;
  }

  has(codePoint: number): boolean {
    return this.glyph(codePoint) !== 0;
  }

  /** The width of `text` at `size`, in points. */
  width(text: string, size: number): number {
    let sum = 0;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      // A surrogate pair is one character; a lone surrogate stays one unit (printable() removes those).
      if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.length && text.codePointAt(i)! > 0xffff) {
        cp = text.codePointAt(i)!;
        i++;
      }
      sum += this.advance(this.glyph(cp));
    }
    return (sum * size) / 1000;
  }

  lineHeight(size: number): number {
    return this.lineHeightPerPoint * size;
  }

  /**
   * Text as the font can print it. A character the font has no glyph for (an emoji, a rare CJK
   * Extension B character in a name) would print as an empty box and vanish from the text layer,
   * and PDF/A forbids showing .notdef: it is written as its code point, "[U+20BB7]", so nothing is
   * lost silently. Control characters (a TAB in a raw row) become spaces; a newline stays a line break.
   */
  printable(text: string): string {
    if (text === '') return ' ';
    if (/^[\x20-\x7e\n]*$/.test(text)) return text;
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      if (ch === '\n' || (cp >= 0x20 && cp <= 0x7e)) out += ch;
      else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += ' ';
      else if (this.has(cp)) out += ch;
      else out += `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
    }
    return out;
  }

  /**
   * The lines `text` (printable) wraps into at `width` points: at its newlines, then wherever
   * the next word would not fit. Lines keep no trailing spaces; an empty line stays one line.
   */
  wrap(text: string, width: number, size: number): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split('\n')) this.wrapParagraph(paragraph, width, size, lines);
    return lines;
  }

  private wrapParagraph(text: string, width: number, size: number, lines: string[]): void {
    if (this.width(text, size) <= width + FIT_EPS) {
      lines.push(text.trimEnd());
      return;
    }
    const breaker = new LineBreaker(text);
    let line = '';
    /** The line's width with its trailing spaces: a word after it starts there. */
    let lineWidth = 0;
    let last = 0;
    for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) {
      const word = text.slice(last, bk.position);
      last = bk.position;
      const wordWidth = this.width(word, size);
      const inkWidth = this.width(word.trimEnd(), size);
      if (lineWidth + inkWidth <= width + FIT_EPS) {
        line += word;
        lineWidth += wordWidth;
        continue;
      }
      if (inkWidth <= width + FIT_EPS) {
        if (line !== '') lines.push(line.trimEnd());
        line = word;
        lineWidth = wordWidth;
        continue;
      }
      // A word wider than any line (a hash, a long file name) goes on from where the line is, cut
      // between characters as the lines fill (as pdfkit's wrapper cuts it), at least one a line.
      for (const ch of word) {
        const w = this.width(ch, size);
        if (line !== '' && lineWidth + w > width + FIT_EPS && ch.trim() !== '') {
          lines.push(line.trimEnd());
          line = '';
          lineWidth = 0;
        }
        line += ch;
        lineWidth += w;
      }
    }
    if (line !== '' || lines.length === 0) lines.push(line.trimEnd());
  }
}

let typefaces: Record<Variant, Typeface> | undefined;

/** The thread's typefaces, over the report fonts (parsed once per thread, _fonts.ts). */
export function reportTypefaces(): Record<Variant, Typeface> {
  typefaces ??= { regular: new Typeface(parsedFont('regular')), bold: new Typeface(parsedFont('bold')) };
  return typefaces;
}

/** pdfkit's document: the members text is drawn with. */
interface PdfkitPage {
  page: { fonts: Record<string, unknown> };
  addContent(operators: string): unknown;
}

/** A number as written in the page content: at most three decimals, which is a thousandth of a point. */
const pdfNumber = (n: number): string => String(Math.round(n * 1000) / 1000);

/** Colours as content operators, "#RRGGBB" to "r g b rg". */
const fillColors = new Map<string, string>();

function fillColor(hex: string): string {
  let op = fillColors.get(hex);
  if (op === undefined) {
    const rgb = /^#[0-9a-f]{6}$/i.test(hex) ? Number.parseInt(hex.slice(1), 16) : 0;
    const part = (shift: number) => pdfNumber(((rgb >> shift) & 0xff) / 255);
    op = `${part(16)} ${part(8)} ${part(0)} rg`;
    fillColors.set(hex, op);
  }
  return op;
}

/** 4-digit hex of each number below 65 536, made as needed: a subset glyph's code in the page content. */
const HEX: string[] = [];
const hex4 = (n: number): string => (HEX[n] ??= n.toString(16).padStart(4, '0'));

/** The number of the last document of this thread, for DocumentFace's marks, counted modulo 2^32 - 1. */
let documentSerial = 0;

/**
 * One document's use of a typeface: the glyphs it drew, each registered in its subset the first
 * time. Which code points of the Basic Multilingual Plane a document has registered is marked in
 * two arrays its thread's documents share (the document's serial number, and the glyph's number in
 * the subset), instead of a map per document: a report draws thousands of characters, and the map
 * was a twentieth of its time. A document that finds another's mark registers the code point
 * again, which gives the same subset glyph (the subset numbers each glyph once).
 */
class DocumentFace {
  /** Never 0, the arrays' mark for no document. */
  private readonly serial = (documentSerial = (documentSerial + 1) % 0xffffffff) + 1;
  private readonly astral = new Map<number, string>();

  constructor(
    readonly face: Typeface,
    readonly embedded: EmbeddedFont,
  ) {}

  /** `text` as the hex string of its glyphs in this document's subset, registering new ones. */
  encode(text: string): string {
    const { markedIn, ownGlyph } = this.face;
    let hex = '';
    for (let i = 0; i < text.length; i++) {
      const cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.length && text.codePointAt(i)! > 0xffff) {
        const astral = text.codePointAt(i)!;
        i++;
        let h = this.astral.get(astral);
        if (h === undefined) {
          h = hex4(this.register(astral));
          this.astral.set(astral, h);
        }
        hex += h;
      } else if (markedIn[cp] === this.serial) {
        hex += hex4(ownGlyph[cp]!);
      } else {
        const own = this.register(cp);
        markedIn[cp] = this.serial;
        ownGlyph[cp] = own;
        hex += hex4(own);
      }
    }
    return hex;
  }

  /** Code point `cp`'s glyph in this document's subset, added to it if new. */
  private register(cp: number): number {
    const id = this.face.glyph(cp);
    const { subset, widths, unicode } = this.embedded;
    const own = subset.includeGlyph(id);
    // A glyph two code points share (U+0020 and U+00A0) keeps the first it was drawn for.
    if (unicode[own] === undefined) {
      widths[own] = this.face.advance(id);
      unicode[own] = [cp];
    }
    return own;
  }
}

/** Text in one document: measured in the thread's typefaces, drawn in the document's subsets. */
export class DocumentText {
  private readonly faces: Record<Variant, DocumentFace>;

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    typefaces: Record<Variant, Typeface>,
    embedded: Record<Variant, EmbeddedFont>,
  ) {
    this.faces = {
      regular: new DocumentFace(typefaces.regular, embedded.regular),
      bold: new DocumentFace(typefaces.bold, embedded.bold),
    };
  }

  typeface(s: TextStyle): Typeface {
    return this.faces[s.bold ? 'bold' : 'regular'].face;
  }

  /**
   * Draws `lines` of style `s` from (x, y), the top of the first line, aligned in `width`; one
   * line under the other, a line height apart, as wrap() gave them.
   */
  draw(lines: readonly string[], x: number, y: number, width: number, s: TextStyle, color: string): void {
    const own = this.faces[s.bold ? 'bold' : 'regular'];
    const { face, embedded } = own;
    const size = s.size ?? 9;
    const lineHeight = face.lineHeight(size);
    const fonts = (this.doc as unknown as PdfkitPage).page.fonts;
    if (fonts[embedded.id] === undefined) fonts[embedded.id] = embedded.ref();
    let ops = `${fillColor(color)}\nBT\n/${embedded.id} ${pdfNumber(size)} Tf`;
    let drawn = false;
    lines.forEach((line, i) => {
      if (line === '') return;
      let at = x;
      if (s.align === 'right' || s.align === 'center') {
        const room = width - face.width(line, size);
        at += s.align === 'right' ? room : room / 2;
      }
      // The page's user space has y going down (pdfkit flips it): the text matrix flips the glyphs back up.
      const baseline = y + i * lineHeight + (face.ascender / 1000) * size;
      ops += `\n1 0 0 -1 ${pdfNumber(at)} ${pdfNumber(baseline)} Tm\n<${own.encode(line)}> Tj`;
      drawn = true;
    });
    if (drawn) (this.doc as unknown as PdfkitPage).addContent(`${ops}\nET`);
  }
}
