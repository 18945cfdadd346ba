import { closeSync, openSync, readSync } from 'node:fs';
import { LineMemory } from './_simd.js';

/**
 * The bytes stage 1 hands stage 2: per bucket, runs of lines, each stored as
 * `[u32 line index within its byte range][u32 merchant][u32 length][length bytes]`
 * (little-endian), the line without its terminator. `merchant` is the contract merchant the line
 * belongs to (its index in the config), or {@link UNKNOWN_MERCHANT}: stage 2 then groups lines
 * without reading their merchant cell again. A chunk lives in memory (transferred between threads, never copied) or,
 * when the input is larger than the memory budget, in a range's spill file.
 */
export type ChunkSource =
  | { kind: 'memory'; data: Uint8Array }
  | { kind: 'file'; path: string; offset: number; length: number };

/** A chunk's bytes, in memory or in its spill file. */
export function sourceBytes(source: ChunkSource): number {
  return source.kind === 'memory' ? source.data.byteLength : source.length;
}

/** A chunk of one bucket, from one byte range of one file. */
export interface ChunkRef {
  bucket: number;
  range: number;
  source: ChunkSource;
}

/** The `merchant` of a line whose merchant id the contract does not know: its key is read from the line. */
export const UNKNOWN_MERCHANT = 0xffffffff;

/** Bytes before each line's own. */
export const LINE_HEADER_BYTES = 12;

/**
 * A file's chunks as the main thread keeps them from stage 1 to the end of stage 3, in columns:
 * per chunk its bucket, range and place (a spill file's offset and length, or its bytes in
 * memory). A spilled month has a chunk per bucket, range and flush: 84 000 in the 10 M-row month,
 * four times the 5 M-row month's. As ChunkRefs (two objects and two strings each) they were 7 MiB
 * of the main thread's heap for the whole run; a task's ChunkRefs are made for it (refsOf).
 */
export class ChunkTable {
  private count = 0;
  private buckets = new Int32Array(64);
  private ranges = new Int32Array(64);
  private offsets = new Float64Array(64);
  private lengths = new Float64Array(64);
  /** Per chunk: the index of its spill file in `paths`, or -1 for a chunk in memory (`memory`). */
  private pathOf = new Int32Array(64);
  private readonly paths: string[] = [];
  private readonly memory = new Map<number, Uint8Array>();
  /** The chunks' indices by bucket (`order` from `starts[b]` to `starts[b + 1]`), made when first asked. */
  private order: Int32Array | undefined;
  private starts: Int32Array | undefined;

  add(ref: ChunkRef): void {
    if (this.count === this.buckets.length) this.grow();
    const i = this.count++;
    this.buckets[i] = ref.bucket;
    this.ranges[i] = ref.range;
    const source = ref.source;
    if (source.kind === 'memory') {
      this.pathOf[i] = -1;
      this.lengths[i] = source.data.byteLength;
      this.memory.set(i, source.data);
    } else {
      let p = this.paths.lastIndexOf(source.path);
      if (p < 0) p = this.paths.push(source.path) - 1;
      this.pathOf[i] = p;
      this.offsets[i] = source.offset;
      this.lengths[i] = source.length;
    }
    this.order = this.starts = undefined;
  }

  /** The buckets with a chunk, in increasing order. */
  bucketsWithChunks(): number[] {
    const { starts } = this.index();
    const out: number[] = [];
    for (let b = 0; b + 1 < starts.length; b++) if (starts[b + 1]! > starts[b]!) out.push(b);
    return out;
  }

  /** The chunks of `bucket`, in the order they were added. */
  refsOf(bucket: number): ChunkRef[] {
    const { order, starts } = this.index();
    const refs: ChunkRef[] = [];
    if (bucket + 1 >= starts.length) return refs;
    for (let k = starts[bucket]!; k < starts[bucket + 1]!; k++) {
      const i = order[k]!;
      const p = this.pathOf[i]!;
      const source: ChunkSource = p < 0 ? { kind: 'memory', data: this.memory.get(i)! } : { kind: 'file', path: this.paths[p]!, offset: this.offsets[i]!, length: this.lengths[i]! };
      refs.push({ bucket, range: this.ranges[i]!, source });
    }
    return refs;
  }

  /** The bytes of the chunks of `bucket`. */
  bytesOf(bucket: number): number {
    const { order, starts } = this.index();
    let n = 0;
    if (bucket + 1 < starts.length) for (let k = starts[bucket]!; k < starts[bucket + 1]!; k++) n += this.lengths[order[k]!]!;
    return n;
  }

