import { readFileSync } from 'node:fs';
import { parserById } from '../src/parsers/index.js';
import type { ParserInput } from '../src/parsers/types.js';

/**
 * The parsers alone, one thread, in CPU time: `node dist/bench/parse.js ACQUIRER_CSV POS_CSV [ROWS]`
 * parses the first ROWS lines (default 300 000) of a GBK acquirer export with `acquirer-csv` and
 * of a POS journal with `pos-journal`, three times each, and prints the CPU microseconds per row
 * of the last two passes. CPU time rather than wall time, so that a busy machine blurs it less.
 * The files are those `npm run bench` generates (bench-out/data-N/).
 */

const [acquirerFile, posFile, rowsText = '300000'] = process.argv.slice(2);
if (!acquirerFile || !posFile) {
  console.error('usage: node dist/bench/parse.js ACQUIRER_CSV POS_CSV [ROWS]');
  process.exit(2);
}
const rows = Number(rowsText);

/** The first `n` lines of a file after its header, with the header. */
function head(file: string, n: number): Buffer {
  const bytes = readFileSync(file);
  let at = 0;
  for (let line = 0; line <= n && at < bytes.length; line++) {
    const lf = bytes.indexOf(0x0a, at);
    at = lf < 0 ? bytes.length : lf + 1;
  }
  return bytes.subarray(0, at);
}

for (const [format, file] of [
  ['acquirer-csv', acquirerFile],
  ['pos-journal', posFile],
] as const) {
  const parser = parserById(format);
  if (!parser) throw new Error(`no parser ${format}`);
  const input: ParserInput = {
    file,
    bytes: head(file, rows),
    encoding: 'gb18030',
    options: { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} },
    companions: new Map(),
  };
  const perRow: number[] = [];
  let records = 0;
  let rejects = 0;
  for (let pass = 0; pass < 3; pass++) {
    records = 0;
    rejects = 0;
    const cpu = process.cpuUsage();
    for (const event of parser.parse(input)) {
      if (event.kind === 'record') records++;
      else if (event.kind === 'reject') rejects++;
    }
    const used = process.cpuUsage(cpu);
    // The first pass warms the JIT up; it is not counted.
    if (pass > 0) perRow.push((used.user + used.system) / (records + rejects));
  }
  console.log(`${format}: ${records} records, ${rejects} rejects, ${perRow.map((us) => us.toFixed(2)).join(' / ')} µs CPU a row`);
}
