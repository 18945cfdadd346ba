import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellValues, LocalTimes, keyOf, pairKey, plainAmount } from '../../src/pipeline/bulk/_screen-rows.js';
import { LineMemory, READ } from '../../src/pipeline/bulk/_simd.js';

/**
 * The line memory's readLine (assembly/lines.ts) reads a screened line's cells for the screen
 * (screen.ts, MerchantMonth) where the line lies in the thread's line memory; elsewhere the screen
 * reads them with the JavaScript functions. Each op must give what those functions give, for any
 * cell, and the cells it numbers must look up the values CellValues gives for their bytes.
 */

const memory = LineMemory.load()!;

/** `cells` joined with commas at `offset` in the line memory, read with `ops`: readLine's answer, the buffer and the cells' bounds. */
function read(cells: string[], ops: number[], offset = 0) {
  const line = cells.join(',');
  const text = 'x'.repeat(offset) + line;
  const buf = memory.reserve(text.length);
  buf.write(text, 'latin1');
  memory.useSpec(0x2c, cells.length, ops);
  const ok = memory.readLine(buf, offset, offset + line.length);
  const bounds = Array.from(memory.bounds.subarray(0, 2 * cells.length));
  return { ok, buf, bounds, values: memory.values };
}

/** A cell over `alphabet`, of up to `longest` characters (latin1: one byte each). */
const cellOver = (alphabet: string[], longest: number) => fc.array(fc.constantFrom(...alphabet), { maxLength: longest }).map((c) => c.join(''));

const NUMERIC = ['0', '1', '5', '9', '.', '-', '|', ' ', '`', '=', 'A', 'z', '\u00b0', '\u00a1', '\u007f', '~'];

