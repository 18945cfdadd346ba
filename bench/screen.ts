import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseContract } from '../src/model/contract.js';
import type { FilePart, BucketFile, BucketTask } from '../src/pipeline/bulk/types.js';
import { KeyLines } from '../src/pipeline/bulk/_chunks.js';
import { bulkContext } from '../src/pipeline/bulk/_context.js';
import { Screen } from '../src/pipeline/bulk/screen.js';
import { LineMemory } from '../src/pipeline/bulk/_simd.js';

/**
 * The bulk path's screen alone (src/pipeline/bulk/screen.ts), in CPU time:
 *
 *     node dist/bench/screen.js DIR
 *
 * reads the acquirer export and the POS journal `npm run bench` generated in DIR
 * (bench-out/data-N/), groups their lines by merchant as stage 2 does, and screens every merchant
 * five times, one thread, printing the merchants cleared and the CPU microseconds per line of
 * each pass. The files are read whole: this is the screen's own cost, without the partitions.
 * Each merchant's lines are copied one after another, as stage 1 lays them out (partition.ts);
 * `SCATTERED=1` screens them where they lie in the files instead, interleaved with every other
 * merchant's. The copies lie in the thread's line memory, where the screen cuts lines with
 * WebAssembly, as stage 2 reads them; `SETTLE_AUDIT_SIMD=off` leaves them in plain buffers, cut
 * in JavaScript.
 */

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dist/bench/screen.js DIR (a folder npm run bench generated: bench-out/data-N)');
  process.exit(2);
}
const config = parseContract(readFileSync(path.join(dir, 'contracts.yaml'), 'utf8'), 'contracts.yaml');
const ctx = bulkContext(config);
const files: BucketFile[] = [];
const chunks: Buffer[] = [];
const byKey = new Map<string, Map<number, KeyLines>>();
let lineCount = 0;
for (const [fileNo, name, format] of [
  [0, 'acquirer_202610.csv', 'acquirer-csv'],
  [1, 'pos_202610.csv', 'pos-journal'],
] as const) {
  const buf = readFileSync(path.join(dir, name));
  chunks.push(buf);
  const headEnd = buf.indexOf(0x0a) + 1;
  files.push({ slot: fileNo, file: name, format, encoding: 'gb18030', delimiter: ',', merchantColumn: 0, head: buf.subarray(0, headEnd), headLines: 1, footers: [], chunks: [], rangeBase: [] });
  let line = 1;
  for (let at = headEnd; at < buf.length; ) {
    const lf = buf.indexOf(0x0a, at);
    const next = lf < 0 ? buf.length : lf + 1;
    // The line without its terminator, as stage 1 stores it.
    let end = lf < 0 ? buf.length : lf;
    if (end > at && buf[end - 1] === 0x0d) end--;
    line++;
    const key = ctx.keyOf(buf.toString('latin1', at, buf.indexOf(0x2c, at)));
    // The 合计 footer line is no merchant's.
    if (ctx.index.has(key)) {
      let lines = byKey.get(key);
      if (!lines) byKey.set(key, (lines = new Map()));
      let kl = lines.get(fileNo);
      if (!kl) lines.set(fileNo, (kl = new KeyLines()));
      // Counted as stage 2 counts a line's bytes: with its terminator.
      kl.push(line, fileNo, at, end);
      lineCount++;
    }
    at = next;
  }
}

if (process.env.SCATTERED !== '1') {
  // In the thread's line memory, as stage 2 reads a bucket's chunks (ChunkReader), unless SETTLE_AUDIT_SIMD=off.
  let total = 0;
  for (const lines of byKey.values()) for (const kl of lines.values()) total += kl.bytes;
  const memory = LineMemory.load()?.reserve(total);
  let used = 0;
  for (const lines of byKey.values()) {
    for (const kl of lines.values()) {
      const own = memory ? memory.subarray(used, (used += kl.bytes)) : Buffer.allocUnsafe(kl.bytes);
      const chunkNo = chunks.push(own) - 1;
      let at = 0;
      for (let i = 0; i < kl.count; i++) {
        const length = kl.ends[i]! - kl.starts[i]!;
        chunks[kl.chunkOf[i]!]!.copy(own, at, kl.starts[i]!, kl.ends[i]!);
        kl.chunkOf[i] = chunkNo;
        kl.starts[i] = at;
        kl.ends[i] = at + length;
        own[at + length] = 0x0a;
        at += length + 1;
      }
    }
  }
}

/** The file's own figures with no merchant line: what the screen adds a merchant's to. */
const empty = (file: BucketFile): FilePart => ({
  slot: file.slot,
  lines: 0,
  records: 0,
  blank: 0,
  rejects: [],
  checks: [],
  info: { units: file.headLines, nonDataUnits: file.headLines },
  totals: { file: file.file, role: 'acquirer', format: file.format, currency: '', count: 0, amountMinor: 0, feeMinor: 0, netMinor: 0, creditMinor: 0, debitMinor: 0 },
  firstLine: Number.MAX_SAFE_INTEGER,
  lastLine: 0,
  merchantIds: [],
});
const task: BucketTask = { bucket: 0, files, small: [], roles: ['acquirer', 'pos'], asOf: '2026-11-30', mode: 'audit', screen: true };
for (let pass = 0; pass < 5; pass++) {
  const screen = Screen.of(task, ctx, { fileAlone: empty, acquirerRecords: () => [] });
  if (!screen) throw new Error('the screen does not apply to this month');
  const cpu = process.cpuUsage();
  let cleared = 0;
  for (const [key, lines] of byKey) if (screen.merchant(key, lines, chunks, undefined)) cleared++;
  const used = process.cpuUsage(cpu);
  console.log(`${cleared} of ${byKey.size} merchants cleared, ${lineCount} lines: ${((used.user + used.system) / lineCount).toFixed(3)} µs CPU a line`);
}
