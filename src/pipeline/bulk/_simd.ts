import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bulk path's WebAssembly byte loops (assembly/lines.ts, which `npm run build` compiles to
 * dist/lines.wasm) and the memory they read: one instance per thread, made when first asked for.
 * The bytes a loop reads must lie in that memory, so a stage-2 task reads its chunks into it
 * (ChunkReader, _chunks.ts), and stage 1 reads its blocks into it (partition.ts). Lines anywhere
 * else are cut by the JavaScript loops, which are also what runs where the module is missing or
 * WebAssembly has no SIMD, and with SETTLE_AUDIT_SIMD=off; the tests hold the two equal.
 */

/** `off`: the JavaScript loops do all the work, as where the module cannot be loaded. */
export const SIMD_ENV = 'SETTLE_AUDIT_SIMD';

/** Node's WebAssembly, as much of it as is used here (the project's TypeScript lib does not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/** What assembly/lines.ts exports. */
interface LinesModule {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  boundsAt(): number;
  dataEnd(): number;
  cutLine(base: number, start: number, end: number, delimiter: number, cells: number): number;
  linesAt(): number;
  resume(): number;
  forgetCells(): void;
  learnCell(start: number, end: number, delimiter: number, column: number, builder: number, merchant: number): void;
  scanLines(base: number, from: number, limit: number, atEnd: number, delimiter: number, column: number): number;
  runsAt(): number;
  stage(base: number, first: number, last: number, lineIndex: number, staging: number): number;
  specAt(): number;
  valuesAt(): number;
  useSpec(): void;
  forgetValues(): void;
  readLine(base: number, start: number, end: number): number;
}

/** The kinds of readLine's ops (assembly/lines.ts): what each makes of its cell. */
export const READ = { intern: 1, date: 2, time: 3, dateTime: 4, amount: 5, key: 6, pair: 7 } as const;

/** The bytes a loop may read past the end of its data (assembly/lines.ts). */
const SLACK = 16;
/** The most cells cutLine cuts a line into (MAX_CELLS of assembly/lines.ts). */
const MAX_CELLS = 256;
/** The most lines scanLines gives at a time (BATCH of assembly/lines.ts, which says why so many). */
export const BATCH = 65536;
/** The most builders stage() gathers lines for (MAX_BUILDERS of assembly/lines.ts). */
const MAX_BUILDERS = 8192;
/** The most ops a spec has, purposes readLine writes and tables it numbers cells in (assembly/lines.ts). */
const MAX_OPS = 24;
const MAX_PURPOSES = 24;
const MAX_TABLES = 1024;
const PAGE = 64 * 1024;

export class LineMemory {
  /** Cell bounds as cutLine (and readLine, which cuts with it) writes them; a new view after the memory grows. */
  bounds: Int32Array;
  /** Lines as scanLines writes them, three numbers each (start, end, cell entry); a new view after the memory grows. */
  lines: Int32Array;
  /** Runs as stage writes them, three numbers each (builder, start, length); a new view after the memory grows. */
  runs: Int32Array;
  /** What readLine writes, two numbers per purpose; a new view after the memory grows. */
  values: Float64Array;
  /**
   * Which forgetValues this is since the thread began: a table number (newTable) holds only in the
   * epoch it was given in.
   */
  epoch = 0;
  private tables = 0;
  private readonly dataStart: number;

  private constructor(private readonly module: LinesModule) {
    // Past the module's own data, 16-byte aligned.
    this.dataStart = (module.dataEnd() + 15) & ~15;
    this.bounds = this.boundsView();
    this.lines = this.linesView();
    this.runs = this.runsView();
    this.values = this.valuesView();
  }

  /** This thread's instance, or undefined where the module cannot be loaded or SIMD_ENV is `off`. */
  static load(): LineMemory | undefined {
    if (process.env[SIMD_ENV] === 'off') return undefined;
    if (loaded === undefined) loaded = LineMemory.instantiate();
    return loaded ?? undefined;
  }

