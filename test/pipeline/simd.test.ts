import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARENA_KEPT, ChunkReader } from '../../src/pipeline/bulk/_chunks.js';
import { cutLine, wordsOf } from '../../src/pipeline/bulk/_screen-rows.js';
import { LineMemory } from '../../src/pipeline/bulk/_simd.js';
import { CUT_ALPHABET, everyLine } from '../_lines.js';

/**
 * The WebAssembly cutLine (assembly/lines.ts) stands in for the JavaScript one wherever a line
 * lies in the thread's line memory: it must cut every line as that one does, wherever the line's
 * commas and quotes fall in its 16-byte blocks, and read nothing of the bytes around it.
 */

const memory = LineMemory.load();

/** What cutting should give: the line split at each comma, or null where cutLine leaves the line to the parser. */
const expected = (line: string, cells: number): string[] | null => {
  const parts = line.split(',');
  return line === '' || !/^[0-9A-Za-z]/.test(line) || line.includes('"') || parts.length !== cells ? null : parts;
};

/** `line` at `offset` in the line memory, between bytes that must not count: the cells both cutLines give. */
function cutBoth(line: string, offset: number, around: string, cells: number) {
  const text = around.repeat(offset) + line + around.repeat(16);
  const buf = memory!.reserve(text.length);
  buf.write(text, 'latin1');
  const cellsOf = (ok: boolean, bounds: Int32Array) => (ok ? [...Array(cells).keys()].map((i) => text.slice(bounds[2 * i], bounds[2 * i + 1])) : null);
  const wasm = cellsOf(memory!.cutLine(buf, offset, offset + line.length, 0x2c, cells), memory!.bounds);
  const jsBounds = new Int32Array(2 * cells);
  const js = cellsOf(cutLine(buf, wordsOf(buf), offset, offset + line.length, 0x2c, cells, jsBounds), jsBounds);
  return { wasm, js };
}

describe('the line memory', () => {
  it('is built and loads (npm run build compiles assembly/lines.ts to dist/lines.wasm)', () => {
    expect(memory).toBeDefined();
  });

  it('cuts every short line as the JavaScript cutLine, at every offset from a 16-byte block', () => {
    // Every line of up to 4 bytes over a, comma, quote and a GBK byte pair's bytes, and longer
    // lines whose commas and quotes fall either side of a block's end.
    const lines = everyLine(CUT_ALPHABET, 4);
    lines.push('1,2,3,4,5,6,7,8,9', '123456789012345,6', '1234567890123456,', 'a"aaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaa,aaaa"', `a${',b'.repeat(40)}`);
    const wrong: string[] = [];
    let compared = 0;
    for (const line of lines) {
      for (let offset = 0; offset < 16; offset++) {
        for (const around of [',', '"', 'x']) {
          for (const cells of [1, 2, 3, 9, 41]) {
            const { wasm, js } = cutBoth(line, offset, around, cells);
            const want = expected(line, cells);
            if (JSON.stringify(wasm) !== JSON.stringify(want) || JSON.stringify(js) !== JSON.stringify(want)) {
              wrong.push(`${JSON.stringify(line)} at ${offset}, ${cells} cells: ${JSON.stringify(wasm)}`);
            }
            compared++;
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(compared).toBeGreaterThan(150_000);
  });

  it('cuts random lines of data rows as the JavaScript cutLine', () => {
    const byte = fc.constantFrom('0', '9', 'A', 'z', ',', ',', ',', '"', ' ', '.', '-', '\u00b0', '\u00a1', '\u00ff', '\t');
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 200 }), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 60 }), (chars, offset, cells) => {
        const line = chars.join('');
        const { wasm, js } = cutBoth(line, offset, 'x', cells);
        expect(wasm).toEqual(js);
        expect(wasm).toEqual(expected(line, cells));
      }),
      { numRuns: 20_000 },
    );
  });

  it('cuts a line that ends where the memory reserved ends', () => {
    const line = 'a,b,c';
    const buf = memory!.reserve(line.length);
    buf.write(line, 'latin1');
    expect(memory!.cutLine(buf, 0, line.length, 0x2c, 3)).toBe(true);
    expect([...memory!.bounds.subarray(0, 6)]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('leaves a line of more cells than it cuts to the parser', () => {
    const line = `a${',b'.repeat(300)}`;
    expect(cutBoth(line, 0, 'x', 301).wasm).toBeNull();
  });
});

describe('ChunkReader', () => {
  const sources = ['first,line', 'second', 'third,,'].map((text) => ({ kind: 'memory' as const, data: new Uint8Array(Buffer.from(text)) }));
  const bytes = sources.reduce((n, s) => n + s.data.byteLength, 0);

  it("reads a task's chunks into the line memory, one after another", () => {
    const reader = new ChunkReader(bytes);
    const chunks = sources.map((s) => reader.read(s));
    reader.close();
    expect(chunks.map((c) => c.toString())).toEqual(['first,line', 'second', 'third,,']);
    for (const c of chunks) expect(memory!.holds(c)).toBe(true);
    expect(chunks[1]!.byteOffset).toBe(chunks[0]!.byteOffset + chunks[0]!.length);
  });

  it('leaves chunks where they are when the task is more than the line memory keeps', () => {
    const reader = new ChunkReader(ARENA_KEPT + 1);
    const chunks = sources.map((s) => reader.read(s));
    reader.close();
    expect(chunks.map((c) => c.toString())).toEqual(['first,line', 'second', 'third,,']);
    for (const c of chunks) expect(memory!.holds(c)).toBe(false);
  });

  it('says so when a task reads more than it announced', () => {
    const reader = new ChunkReader(bytes - 1);
    expect(() => sources.map((s) => reader.read(s))).toThrow(/more than the 22 bytes announced/);
    reader.close();
  });
});
