/**
 * The report fonts, parsed once per thread and shared by every report rendered in it.
 *
 * Why this reaches into pdfkit and fontkit. pdfkit parses a font anew for every document and lays
 * out every word anew in every document: pdfkit 0.20's `PDFFontFactory.open` builds a fontkit font
 * from the bytes, and its `EmbeddedFont` keeps the layout of each word in a cache of its own. A
 * run writes one report per merchant, a thousand near-identical documents, and profiling showed
 * two thirds of each report's time going to parsing the font tables, decoding glyph headers and
 * shaping (GSUB/GPOS) the same words again. pdfkit has no public way to share either, so this
 * module does it, in this one place, from the outside:
 *
 * - The fontkit font is parsed once (in a probe document) and each document gets a view of it
 *   (`Object.create`): the tables, decoded lazily, are shared; glyph objects are not (see below),
 *   but they inherit from shared ones the metrics and the decoded outline (SharedFont.baseGlyph).
 *   pdfkit accepts a fontkit font wherever it accepts font bytes.
 * - Each document's `EmbeddedFont.layoutCached` is replaced by one that looks in a layout cache
 *   shared by all documents before it shapes a word.
 * - Each document's font subset is written by _subset.ts, which keeps each glyph's bytes and
 *   metrics per thread, instead of fontkit's encoder (same bytes, checked once per thread), and
 *   is stored in the PDF as it is, not deflated (_streams.ts says why).
 * - A measurement of text (_layout.ts) can be traced: the words it laid out, in order, with their
 *   widths, so that another document can take its number of lines by laying out those words
 *   again instead of wrapping the text (traceLayout, replayLayout).
 *
 * What must stay per document, and why the sharing is shaped so. A fontkit glyph object remembers
 * the code points it was first asked for (`getGlyph(id, codePoints)` caches by id), and that
 * shows in the output: pdfkit writes them into the subset's ToUnicode map, and fontkit hides a
 * glyph whose first code point is a default-ignorable character. Glyphs shared by several code
 * points are common in Noto Sans SC (U+00B7/U+2022/U+30FB "·", U+0020/U+00A0, U+002D/U+00AD, CJK
 * radicals and compatibility ideographs): with a font per document, a document whose first middle
 * dot is U+30FB maps every "·" of its text back to U+30FB. To keep exactly that:
 * - each document's view has glyph objects of its own, which inherit the shared glyph's metrics
 *   and outline but carry the code points first asked for in that document;
 * - a shared layout records the glyph requests its shaping made, and is reused in a document only
 *   if replaying them there gives every glyph the code points the shaping saw; otherwise the word
 *   is shaped afresh for that document. So a report's bytes never depend on which reports were
 *   rendered before it in the same thread, and equal those of a font per document.
 * The font subset (which glyphs a document embeds, their widths and code points), the font's id
 * and its subset tag stay pdfkit's, per document.
 *
 * Guarded: the members relied on are checked once on a probe document (pdfkit 0.20.2,
 * fontkit 2.0.4); if they are not as expected, fonts are registered from their bytes, pdfkit's
 * plain path: slower, same output. The tests compare the reports byte for byte, and read back
 * the text of a report whose first middle dot is U+30FB.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { RecentMap } from './_recent-map.js';
import { storedAsIs } from './_streams.js';
import { SubsetWriter, type FontSubset, type TrueTypeFont, type TrueTypeGlyph } from './_subset.js';

const require = createRequire(import.meta.url);

/** Noto Sans SC (SIL OFL), regular and bold: every glyph the reports draw, CJK included. */
const FONT_FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
} as const;

/** The names the reports select the fonts by (`doc.font(FONT.bold)`). */
export const FONT = { regular: 'NotoSansSC-Regular', bold: 'NotoSansSC-Bold' } as const;

type Variant = keyof typeof FONT;

