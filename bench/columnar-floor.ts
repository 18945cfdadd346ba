import { closeSync, openSync, readSync } from 'node:fs';

/**
 * How fast the benchmark's acquirer export can be read into columns straight from its bytes, in
 * one thread: the floor a columnar engine would start from (BENCHMARKS.md, "Why the time target is
 * still missed"). Not a parser: it knows the generator's 16-column layout (bench/generate.ts), has
 * no quotes to honour, validates nothing, rejects nothing and decodes no text. Each row's merchant
 * id becomes an index (a Map keyed by its digits as a number), its amount and fee integers of fen,
 * its reference a number, its date and time integers, in typed arrays.
 *
 * `node dist/bench/columnar-floor.js bench-out/data-5000000/acquirer_202610.csv` prints
 * `{ rows, merchants, seconds, usPerRow, amountMinor }` as JSON.
 */

const COMMA = 0x2c;
const LF = 0x0a;
const DOT = 0x2e;
const ZERO = 0x30;
const BLOCK = 16 * 1024 * 1024;

/** Typed columns that double when full. */
class Columns {
  length = 0;
  merchant = new Int32Array(1 << 20);
  amount = new Int32Array(1 << 20);
  fee = new Int32Array(1 << 20);
  reference = new Float64Array(1 << 20);
  day = new Int32Array(1 << 20);
  second = new Int32Array(1 << 20);

  push(merchant: number, amount: number, fee: number, reference: number, day: number, second: number): void {
    if (this.length === this.amount.length) this.grow();
    const i = this.length++;
    this.merchant[i] = merchant;
    this.amount[i] = amount;
    this.fee[i] = fee;
    this.reference[i] = reference;
    this.day[i] = day;
    this.second[i] = second;
  }

  private grow(): void {
    const twice = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.merchant = twice(this.merchant);
    this.amount = twice(this.amount);
    this.fee = twice(this.fee);
    this.reference = twice(this.reference);
    this.day = twice(this.day);
    this.second = twice(this.second);
  }
}

function readColumns(file: string): { columns: Columns; merchants: number } {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(BLOCK + 64 * 1024);
  const merchants = new Map<number, number>();
  const columns = new Columns();
  let carry = 0;
  let header = true;
  try {
    for (;;) {
      const got = readSync(fd, buf, carry, BLOCK, null);
      const end = carry + got;
      if (end === 0) break;
      // Whole lines only; the rest is carried to the next block.
      const last = got === 0 ? end : buf.lastIndexOf(LF, end - 1) + 1;
      let p = 0;
      if (header) {
        p = buf.indexOf(LF) + 1;
        header = false;
      }
      const digit = (at: number) => buf[at]! - ZERO;
      while (p < last) {
        let c: number;
        let id = 0;
        while ((c = buf[p++]!) !== COMMA) id = id * 10 + c - ZERO;
        let merchant = merchants.get(id);
        if (merchant === undefined) merchants.set(id, (merchant = merchants.size));
        while (buf[p++] !== COMMA); // name
        while (buf[p++] !== COMMA); // terminal
        const day = (digit(p + 5) * 10 + digit(p + 6)) * 31 + digit(p + 8) * 10 + digit(p + 9);
        p += 11;
        const second = (digit(p) * 10 + digit(p + 1)) * 3600 + (digit(p + 3) * 10 + digit(p + 4)) * 60 + digit(p + 6) * 10 + digit(p + 7);
        p += 9;
        p += 11; // settlement date
        while (buf[p++] !== COMMA); // type
        while (buf[p++] !== COMMA); // card
        while (buf[p++] !== COMMA); // card kind
        let amount = 0;
        while ((c = buf[p++]!) !== COMMA) if (c !== DOT) amount = amount * 10 + c - ZERO;
        let fee = 0;
        while ((c = buf[p++]!) !== COMMA) if (c !== DOT) fee = fee * 10 + c - ZERO;
        while (buf[p++] !== COMMA); // net
        let reference = 0;
        while ((c = buf[p++]!) !== COMMA) reference = reference * 10 + c - ZERO;
        while (buf[p++] !== LF); // batch, trace, MCC
        columns.push(merchant, amount, fee, reference, day, second);
      }
      buf.copy(buf, 0, last, end);
      carry = end - last;
      if (got === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  return { columns, merchants: merchants.size };
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node dist/bench/columnar-floor.js ACQUIRER_CSV\n');
  process.exit(2);
}
const started = process.hrtime.bigint();
const { columns, merchants } = readColumns(file);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
let amountMinor = 0;
for (let i = 0; i < columns.length; i++) amountMinor += columns.amount[i]!;
process.stdout.write(`${JSON.stringify({ rows: columns.length, merchants, seconds: +seconds.toFixed(3), usPerRow: +((seconds * 1e6) / columns.length).toFixed(3), amountMinor })}\n`);
