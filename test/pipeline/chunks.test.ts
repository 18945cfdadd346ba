import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkBuilder, ChunkReader, ChunkTable, forEachLine, sourceBytes, type ChunkRef, type ChunkSource } from '../../src/pipeline/bulk/_chunks.js';

/**
 * Spilled chunks are read into memory a thread reuses from one task to the next (_chunks.ts,
 * ChunkReader). What a task reads must be the bytes stage 1 wrote, however many chunks it reads,
 * however large they are, and whatever the task before it read.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'settle-audit-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `lines` as stage 1 stores them, in chunks of `perChunk` lines, to one spill file. */
function spill(name: string, lines: string[], perChunk: number): { sources: ChunkSource[]; expected: [number, number, string][][] } {
  const file = path.join(dir, name);
  const parts: Buffer[] = [];
  const sources: ChunkSource[] = [];
  const expected: [number, number, string][][] = [];
  let offset = 0;
  for (let from = 0; from < lines.length; from += perChunk) {
    const builder = new ChunkBuilder(16);
    const chunk: [number, number, string][] = [];
    lines.slice(from, from + perChunk).forEach((line, i) => {
      const bytes = Buffer.from(line, 'latin1');
      builder.add(bytes, 0, bytes.length, from + i, i % 7);
      chunk.push([from + i, i % 7, line]);
    });
    const data = Buffer.concat(builder.pieces());
    parts.push(data);
    sources.push({ kind: 'file', path: file, offset, length: data.length });
    expected.push(chunk);
    offset += data.length;
  }
  writeFileSync(file, Buffer.concat(parts));
  return { sources, expected };
}

/** Reads every source with one reader, then lists each chunk's lines: after all are read, as a task holds them. */
function readAll(sources: ChunkSource[]): [number, number, string][][] {
  const reader = new ChunkReader(sources.reduce((n, s) => n + sourceBytes(s), 0));
  try {
    const chunks = sources.map((s) => reader.read(s));
    return chunks.map((chunk) => {
      const lines: [number, number, string][] = [];
      forEachLine(chunk, (index, merchant, start, end) => lines.push([index, merchant, chunk.toString('latin1', start, end)]));
      return lines;
    });
  } finally {
    reader.close();
  }
}

describe('ChunkReader', () => {
  it('gives back the lines stage 1 wrote, task after task, the later tasks reusing the memory of the earlier', () => {
    const line = (task: string, i: number) => `${task}${i},898310000014078,${'x'.repeat(i % 50)},219.78`;
    const first = spill('first', Array.from({ length: 2_000 }, (_, i) => line('a', i)), 300);
    const second = spill('second', Array.from({ length: 1_500 }, (_, i) => line('b', i)), 200);
    expect(readAll(first.sources)).toEqual(first.expected);
    expect(readAll(second.sources)).toEqual(second.expected);
    expect(readAll(first.sources)).toEqual(first.expected);
  });

  it('keeps the chunks read before the memory had to grow: a task larger than any before it', () => {
    // 40 MiB in four chunks: more than the 16 MiB the reader starts with, and more than twice it.
    const long = 'y'.repeat(1024 * 1024 - 40);
    const big = spill('big', Array.from({ length: 40 }, (_, i) => `${i},${long}`), 10);
    expect(readAll(big.sources)).toEqual(big.expected);
    const small = spill('small', ['1,a', '2,b', '3,c'], 2);
    expect(readAll(small.sources)).toEqual(small.expected);
  });

  it('names the spill file that ends before a chunk does', () => {
    const { sources } = spill('short', ['1,a', '2,b'], 2);
    const [source] = sources as [Extract<ChunkSource, { kind: 'file' }>];
    expect(() => readAll([{ ...source, length: source.length + 10 }])).toThrow(/short: spill file ends at \d+, expected \d+ bytes/);
  });
});

describe('ChunkTable', () => {
  it('gives back each bucket’s chunks as they were added, spilled or in memory, past its first room', () => {
    const table = new ChunkTable();
    const added: ChunkRef[] = [];
    // Ranges arrive in any order; each range's chunks are a flush's buckets in the order they were met.
    for (const range of [3, 0, 2, 1]) {
      for (let flush = 0; flush < 4; flush++) {
        for (const bucket of [5, 0, 9, 2, 7, 1]) {
          const at = added.length;
          const source: ChunkSource =
            bucket === 9 ? { kind: 'memory', data: Buffer.alloc(at + 1, at) } : { kind: 'file', path: path.join(dir, `s0-r${range}.bin`), offset: at * 1_000_003 * 1_000, length: at + 1 };
          const ref = { bucket, range, source };
          added.push(ref);
          table.add(ref);
        }
      }
    }
    expect(added.length).toBeGreaterThan(64);
    expect(table.bucketsWithChunks()).toEqual([0, 1, 2, 5, 7, 9]);
    for (let bucket = 0; bucket <= 10; bucket++) {
      const refs = added.filter((r) => r.bucket === bucket);
      expect(table.refsOf(bucket)).toEqual(refs);
      expect(table.bytesOf(bucket)).toBe(refs.reduce((n, r) => n + sourceBytes(r.source), 0));
    }
    // A chunk added after the table was asked: asked again, it is there.
    const late: ChunkRef = { bucket: 12, range: 4, source: { kind: 'file', path: path.join(dir, 's0-r4.bin'), offset: 0, length: 8 } };
    table.add(late);
    expect(table.refsOf(12)).toEqual([late]);
    expect(table.bucketsWithChunks()).toEqual([0, 1, 2, 5, 7, 9, 12]);
  });
});