/**
 * Glyphs of word layouts a thread keeps per font, of the words most recently used: the labels and
 * common words every report draws stay, the amounts, references and sentences that occur once
 * make way. A layout holds objects per glyph, about 100 bytes a glyph, and a "word" is anything
 * between spaces: a sentence of Chinese is one. The compliance report of a month with a thousand
 * settlement-day findings lays out hundreds of thousands of glyphs: kept all, in the thread and
 * in the document, its rendering alone peaked at 727 MiB; kept so, at 382 MiB (BENCHMARKS.md).
 */
const SHARED_GLYPHS = 20_000;

/** Glyphs of word layouts a document keeps, of the words most recently used (pdfkit's own cache keeps all). */
const DOCUMENT_GLYPHS = 10_000;

/**
 * A number as the reports print amounts, counts and rates: digits, grouping commas, a decimal
 * point. A report prints a few dozen no report before it printed, and shaping each (fontkit's
 * substitution and positioning lookups) cost about 40 µs, a twentieth of a report. The report
 * fonts neither substitute nor kern among these characters: a number's layout is its characters'
 * layouts side by side (checked once per thread, composesNumbers; and on every pair of them and
 * 20 000 numbers of up to 16 characters, both fonts, when this was written). Their digits all
 * have one width (tabular figures), which _layout.ts's measurement of numbers relies on.
 */
export const NUMBER = /^[0-9.,]+$/;

/**
 * A number as pdfkit hands it to the layout cache: its text cut after each space, so a number
 * followed by more text comes with the space ("4,291 "). Composed too: the check below also
 * compares each of NUMBER's characters followed by a space.
 */
const NUMBER_WORD = /^[0-9.,]+ ?$/;

/** A word's size in a layout cache: its glyphs (at least 1, as the cache requires). */
const glyphCount = (run: { glyphIds?: readonly number[]; glyphs?: readonly unknown[] }): number => Math.max(1, (run.glyphIds ?? run.glyphs ?? []).length);

/** A fontkit glyph: the members read here. */
interface Glyph {
  readonly id: number;
  codePoints: readonly number[];
  readonly advanceWidth: number;
}

/** A fontkit font: the members read here. */
interface FontkitFont {
  getGlyph(id: number, codePoints?: readonly number[]): Glyph;
  hasGlyphForCodePoint(codePoint: number): boolean;
  layout(text: string): unknown;
}

/** The layout of one word as pdfkit's EmbeddedFont keeps it: positions scaled to 1000 units. */
interface Run {
  glyphs: readonly Glyph[];
  positions: readonly object[];
  advanceWidth: number;
}

/** pdfkit's EmbeddedFont (js/pdfkit.js): the members used here. */
interface EmbeddedFont {
  font: FontkitFont;
  /** The document's subset of the font, which `embed` encodes (fontkit's TTFSubset). */
  subset?: FontSubset;
  layoutCache?: Record<string, Run>;
  layoutRun(text: string): Run;
  layoutCached(text: string): Run;
}

/** One `getGlyph` call made while shaping a word: what was asked and the code points the glyph had. */
interface GlyphRequest {
  readonly id: number;
  readonly asked: readonly number[];
  readonly got: readonly number[];
}

/** A word's layout, shared across documents, with the glyph requests that produced it. */
interface SharedRun {
  readonly requests: readonly GlyphRequest[];
  readonly glyphIds: readonly number[];
  readonly positions: readonly object[];
  readonly advanceWidth: number;
}

/** A font parsed once per thread, its glyphs' metrics and outlines, and its words' layouts. */
class SharedFont {
  private readonly runs = new RecentMap<string, SharedRun>(SHARED_GLYPHS, glyphCount);
  private readonly bases = new Map<number, Glyph>();
  /** Writes the documents' subsets (_subset.ts); null where fontkit's encoder is used. */
  subsets: SubsetWriter | null = null;
  /** Whether numbers are laid out from their characters' layouts (NUMBER, composesNumbers). */
  composesNumbers = false;

