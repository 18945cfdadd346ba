import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { parserById } from '../src/parsers/index.js';

/**
 * The parse stage alone, as the performance issue's reference figures measured it ("two worker
 * threads on byte ranges"):
 *
 *     node dist/bench/parse-stage.js FILE FORMAT THREADS
 *
 * cuts FILE after its header line into THREADS byte ranges, each ending just after a newline, and
 * parses each range in its own worker thread with the format's parser: read in blocks of 16 MiB
 * cut at newlines, each block decoded and parsed with the header line before it (as a stage-2
 * task parses a merchant's lines), every record dropped as it is read. Prints
 * `{ threads, rows, rejects, seconds }` as JSON; `npm run bench` runs it as a whole process with
 * one thread and with two, on the speed-up month's acquirer file.
 */

const BLOCK = 16 * 1024 * 1024;

interface Range {
  file: string;
  format: string;
  header: Uint8Array;
  start: number;
  end: number;
}

/** Offsets cutting the file after its header into `n` ranges, each ending just after a newline. */
function cut(fd: number, size: number, from: number, n: number): number[] {
  const edges = [from];
  const probe = Buffer.allocUnsafe(64 * 1024);
  for (let i = 1; i < n; i++) {
    let at = Math.max(edges[edges.length - 1]!, from + Math.floor(((size - from) * i) / n));
    for (;;) {
      const read = readSync(fd, probe, 0, probe.length, at);
      const lf = probe.subarray(0, read).indexOf(0x0a);
      if (lf >= 0) {
        at += lf + 1;
        break;
      }
      if (read < probe.length) {
        at = size;
        break;
      }
      at += read;
    }
    edges.push(at);
  }
  edges.push(size);
  return edges;
}

function parseRange(r: Range): { rows: number; rejects: number } {
  const parser = parserById(r.format);
  if (!parser) throw new Error(`no parser ${r.format}`);
  const fd = openSync(r.file, 'r');
  const buf = Buffer.allocUnsafe(r.header.length + BLOCK);
  buf.set(r.header, 0);
  let rows = 0;
  let rejects = 0;
  try {
    let at = r.start;
    let carried = 0;
    while (at < r.end || carried > 0) {
      const want = Math.min(BLOCK - carried, r.end - at);
      const read = want > 0 ? readSync(fd, buf, r.header.length + carried, want, at) : 0;
      at += read;
      const filled = r.header.length + carried + read;
      // The block ends after its last newline; the rest is carried into the next one.
      const last = at < r.end ? buf.lastIndexOf(0x0a, filled - 1) + 1 : filled;
      if (last <= r.header.length) throw new Error(`${r.file}: a line longer than ${BLOCK} bytes`);
      const bytes = buf.subarray(0, last);
      for (const event of parser.parse({ file: r.file, bytes, encoding: 'gb18030', options: { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} }, companions: new Map() })) {
        if (event.kind === 'record') rows++;
        else if (event.kind === 'reject') rejects++;
      }
      carried = filled - last;
      buf.copy(buf, r.header.length, last, filled);
    }
  } finally {
    closeSync(fd);
  }
  return { rows, rejects };
}

async function main(): Promise<void> {
  const [file, format, threadsText = '1'] = process.argv.slice(2);
  const threads = Number(threadsText);
  if (!file || !format || !Number.isSafeInteger(threads) || threads < 1) {
    console.error('usage: node dist/bench/parse-stage.js FILE FORMAT THREADS');
    process.exit(2);
  }
  const started = performance.now();
  const fd = openSync(file, 'r');
  const { size } = fstatSync(fd);
  const head = Buffer.allocUnsafe(Math.min(size, 64 * 1024));
  readSync(fd, head, 0, head.length, 0);
  const headerEnd = head.indexOf(0x0a) + 1;
  if (headerEnd === 0) throw new Error(`${file}: no header line in the first 64 KiB`);
  const edges = cut(fd, size, headerEnd, threads);
  closeSync(fd);
  const header = new Uint8Array(head.subarray(0, headerEnd));
  const results = await Promise.all(
    edges.slice(0, -1).map(
      (start, i) =>
        new Promise<{ rows: number; rejects: number }>((resolve, reject) => {
          const range: Range = { file, format, header, start, end: edges[i + 1]! };
          const worker = new Worker(new URL(import.meta.url), { workerData: range });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const rows = results.reduce((n, r) => n + r.rows, 0);
  const rejects = results.reduce((n, r) => n + r.rejects, 0);
  process.stdout.write(`${JSON.stringify({ threads, rows, rejects, seconds })}\n`);
}

if (isMainThread) {
  await main();
} else {
  const { parentPort } = await import('node:worker_threads');
  parentPort!.postMessage(parseRange(workerData as Range));
}