  /** A counting sort of the chunks by bucket, stable: each bucket's in the order added. */
  private index(): { order: Int32Array; starts: Int32Array } {
    if (this.order && this.starts) return { order: this.order, starts: this.starts };
    let top = 0;
    for (let i = 0; i < this.count; i++) top = Math.max(top, this.buckets[i]! + 1);
    const starts = new Int32Array(top + 1);
    for (let i = 0; i < this.count; i++) starts[this.buckets[i]! + 1]!++;
    for (let b = 0; b < top; b++) starts[b + 1]! += starts[b]!;
    const next = starts.slice(0, top);
    const order = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) order[next[this.buckets[i]!]!++] = i;
    this.order = order;
    this.starts = starts;
    return { order, starts };
  }

  private grow(): void {
    const n = 2 * this.buckets.length;
    const grown = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
    this.buckets = grown(this.buckets, new Int32Array(n));
    this.ranges = grown(this.ranges, new Int32Array(n));
    this.offsets = grown(this.offsets, new Float64Array(n));
    this.lengths = grown(this.lengths, new Float64Array(n));
    this.pathOf = grown(this.pathOf, new Int32Array(n));
  }
}

/**
 * One bucket's (or merchant key's) lines, in order: records it copies into a growable buffer of
 * its own, and records made elsewhere that it holds without copying (addView).
 */
export class ChunkBuilder {
  private buf: Buffer;
  /** The bytes of all its records. */
  length = 0;
  /** The bytes of `buf` in use, and how many of them `held` lists already. */
  private own = 0;
  private ownHeld = 0;
  /** Its records so far, in order, where it holds views (addView); empty while it has none. */
  private readonly held: Buffer[] = [];

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Appends line [start, end) of `src`, whose index within its range is `lineIndex`. */
  add(src: Buffer, start: number, end: number, lineIndex: number, merchant: number): void {
    const need = this.own + LINE_HEADER_BYTES + (end - start);
    if (need > this.buf.length) this.grow(need);
    // Byte by byte: Buffer#writeUInt32LE checks its arguments on every call, a tenth of stage 1.
    const out = this.buf;
    const at = this.own;
    const length = end - start;
    out[at] = lineIndex;
    out[at + 1] = lineIndex >>> 8;
    out[at + 2] = lineIndex >>> 16;
    out[at + 3] = lineIndex >>> 24;
    out[at + 4] = merchant;
    out[at + 5] = merchant >>> 8;
    out[at + 6] = merchant >>> 16;
    out[at + 7] = merchant >>> 24;
    out[at + 8] = length;
    out[at + 9] = length >>> 8;
    out[at + 10] = length >>> 16;
    out[at + 11] = length >>> 24;
    src.copy(out, at + LINE_HEADER_BYTES, start, end);
    this.length += need - this.own;
    this.own = need;
  }

  /** Appends src[start, end): records as `add` makes them, made already (the line memory's stage). */
  addRecords(src: Buffer, start: number, end: number): void {
    const need = this.own + (end - start);
    if (need > this.buf.length) this.grow(need);
    src.copy(this.buf, this.own, start, end);
    this.length += end - start;
    this.own = need;
  }

  /**
   * Appends records made already, as addRecords does, without copying them: `records` must keep
   * its bytes until the builder is cleared.
   */
  addView(records: Buffer): void {
    this.holdOwn();
    this.held.push(records);
    this.length += records.length;
  }

  /** The records of `buf` not yet listed in `held`, listed there (once `held` is in use). */
  private holdOwn(): void {
    if (this.own > this.ownHeld) this.held.push(this.buf.subarray(this.ownHeld, this.own));
    this.ownHeld = this.own;
  }

  private grow(need: number): void {
    // Views of the old buffer in `held` keep it, and its bytes, until the builder is cleared.
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, this.ownHeld, this.ownHeld, this.own);
    this.buf = grown;
  }

  /** Its records so far, in order, to write out or copy at once: the builder then starts over (clear). */
  pieces(): Buffer[] {
    if (this.held.length === 0) return this.own === 0 ? [] : [this.buf.subarray(0, this.own)];
    this.holdOwn();
    return [...this.held];
  }

  clear(): void {
    this.length = 0;
    this.own = 0;
    this.ownHeld = 0;
    this.held.length = 0;
  }
}

/**
 * The memory a thread reads spilled chunks into when they are not read into its line memory
 * (below), reused by each task after the last: a bucket's chunks, about 16 MiB, read into new
 * memory every time, cost the kernel a page fault and a cleared page every 4 KiB (a 5 M-row month
 * reads 1.4 GB back). Kept between tasks up to ARENA_KEPT bytes; a larger one (a bucket of one
 * very large merchant) is let go.
 */
let arena = Buffer.alloc(0);
export const ARENA_KEPT = 64 * 1024 * 1024;