  /**
   * @param fixedOutlines the font has no variations, so a glyph's outline is a function of its
   * id alone (fontkit's `_decode` of a variable font applies the variation coordinates).
   */
  constructor(
    readonly parsed: FontkitFont,
    private readonly fixedOutlines: boolean,
  ) {}

  /**
   * The thread's glyph `id`, for documents' glyphs to inherit: its metrics computed once and, for
   * a font without variations, its outline decoded once. fontkit decodes a glyph's outline anew
   * each time it is asked (`_decode`), and each document's subset asks for every glyph it embeds,
   * to find the components of a composite glyph: the largest cost of a report after shaping. The
   * decoded outline is frozen, so that anything that would change it throws.
   */
  baseGlyph(id: number): Glyph {
    let glyph = this.bases.get(id);
    if (glyph === undefined) {
      glyph = this.parsed.getGlyph(id);
      void glyph.advanceWidth;
      const decode = (glyph as { _decode?: unknown })._decode;
      if (this.fixedOutlines && typeof decode === 'function' && decode.length === 0) {
        const base = glyph;
        let outline: unknown;
        Object.defineProperty(glyph, '_decode', { value: () => (outline ??= frozen(decode.call(base))) });
      }
      this.bases.set(id, glyph);
    }
    return glyph;
  }

  run(text: string): SharedRun | undefined {
    return this.runs.get(text);
  }

  remember(text: string, run: SharedRun): void {
    if (!this.runs.has(text)) this.runs.set(text, run);
  }
}

/** A decoded outline, frozen with its arrays (points, components) and their items. */
function frozen<T>(outline: T): T {
  if (outline === null || typeof outline !== 'object') return outline;
  for (const member of Object.values(outline)) {
    if (!Array.isArray(member)) continue;
    for (const item of member) if (item !== null && typeof item === 'object') Object.freeze(item);
    Object.freeze(member);
  }
  return Object.freeze(outline);
}

/** Whether two lists of code points are equal. A loop: it runs for every glyph of every word reused. */
function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One document's view of a shared font: its own glyph objects, the shared tables and layouts. */
class DocumentFont {
  readonly view: FontkitFont;
  private readonly glyphs = new Map<number, Glyph>();
  /**
   * The document's layouts of the words it drew last. A word laid out again after its layout was
   * dropped gets the same one: its glyphs are the document's, whose code points were set when
   * first asked for.
   */
  private readonly runs = new RecentMap<string, Run>(DOCUMENT_GLYPHS, glyphCount);
  /**
   * The glyph requests of the word being shaped, while one is: the first for each glyph, since a
   * glyph's code points are set when it is created and a later request cannot change them.
   */
  private requests: Map<number, GlyphRequest> | undefined;
  /** While a measurement is traced (traceLayout): the words laid out, each the first time, with its width. */
  trace: Map<string, number> | undefined;

  constructor(private readonly shared: SharedFont) {
    // `_glyphs` of its own too: should a fontkit version create glyphs without calling getGlyph,
    // they would still be this document's, as with a font per document.
    this.view = Object.create(shared.parsed, {
      getGlyph: { value: (id: number, codePoints?: readonly number[]) => this.glyph(id, codePoints) },
      _glyphs: { value: {} },
    }) as FontkitFont;
  }

  /** fontkit's getGlyph for this document: a glyph keeps the code points first asked for here. */
  private glyph(id: number, codePoints: readonly number[] = []): Glyph {
    let glyph = this.glyphs.get(id);
    if (glyph === undefined) {
      glyph = Object.create(this.shared.baseGlyph(id)) as Glyph;
      glyph.codePoints = codePoints;
      this.glyphs.set(id, glyph);
    }
    if (this.requests && !this.requests.has(id)) this.requests.set(id, { id, asked: Object.freeze([...codePoints]), got: Object.freeze([...glyph.codePoints]) });
    return glyph;
  }

