import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseContract } from '../../src/model/contract.js';
import { bulkContext } from '../../src/pipeline/bulk/_context.js';
import { ChunkReader, UNKNOWN_MERCHANT, forEachLine, sourceBytes } from '../../src/pipeline/bulk/_chunks.js';
import { partitionRange } from '../../src/pipeline/bulk/partition.js';
import { SIMD_ENV } from '../../src/pipeline/bulk/_simd.js';
import type { PartitionResult, PartitionTask } from '../../src/pipeline/bulk/types.js';

/**
 * Stage 1 (partition.ts) hands stage 2 every line of its range, each in its merchant's bucket,
 * and within a bucket's chunk each merchant key's lines one after another, in the file's order.
 * A file with more merchant keys than have builders of their own (a file of merchants the
 * contract does not know) still loses no line, and keeps each key's lines in order.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'settle-audit-partition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = bulkContext(parseContract(readFileSync('samples/bundled/contracts.yaml', 'utf8'), 'contracts.yaml'));
const known = ctx.config.merchants.map((m) => m.id);

describe('a merchant key’s bucket', () => {
  it('is the contract’s merchants in turn, and a hash of any other key, the same in every thread', () => {
    const buckets = 4;
    // Six merchants in four buckets: two, two, one, one, whatever their ids hash to.
    expect(known.map((id) => ctx.bucketOf(id, buckets))).toEqual([0, 1, 2, 3, 0, 1]);
    // Another thread's context, from the same contract, agrees; so does it on keys the contract does not know.
    const other = bulkContext(ctx.config);
    const keys = [...known, '990000000000001', '990000000000002', 'ABC'];
    for (const b of [1, 3, 7, 4096]) expect(keys.map((k) => other.bucketOf(k, b))).toEqual(keys.map((k) => ctx.bucketOf(k, b)));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => ctx.bucketOf(`99${String(i).padStart(13, '0')}`, buckets)));
    expect(spread.size).toBe(buckets);
  });
});

/** A deterministic pseudo-random sequence, so that a failure can be run again. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Lines of the known merchants and of `unknown` other keys, interleaved as a month's file has them. */
function month(lines: number, unknown: number, seed: number): string[] {
  const next = random(seed);
  return Array.from({ length: lines }, (_, i) => {
    const merchant = next() < 0.5 ? known[Math.floor(next() * known.length)]! : `99${String(Math.floor(next() * unknown)).padStart(13, '0')}`;
    return `${merchant},2026-10-${String(1 + (i % 28)).padStart(2, '0')},${'x'.repeat(Math.floor(next() * 40))},${i}`;
  });
}

function partition(name: string, lines: string[], spill: boolean): PartitionResult {
  const file = path.join(dir, `${name}.csv`);
  const body = Buffer.from(`${lines.join('\n')}\n`, 'latin1');
  writeFileSync(file, body);
  const task: PartitionTask = {
    slot: 0,
    file,
    path: file,
    plan: { encoding: 'utf-8', delimiter: ',', merchantColumn: 0 },
    range: 0,
    start: 0,
    end: body.length,
    atEof: true,
    buckets: 5,
    ...(spill ? { spillPath: path.join(dir, `${name}.spill`) } : {}),
    flushBytes: 16 * 1024,
  };
  return partitionRange(task, ctx);
}

/** Each chunk's lines, as stage 2 reads them: [line index, merchant, text]. */
function chunksOf(result: PartitionResult): { bucket: number; lines: [number, number, string][] }[] {
  const reader = new ChunkReader(result.chunks.reduce((n, c) => n + sourceBytes(c.source), 0));
  try {
    return result.chunks.map((ref) => {
      const chunk = reader.read(ref.source);
      const lines: [number, number, string][] = [];
      forEachLine(chunk, (index, merchant, start, end) => lines.push([index, merchant, chunk.toString('latin1', start, end)]));
      return { bucket: ref.bucket, lines };
    });
  } finally {
    reader.close();
  }
}

