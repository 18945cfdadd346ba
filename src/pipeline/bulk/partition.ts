import { closeSync, openSync, readSync, writevSync } from 'node:fs';
import type { BulkContext } from './_context.js';
import { ChunkBuilder, LINE_HEADER_BYTES, UNKNOWN_MERCHANT, type ChunkRef } from './_chunks.js';
import { LineWalker, MerchantCells, isFooter, type LineSpan } from './_lines.js';
import type { PartitionResult, PartitionTask } from './types.js';
import { BATCH, LineMemory } from './_simd.js';
import { QUOTE } from './_bytes.js';

/** Bytes read at a time. */
const BLOCK = 4 * 1024 * 1024;

/**
 * Stage 1, in a worker: reads one newline-aligned byte range of a large tabular file and appends
 * each line to its merchant's bucket, on raw bytes (no decoding but for the rare line that needs
 * it, see _lines.ts). Footer lines are set aside: every partition parse of the file gets them.
 * A spilling task writes its buckets to its own spill file whenever it holds more than
 * `flushBytes`, so its memory stays bounded whatever the range size.
 *
 * Within a bucket's chunk, each merchant's lines come one after another (in the order of the
 * file), not interleaved with the bucket's other merchants as the file has them: each merchant
 * key gathers its lines in a builder of its own, and a flush writes a bucket's builders back to
 * back. Stage 2 reads a merchant's month line after line, and lines next to each other in memory
 * cost the screen about a third less than lines scattered over the bucket (BENCHMARKS.md, the
 * fourteenth round). Past OWN_BUILDERS keys (a file of many merchants the contract does not
 * know), further keys share their bucket's builder, as every key once did.
 */
