/**
 * Byte loops of the bulk path compiled to WebAssembly (AssemblyScript), where 16 bytes compared
 * at once beat what V8 makes of the same loop in JavaScript: cutting a line at its delimiters
 * took the screen about 0.2 µs a line in JavaScript four bytes at a time, 0.05 µs so
 * (BENCHMARKS.md, the eighteenth round). src/pipeline/bulk/_simd.ts loads the module; the
 * JavaScript versions it stands in for stay the reference, and the tests hold the two equal.
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
