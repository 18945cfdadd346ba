import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The I/O floor of the benchmark: count the newlines of the given files in 8 MiB reads, as a
 * whole process. Nothing that reads every byte of the input can be faster than this.
 * `node dist/bench/floor.js FILE...` prints `{ lines, bytes }` as JSON.
 */
function countLines(file: string): { lines: number; bytes: number } {
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  const fd = openSync(file, 'r');
  let lines = 0;
  let bytes = 0;
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
      bytes += n;
      const view = buf.subarray(0, n);
      for (let at = view.indexOf(0x0a); at !== -1; at = view.indexOf(0x0a, at + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, bytes };
}

let lines = 0;
let bytes = 0;
for (const file of process.argv.slice(2)) {
  const c = countLines(file);
  lines += c.lines;
  bytes += c.bytes;
}
process.stdout.write(`${JSON.stringify({ lines, bytes })}\n`);
