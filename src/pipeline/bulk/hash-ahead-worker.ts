import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { hashAndPreflightFile } from '../preflight.js';
import type { AheadResult } from './hash-ahead.js';

/**
 * The thread of hash-ahead.ts: each file's sha256 and preflight verdict in turn, posted as soon
 * as it is known. A file whose size or modification time differ after the read from before it
 * is reported changed, and the bulk path hashes it itself.
 */
for (const file of workerData as string[]) {
  let result: AheadResult;
  try {
    const before = statSync(file);
    const found = await hashAndPreflightFile(file);
    const after = statSync(file);
    result = before.size === after.size && before.mtimeMs === after.mtimeMs ? { path: file, size: after.size, ...found } : { path: file, changed: true };
  } catch (err) {
    result = { path: file, failed: (err as Error).message };
  }
  parentPort!.postMessage(result);
}
