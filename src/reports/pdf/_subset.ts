/**
 * The TrueType subsets pdfkit embeds, written directly instead of through fontkit's encoder.
 *
 * Why. Every report embeds a subset of each font it uses: the glyphs it draws, renumbered from 0.
 * fontkit's TTFSubset.encode (fontkit 2.0.4) copies each glyph from the font's glyf table, then
 * writes the subset's tables through restructure's generic encoder, field by field and glyph by
 * glyph. Profiling a run of a thousand merchant reports showed that encoding at about a tenth of
 * a report's time. Yet of the tables a subset has, only loca, glyf and hmtx depend on its glyphs;
 * the others are the font's, with the subset's number of glyphs in two places (hhea's
 * numberOfHMetrics, maxp's numGlyphs).
 *
 * What this does. A subset's glyphs are copied from the font file; loca, glyf and hmtx are
 * written directly; every other table is taken from a subset fontkit encoded once, with the two
 * counts set. The result is meant to be fontkit's bytes exactly, and is checked: once per thread,
 * a probe subset is written both ways and compared; if they differ, or the font is not a plain
 * TrueType font this was written for, the writer is not used and fontkit encodes, as before.
 * A composite glyph (made of others, which fontkit renumbers and adds to the subset) is left to
 * fontkit too: the report fonts have none, so that path would go untested. What a glyph
 * contributes (its bytes and metrics) is a function of the font alone, so it is kept per thread;
 * which glyphs a subset has, and in what order, stays the document's.
 */

/** A fontkit TrueType glyph: the members read here. */
export interface TrueTypeGlyph {
  readonly advanceWidth: number;
  _getMetrics(): { readonly leftBearing: number };
}

/** fontkit's subset (TTFSubset): the glyphs in subset order, and how to add one. */
export interface FontSubset {
  readonly glyphs: readonly number[];
  includeGlyph(id: number): number;
  encode(): Uint8Array;
}

/** A fontkit TrueType font: the members read here. */
export interface TrueTypeFont {
  readonly directory: { readonly tables: Readonly<Record<string, { readonly offset: number; readonly length: number } | undefined>> };
  readonly loca: { readonly version: number; readonly offsets: readonly number[] };
  readonly numGlyphs: number;
  readonly _variationProcessor: unknown;
  createSubset(): FontSubset;
}

/** What a glyph puts in a subset, the same in every document. */
interface GlyphData {
  /** Its glyf entry, as in the font file (a view, not a copy). */
  readonly bytes: Uint8Array;
  /** numberOfContours < 0: a glyph made of others. */
  readonly composite: boolean;
  readonly advance: number;
  readonly bearing: number;
}

/** OpenType `hhea`: numberOfHMetrics, a uint16 at byte 34. */
const HHEA_METRICS_AT = 34;
/** OpenType `maxp`: numGlyphs, a uint16 at byte 4. */
const MAXP_GLYPHS_AT = 4;
/** The tables written for each subset; the others are copied from the reference subset. */
const PER_SUBSET = new Set(['loca', 'glyf', 'hmtx']);

/** One table of the reference subset, in the order fontkit writes them. */
interface Table {
  readonly tag: string;
  readonly bytes: Uint8Array;
}

/** Writes the subsets of one font, as fontkit's TTFSubset.encode would. */
export class SubsetWriter {
  private readonly data = new Map<number, GlyphData>();

  private constructor(
    private readonly fileBytes: Uint8Array,
    private readonly glyfOffset: number,
    private readonly longOffsets: boolean,
    private readonly offsets: readonly number[],
    private readonly tables: readonly Table[],
    private readonly glyph: (id: number) => TrueTypeGlyph,
  ) {}

  /**
   * The writer for `font`, parsed from `fileBytes`, whose glyph `id` is `glyph(id)`; null if the
   * font is not one this writes, or if a probe subset written here differs from fontkit's.
   * `font` is a view for probing: its subsets are encoded by fontkit here.
   */
  static create(font: TrueTypeFont, fileBytes: Uint8Array, glyph: (id: number) => TrueTypeGlyph): SubsetWriter | null {
    try {
      const glyf = font.directory.tables.glyf;
      const version = font.loca.version;
      if (!glyf || font.directory.tables['CFF '] || font._variationProcessor || (version !== 0 && version !== 1)) return null;
      const subsetOf = (ids: readonly number[]) => {
        const subset = font.createSubset();
        for (const id of ids) subset.includeGlyph(id);
        return subset;
      };
      const tables = directory(subsetOf([]).encode());
      if (!tables || !tables.some((t) => t.tag === 'hhea') || !tables.some((t) => t.tag === 'maxp')) return null;
      const writer = new SubsetWriter(fileBytes, glyf.offset, version === 1, font.loca.offsets, tables, glyph);
      // The probe: glyphs from across the font.
      const probe = glyphsAcross(font.numGlyphs, 12);
      const written = writer.encode(subsetOf(probe));
      return written && equalBytes(subsetOf(probe).encode(), written) ? writer : null;
    } catch {
      return null;
    }
  }