  private static instantiate(): LineMemory | null {
    const file = wasmFile();
    if (!file) return null;
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
      return new LineMemory(instance.exports as unknown as LinesModule);
    } catch {
      // No WebAssembly SIMD here: the JavaScript loops do the work.
      return null;
    }
  }

  /**
   * `bytes` bytes of this memory for the caller's data, always from the same address: a larger
   * reservation keeps the bytes of a smaller one. The memory grows when they do not fit, which
   * detaches every earlier view of it (`bounds`, `lines` and `runs` are made again): a caller reserves
   * before it reads into the memory, takes the new view when it reserves more, and keeps nothing
   * of it past its task.
   */
  reserve(bytes: number): Buffer {
    const need = this.dataStart + bytes + SLACK;
    const { memory } = this.module;
    if (need > memory.buffer.byteLength) {
      memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
      this.bounds = this.boundsView();
      this.lines = this.linesView();
      this.runs = this.runsView();
      this.values = this.valuesView();
    }
    return Buffer.from(memory.buffer, this.dataStart, bytes);
  }

  /** Whether `buf` lies in this memory, where cutLine and readLine read it. */
  holds(buf: Buffer): boolean {
    return buf.buffer === this.module.memory.buffer;
  }

  /**
   * cutLine of _screen-rows.ts, into `bounds`, for a line of a buffer this memory holds: the cut
   * readLine makes first, on its own (the screen reads lines with readLine; the tests hold this
   * to the JavaScript cutLine).
   */
  cutLine(buf: Buffer, start: number, end: number, delimiter: number, cells: number): boolean {
    const base = buf.byteOffset;
    return this.module.cutLine(base, base + start, base + end, delimiter, cells) !== 0;
  }

  /**
   * The lines of `buf` from `from` to `limit` as LineWalker (_lines.ts) finds them, at most BATCH
   * of them, into `lines`: each line's start and end in `buf`, and the entry learnCell made for
   * the line's merchant cell; -1 for a line the caller must place (a merchant cell not learnt, or
   * one MerchantCells reads as text, or a line that may be a footer), -2 for such a line with a
   * quote. Such a line is the last it gives. Returns how many; resume() then says where the next
   * line starts. It stops before a line with no terminator before `limit` (or a CR as the last
   * byte, unless `atEnd`).
   */
  scanLines(buf: Buffer, from: number, limit: number, atEnd: boolean, delimiter: number, column: number): number {
    const base = buf.byteOffset;
    return this.module.scanLines(base, base + from, base + limit, atEnd ? 1 : 0, delimiter, column);
  }

  /** Where the last scanLines stopped, in its buffer. */
  resume(): number {
    return this.module.resume();
  }

  /**
   * Teaches scanLines the merchant cell of the unquoted line [start, end) of `buf`: its lines go
   * to builder number `builder` (below MAX_BUILDERS) as lines of `merchant`.
   */
  learnCell(buf: Buffer, start: number, end: number, delimiter: number, column: number, builder: number, merchant: number): void {
    const base = buf.byteOffset;
    this.module.learnCell(base + start, base + end, delimiter, column, builder, merchant);
  }

  /** Forgets every cell learnCell taught: a new task's. */
  forgetCells(): void {
    this.module.forgetCells();
  }

  /**
   * Lines `first` to `last` (exclusive) of the last scanLines, every one with its entry, as
   * ChunkBuilder's records, the first numbered `lineIndex`, gathered into `staging` by builder:
   * `runs` then gives each builder's records (builder, start, length in `staging`). Returns how
   * many runs. `staging` must hold the lines' bytes and 12 bytes a line.
   */
  stage(buf: Buffer, first: number, last: number, lineIndex: number, staging: Buffer): number {
    return this.module.stage(buf.byteOffset, first, last, lineIndex, staging.byteOffset);
  }

  /**
   * Has readLine read lines with these ops: each four numbers (kind, column, table, purpose), as
   * assembly/lines.ts lists them, the table -1 where none. The cells it numbered stay numbered.
   */
  useSpec(delimiter: number, cells: number, ops: readonly number[]): void {
    const count = ops.length >> 2;
    if (count > MAX_OPS) throw new RangeError(`line memory: ${count} ops, at most ${MAX_OPS}`);
    const spec = new Int32Array(this.module.memory.buffer, this.module.specAt(), 4 + 4 * MAX_OPS);
    spec[0] = count;
    spec[1] = delimiter;
    spec[2] = cells;
    spec.set(ops, 4);
    this.module.useSpec();
  }

  /**
   * A table for readLine to number cells in, until the next forgetValues; -1 once there are
   * MAX_TABLES (readLine then numbers none of its cells: the caller reads them).
   */
  newTable(): number {
    return this.tables < MAX_TABLES ? this.tables++ : -1;
  }

  /** Forgets every table and the cells numbered in them: a new epoch. */
  forgetValues(): void {
    this.module.forgetValues();
    this.tables = 0;
    this.epoch++;
  }

  /**
   * cutLine of the line [start, end) of a buffer this memory holds, and the spec's ops on its
   * cells into `values` (assembly/lines.ts, readLine); false where cutLine is.
   */
  readLine(buf: Buffer, start: number, end: number): boolean {
    const base = buf.byteOffset;
    return this.module.readLine(base, base + start, base + end) !== 0;
  }

  private valuesView(): Float64Array {
    return new Float64Array(this.module.memory.buffer, this.module.valuesAt(), 2 * MAX_PURPOSES);
  }

  private runsView(): Int32Array {
    return new Int32Array(this.module.memory.buffer, this.module.runsAt(), 3 * MAX_BUILDERS);
  }

  private linesView(): Int32Array {
    return new Int32Array(this.module.memory.buffer, this.module.linesAt(), 3 * BATCH);
  }

  private boundsView(): Int32Array {
    return new Int32Array(this.module.memory.buffer, this.module.boundsAt(), 2 * MAX_CELLS);
  }
}

let loaded: LineMemory | null | undefined;

/** dist/lines.wasm of the package this module belongs to, run from src/ (the tests) or from dist/. */
function wasmFile(): string | undefined {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) {
      const file = path.join(dir, 'dist', 'lines.wasm');
      return existsSync(file) ? file : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
