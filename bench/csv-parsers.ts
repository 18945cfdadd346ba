import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as fastCsv } from 'fast-csv';
import { inferSchema, initParser } from 'udsv';
import { splitCsvLine } from '../src/parsers/_text.js';

/**
 * CSV splitting alone, as a whole process, on one GBK file (decoded as a stream with
 * TextDecoder('gb18030')): fast-csv (the CSV parser of record), udsv, and the line-by-line
 * `splitCsvLine` the tabular parsers use. `node dist/bench/csv-parsers.js fast-csv|udsv|lines FILE`
 * prints `{ rows }`.
 */

function* decoded(file: string): Generator<string> {
  const decoder = new TextDecoder('gb18030');
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
      yield decoder.decode(buf.subarray(0, n), { stream: true });
    }
    yield decoder.decode();
  } finally {
    closeSync(fd);
  }
}

async function withFastCsv(file: string): Promise<number> {
  let rows = 0;
  const parser = fastCsv({ headers: false, ignoreEmpty: true });
  parser.on('data', () => rows++);
  await pipeline(Readable.from(decoded(file)), parser);
  return rows;
}

function withUdsv(file: string): number {
  let rows = 0;
  let parser: ReturnType<typeof initParser> | undefined;
  for (const text of decoded(file)) {
    if (text === '') continue;
    parser ??= initParser(inferSchema(text, { col: ',', row: '\r\n', encl: '' }));
    parser.chunk<string[]>(text, parser.stringArrs, () => {
      rows++;
    });
  }
  parser?.end();
  return rows + 1;
}

function withLines(file: string): number {
  let rows = 0;
  let carry = '';
  for (const text of decoded(file)) {
    const lines = (carry + text).split(/\r\n|\n|\r/);
    carry = lines.pop() ?? '';
    for (const line of lines) if (splitCsvLine(line, ',')) rows++;
  }
  if (carry !== '' && splitCsvLine(carry, ',')) rows++;
  return rows;
}

const [which, file] = process.argv.slice(2);
if (!file) throw new Error('usage: csv-parsers.js fast-csv|udsv|lines FILE');
const rows = which === 'fast-csv' ? await withFastCsv(file) : which === 'udsv' ? withUdsv(file) : withLines(file);
process.stdout.write(`${JSON.stringify({ rows })}\n`);
