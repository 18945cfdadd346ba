import { readFileSync } from 'node:fs';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { parserById } from '../src/parsers/index.js';
import type { ParserInput } from '../src/parsers/types.js';

/**
 * The parsers alone, in CPU time:
 *
 *     node dist/bench/parse.js ACQUIRER_CSV POS_CSV [ROWS] [--merchants N] [--young MIB]
 *
 * parses the first ROWS lines (default 300 000) of a GBK acquirer export with `acquirer-csv` and
 * of a POS journal with `pos-journal`, three times each, and prints the CPU microseconds per row
 * of the last two passes. CPU time rather than wall time, so that a busy machine blurs it less.
 * The files are those `npm run bench` generates (bench-out/data-N/).
 *
 * By default each record is dropped as soon as it is read. `--merchants N` parses as a stage-2
 * task does: the rows split into N groups by merchant id, each group parsed on its own (header
 * first) and its records kept until the group is done, as a merchant's records are kept until
 * its rules have run. It runs in a worker thread, as the bulk path parses; `--young MIB` gives
 * the worker that young generation (`resourceLimits.maxYoungGenerationSizeMb`).
 */

interface Options {
  acquirerFile: string;
  posFile: string;
  rows: number;
  merchants?: number;
  young?: number;
}

function options(argv: string[]): Options {
  const positional: string[] = [];
  const named: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--merchants' || arg === '--young') named[arg.slice(2)] = Number(argv[++i]);
    else positional.push(arg);
  }
  const [acquirerFile, posFile, rowsText = '300000'] = positional;
  if (!acquirerFile || !posFile) {
    console.error('usage: node dist/bench/parse.js ACQUIRER_CSV POS_CSV [ROWS] [--merchants N] [--young MIB]');
    process.exit(2);
  }
  return { acquirerFile, posFile, rows: Number(rowsText), ...named };
}

/** The header line and the first `n` lines after it. */
function head(file: string, n: number): { header: Buffer; lines: Buffer[] } {
  const bytes = readFileSync(file);
  const lines: Buffer[] = [];
  let at = 0;
  for (let line = 0; line <= n && at < bytes.length; line++) {
    const lf = bytes.indexOf(0x0a, at);
    const next = lf < 0 ? bytes.length : lf + 1;
    lines.push(bytes.subarray(at, next));
    at = next;
  }
  return { header: lines.shift()!, lines };
}

/** The texts to parse: the whole head, or one per merchant group (header, then the group's lines). */
function inputsOf(file: string, o: Options): Buffer[] {
  const { header, lines } = head(file, o.rows);
  if (o.merchants === undefined) return [Buffer.concat([header, ...lines])];
  const groups = new Map<number, Buffer[]>();
  for (const line of lines) {
    const id = Number(line.subarray(0, line.indexOf(0x2c)).toString('latin1'));
    const key = Number.isSafeInteger(id) ? id % o.merchants : -1;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(line);
  }
  return [...groups.values()].map((group) => Buffer.concat([header, ...group]));
}

function run(o: Options): void {
  for (const [format, file] of [
    ['acquirer-csv', o.acquirerFile],
    ['pos-journal', o.posFile],
  ] as const) {
    const parser = parserById(format);
    if (!parser) throw new Error(`no parser ${format}`);
    const inputs = inputsOf(file, o);
    const perRow: number[] = [];
    let records = 0;
    let rejects = 0;
    for (let pass = 0; pass < 3; pass++) {
      records = 0;
      rejects = 0;
      const cpu = process.cpuUsage();
      for (const bytes of inputs) {
        const input: ParserInput = {
          file,
          bytes,
          encoding: 'gb18030',
          options: { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} },
          companions: new Map(),
        };
        // A group's records live until the group is done; without groups, none is kept.
        const kept: unknown[] = [];
        for (const event of parser.parse(input)) {
          if (event.kind === 'record') {
            records++;
            if (o.merchants !== undefined) kept.push(event.record);
          } else if (event.kind === 'reject') rejects++;
        }
      }
      const used = process.cpuUsage(cpu);
      // The first pass warms the JIT up; it is not counted.
      if (pass > 0) perRow.push((used.user + used.system) / (records + rejects));
    }
    const grouping = o.merchants === undefined ? '' : `, ${inputs.length} groups kept whole`;
    const young = o.young === undefined ? '' : `, young generation ${o.young} MiB`;
    console.log(`${format}: ${records} records, ${rejects} rejects${grouping}${young}, ${perRow.map((us) => us.toFixed(2)).join(' / ')} µs CPU a row`);
  }
}

// In a worker thread, as the bulk path parses.
if (isMainThread) {
  const o = options(process.argv.slice(2));
  const worker = new Worker(new URL(import.meta.url), { workerData: o, ...(o.young !== undefined ? { resourceLimits: { maxYoungGenerationSizeMb: o.young } } : {}) });
  worker.on('error', (err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  run(workerData as Options);
}