  /** Replaces pdfkit's EmbeddedFont.layoutCached: the document's cache, then the shared one, then shaping. */
  layoutCached(font: EmbeddedFont, text: string): Run {
    let run = this.runs.get(text);
    if (!run) {
      run = this.reuse(text) ?? this.composed(font, text) ?? this.shape(font, text);
      this.runs.set(text, run);
    }
    if (this.trace && !this.trace.has(text)) this.trace.set(text, run.advanceWidth);
    return run;
  }

  /**
   * The shared layout of `text`, if shaping it in this document would give the same: replaying its
   * glyph requests here gives every glyph the code points they had when it was shaped. Each
   * request is one the shaping would make at this point too (all before it answered the same), so
   * replaying a prefix before a mismatch leaves the document as shaping will.
   */
  private reuse(text: string): Run | undefined {
    const shared = this.shared.run(text);
    if (shared === undefined) return undefined;
    for (const request of shared.requests) {
      if (!sameNumbers(this.glyph(request.id, request.asked).codePoints, request.got)) return undefined;
    }
    return { glyphs: shared.glyphIds.map((id) => this.glyphs.get(id)!), positions: shared.positions, advanceWidth: shared.advanceWidth };
  }

  /**
   * A number's layout made of its characters' layouts in this document, as shaping it gives it
   * (NUMBER): their glyphs, asked for in the same order, and their positions; its advance width
   * added up as fontkit's GlyphRun adds it. Undefined for any other text. Not shared: most
   * numbers occur in one report.
   */
  private composed(font: EmbeddedFont, text: string): Run | undefined {
    if (!this.shared.composesNumbers || text.length < 2 || !NUMBER_WORD.test(text)) return undefined;
    const glyphs: Glyph[] = [];
    const positions: object[] = [];
    let advanceWidth = 0;
    for (const ch of text) {
      let one = this.runs.get(ch);
      if (!one) {
        one = this.reuse(ch) ?? this.shape(font, ch);
        this.runs.set(ch, one);
      }
      const position = one.positions[0] as { xAdvance?: unknown } | undefined;
      if (one.glyphs.length !== 1 || typeof position?.xAdvance !== 'number') return undefined;
      glyphs.push(one.glyphs[0]!);
      positions.push(position);
      advanceWidth += position.xAdvance;
    }
    return { glyphs, positions, advanceWidth };
  }

  /** Shapes `text` for this document (pdfkit's own layoutRun) and shares the result. */
  private shape(font: EmbeddedFont, text: string): Run {
    const requests = new Map<number, GlyphRequest>();
    this.requests = requests;
    let run: Run;
    try {
      run = font.layoutRun(text);
    } finally {
      this.requests = undefined;
    }
    // Shared only if every glyph of the result came from this document's getGlyph (so the replay
    // rebuilds the same run). Positions are frozen: pdfkit only reads them (it copies a position
    // before changing it for word spacing), and freezing makes any future change fail loudly.
    if (run.glyphs.every((g) => this.glyphs.get(g.id) === g)) {
      for (const p of run.positions) Object.freeze(p);
      this.shared.remember(text, { requests: [...requests.values()], glyphIds: run.glyphs.map((g) => g.id), positions: run.positions, advanceWidth: run.advanceWidth });
    }
    return run;
  }
}

/** A document's current font, which pdfkit keeps in `_font` (js/pdfkit.js, FontsMixin.font). */
const currentFont = (doc: PDFKit.PDFDocument) => (doc as unknown as { _font?: unknown })._font;

/** Each document's pdfkit fonts that share a thread's font, with their view of it. */
const documentFonts = new WeakMap<object, DocumentFont>();

/** The words a measurement laid out in a font, each the first time it did, in order, with its width. */
export type LayoutTrace = readonly (readonly [word: string, width: number])[];