export function partitionRange(task: PartitionTask, ctx: BulkContext): PartitionResult {
  const delimiterByte = task.plan.delimiter.charCodeAt(0);
  /** The builders of each bucket, in the order they were made. */
  const bucketBuilders = new Map<number, ChunkBuilder[]>();
  /** Every builder, by its number (the line memory's stage gathers lines by it). */
  const builderList: ChunkBuilder[] = [];
  const shared = new Map<number, number>();
  let own = 0;
  const builderOf = (bucket: number): number => {
    let builder: ChunkBuilder | undefined;
    if (own < OWN_BUILDERS) {
      own++;
      builder = new ChunkBuilder(OWN_INITIAL_BYTES);
    } else {
      const id = shared.get(bucket);
      if (id !== undefined) return id;
      builder = new ChunkBuilder();
      shared.set(bucket, builderList.length);
    }
    const list = bucketBuilders.get(bucket);
    if (list) list.push(builder);
    else bucketBuilders.set(bucket, [builder]);
    return builderList.push(builder) - 1;
  };
  const placeByKey = new Map<string, Place>();
  const places = new MerchantCells(task.plan, (cell) => {
    const key = ctx.keyOf(cell);
    let place = placeByKey.get(key);
    if (place === undefined) {
      const known = ctx.index.get(key);
      const builderId = builderOf(ctx.bucketOf(key, task.buckets));
      place = { merchant: known ? ctx.order.get(known)! : UNKNOWN_MERCHANT, builder: builderList[builderId]!, builderId };
      placeByKey.set(key, place);
    }
    return place;
  });
  const chunks: ChunkRef[] = [];
  const footers: PartitionResult['footers'] = [];
  let buffered = 0;
  let spillFd: number | undefined;
  let spillOffset = 0;

  const flush = () => {
    for (const [bucket, builders] of bucketBuilders) {
      const data = builders.flatMap((b) => b.pieces());
      if (data.length === 0) continue;
      const length = data.reduce((n, d) => n + d.length, 0);
      if (task.spillPath === undefined) {
        chunks.push({ bucket, range: task.range, source: { kind: 'memory', data: Buffer.concat(data, length) } });
      } else {
        // Written out and the buffers reused: a spilling task allocates nothing per flush.
        spillFd ??= openSync(task.spillPath, 'w');
        writeAll(spillFd, data, spillOffset);
        chunks.push({ bucket, range: task.range, source: { kind: 'file', path: task.spillPath, offset: spillOffset, length } });
        spillOffset += length;
      }
      for (const b of builders) b.clear();
    }
    buffered = 0;
    // Everything staged is written out: the room is free again.
    staged = 0;
  };

  // Room for a block and the partial line carried over from the previous one: the thread's
  // buffer, reused by every range it partitions (see readBuffer). In the thread's line memory
  // where it has one, whose scanLines finds the lines and places them (see takeScanned), followed
  // there by the room its stage gathers a block's lines in.
  //
  // A spilling task keeps what stage gathers where it gathered it until the next flush: the
  // builders hold views of it (addView), instead of copying it into buffers of their own, one
  // copy of the month's bytes less (BENCHMARKS.md, the nineteenth round). Its room then holds a
  // flush's worth of records besides a block's; when a block's lines do not fit in what is left,
  // the task flushes first. A task in memory copies them, as its chunks outlive the task.
  const lineMemory = LineMemory.load();
  lineMemory?.forgetCells();
  const spilling = task.spillPath !== undefined;
  let staging: Buffer = Buffer.alloc(0);
  /** Bytes of `staging` holding records the builders view, until the next flush. */
  let staged = 0;
  const inLineMemory = (memory: LineMemory, bytes: number): Buffer => {
    const room = bytes + LINE_HEADER_BYTES * BATCH + (spilling ? task.flushBytes : 0);
    const both = memory.reserve(bytes + room);
    staging = both.subarray(bytes);
    return both.subarray(0, bytes);
  };
  let buf = lineMemory ? inLineMemory(lineMemory, 2 * BLOCK) : readBuffer();
  let lineIndex = 0;
  const fd = openSync(task.path, 'r');
  try {
    /** Puts a line in its merchant's bucket, or with the footers; its place, unless a footer. */
    const take = (span: LineSpan, quoted: boolean): Place | undefined => {
      let place: Place | undefined;
      if (isFooter(buf, span, task.plan.encoding)) {
        footers.push({ lineIndex, bytes: Uint8Array.prototype.slice.call(buf, span.start, span.end) });
      } else {
        place = places.get(buf, span, quoted, delimiterByte);
        place.builder.add(buf, span.start, span.end, lineIndex, place.merchant);
        buffered += LINE_HEADER_BYTES + span.end - span.start;
      }
      lineIndex++;
      return place;
    };

    /**
     * Takes the whole lines of buf[0, filled) as scanLines finds them, a batch at a time; where
     * the next line starts. The lines it placed are gathered by builder (stage) and appended a
     * builder at a time; a line it could not place goes through `take`, and scanLines learns its
     * merchant cell for the lines after.
     */
    const takeScanned = (memory: LineMemory, filled: number, atEnd: boolean): number => {
      const column = task.plan.merchantColumn;
      let p = 0;
      for (;;) {
        const n = memory.scanLines(buf, p, filled, atEnd, delimiterByte, column);
        if (n === 0) return memory.resume();
        const lines = memory.lines;
        const last = 3 * (n - 1);
        const entry = lines[last + 2]!;
        const placed = entry < 0 ? n - 1 : n;
        if (placed > 0) {
          // The records of these lines: their bytes and a header each.
          const bytes = lines[3 * (placed - 1) + 1]! - lines[0]! + LINE_HEADER_BYTES * placed;
          if (spilling && staged + bytes > staging.length) flush();
          const into = spilling ? staging.subarray(staged) : staging;
          const count = memory.stage(buf, 0, placed, lineIndex, into);
          const runs = memory.runs;
          let written = 0;
          for (let r = 0; r < 3 * count; r += 3) {
            const builder = builderList[runs[r]!]!;
            const from = runs[r + 1]!;
            const length = runs[r + 2]!;
            if (spilling) builder.addView(into.subarray(from, from + length));
            else builder.addRecords(into, from, from + length);
            buffered += length;
            written += length;
          }
          // The runs lie one after another from `into`'s start (stage).
          if (spilling) staged += written;
          lineIndex += placed;
        }
        if (entry < 0) {
          const start = lines[last]!;
          const end = lines[last + 1]!;
          const place = take({ start, end, next: end }, entry === -2);
          if (place && entry === -1) memory.learnCell(buf, start, end, delimiterByte, column, place.builderId, place.merchant);
        }
        p = memory.resume();
      }
    };

    // `filePos` is the file offset of buf[0]; `filled` bytes of buf hold data.
    let filePos = task.start;
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        // One line fills the buffer: grow it rather than cut the line. Growing the line memory
        // detaches every view of it: what the builders view is written out first.
        if (lineMemory) {
          if (staged > 0) flush();
          buf = inLineMemory(lineMemory, 2 * buf.length);
        }
        else {
          const grown = Buffer.allocUnsafe(2 * buf.length);
          buf.copy(grown, 0, 0, filled);
          buf = grown;
          threadBuffer = grown;
        }
      }
      const want = Math.min(buf.length - filled, BLOCK, task.end - (filePos + filled));
      if (want > 0) {
        const n = readSync(fd, buf, filled, want, filePos + filled);
        if (n === 0) throw new Error(`${task.file}: file ends at byte ${filePos + filled}, before the planned ${task.end} (changed while read?)`);
        filled += n;
      }
      const atEnd = filePos + filled >= task.end;
      let p = 0;
      if (lineMemory) p = takeScanned(lineMemory, filled, atEnd);
      else {
        const walker = new LineWalker(buf, filled);
        for (let span = walker.line(p, atEnd); span; span = walker.line(p, atEnd)) {
          take(span, walker.hasQuote(span.start, span.end));
          p = span.next;
        }
      }
      if (atEnd) {
        if (p < filled) {
          // Only the file's last line may lack a terminator; ranges are cut just after a newline.
          if (!task.atEof) throw new Error(`${task.file}: byte range ${task.start}-${task.end} does not end at a line end`);
          take({ start: p, end: filled, next: filled }, buf.subarray(p, filled).includes(QUOTE));
        }
        break;
      }
      buf.copy(buf, 0, p, filled);
      filePos += p;
      filled -= p;
      if (task.spillPath !== undefined && buffered >= task.flushBytes) flush();
    }
    flush();
  } finally {
    closeSync(fd);
    if (spillFd !== undefined) closeSync(spillFd);
  }
  return { slot: task.slot, range: task.range, lines: lineIndex, bytes: task.end - task.start, chunks, footers };
}