describe('readLine', () => {
  it('reads amounts and keys as plainAmount and keyOf', () => {
    fc.assert(
      fc.property(cellOver(NUMERIC, 20), cellOver(NUMERIC, 20), fc.integer({ min: 0, max: 31 }), (amount, key, offset) => {
        const { ok, buf, bounds, values } = read(['a', amount, key], [READ.amount, 1, -1, 0, READ.key, 2, -1, 1], offset);
        expect(ok).toBe(true);
        expect(values[0]).toBe(plainAmount(buf, bounds[2]!, bounds[3]!));
        const want = keyOf(buf, bounds[4]!, bounds[5]!);
        // A key that is not a number is read by keyOf itself (-1).
        expect(values[2]).toBe(typeof want === 'number' ? want : -1);
      }),
      { numRuns: 20_000 },
    );
    // The edges: 15 digits and more, two decimals and more, 14 digits and more.
    const amounts = ['999999999999999', '9999999999999.99', '99999999999999.99', '1234567890123456', '0.1', '0.001', '.5', '5.', '0', ''];
    const keys = ['12345678901234', '123456789012345', '00012', '012', '-', '--', '1-2', ''];
    for (const amount of amounts) {
      for (const key of keys) {
        const { buf, bounds, values } = read(['a', amount, key], [READ.amount, 1, -1, 0, READ.key, 2, -1, 1]);
        expect([amount, values[0]]).toEqual([amount, plainAmount(buf, bounds[2]!, bounds[3]!)]);
        const want = keyOf(buf, bounds[4]!, bounds[5]!);
        expect([key, values[2]]).toEqual([key, typeof want === 'number' ? want : -1]);
      }
    }
  });

  it('reads a batch and a trace number as pairKey reads their keys', () => {
    const digits = ['0', '1', '9', 'a', '-', ' '];
    fc.assert(
      fc.property(cellOver(digits, 9), cellOver(digits, 9), fc.integer({ min: 0, max: 31 }), (batch, trace, offset) => {
        const { buf, bounds, values } = read(['a', batch, 'x', trace], [READ.pair, 1, 3, 0], offset);
        const [batchKey, traceKey] = [keyOf(buf, bounds[2]!, bounds[3]!), keyOf(buf, bounds[6]!, bounds[7]!)];
        const want = batchKey === undefined || traceKey === undefined ? undefined : pairKey(batchKey, traceKey);
        // A pair that is not a number is read by keyOf and pairKey themselves (-1).
        expect(values[0]).toBe(typeof want === 'number' ? want : -1);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads dates, times and date-times as LocalTimes does', () => {
    const times = new LocalTimes('Asia/Shanghai');
    const dates = new LocalTimes('Asia/Shanghai');
    const dateTable = dates.dateTable(memory);
    const ops = [READ.date, 1, dateTable, 0, READ.time, 2, -1, 1, READ.dateTime, 3, dateTable, 2];
    const shaped = fc.oneof(
      cellOver(['2', '0', '1', '3', '9', '-', ':', ' ', 'a'], 21),
      fc.constantFrom('2026-10-01', '2026-02-30', '2026-13-01', '2026-1-01 ', '23:59:59', '24:00:00', '00:60:00', '2026-10-01 08:00:00', '2026-10-01T08:00:00', '2026-10-31 23:59:60'),
    );
    fc.assert(
      fc.property(shaped, shaped, shaped, (date, time, whole) => {
        const { ok, buf, bounds, values } = read(['a', date, time, whole], ops);
        expect(ok).toBe(true);
        const [dateFrom, dateTo, timeFrom, timeTo, wholeFrom, wholeTo] = bounds.slice(2);
        expect(dates.numberedDate(values[0]!, buf, dateFrom!, dateTo!)).toBe(times.date(buf, dateFrom!, dateTo!));
        const minutes = values[2]!;
        expect(minutes >= 0 && times.kept('2026-10-01', minutes)).toBe(times.time('2026-10-01', buf, timeFrom!, timeTo!));
        // As MerchantMonth.cellDateTime reads a date-time cell from readLine's two numbers.
        const day = dates.numberedDate(values[4]!, buf, wholeFrom!, wholeFrom! + 10);
        const dateTime = day !== null && values[5]! >= 0 && dates.kept(day, values[5]!) ? day : null;
        expect(dateTime).toBe(times.dateTime(buf, wholeFrom!, wholeTo!));
      }),
      { numRuns: 20_000 },
    );
  });

  it('numbers the cells of each table by their bytes, and CellValues looks up the values get gives', () => {
    memory.forgetValues();
    const upper = (t: string | undefined) => t?.toUpperCase() ?? null;
    const names = new CellValues<string | null>('gb18030', upper);
    const kinds = new CellValues<string | null>('gb18030', upper);
    const reference = { names: new CellValues<string | null>('gb18030', upper), kinds: new CellValues<string | null>('gb18030', upper) };
    const ops = () => [READ.intern, 1, names.table(memory), 0, READ.intern, 2, kinds.table(memory), 1];
    // GBK names (as latin1 bytes), blanks, a byte the decoder cannot read, and cells that differ by a byte.
    const pool = ['\u00c9\u00cf\u00ba\u00a3', '\u00c9\u00cf\u00ba\u00a4', 'abc', 'abcd', 'abcdefghijklmnopq', 'abcdefghijklmnopr', '', ' a ', '\u0081', 'x'];
    const seen = [new Map<string, number>(), new Map<string, number>()];
    fc.assert(
      fc.property(fc.constantFrom(...pool), fc.constantFrom(...pool), (name, kind) => {
        const { buf, bounds, values } = read(['a', name, kind], ops());
        for (const [column, cell, own, ref] of [
          [1, name, names, reference.names],
          [2, kind, kinds, reference.kinds],
        ] as const) {
          const n = values[2 * (column - 1)]!;
          expect(n).toBeGreaterThanOrEqual(0);
          // The same bytes, the same number; other bytes, another.
          const known = seen[column - 1]!;
          if (known.has(cell)) expect(n).toBe(known.get(cell));
          else {
            expect([...known.values()]).not.toContain(n);
            known.set(cell, n);
          }
          const [from, to] = [bounds[2 * column]!, bounds[2 * column + 1]!];
          expect(own.numbered(n, buf, from, to)).toBe(ref.get(buf, from, to));
        }
      }),
      { numRuns: 2_000 },
    );
    // Each table numbers its cells from 0, in the order first seen.
    expect([...seen[0]!.values()].sort((x, y) => x - y)).toEqual([...Array(seen[0]!.size).keys()]);
    expect([...seen[1]!.values()].sort((x, y) => x - y)).toEqual([...Array(seen[1]!.size).keys()]);
  });

  it('numbers no more cells once its tables are full, and CellValues reads those itself; forgetting starts again', () => {
    memory.forgetValues();
    const values = new CellValues<string | null>('utf-8', (t) => (t === undefined ? null : `v${t}`));
    const ops = () => [READ.intern, 1, values.table(memory), 0];
    // 40 000 distinct cells: more than the 32 768 the table holds.
    const numbers: number[] = [];
    for (let i = 0; i < 40_000; i++) {
      const cell = `c${i}`;
      const { buf, bounds, values: out } = read(['a', cell], ops());
      numbers.push(out[0]!);
      expect(values.numbered(out[0]!, buf, bounds[2]!, bounds[3]!)).toBe(`v${cell}`);
    }
    expect(numbers.slice(0, 32_768)).toEqual([...Array(32_768).keys()]);
    expect(new Set(numbers.slice(32_768))).toEqual(new Set([-1]));
    // A cell numbered before the table filled keeps its number.
    expect(read(['a', 'c5'], ops()).values[0]).toBe(5);
    memory.forgetValues();
    const { buf, bounds, values: out } = read(['a', 'c39999'], ops());
    expect(out[0]).toBe(0);
    expect(values.numbered(0, buf, bounds[2]!, bounds[3]!)).toBe('vc39999');
  });

  it('gives false for a line cutLine does not cut, reading none of its cells', () => {
    expect(read(['a', '1"2'], [READ.amount, 1, -1, 0]).ok).toBe(false);
    expect(read([' a', '12'], [READ.amount, 1, -1, 0]).ok).toBe(false);
  });
});
