import { closeSync, openSync, readSync } from 'node:fs';

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

/** A growable byte buffer for one bucket's lines. */
export class ChunkBuilder {
  private buf: Buffer;
  length = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Appends line [start, end) of `src`, whose index within its range is `lineIndex`. */
  add(src: Buffer, start: number, end: number, lineIndex: number, merchant: number): void {
    const need = this.length + LINE_HEADER_BYTES + (end - start);
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.buf.writeUInt32LE(lineIndex, this.length);
    this.buf.writeUInt32LE(merchant, this.length + 4);
    this.buf.writeUInt32LE(end - start, this.length + 8);
    src.copy(this.buf, this.length + LINE_HEADER_BYTES, start, end);
    this.length = need;
  }

  /** The bytes so far, to keep: the builder starts over with a new buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.length);
    this.buf = Buffer.allocUnsafe(Math.min(this.buf.length, 1024 * 1024));
    this.length = 0;
    return out;
  }

  /** The bytes so far, to write out at once: the builder then starts over in the same buffer. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

/** Reads chunks' bytes (from memory or their spill files), keeping each spill file open until `close`. */
export class ChunkReader {
  private readonly fds = new Map<string, number>();

  read(source: ChunkSource): Buffer {
    if (source.kind === 'memory') return Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength);
    let fd = this.fds.get(source.path);
    if (fd === undefined) {
      fd = openSync(source.path, 'r');
      this.fds.set(source.path, fd);
    }
    const out = Buffer.allocUnsafe(source.length);
    let done = 0;
    while (done < source.length) {
      const n = readSync(fd, out, done, source.length - done, source.offset + done);
      if (n === 0) throw new Error(`${source.path}: spill file ends at ${source.offset + done}, expected ${source.length} bytes`);
      done += n;
    }
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Calls `fn(lineIndex, merchant, start, end)` for each line stored in a chunk. */
export function forEachLine(chunk: Buffer, fn: (lineIndex: number, merchant: number, start: number, end: number) => void): void {
  let p = 0;
  while (p < chunk.length) {
    const index = chunk.readUInt32LE(p);
    const merchant = chunk.readUInt32LE(p + 4);
    const length = chunk.readUInt32LE(p + 8);
    fn(index, merchant, p + LINE_HEADER_BYTES, p + LINE_HEADER_BYTES + length);
    p += LINE_HEADER_BYTES + length;
  }
}

/**
 * One merchant key's lines of one bulk file, before they are parsed: line i is
 * `chunks[chunkOf[i]]` from `starts[i]` to `ends[i]`. Parallel arrays of small integers, not an
 * object per line: a bucket holds hundreds of thousands of lines.
 */
export interface KeyLines {
  /** Original line numbers. */
  lines: number[];
  chunkOf: number[];
  starts: number[];
  ends: number[];
  bytes: number;
}