/**
 * Where a merchant key's lines go: its merchant (index in the config) and the builder of its
 * bucket's chunk, with the builder's number in the task.
 */
interface Place {
  merchant: number;
  builder: ChunkBuilder;
  builderId: number;
}

/** The most merchant keys of a task with a builder of their own (above); the rest share their bucket's. */
const OWN_BUILDERS = 2048;

/**
 * A key's first buffer: twice what each of a thousand merchants gathers between two flushes
 * (FLUSH_BYTES, 8 MiB, in run.ts), so that most never grow; a larger merchant's doubles as it
 * fills. At most OWN_BUILDERS of them, 32 MiB, in a thread.
 */
const OWN_INITIAL_BYTES = 16 * 1024;

/** Writes the buffers one after another from `position`, whatever the kernel takes per call. */
function writeAll(fd: number, data: Buffer[], position: number): void {
  let offset = position;
  let first = 0;
  let skip = 0;
  while (first < data.length) {
    const pending = skip === 0 ? data.slice(first) : [data[first]!.subarray(skip), ...data.slice(first + 1)];
    let n = writevSync(fd, pending, offset);
    offset += n;
    // Past the buffers written whole, and into the one written in part.
    while (first < data.length && n >= data[first]!.length - skip) {
      n -= data[first]!.length - skip;
      first++;
      skip = 0;
    }
    skip += n;
  }
}

/**
 * The read buffer of this thread's partition tasks. A range is partitioned synchronously, start
 * to end, and nothing keeps a view of the buffer past its task (lines are copied into their
 * buckets, footers sliced), so one buffer serves every task of the thread. A new buffer per task
 * was memory outside the JavaScript heap, given back only when the collector happened to run:
 * dozens of tasks per worker made a transient peak of the whole process's memory.
 */
let threadBuffer: Buffer | undefined;

function readBuffer(): Buffer {
  threadBuffer ??= Buffer.allocUnsafe(2 * BLOCK);
  return threadBuffer;
}
