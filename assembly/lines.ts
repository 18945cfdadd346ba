/**
 * Byte loops of the bulk path compiled to WebAssembly (AssemblyScript), where 16 bytes compared
 * at once beat what V8 makes of the same loop in JavaScript: the screen's cutting of a line at
 * its delimiters (about 0.2 µs a line in JavaScript, four bytes at a time; 0.05 µs here), and
 * stage 1's finding of a block's lines, their merchant cells and their buckets (BENCHMARKS.md, the
 * eighteenth round). src/pipeline/bulk/_simd.ts loads the module; the JavaScript versions it
 * stands in for stay the reference, and the tests hold the two equal.
 *
 * The caller's bytes live in this module's memory, from dataEnd() on. A loop may read up to 15
 * bytes past the end of what it was given (never using them): the caller keeps 16 bytes of
 * memory after its data.
 */

/** The most cells a line may have (as the screen's MAX_CELLS). */
const MAX_CELLS: i32 = 256;

/**
 * cutLine's output: for each cell its start and end, relative to the `base` it was given. Static
 * data, below dataEnd(): not allocated at run time, where it would lie in the caller's memory.
 */
const bounds: usize = memory.data(2 * MAX_CELLS * 4, 16);

/** Where cutLine writes its cell bounds: 2 × MAX_CELLS 32-bit integers. */
export function boundsAt(): usize {
  return bounds;
}

/** The first byte of memory past the module's own data. */
export function dataEnd(): usize {
  return __heap_base;
}

const QUOTE: i32 = 0x22;

/**
 * cutLine of src/pipeline/bulk/_screen-rows.ts: the `cells` cells of the line at [start, end)
 * into `bounds`, relative to `base`; false when the line is empty, opens with anything but an
 * ASCII letter or digit, holds a double quote, or has another number of cells.
 */
