import { describe, expect, it } from 'vitest';
import { KeyTable, type TableKey } from '../../src/pipeline/bulk/_key-table.js';
import { keyOf, pairKey } from '../../src/pipeline/bulk/_screen-rows.js';

const key = (cell: string): TableKey => keyOf(Buffer.from(cell, 'latin1'), 0, cell.length)!;

describe('KeyTable', () => {
  it('answers as a Map would over many keys of the screen, through its growing', () => {
    const table = new KeyTable(4);
    const map = new Map<TableKey, number>();
    // References of 12 digits, short ones that differ only by leading zeros, letters, and (batch, trace) pairs.
    const keys: TableKey[] = [];
    for (let i = 0; i < 20_000; i++) keys.push(key(String(100_000_000_000 + i * 7919)));
    for (const cell of ['0', '00', '000', '1', '01', '001', 'A1', 'A01', 'REF-9']) keys.push(key(cell));
    for (let i = 0; i < 2_000; i++) keys.push(pairKey(key(String(i % 100).padStart(6, '0')), key(String(i).padStart(6, '0'))));
    // Each key twice: the second time it is there already.
    for (const k of [...keys, ...keys]) {
      const value = map.size;
      expect(table.addNew(k, value)).toBe(!map.has(k));
      if (!map.has(k)) map.set(k, value);
    }
    expect(table.size).toBe(map.size);
    expect(map.size).toBe(keys.length);
    for (const [k, v] of map) expect(table.get(k)).toBe(v);
    for (const absent of ['999', '0000', 'B1', '100000000001'].map(key)) {
      expect(map.has(absent)).toBe(false);
      expect(table.get(absent)).toBeUndefined();
      expect(table.replace(absent, 5)).toBe(false);
    }
  });

  it('replaces the value of a key it has, numeric or not', () => {
    const table = new KeyTable();
    const [number, text] = [key('201509061122'), key('R-1')];
    table.addNew(number, 476_800);
    table.addNew(text, 100);
    expect(table.replace(number, -1)).toBe(true);
    expect(table.replace(text, -1)).toBe(true);
    expect([table.get(number), table.get(text), table.size]).toEqual([-1, -1, 2]);
  });

  it('refuses a number below 1 or above 2^53 - 1, which no key of the screen is', () => {
    const table = new KeyTable();
    for (const bad of [0, -1, Number.NaN, 2 ** 53]) expect(() => table.addNew(bad, 1)).toThrow(RangeError);
  });
});