describe('partitionRange', () => {
  for (const [label, unknown, spill] of [
    ['a month of known merchants and 300 others, spilled', 300, true],
    ['the same, in memory', 300, false],
    ['5 000 other merchant keys, more than have builders of their own, spilled', 5_000, true],
  ] as const) {
    it(`puts every line in its merchant's bucket, each key's lines together and in order: ${label}`, () => {
      // Over 4 MiB: more than one block read, so the buckets are flushed more than once.
      const lines = month(120_000, unknown, unknown);
      const result = partition(label.replace(/\W+/g, '-'), lines, spill);
      const chunks = chunksOf(result);
      expect(result.lines).toBe(lines.length);
      // Spilled, the buckets are written out more than once; in memory, once at the end.
      if (spill) expect(chunks.length).toBeGreaterThan(5);
      else expect(chunks.length).toBe(5);
      expect(Buffer.byteLength(lines.join('\n'))).toBeGreaterThan(4 * 1024 * 1024);

      const seen: string[] = [];
      const lastIndex = new Map<string, number>();
      const wrong = { bucket: 0, merchant: 0, order: 0 };
      let apart = 0;
      for (const { bucket, lines: chunk } of chunks) {
        const finished = new Set<string>();
        let previous: string | undefined;
        for (const [index, merchant, text] of chunk) {
          const key = text.slice(0, text.indexOf(','));
          if (bucket !== ctx.bucketOf(key, 5)) wrong.bucket++;
          if (merchant !== (known.includes(key) ? known.indexOf(key) : UNKNOWN_MERCHANT)) wrong.merchant++;
          if (index <= (lastIndex.get(key) ?? -1)) wrong.order++;
          lastIndex.set(key, index);
          if (key !== previous) {
            // A key seen earlier in this chunk and left: its lines were not kept together.
            if (finished.has(key)) apart++;
            if (previous !== undefined) finished.add(previous);
            previous = key;
          }
          seen[index] = text;
        }
      }
      expect(wrong).toEqual({ bucket: 0, merchant: 0, order: 0 });
      expect(seen).toEqual(lines);
      // Only the keys past the builders of their own share one, and interleave.
      if (unknown < 2_048) expect(apart).toBe(0);
      else expect(apart).toBeGreaterThan(0);
    });
  }
});

/**
 * Partitions a file of these bytes, its lines found by WebAssembly or (`simd` false) by
 * JavaScript: in memory, or spilled (`spill`), where each merchant key's lines are compared
 * whatever chunks they came in (the two ways flush at other points, which interleaves a bucket's
 * keys otherwise).
 */
function partitionBytes(name: string, body: Buffer, merchantColumn: number, simd: boolean, spill = false) {
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, body);
  const task: PartitionTask = {
    slot: 0,
    file,
    path: file,
    plan: { encoding: 'utf-8', delimiter: ',', merchantColumn },
    range: 0,
    start: 0,
    end: body.length,
    atEof: true,
    buckets: 5,
    flushBytes: 16 * 1024,
    ...(spill ? { spillPath: path.join(dir, `${name}.spill`) } : {}),
  };
  const saved = process.env[SIMD_ENV];
  process.env[SIMD_ENV] = simd ? 'on' : 'off';
  try {
    const result = partitionRange(task, ctx);
    const footers = result.footers.map((f) => [f.lineIndex, Buffer.from(f.bytes).toString('latin1')]);
    if (!spill) return { lines: result.lines, footers, chunks: chunksOf(result) };
    // Each merchant key's lines, in the order the chunks give them, by bucket.
    const keys = new Map<string, [number, number, string][]>();
    for (const { bucket, lines } of chunksOf(result)) {
      for (const line of lines) {
        const key = `${bucket} ${line[2].split(',')[merchantColumn]}`;
        const own = keys.get(key);
        if (own) own.push(line);
        else keys.set(key, [line]);
      }
    }
    return { lines: result.lines, footers, keys: [...keys].sort(([a], [b]) => a.localeCompare(b)) };
  } finally {
    if (saved === undefined) delete process.env[SIMD_ENV];
    else process.env[SIMD_ENV] = saved;
  }
}

