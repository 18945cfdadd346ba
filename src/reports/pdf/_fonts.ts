/**
 * The report fonts, Noto Sans SC regular and bold: parsed once per thread and shared by every
 * report rendered in it, and embedded in each document by pdfkit, as a subset of the glyphs the
 * document draws.
 *
 * pdfkit parses a font anew for every document (pdfkit 0.20's `PDFFontFactory.open` builds a
 * fontkit font from the bytes). A run writes one report per merchant, a thousand near-identical
 * documents, so the fontkit font is parsed once here and given to each document instead of its
 * bytes: pdfkit accepts a fontkit font wherever it accepts font bytes, and keeps what is the
 * document's (its subset, the widths and code points of the glyphs it embeds) in an EmbeddedFont
 * of the document's own. The text engine (_text.ts) fills that subset as it draws.
 *
 * Each document's subset is written by _subset.ts, which keeps each glyph's bytes and metrics per
 * thread, instead of fontkit's encoder (same bytes, checked once per thread), and is stored in the
 * PDF as it is, not deflated (_streams.ts says why).
 *
 * What this relies on in pdfkit (0.20.2) is checked on every document (embeddedFont): a pdfkit
 * that does not have it fails the report with an error saying so, not with a broken PDF.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { AuditError, ErrorCode } from '../../model/errors.js';
import { storedAsIs } from './_streams.js';
import { SubsetWriter, type FontSubset, type TrueTypeFont, type TrueTypeGlyph } from './_subset.js';

const require = createRequire(import.meta.url);

/** Noto Sans SC (SIL OFL), regular and bold: every glyph the reports draw, CJK included. */
const FONT_FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
} as const;

/** The names the fonts are registered by in each document. */
const FONT = { regular: 'NotoSansSC-Regular', bold: 'NotoSansSC-Bold' } as const;

export type Variant = keyof typeof FONT;

/** A fontkit glyph: the members read here. */
interface FontkitGlyph {
  readonly id: number;
  readonly advanceWidth: number;
}

/** A fontkit font: the members read here and by the text engine. */
export interface FontkitFont {
  readonly unitsPerEm: number;
  readonly ascent: number;
  readonly descent: number;
  readonly lineGap: number;
  getGlyph(id: number): FontkitGlyph;
  glyphForCodePoint(codePoint: number): FontkitGlyph;
  hasGlyphForCodePoint(codePoint: number): boolean;
}

/** pdfkit's EmbeddedFont (js/pdfkit.js): what the text engine fills and reads. */
export interface EmbeddedFont {
  /** The name pdfkit gave the font in this document (F1, F2): its resource name on the pages. */
  readonly id: string;
  /** The document's subset of the font: glyph ids in the font, renumbered from 0 in order of use. */
  readonly subset: FontSubset;
  /** Advance width of each subset glyph, in thousandths of the font size (the PDF's /W array). */
  readonly widths: number[];
  /** Code points of each subset glyph (the PDF's ToUnicode map, which text extraction reads). */
  readonly unicode: (readonly number[])[];
  /** The font's dictionary, created on first use: a font a document never draws with is not written. */
  ref(): unknown;
}

/** A report font of this thread: parsed once, and the writer of its subsets. */
interface ReportFont {
  readonly parsed: FontkitFont;
  /** Writes the documents' subsets (_subset.ts); null where fontkit's encoder is used. */
  readonly subsets: SubsetWriter | null;
}

/** A document's current font, which pdfkit keeps in `_font` (js/pdfkit.js, FontsMixin.font). */
const currentFont = (doc: PDFKit.PDFDocument) => (doc as unknown as { _font?: unknown })._font;

let fonts: Record<Variant, ReportFont> | undefined;

/** The thread's report fonts, parsed the first time a report asks. */
function reportFonts(): Record<Variant, ReportFont> {
  fonts ??= { regular: open('regular'), bold: open('bold') };
  return fonts;
}

/** Parses a font file as pdfkit does, in a probe document, and takes its fontkit font. */
function open(variant: Variant): ReportFont {
  const bytes = readFileSync(FONT_FILES[variant]);
  const probe = new PDFDocument({ font: '', autoFirstPage: false });
  probe.font(bytes);
  const parsed = (currentFont(probe) as { font?: unknown } | undefined)?.font as FontkitFont | undefined;
  if (typeof parsed?.glyphForCodePoint !== 'function' || typeof parsed.unitsPerEm !== 'number') {
    throw unexpected(`its fonts do not carry a fontkit font (${FONT_FILES[variant]})`);
  }
  // The probe encodes a subset with fontkit on the shared font: that only caches glyphs there.
  const subsets = SubsetWriter.create(parsed as unknown as TrueTypeFont, bytes, (id) => parsed.getGlyph(id) as unknown as TrueTypeGlyph);
  return { parsed, subsets };
}

function unexpected(what: string): AuditError {
  return new AuditError(ErrorCode.INTERNAL, `PDF reports: pdfkit is not the version they were written for: ${what}`, {});
}

/** The fontkit font of a variant, shared by the thread's documents. */
export function parsedFont(variant: Variant): FontkitFont {
  return reportFonts()[variant].parsed;
}

/**
 * Registers the report fonts in `doc` under FONT's names and returns the document's EmbeddedFont
 * of each. Both are opened here, regular then bold: pdfkit numbers fonts in the order they are
 * opened (F1, F2) and names subsets after that number, so every report names them alike.
 */
export function useReportFonts(doc: PDFKit.PDFDocument): Record<Variant, EmbeddedFont> {
  const shared = reportFonts();
  const open = (variant: Variant): EmbeddedFont => {
    const font = shared[variant];
    // pdfkit takes a fontkit font where it takes bytes (PDFFontFactory.open); its type says bytes.
    doc.registerFont(FONT[variant], font.parsed as unknown as Buffer);
    doc.font(FONT[variant]);
    const embedded = embeddedFont(currentFont(doc));
    const { subset } = embedded;
    const writer = font.subsets;
    const fontkitEncode = subset.encode.bind(subset);
    subset.encode = () => storedAsIs(writer?.encode(subset) ?? fontkitEncode());
    return embedded;
  };
  const embedded = { regular: open('regular'), bold: open('bold') };
  doc.font(FONT.regular);
  return embedded;
}

/** `font` as an EmbeddedFont, checked: the members the text engine relies on. */
function embeddedFont(font: unknown): EmbeddedFont {
  const f = font as Partial<EmbeddedFont> | undefined;
  if (
    typeof f?.id !== 'string' ||
    typeof f.ref !== 'function' ||
    !Array.isArray(f.widths) ||
    !Array.isArray(f.unicode) ||
    typeof f.subset?.includeGlyph !== 'function' ||
    typeof f.subset.encode !== 'function'
  ) {
    throw unexpected('an embedded font lacks its id, subset, widths or code points');
  }
  return f as EmbeddedFont;
}