/**
 * Runs `measure`, which lays text out in the document's current font, and records the words it
 * laid out (see replayLayout). No trace when the font is not shared: pdfkit's own then.
 */
export function traceLayout<T>(doc: PDFKit.PDFDocument, measure: () => T): { value: T; trace?: LayoutTrace } {
  const font = currentFont(doc);
  const own = typeof font === 'object' && font !== null ? documentFonts.get(font) : undefined;
  if (!own) return { value: measure() };
  const trace = new Map<string, number>();
  own.trace = trace;
  try {
    return { value: measure(), trace: [...trace] };
  } finally {
    own.trace = undefined;
  }
}

/**
 * Lays out in the document's current font the words of a measurement traced in another document
 * (of this thread) with the same text, font and size, and tells whether each has the width it had
 * there. If so, measuring here would lay out the same words in the same order (pdfkit's wrapping
 * decides from the text and the widths alone), so would give the same lines; and this document
 * is left as that measurement would leave it: the same words laid out in the same order, which
 * is what decides the code points of its glyphs. Stops at the first width that differs; up to
 * there, measuring would have laid out the same words too.
 */
export function replayLayout(doc: PDFKit.PDFDocument, trace: LayoutTrace): boolean {
  const font = currentFont(doc);
  if (!isEmbeddedFont(font) || !documentFonts.has(font)) return false;
  for (const [word, width] of trace) if (font.layoutCached(word).advanceWidth !== width) return false;
  return true;
}

function isEmbeddedFont(value: unknown): value is EmbeddedFont {
  const f = value as Partial<EmbeddedFont> | undefined;
  return (
    typeof f?.layoutRun === 'function' &&
    typeof f.layoutCached === 'function' &&
    typeof f.layoutCache === 'object' &&
    typeof f.font?.getGlyph === 'function' &&
    typeof f.font.layout === 'function' &&
    typeof f.font.hasGlyphForCodePoint === 'function'
  );
}

let fontBytes: Record<Variant, Buffer> | undefined;

/** The font files, read once per thread: a run renders one report per merchant. */
function bytesOf(variant: Variant): Buffer {
  fontBytes ??= { regular: readFileSync(FONT_FILES.regular), bold: readFileSync(FONT_FILES.bold) };
  return fontBytes[variant];
}

/** The thread's shared fonts; null when pdfkit or fontkit are not as this module expects. */
let sharedFonts: Record<Variant, SharedFont> | null | undefined;

function shared(): Record<Variant, SharedFont> | null {
  if (sharedFonts === undefined) {
    const open = (variant: Variant): SharedFont | null => {
      let font: unknown;
      try {
        const probe = new PDFDocument({ font: '', autoFirstPage: false });
        probe.font(bytesOf(variant));
        font = currentFont(probe);
      } catch {
        // Not the pdfkit this was written for: its plain path will tell what is wrong, if anything.
        return null;
      }
      // The layout engine is cached on the first font that shapes with it; it must be each view's
      // own (bound to the view's glyphs), so the parsed font must never have shaped anything.
      if (!isEmbeddedFont(font) || Object.hasOwn(font.font, '_layoutEngine')) return null;
      // Pure lookups that fontkit caches on the object that first asks: asked here, they are
      // computed once and inherited by every view, instead of once per document.
      font.font.hasGlyphForCodePoint(0x20);
      const variations = (font.font as { _variationProcessor?: unknown })._variationProcessor;
      const sharedFont = new SharedFont(font.font, variations === null);
      // Probed on a document's view, so that fontkit's own encoding there leaves the shared font as it was.
      const probe = new DocumentFont(sharedFont).view as unknown as TrueTypeFont;
      sharedFont.subsets = SubsetWriter.create(probe, bytesOf(variant), (id) => sharedFont.baseGlyph(id) as unknown as TrueTypeGlyph);
      sharedFont.composesNumbers = composesNumbers(new DocumentFont(sharedFont).view);
      return sharedFont;
    };
    const regular = open('regular');
    const bold = open('bold');
    sharedFonts = regular && bold ? { regular, bold } : null;
  }
  return sharedFonts;
}

