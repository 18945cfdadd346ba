import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The bytes stage 1 hands stage 2: per bucket, runs of lines, each stored as
 * `[u32 line index within its byte range][u32 length][length bytes]` (little-endian), the line
 * without its terminator. A chunk lives in memory (transferred between threads, never copied) or,
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

/** A growable byte buffer for one bucket's lines. */
export class ChunkBuilder {
  private buf: Buffer;
  length = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Appends line [start, end) of `src`, whose index within its range is `lineIndex`. */
  add(src: Buffer, start: number, end: number, lineIndex: number): void {
    const need = this.length + 8 + (end - start);
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.buf.writeUInt32LE(lineIndex, this.length);
    this.buf.writeUInt32LE(end - start, this.length + 4);
    src.copy(this.buf, this.length + 8, start, end);
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

/** Calls `fn(lineIndex, start, end)` for each line stored in a chunk. */
export function forEachLine(chunk: Buffer, fn: (lineIndex: number, start: number, end: number) => void): void {
  let p = 0;
  while (p < chunk.length) {
    const index = chunk.readUInt32LE(p);
    const length = chunk.readUInt32LE(p + 4);
    fn(index, p + 8, p + 8 + length);
    p += 8 + length;
  }
}
