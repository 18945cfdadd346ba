import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bulk path's WebAssembly byte loops (assembly/lines.ts, which `npm run build` compiles to
 * dist/lines.wasm) and the memory they read: one instance per thread, made when first asked for.
 * The bytes a loop reads must lie in that memory, so a stage-2 task reads its chunks into it
 * (ChunkReader, _chunks.ts); lines anywhere else are cut by the JavaScript loop, which is also
 * what runs where the module is missing or WebAssembly has no SIMD.
 */

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
}

/** The bytes a loop may read past the end of its data (assembly/lines.ts). */
const SLACK = 16;
/** The most cells cutLine cuts a line into (MAX_CELLS of assembly/lines.ts). */
const MAX_CELLS = 256;
const PAGE = 64 * 1024;

export class LineMemory {
  /** Cell bounds as cutLine writes them; a new view after the memory grows. */
  bounds: Int32Array;
  private readonly dataStart: number;

  private constructor(private readonly module: LinesModule) {
    // Past the module's own data, 16-byte aligned.
    this.dataStart = (module.dataEnd() + 15) & ~15;
    this.bounds = this.boundsView();
  }

  /** This thread's instance, or undefined where the module cannot be loaded. */
  static load(): LineMemory | undefined {
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
   * `bytes` bytes of this memory for the caller's data. The memory grows when they do not fit,
   * which detaches every earlier view of it, this one's and `bounds` included: a caller reserves
   * once, before it reads into the memory, and keeps nothing of it past its use.
   */
  reserve(bytes: number): Buffer {
    const need = this.dataStart + bytes + SLACK;
    const { memory } = this.module;
    if (need > memory.buffer.byteLength) {
      memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
      this.bounds = this.boundsView();
    }
    return Buffer.from(memory.buffer, this.dataStart, bytes);
  }

  /** Whether `buf` lies in this memory, where cutLine reads it. */
  holds(buf: Buffer): boolean {
    return buf.buffer === this.module.memory.buffer;
  }

  /** cutLine of _screen-rows.ts, into `bounds`, for a line of a buffer this memory holds. */
  cutLine(buf: Buffer, start: number, end: number, delimiter: number, cells: number): boolean {
    const base = buf.byteOffset;
    return this.module.cutLine(base, base + start, base + end, delimiter, cells) !== 0;
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