/**
 * Reads chunks' bytes (from memory or their spill files), keeping each spill file open until
 * `close`. The chunks a reader returns are valid until the next reader of the thread is made: one
 * task at a time, nothing of a chunk's bytes kept past its task (the parsers and the screen copy
 * what they keep).
 *
 * Where they go: all of them into the thread's line memory (_simd.ts), where the screen cuts
 * lines with WebAssembly, when the thread has one and they come to at most ARENA_KEPT bytes (the
 * line memory never shrinks); otherwise spilled chunks into the thread's arena and chunks in
 * memory left where they are.
 */
export class ChunkReader {
  private readonly fds = new Map<string, number>();
  private used = 0;
  private readonly lines: Buffer | undefined;

  /** `bytes`: the bytes of all the chunks this reader is to read. */
  constructor(bytes: number) {
    this.lines = bytes <= ARENA_KEPT ? LineMemory.load()?.reserve(bytes) : undefined;
  }

  read(source: ChunkSource): Buffer {
    const length = sourceBytes(source);
    if (this.lines) {
      if (this.used + length > this.lines.length) throw new Error(`chunk reader: more than the ${this.lines.length} bytes announced`);
      const out = this.lines.subarray(this.used, this.used + length);
      this.used += length;
      if (source.kind === 'memory') out.set(source.data);
      else this.readFile(source, out);
      return out;
    }
    if (source.kind === 'memory') return Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength);
    if (this.used + length > arena.length) {
      // The chunks read so far stay in the arena they were read into.
      arena = Buffer.allocUnsafe(Math.max(2 * arena.length, length, 16 * 1024 * 1024));
      this.used = 0;
    }
    const out = arena.subarray(this.used, this.used + length);
    this.used += length;
    this.readFile(source, out);
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    if (arena.length > ARENA_KEPT) arena = Buffer.alloc(0);
  }

  private readFile(source: Extract<ChunkSource, { kind: 'file' }>, out: Buffer): void {
    let fd = this.fds.get(source.path);
    if (fd === undefined) {
      fd = openSync(source.path, 'r');
      this.fds.set(source.path, fd);
    }
    let done = 0;
    while (done < source.length) {
      const n = readSync(fd, out, done, source.length - done, source.offset + done);
      if (n === 0) throw new Error(`${source.path}: spill file ends at ${source.offset + done}, expected ${source.length} bytes`);
      done += n;
    }
  }
}

/** Calls `fn(lineIndex, merchant, start, end)` for each line stored in a chunk. */
export function forEachLine(chunk: Buffer, fn: (lineIndex: number, merchant: number, start: number, end: number) => void): void {
  let p = 0;
  while (p < chunk.length) {
    const index = u32At(chunk, p);
    const merchant = u32At(chunk, p + 4);
    const length = u32At(chunk, p + 8);
    fn(index, merchant, p + LINE_HEADER_BYTES, p + LINE_HEADER_BYTES + length);
    p += LINE_HEADER_BYTES + length;
  }
}

/** The little-endian u32 at `p`, read as ChunkBuilder writes it (Buffer#readUInt32LE checks its arguments). */
function u32At(chunk: Buffer, p: number): number {
  return (chunk[p]! | (chunk[p + 1]! << 8) | (chunk[p + 2]! << 16) | (chunk[p + 3]! << 24)) >>> 0;
}

/**
 * One merchant key's lines of one bulk file, before they are parsed: line i of `count` is
 * `chunks[chunkOf[i]]` from `starts[i]` to `ends[i]`, numbered `lines[i]` in its file. Typed arrays,
 * not an object per line nor arrays of numbers: a bucket's hundreds of thousands of lines live
 * until its task ends, and the young-generation collector copied arrays of numbers every time it
 * ran, where a typed array's elements are memory it does not go through.
 */
export class KeyLines {
  count = 0;
  /** The lines' bytes, each terminator counted as one byte. */
  bytes = 0;
  lines: Int32Array;
  chunkOf: Int32Array;
  starts: Int32Array;
  ends: Int32Array;

  constructor(capacity = 64) {
    this.lines = new Int32Array(capacity);
    this.chunkOf = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  push(line: number, chunk: number, start: number, end: number): void {
    if (this.count === this.lines.length) this.grow();
    const i = this.count++;
    this.lines[i] = line;
    this.chunkOf[i] = chunk;
    this.starts[i] = start;
    this.ends[i] = end;
    this.bytes += end - start + 1;
  }

  private grow(): void {
    const grown = (a: Int32Array) => {
      const b = new Int32Array(Math.max(64, 2 * a.length));
      b.set(a);
      return b;
    };
    this.lines = grown(this.lines);
    this.chunkOf = grown(this.chunkOf);
    this.starts = grown(this.starts);
    this.ends = grown(this.ends);
  }
}
