import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The large files of an audit hashed and preflighted (hashAndPreflightFile) in a thread of their
 * own from the moment the command line names them: bin/settle-audit.js starts it in the child
 * process a large audit runs in (cli/relaunch.ts), before it loads the tool.
 *
 * Why: the bulk path needs each large file's sha256 (the manifest, the run id) and the
 * preflight's verdict only once its stages are done, but hashing 1.4 GB takes about a second of
 * CPU. In the main thread it ran during stage 2, on a core the workers wanted. Here it runs while
 * the main thread loads the tool, reads the contract and plans the run, which leave the other
 * core idle for about 0.7 s (BENCHMARKS.md, the eighteenth round).
 *
 * The bulk path asks hashedAhead for each of its files, and hashes itself any file not hashed
 * here, or whose size is not the one the thread saw, or that changed while the thread read it.
 */

/** Files smaller than this are not worth a thread: the bulk path starts at 16 MiB a file. */
const AHEAD_MIN_BYTES = 16 * 1024 * 1024;

/** What the thread found of a file: its sha256 and refusal, or that it changed while read. */
export type AheadResult = { path: string; size: number; sha256: string; refusal?: string } | { path: string; changed: true } | { path: string; failed: string };

const ahead = new Map<string, Promise<AheadResult>>();

/** The thread, while it runs, and how many callers of hashedAhead wait for it. */
let thread: Worker | undefined;
let waiters = 0;

/**
 * Starts the thread on the regular files among `args` (a folder's own files included, not its
 * subfolders') of AHEAD_MIN_BYTES or more. A name that is no such file is left alone: the audit
 * reads it, and says what is wrong with it.
 */
export function hashAhead(args: readonly string[]): void {
  const files: string[] = [];
  const consider = (file: string, inFolder: boolean) => {
    const info = statSync(file, { throwIfNoEntry: false });
    if (info?.isFile() && info.size >= AHEAD_MIN_BYTES) files.push(path.resolve(file));
    else if (info?.isDirectory() && !inFolder) for (const entry of readdirSync(file)) consider(path.join(file, entry), true);
  };
  for (const arg of args) {
    try {
      consider(arg, false);
    } catch {
      // Unreadable: the audit says so.
    }
  }
  const fresh = files.filter((f) => !ahead.has(f));
  if (fresh.length === 0) return;
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = new Worker(new URL(fromSource ? './_hash-ahead-source.mjs' : './hash-ahead-worker.js', import.meta.url), { workerData: fresh });
  thread = worker;
  const waiting = new Map<string, (r: AheadResult) => void>();
  for (const file of fresh) ahead.set(file, new Promise((resolve) => waiting.set(file, resolve)));
  worker.on('message', (r: AheadResult) => {
    waiting.get(r.path)?.(r);
    waiting.delete(r.path);
  });
  const end = (why: string) => {
    for (const [file, resolve] of waiting) resolve({ path: file, failed: why });
    waiting.clear();
  };
  worker.on('error', (err) => end(err.message));
  worker.on('exit', () => {
    end('the thread ended');
    if (thread === worker) thread = undefined;
  });
  // A run that ends before asking (a bad contract, say) does not wait for it; one that asks for a
  // file not hashed yet keeps it running until it answers (hashedAhead). After the listeners:
  // listening for its messages refs it again.
  worker.unref();
}

/**
 * The sha256 and preflight verdict of `file`, `size` bytes now, as the thread found them; hashed
 * here where the thread did not hash it as it is (undefined when it was never asked to).
 */
export function hashedAhead(file: string, size: number): Promise<{ sha256: string; refusal?: string }> | undefined {
  const result = ahead.get(path.resolve(file));
  if (!result) return undefined;
  const running = thread;
  if (waiters++ === 0) running?.ref();
  const answered = result.finally(() => {
    if (--waiters === 0) running?.unref();
  });
  return answered.then(async (r) => {
    if ('sha256' in r && r.size === size) return { sha256: r.sha256, ...(r.refusal ? { refusal: r.refusal } : {}) };
    // Loaded only here: this module is loaded before the tool, to start the thread at once.
    const { hashAndPreflightFile } = await import('../preflight.js');
    return hashAndPreflightFile(file);
  });
}