/** Numbers shaped whole to compare with their characters' layouts: every character of NUMBER_WORD, long and short. */
const NUMBER_SAMPLES = ['1,234,567.89', '0.00', '9,876,543,210.05', '11.1', '00', '..', ',,', '3.1415926535', '4,291 ', '0.00 '];

/**
 * Whether `view`'s font lays out each of NUMBER_SAMPLES, every pair of NUMBER's characters
 * (all in one text, shaped once), and each of them followed by a space (a text each: a space
 * only ever ends a word), as its characters' layouts side by side: the same glyphs, each at its
 * own advance, no offset. Shapes on a document's view of its own, never on the shared font (see
 * shared()).
 */
function composesNumbers(view: FontkitFont): boolean {
  type Laid = { glyphs: readonly { id: number }[]; positions: readonly { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number }[] };
  const layout = (text: string) => view.layout(text) as Laid;
  try {
    const chars = [...'0123456789.,'];
    const one = new Map([...chars, ' '].map((c) => [c, layout(c)]));
    if ([...one.values()].some((r) => r.glyphs.length !== 1)) return false;
    const pairs = chars.flatMap((a) => chars.map((b) => a + b)).join('');
    return [...NUMBER_SAMPLES, pairs, ...chars.map((c) => `${c} `)].every((text) => {
      const whole = layout(text);
      const parts = [...text].map((c) => one.get(c)!);
      return (
        whole.glyphs.length === parts.length &&
        parts.every((p, i) => {
          const [g, q] = [whole.glyphs[i]!, whole.positions[i]!];
          const r = p.positions[0]!;
          return g.id === p.glyphs[0]!.id && q.xAdvance === r.xAdvance && q.yAdvance === r.yAdvance && q.xOffset === r.xOffset && q.yOffset === r.yOffset;
        })
      );
    });
  } catch {
    return false;
  }
}

/** Whether numbers are laid out from their characters in this thread, in both report fonts (composesNumbers). */
export function numbersComposed(): boolean {
  const fonts = shared();
  return fonts !== null && fonts.regular.composesNumbers && fonts.bold.composesNumbers;
}

/**
 * Registers the report fonts in `doc` under FONT's names and selects the regular one. Both are
 * opened here, regular then bold: pdfkit numbers fonts in the order they are opened (F1, F2) and
 * names subsets after that number, which is the order reports first used them in (the regular is
 * selected first), and a font a document never draws with is not written to it.
 */
export function useReportFonts(doc: PDFKit.PDFDocument): void {
  const fonts = shared();
  for (const variant of ['regular', 'bold'] as const) {
    const font = fonts?.[variant];
    if (!font) {
      doc.registerFont(FONT[variant], bytesOf(variant));
      doc.font(FONT[variant]);
      continue;
    }
    const own = new DocumentFont(font);
    // pdfkit takes a fontkit font where it takes bytes (PDFFontFactory.open); its type says bytes.
    doc.registerFont(FONT[variant], own.view as unknown as Buffer);
    doc.font(FONT[variant]);
    // Should pdfkit not have opened it as it did in the probe, the view still works as a font of
    // this document's own; only its words are not shared.
    const embedded = currentFont(doc);
    if (isEmbeddedFont(embedded) && embedded.font === own.view && embedded.layoutCache) {
      embedded.layoutCached = (text: string) => own.layoutCached(embedded, text);
      documentFonts.set(embedded, own);
      const { subset } = embedded;
      const writer = font.subsets;
      if (subset && typeof subset.encode === 'function') {
        const fontkitEncode = subset.encode.bind(subset);
        subset.encode = () => storedAsIs(writer?.encode(subset) ?? fontkitEncode());
      }
    }
  }
  doc.font(FONT.regular);
}