describe('partitionRange, its lines found by WebAssembly or by JavaScript', () => {
  it('finds the same lines, footers and merchant cells both ways', () => {
    // Cells of every kind merchantCell reads: known merchants, others, text it trims or empties,
    // bytes it decodes, quotes; and the terminators and lines a footer or blank test looks at.
    // Plain cells the more often, so that most lines are of cells already seen.
    const plain = [known[0]!, known[1]!, '898310000099999', 'M1'];
    const cell = fc.constantFrom(...plain, ...plain, ...plain, '', '-', '--', ' 8983', '`8983', '=8983', '"8983,1"', '"a""b"', '商户', '\u00ff', 'a b', '#', '合计', '\t');
    const line = fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => cells.join(','));
    const terminator = fc.constantFrom('\n', '\n', '\n', '\r\n', '\r');
    fc.assert(
      // The rows over and over: a scanLines call ends at the first line of a cell it has not
      // learnt, and the lines after it are placed by the cells learnt. (The short lines' test
      // below fills calls of BATCH lines.)
      fc.property(fc.array(fc.tuple(line, terminator), { minLength: 1, maxLength: 60 }), fc.boolean(), fc.constantFrom(0, 1), (rows, lastEnds, column) => {
        const all = Array.from({ length: Math.ceil(9_000 / rows.length) }, () => rows).flat();
        const text = all.map(([l, t], i) => (i < all.length - 1 || lastEnds ? l + t : l)).join('');
        const body = Buffer.from(text, 'utf8');
        expect(partitionBytes('random-simd', body, column, true)).toEqual(partitionBytes('random-js', body, column, false));
      }),
      { numRuns: 150 },
    );
  });

  it('finds the same lines both ways when spilled, where the builders hold what WebAssembly staged until they flush', () => {
    // Rows of 30 to 300 bytes, 16 KiB flushed at a time: flushes between blocks and, where the
    // staged records fill their room, within one.
    const cell = fc.constantFrom(known[0]!, known[1]!, '898310000099999', 'M1', '"8983,1"', '合计');
    const row = fc.tuple(cell, fc.integer({ min: 20, max: 290 })).map(([c, n]) => `${c},${'v'.repeat(n)}`);
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), (rows) => {
        const all = Array.from({ length: Math.ceil(40_000 / rows.length) }, () => rows).flat();
        const body = Buffer.from(`${all.join('\n')}\n`, 'utf8');
        const simd = partitionBytes('spill-simd', body, 0, true, true);
        expect(simd).toEqual(partitionBytes('spill-js', body, 0, false, true));
        expect(simd.lines).toBe(all.length);
      }),
      { numRuns: 12 },
    );
  });

  it('finds the same lines both ways when spilled, where a block of short lines stages more records than their room holds', () => {
    // 4-byte lines and a few longer: a 4 MiB block's 800 000 records take 12 MiB with their
    // headers, more than the 8 MiB of room beside the read buffer, so the task flushes within it.
    const rows = ['M1,1', 'M2,2', 'M1,3', 'M2,4', 'M1,5', `${known[0]},6`];
    const body = Buffer.from(`${Array.from({ length: 1_200_000 }, (_, i) => rows[i % rows.length]).join('\n')}\n`, 'latin1');
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    const simd = partitionBytes('short-spill-simd', body, 0, true, true);
    expect(simd).toEqual(partitionBytes('short-spill-js', body, 0, false, true));
    expect(simd.lines).toBe(1_200_000);
  });

  it('finds the same lines both ways where a block of the file ends in a line, between CR and LF, or on a lone CR', () => {
    // The first 4 MiB block ends: within a line, on a CR before its LF, and on a lone CR.
    const BLOCK = 4 * 1024 * 1024;
    for (const [label, at] of [
      ['within a line', 'x'],
      ['between CR and LF', '\r\n'],
      ['on a lone CR', '\r'],
    ] as const) {
      const row = `${known[0]},2026-10-01,${'y'.repeat(80)}\n`;
      const head = row.repeat(Math.floor((BLOCK - 200) / row.length));
      const fill = `${known[1]},${'z'.repeat(BLOCK - head.length - known[1]!.length - 2)}`;
      const text = `${head}${fill}${at === 'x' ? 'x,tail\n' : `${at}`}${row.repeat(3)}`;
      const body = Buffer.from(text, 'latin1');
      // The block's last byte is the one the case names.
      expect(body[BLOCK - 1], label).toBe(at === 'x' ? 0x78 : 0x0d);
      const simd = partitionBytes(`block-${label.replace(/\W+/g, '-')}`, body, 0, true);
      expect(simd, label).toEqual(partitionBytes(`block-js-${label.replace(/\W+/g, '-')}`, body, 0, false));
      expect(simd.lines, label).toBe(text.split(/\r\n|\r|\n/).length - 1);
    }
  });

  it('finds the same lines both ways around a line longer than the read buffer (8 MiB), which grows for it', () => {
    const row = `${known[0]},2026-10-01,219.78\n`;
    const text = `${row.repeat(1000)}${known[1]},${'w'.repeat(9 * 1024 * 1024)}\n${row.repeat(1000)}`;
    const body = Buffer.from(text, 'latin1');
    const simd = partitionBytes('long-line', body, 0, true);
    expect(simd).toEqual(partitionBytes('long-line-js', body, 0, false));
    expect(simd.lines).toBe(2001);
    // Spilled, what the builders view of the line memory is written out before it grows: here
    // the 100 lines before the long one, less than a flush, still staged when it grows.
    const few = Buffer.from(`${row.repeat(100)}${known[1]},${'w'.repeat(9 * 1024 * 1024)}\n${row.repeat(100)}`, 'latin1');
    const spilled = partitionBytes('long-line-spill', few, 0, true, true);
    expect(spilled).toEqual(partitionBytes('long-line-spill-js', few, 0, false, true));
    expect(spilled.lines).toBe(201);
  });
});