  /** The bytes of `subset`, fontkit's TTFSubset.encode's; null if it has a composite glyph (fontkit's to write). */
  encode(subset: FontSubset): Uint8Array | null {
    const glyphs: Uint8Array[] = [];
    const metrics: GlyphData[] = [];
    for (const id of subset.glyphs) {
      const data = this.glyphData(id);
      if (data.composite) return null;
      glyphs.push(data.bytes);
      metrics.push(data);
    }
    const n = glyphs.length;
    const glyfLength = glyphs.reduce((sum, g) => sum + g.length, 0);
    const sizes = new Map<string, number>([
      ['loca', (n + 1) * (this.longOffsets ? 4 : 2)],
      ['glyf', glyfLength],
      ['hmtx', n * 4],
    ]);
    const headerLength = 12 + 16 * this.tables.length;
    const total = this.tables.reduce((sum, t) => sum + (sizes.get(t.tag) ?? t.bytes.length), headerLength);
    const out = new Uint8Array(total);
    // Numbers written through a DataView, as restructure (fontkit's encoder) writes them.
    const view = new DataView(out.buffer);
    const tag = (text: string, at: number) => {
      for (let i = 0; i < 4; i++) out[at + i] = text.charCodeAt(i);
    };
    // The table directory as fontkit writes it: tag "true", checksums left 0, tables in its order, unpadded.
    tag('true', 0);
    const count = this.tables.length;
    const power = 2 ** Math.floor(Math.log2(count));
    view.setUint16(4, count);
    view.setUint16(6, power * 16);
    view.setUint16(8, Math.log2(power));
    view.setUint16(10, count * 16 - power * 16);
    let at = headerLength;
    this.tables.forEach((table, i) => {
      const length = sizes.get(table.tag) ?? table.bytes.length;
      const entry = 12 + 16 * i;
      tag(table.tag, entry);
      view.setUint32(entry + 8, at);
      view.setUint32(entry + 12, length);
      if (!PER_SUBSET.has(table.tag)) {
        out.set(table.bytes, at);
        if (table.tag === 'hhea') view.setUint16(at + HHEA_METRICS_AT, n);
        if (table.tag === 'maxp') view.setUint16(at + MAXP_GLYPHS_AT, n);
      } else if (table.tag === 'glyf') {
        let p = at;
        for (const g of glyphs) {
          out.set(g, p);
          p += g.length;
        }
      } else if (table.tag === 'loca') {
        let offset = 0;
        for (let g = 0; g <= n; g++) {
          if (this.longOffsets) view.setUint32(at + 4 * g, offset);
          else view.setUint16(at + 2 * g, offset >>> 1);
          offset += glyphs[g]?.length ?? 0;
        }
      } else {
        metrics.forEach((m, g) => {
          view.setUint16(at + 4 * g, m.advance);
          view.setInt16(at + 4 * g + 2, m.bearing);
        });
      }
      at += length;
    });
    return out;
  }

  /** Glyph `id`'s bytes, components and metrics, read once per thread. */
  private glyphData(id: number): GlyphData {
    let data = this.data.get(id);
    if (data === undefined) {
      const start = this.offsets[id];
      const end = this.offsets[id + 1];
      if (start === undefined || end === undefined) throw new RangeError(`glyph ${id}: not in the font's loca table`);
      const bytes = this.fileBytes.subarray(this.glyfOffset + start, this.glyfOffset + end);
      const glyph = this.glyph(id);
      // numberOfContours, an int16 at the start of a glyph, is negative for a composite glyph.
      const composite = bytes.length >= 2 && bytes[0]! >= 0x80;
      data = { bytes, composite, advance: glyph.advanceWidth, bearing: glyph._getMetrics().leftBearing };
      this.data.set(id, data);
    }
    return data;
  }
}

/** About `count` glyph ids spread evenly over a font's glyphs, and glyph 1. */
function glyphsAcross(numGlyphs: number, count: number): number[] {
  return [...new Set([1, ...Array.from({ length: count }, (_, i) => Math.floor(((i + 1) * (numGlyphs - 1)) / (count + 1)))])];
}

/** The tables of a font file (an sfnt), in the order of its directory; null if it is not one. */
function directory(bytes: Uint8Array): Table[] | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 12 || b.toString('latin1', 0, 4) !== 'true') return null;
  const count = b.readUInt16BE(4);
  const tables: Table[] = [];
  for (let i = 0; i < count; i++) {
    const entry = 12 + 16 * i;
    const offset = b.readUInt32BE(entry + 8);
    const length = b.readUInt32BE(entry + 12);
    if (offset + length > b.length) return null;
    tables.push({ tag: b.toString('latin1', entry, entry + 4), bytes: b.subarray(offset, offset + length) });
  }
  return tables;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