export function cutLine(base: usize, start: usize, end: usize, delimiter: i32, cells: i32): bool {
  if (end <= start || cells < 1 || cells > MAX_CELLS) return false;
  const first = <i32>load<u8>(start);
  if (!((first >= 0x30 && first <= 0x39) || (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return false;
  const out = bounds;
  const delimiters = i8x16.splat(<i8>delimiter);
  const quotes = i8x16.splat(<i8>QUOTE);
  const last = cells - 1;
  let cell: i32 = 0;
  let cellStart = start;
  for (let at = start; at < end; at += 16) {
    const bytes = v128.load(at);
    let found = i8x16.bitmask(i8x16.eq(bytes, delimiters));
    let quoted = i8x16.bitmask(i8x16.eq(bytes, quotes));
    // The last 16 bytes may run past the line: its own bytes only.
    if (end - at < 16) {
      const own: i32 = (1 << <i32>(end - at)) - 1;
      found &= own;
      quoted &= own;
    }
    if (quoted != 0) return false;
    while (found != 0) {
      if (cell >= last) return false;
      const delimiterAt = at + <usize>ctz(found);
      store<i32>(out + (<usize>cell << 3), <i32>(cellStart - base));
      store<i32>(out + (<usize>cell << 3) + 4, <i32>(delimiterAt - base));
      cell++;
      cellStart = delimiterAt + 1;
      found &= found - 1;
    }
  }
  if (cell != last) return false;
  store<i32>(out + (<usize>cell << 3), <i32>(cellStart - base));
  store<i32>(out + (<usize>cell << 3) + 4, <i32>(end - base));
  return true;
}

// Stage 1: a block's lines and their merchant cells (partition.ts).

const LF: u8 = 0x0a;
const CR: u8 = 0x0d;
const HASH: i32 = 0x23;
const DASH: i32 = 0x2d;
const BACKTICK: i32 = 0x60;

/**
 * The most lines scanLines writes in one call: a block's lines of a 5 M-row month (26 000 of 4 MiB)
 * in one, so that stage() gathers a builder's lines of the whole block in one run.
 */
const BATCH: i32 = 65536;

/** scanLines' output: for each line its start and end, relative to the `base` it was given, and its cell's entry. */
const lines: usize = memory.data(BATCH * 12, 16);

/** Where scanLines writes its lines: 3 × BATCH 32-bit integers. */
export function linesAt(): usize {
  return lines;
}

/** Where the last scanLines stopped, relative to its `base`: the first byte of the first line it did not write. */
let resumeAt: i32 = 0;

export function resume(): i32 {
  return resumeAt;
}

/**
 * The merchant cells learnt (learnCell), each with the builder and merchant of its lines: open
 * addressing, entry + 1 by hash slot, 0 for an empty slot; the cells' bytes one after another in
 * cellBytes. What no longer fits is not learnt, and its lines go to the caller (-1) every time.
 */
const CELL_CAPACITY: i32 = 1 << 14;
const CELL_SLOTS: i32 = 2 * CELL_CAPACITY;
const CELL_BYTES: i32 = 1 << 18;
const slots: usize = memory.data(CELL_SLOTS * 4, 16);
const cellStarts: usize = memory.data(CELL_CAPACITY * 4, 16);
const cellLengths: usize = memory.data(CELL_CAPACITY * 4, 16);
const cellBuilders: usize = memory.data(CELL_CAPACITY * 4, 16);
const cellMerchants: usize = memory.data(CELL_CAPACITY * 4, 16);
const cellBytes: usize = memory.data(CELL_BYTES, 16);
let cells: i32 = 0;
let cellBytesUsed: i32 = 0;

/** Forgets every cell learnt: a new task's places. */
export function forgetCells(): void {
  memory.fill(slots, 0, <usize>CELL_SLOTS * 4);
  cells = 0;
  cellBytesUsed = 0;
}

/** Where the merchant cell of an unquoted line [start, end) lies, for cellOf's callers. */
let cellFrom: usize = 0;
let cellTo: usize = 0;
let cellHash: u32 = 0;

/**
 * The merchant cell of an unquoted line, as MerchantCells (_lines.ts) takes it by its bytes:
 * the `column`th cell, printable ASCII without a backtick, not empty, `-` or `--`. Sets cellFrom,
 * cellTo and cellHash (FNV-1a); false for any other cell, which the caller reads.
 */
function cellOf(start: usize, end: usize, delimiter: i32, column: i32): bool {
  let from = start;
  for (let c = 0; c < column; c++) {
    while (from < end && <i32>load<u8>(from) != delimiter) from++;
    if (from >= end) return false;
    from++;
  }
  let h: u32 = 0x811c9dc5;
  let to = from;
  for (; to < end; to++) {
    const b = <i32>load<u8>(to);
    if (b == delimiter) break;
    if (b < 0x21 || b > 0x7e || b == BACKTICK) return false;
    h = (h ^ <u32>b) * 0x01000193;
  }
  const length = to - from;
  if (length == 0 || (<i32>load<u8>(from) == DASH && length <= 2)) return false;
  cellFrom = from;
  cellTo = to;
  cellHash = h;
  return true;
}

/** The entry of the cell cellOf found, or -1 when it was not learnt; its slot in `lastSlot`. */
let lastSlot: i32 = 0;

function entryOfCell(): i32 {
  const length = <i32>(cellTo - cellFrom);
  const mask = CELL_SLOTS - 1;
  let slot = <i32>cellHash & mask;
  for (let entry = load<i32>(slots + (<usize>slot << 2)); entry != 0; entry = load<i32>(slots + (<usize>slot << 2))) {
    const e = <usize>(entry - 1) << 2;
    if (load<i32>(cellLengths + e) == length && memory.compare(cellBytes + <usize>load<i32>(cellStarts + e), cellFrom, <usize>length) == 0) return entry - 1;
    slot = (slot + 1) & mask;
  }
  lastSlot = slot;
  return -1;
}

/**
 * Learns the merchant cell of the unquoted line [start, end) (a line scanLines gave -1, which the
 * caller placed): its later lines go to builder `builder` (below MAX_BUILDERS), as lines of
 * `merchant`. Does nothing for a cell MerchantCells would not take by its bytes, or once the
 * table is full.
 */
export function learnCell(start: usize, end: usize, delimiter: i32, column: i32, builder: i32, merchant: i32): void {
  if (builder < 0 || builder >= MAX_BUILDERS || !cellOf(start, end, delimiter, column) || entryOfCell() >= 0) return;
  const length = <i32>(cellTo - cellFrom);
  if (cells >= CELL_CAPACITY || cellBytesUsed + length > CELL_BYTES) return;
  memory.copy(cellBytes + <usize>cellBytesUsed, cellFrom, <usize>length);
  const e = <usize>cells << 2;
  store<i32>(cellStarts + e, cellBytesUsed);
  store<i32>(cellLengths + e, length);
  store<i32>(cellBuilders + e, builder);
  store<i32>(cellMerchants + e, merchant);
  store<i32>(slots + (<usize>lastSlot << 2), cells + 1);
  cells++;
  cellBytesUsed += length;
}

/**
 * Whether a line could be a footer (isFooter of _lines.ts, before it decodes): its first byte
 * that is not blank, after an opening backtick, is not ASCII, or is `#`, or is a quote before a
 * byte that is not ASCII.
 */
function maybeFooter(start: usize, end: usize): bool {
  let i = start;
  if (<i32>load<u8>(i) == BACKTICK) i++;
  while (i < end) {
    const b = <i32>load<u8>(i);
    if (b != 0x20 && (b < 0x09 || b > 0x0d)) break;
    i++;
  }
  if (i >= end) return false;
  const b = <i32>load<u8>(i);
  return b >= 0x80 || b == HASH || (b == QUOTE && i + 1 < end && <i32>load<u8>(i + 1) >= 0x80);
}

/**
 * The lines of the bytes [from, limit) as LineWalker (_lines.ts) finds them (CRLF, LF or a lone
 * CR end a line), up to BATCH of them, each with the entry learnt for its merchant cell; -1 for a
 * line the caller must place (a cell not learnt or not plain, a possible footer), -2 for such a
 * line that holds a quote, which is then the last line written. Stops before a line with no
 * terminator in the bytes (or a CR in their last byte, unless `atEnd`). resume() then gives
 * where the next line starts.
 */
export function scanLines(base: usize, from: usize, limit: usize, atEnd: bool, delimiter: i32, column: i32): i32 {
  const lfs = i8x16.splat(<i8>LF);
  const crs = i8x16.splat(<i8>CR);
  const quotes = i8x16.splat(<i8>QUOTE);
  let n: i32 = 0;
  let start = from;
  while (n < BATCH) {
    let quoted = false;
    let end: usize = 0;
    let found = false;
    for (let at = start; at < limit; at += 16) {
      const bytes = v128.load(at);
      let ends = i8x16.bitmask(i8x16.eq(bytes, lfs)) | i8x16.bitmask(i8x16.eq(bytes, crs));
      let quote = i8x16.bitmask(i8x16.eq(bytes, quotes));
      if (limit - at < 16) {
        const own: i32 = (1 << <i32>(limit - at)) - 1;
        ends &= own;
        quote &= own;
      }
      if (ends != 0) {
        const k = ctz(ends);
        if ((quote & ((1 << k) - 1)) != 0) quoted = true;
        end = at + <usize>k;
        found = true;
        break;
      }
      if (quote != 0) quoted = true;
    }
    if (!found) break;
    let next = end + 1;
    if (load<u8>(end) == CR) {
      if (end + 1 < limit) {
        if (load<u8>(end + 1) == LF) next = end + 2;
      } else if (!atEnd) break;
    }
    let entry: i32 = quoted ? -2 : -1;
    if (!quoted && !maybeFooter(start, end) && cellOf(start, end, delimiter, column)) entry = entryOfCell();
    const o = lines + (<usize>n * 12);
    store<i32>(o, <i32>(start - base));
    store<i32>(o + 4, <i32>(end - base));
    store<i32>(o + 8, entry);
    n++;
    start = next;
    // The caller places this line and may learn its cell, for the lines after it.
    if (entry < 0) break;
  }
  resumeAt = <i32>(start - base);
  return n;
}

/** The most builders stage() sorts lines into (partition.ts has at most 2 048 of their own and one per bucket, at most 4 096). */
const MAX_BUILDERS: i32 = 8192;
const builderBytes: usize = memory.data(MAX_BUILDERS * 4, 16);
const builderAt: usize = memory.data(MAX_BUILDERS * 4, 16);
/** stage()'s output: for each builder it wrote to, the builder, the start and the length of its records. */
const runs: usize = memory.data(MAX_BUILDERS * 12, 16);

export function runsAt(): usize {
  return runs;
}

/**
 * The lines `first` to `last` (exclusive) that scanLines wrote, every one of them placed, as the
 * records ChunkBuilder.add makes (line index, merchant, length, the line's bytes), gathered by
 * builder into `staging`: each builder's records one after another, in the lines' order, the
 * first line numbered `lineIndex`. Writes one run a builder, in the order they first occur, and
 * returns how many. `staging` holds at least the lines' bytes and 12 bytes a line.
 */
export function stage(base: usize, first: i32, last: i32, lineIndex: i32, staging: usize): i32 {
  let builders: i32 = 0;
  for (let k = first; k < last; k++) {
    const o = lines + (<usize>k * 12);
    const b = <usize>load<i32>(cellBuilders + (<usize>load<i32>(o + 8) << 2)) << 2;
    const bytes = load<i32>(builderBytes + b);
    if (bytes == 0) {
      store<i32>(runs + (<usize>builders * 12), <i32>(b >> 2));
      builders++;
    }
    store<i32>(builderBytes + b, bytes + 12 + load<i32>(o + 4) - load<i32>(o));
  }
  let at: i32 = 0;
  for (let r = 0; r < builders; r++) {
    const o = runs + (<usize>r * 12);
    const b = <usize>load<i32>(o) << 2;
    const bytes = load<i32>(builderBytes + b);
    store<i32>(builderAt + b, at);
    store<i32>(o + 4, at);
    store<i32>(o + 8, bytes);
    store<i32>(builderBytes + b, 0);
    at += bytes;
  }
  for (let k = first; k < last; k++) {
    const o = lines + (<usize>k * 12);
    const start = load<i32>(o);
    const length = load<i32>(o + 4) - start;
    const e = <usize>load<i32>(o + 8) << 2;
    const b = <usize>load<i32>(cellBuilders + e) << 2;
    const to = staging + <usize>load<i32>(builderAt + b);
    store<i32>(to, lineIndex + k - first);
    store<i32>(to + 4, load<i32>(cellMerchants + e));
    store<i32>(to + 8, length);
    memory.copy(to + 12, base + <usize>start, <usize>length);
    store<i32>(builderAt + b, load<i32>(builderAt + b) + 12 + length);
  }
  return builders;
}

// Stage 2: the cells of a screened line read at once (screen.ts, WasmCells).

/**
 * What readLine reads of a line: the ops of the file being screened, written by the caller with
 * useSpec. Each op reads one cell into its purpose's two output numbers.
 */
const MAX_OPS: i32 = 24;
/** specs: op count, delimiter, cells, then each op's kind, column, table and purpose. */
const spec: usize = memory.data((4 + 4 * MAX_OPS) * 4, 16);
/**
 * Per op, the cell it read last, tried before the table: where its bytes lie among the numbered
 * cells', its length (-1: none) and its number. Consecutive lines mostly share a type, a date, a
 * card kind, a name.
 */
const recentCells: usize = memory.data(MAX_OPS * 16, 16);
/** readLine's output: two numbers per purpose. */
const MAX_PURPOSES: i32 = 24;
const values: usize = memory.data(MAX_PURPOSES * 2 * 8, 16);

export function specAt(): usize {
  return spec;
}

export function valuesAt(): usize {
  return values;
}

/** The caller wrote a new spec: the cells read last belong to the old one. */
export function useSpec(): void {
  forgetRecent();
}

function forgetRecent(): void {
  for (let op = 0; op < MAX_OPS; op++) store<i32>(recentCells + (<usize>op << 4) + 4, -1);
}
forgetRecent();

const INTERN: i32 = 1;
const DATE: i32 = 2;
const TIME: i32 = 3;
const DATE_TIME: i32 = 4;
const AMOUNT: i32 = 5;
const KEY: i32 = 6;
const PAIR: i32 = 7;

/**
 * Cells numbered by their bytes, per table (each of the caller's CellValues is a table): open
 * addressing, entry + 1 by slot; the cells' bytes one after another in valueBytes. Once full, a
 * new cell gets -1 and the caller reads it itself.
 */
const VALUE_CAPACITY: i32 = 1 << 15;
const VALUE_SLOTS: i32 = 2 * VALUE_CAPACITY;
const VALUE_BYTES: i32 = 1 << 20;
const MAX_TABLES: i32 = 1024;
const valueSlots: usize = memory.data(VALUE_SLOTS * 4, 16);
const valueStarts: usize = memory.data(VALUE_CAPACITY * 4, 16);
const valueLengths: usize = memory.data(VALUE_CAPACITY * 4, 16);
const valueTables: usize = memory.data(VALUE_CAPACITY * 4, 16);
const valueIds: usize = memory.data(VALUE_CAPACITY * 4, 16);
const valueBytes: usize = memory.data(VALUE_BYTES, 16);
const tableSizes: usize = memory.data(MAX_TABLES * 4, 16);
let valueCount: i32 = 0;
let valueBytesUsed: i32 = 0;

/** Forgets every cell numbered: a new task's tables. */
export function forgetValues(): void {
  memory.fill(valueSlots, 0, <usize>VALUE_SLOTS * 4);
  memory.fill(tableSizes, 0, <usize>MAX_TABLES * 4);
  forgetRecent();
  valueCount = 0;
  valueBytesUsed = 0;
}

@inline
function sameCell(entry: i32, from: usize, length: i32, table: i32): bool {
  const e = <usize>entry << 2;
  return load<i32>(valueLengths + e) == length && load<i32>(valueTables + e) == table && sameBytes(valueBytes + <usize>load<i32>(valueStarts + e), from, length);
}

/**
 * Whether the `length` bytes at `a` and `b` are the same, eight at a time (the last eight may
 * read past both: masked). memory.compare goes byte by byte.
 */
@inline
function sameBytes(a: usize, b: usize, length: i32): bool {
  let left = length;
  while (left >= 8) {
    if (load<u64>(a) != load<u64>(b)) return false;
    a += 8;
    b += 8;
    left -= 8;
  }
  if (left == 0) return true;
  const mask: u64 = (<u64>1 << (<u64>left << 3)) - 1;
  return ((load<u64>(a) ^ load<u64>(b)) & mask) == 0;
}

/** A cell's hash, eight bytes at a time (a cell's last word may read past it: masked). */
function hashCell(from: usize, length: i32, table: i32): u32 {
  let h: u64 = ((<u64>table) << 32) ^ <u64>length ^ 0x9e3779b97f4a7c15;
  let p = from;
  let left = length;
  while (left > 0) {
    let word = load<u64>(p);
    if (left < 8) word &= (<u64>1 << (<u64>left << 3)) - 1;
    h = (h ^ word) * 0x9e3779b97f4a7c15;
    h ^= h >> 29;
    p += 8;
    left -= 8;
  }
  return <u32>(h ^ (h >> 32));
}

/** The number of cell [from, from + length) in `table`, numbered on first sight; -1 when it cannot be (tables full). */
function numberOf(op: i32, from: usize, length: i32, table: i32): i32 {
  if (table < 0 || table >= MAX_TABLES) return -1;
  // The op's table is the same for every line of a spec: the last cell is its length and bytes.
  const recent = recentCells + (<usize>op << 4);
  if (load<i32>(recent + 4) == length && sameBytes(valueBytes + <usize>load<i32>(recent), from, length)) return load<i32>(recent + 8);
  const mask = VALUE_SLOTS - 1;
  let slot = <i32>hashCell(from, length, table) & mask;
  for (let entry = load<i32>(valueSlots + (<usize>slot << 2)); entry != 0; entry = load<i32>(valueSlots + (<usize>slot << 2))) {
    if (sameCell(entry - 1, from, length, table)) {
      const e = <usize>(entry - 1) << 2;
      const id = load<i32>(valueIds + e);
      store<i32>(recent, load<i32>(valueStarts + e));
      store<i32>(recent + 4, length);
      store<i32>(recent + 8, id);
      return id;
    }
    slot = (slot + 1) & mask;
  }
  if (valueCount >= VALUE_CAPACITY || valueBytesUsed + length > VALUE_BYTES) return -1;
  memory.copy(valueBytes + <usize>valueBytesUsed, from, <usize>length);
  const e = <usize>valueCount << 2;
  const t = tableSizes + (<usize>table << 2);
  const id = load<i32>(t);
  store<i32>(t, id + 1);
  store<i32>(valueStarts + e, valueBytesUsed);
  store<i32>(valueLengths + e, length);
  store<i32>(valueTables + e, table);
  store<i32>(valueIds + e, id);
  store<i32>(valueSlots + (<usize>slot << 2), valueCount + 1);
  store<i32>(recent, valueBytesUsed);
  store<i32>(recent + 4, length);
  store<i32>(recent + 8, id);
  valueCount++;
  valueBytesUsed += length;
  return id;
}

/** Two ASCII digits at `at`, or -1. */
@inline
function twoDigits(at: usize): i32 {
  const a = <i32>load<u8>(at) - 0x30;
  const b = <i32>load<u8>(at + 1) - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `HH:MM:SS` at [from, from + length) as minutes of the day (LocalTimes.time's test), or -1. */
function minutesOf(from: usize, length: i32): i32 {
  if (length != 8 || <i32>load<u8>(from + 2) != 0x3a || <i32>load<u8>(from + 5) != 0x3a) return -1;
  const hour = twoDigits(from);
  const minute = twoDigits(from + 3);
  const second = twoDigits(from + 6);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  return hour * 60 + minute;
}

/** Whether [from, from + length) has the shape LocalTimes.date reads: ten bytes, dashes at 4 and 7. */
function dateShaped(from: usize, length: i32): bool {
  return length == 10 && <i32>load<u8>(from + 4) == DASH && <i32>load<u8>(from + 7) == DASH;
}

/** plainAmount of _screen-rows.ts: a plain decimal in minor units, or -1. */
function amountOf(from: usize, to: usize): f64 {
  let minor: i64 = 0;
  let digits: i32 = 0;
  let decimals: i32 = -1;
  for (let p = from; p < to; p++) {
    const b = <i32>load<u8>(p);
    const c = b - 0x30;
    if (c >= 0 && c <= 9) {
      if (digits < 16) minor = minor * 10 + c;
      digits++;
      if (decimals >= 0) decimals++;
    } else if (b == 0x2e && decimals < 0 && digits > 0) decimals = 0;
    else return -1;
  }
  if (digits == 0 || digits > 15 || decimals > 2) return -1;
  for (let d = decimals < 0 ? 0 : decimals; d < 2; d++) minor *= 10;
  return minor > 9007199254740991 ? -1 : <f64>minor;
}

/**
 * A cell of 1 to `most` ASCII digits as its length × `scale` + its value, the form the screen's
 * keys take (`scale` above any value of `most` digits), or -1 for any other cell.
 */
function digitsKey(from: usize, to: usize, most: i32, scale: f64): f64 {
  const length = <i32>(to - from);
  if (length <= 0 || length > most) return -1;
  let value: i64 = 0;
  for (let p = from; p < to; p++) {
    const c = <i32>load<u8>(p) - 0x30;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return <f64>length * scale + <f64>value;
}

/**
 * keyOf of _screen-rows.ts where it gives a number (plain ASCII digits, at most 14, not a lone
 * `-` or `--`: digits never are); -1 for any other cell, which the caller reads itself.
 */
function keyNumberOf(from: usize, to: usize): f64 {
  return digitsKey(from, to, 14, 1e14);
}

/** A cell of 1 to 7 digits as length × 10^7 + value (pairKey's half of a key), or -1. */
function halfPairOf(from: usize, to: usize): f64 {
  return digitsKey(from, to, 7, 1e7);
}

/**
 * cutLine of the line [start, end), then each op of the spec on its cell, into `values` (relative
 * to `base`): false where cutLine is. Per purpose p, values[2p] (and values[2p + 1]):
 * - INTERN: the cell's number in its table, or -1 (not numbered: read it);
 * - DATE: a date-shaped cell's number, -2 for any other shape, -1 not numbered;
 * - TIME: an `HH:MM:SS` cell's minutes of the day, or -1;
 * - DATE_TIME: for a `YYYY-MM-DD HH:MM:SS` cell (19 bytes, a space at 10), its date's number as
 *   DATE gives it, and its time's minutes as TIME; -2 for any other shape;
 * - AMOUNT: plainAmount, -1 for any other cell;
 * - KEY: keyOf where it is a number, -1 for any other cell (read it);
 * - PAIR: pairKey of the keys of this cell and of the cell of column `table` (a batch and a trace
 *   number) where it is a number, -1 otherwise (read them).
 */
export function readLine(base: usize, start: usize, end: usize): bool {
  const ops = load<i32>(spec);
  if (!cutLine(base, start, end, load<i32>(spec + 4), load<i32>(spec + 8))) return false;
  for (let op = 0; op < ops; op++) {
    const o = spec + 16 + (<usize>op << 4);
    const kind = load<i32>(o);
    const cell = <usize>load<i32>(o + 4) << 3;
    const table = load<i32>(o + 8);
    const out = values + (<usize>load<i32>(o + 12) << 4);
    const from = base + <usize>load<i32>(bounds + cell);
    const to = base + <usize>load<i32>(bounds + cell + 4);
    const length = <i32>(to - from);
    if (kind == INTERN) {
      store<f64>(out, <f64>numberOf(op, from, length, table));
    } else if (kind == DATE) {
      store<f64>(out, dateShaped(from, length) ? <f64>numberOf(op, from, length, table) : -2);
    } else if (kind == TIME) {
      store<f64>(out, <f64>minutesOf(from, length));
    } else if (kind == DATE_TIME) {
      if (length == 19 && <i32>load<u8>(from + 10) == 0x20 && dateShaped(from, 10)) {
        store<f64>(out, <f64>numberOf(op, from, 10, table));
        store<f64>(out + 8, <f64>minutesOf(from + 11, 8));
      } else store<f64>(out, -2);
    } else if (kind == AMOUNT) {
      store<f64>(out, amountOf(from, to));
    } else if (kind == KEY) {
      store<f64>(out, keyNumberOf(from, to));
    } else if (kind == PAIR) {
      const other = <usize>table << 3;
      const batch = halfPairOf(from, to);
      const trace = halfPairOf(base + <usize>load<i32>(bounds + other), base + <usize>load<i32>(bounds + other + 4));
      store<f64>(out, batch < 0 || trace < 0 ? -1 : batch * 8e7 + trace);
    }
  }
  return true;
}
