/**
 * The font subsets the reports embed, written by _subset.ts: byte for byte what fontkit's own
 * encoder writes, for the glyphs of real report text and for glyphs from across each font.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { SubsetWriter, type FontSubset, type TrueTypeFont, type TrueTypeGlyph } from '../../src/reports/pdf/_subset.js';

const require = createRequire(import.meta.url);
const FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
} as const;

type Font = TrueTypeFont & { getGlyph(id: number): TrueTypeGlyph; layout(text: string): { glyphs: { id: number }[] } };

/** The fontkit font pdfkit opens from the bytes (pdfkit bundles the fontkit it uses). */
function fontkitFont(bytes: Buffer): Font {
  const doc = new PDFDocument({ font: '', autoFirstPage: false });
  doc.font(bytes);
  return (doc as unknown as { _font: { font: Font } })._font.font;
}

const TEXT =
  '商户结算审计报告 Merchant settlement audit report · 上海味道餐饮有限公司（898310048990001）' +
  '收单金额与收银销售均为销售减去退货、撤销后的净额。1,234,567.89 元 — 第 1 页 / 共 2 页 · Page 1 of 2 ' +
  'SHA-256 26dbccfc6966d5481e3023b7457198352f298137235609acbba0a54fe78d 约翰・史密斯 [U+20BB7]';

describe.each(['regular', 'bold'] as const)('subsets of Noto Sans SC %s', (variant) => {
  const bytes = readFileSync(FILES[variant]);
  const font = fontkitFont(bytes);
  const writer = SubsetWriter.create(font, bytes, (id) => font.getGlyph(id));
  const subsetOf = (ids: readonly number[]): FontSubset => {
    const subset = font.createSubset();
    for (const id of ids) subset.includeGlyph(id);
    return subset;
  };
  // A fixed pseudo-random walk over the whole font, in no particular order, with repeats.
  const scattered = Array.from({ length: 400 }, (_, i) => (i * 7919 + 13) % font.numGlyphs);

  it('is used for these fonts', () => {
    expect(writer).not.toBeNull();
  });

  it.each([
    ['only .notdef', []],
    ["a report's text, in order of first use", font.layout(TEXT).glyphs.map((g) => g.id)],
    ['glyphs from across the font', scattered],
    ['the last glyph', [font.numGlyphs - 1]],
  ] as const)('%s: the bytes fontkit writes', (_, ids) => {
    const written = writer!.encode(subsetOf(ids));
    expect(written).not.toBeNull();
    expect(Buffer.from(written!).equals(Buffer.from(subsetOf(ids).encode()))).toBe(true);
  });
});
