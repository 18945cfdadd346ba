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

  it('keeps the same key apart in each group, numeric or not', () => {
    const table = new KeyTable(2);
    const pair = pairKey(key('100101'), key('000001'));
    const text = key('T-1');
    for (const group of [0, 1, 2, 1_000]) {
      expect(table.addNew(pair, group, group)).toBe(true);
      expect(table.addNew(text, group, group)).toBe(true);
    }
    for (const group of [0, 1, 2, 1_000]) {
      expect(table.addNew(pair, 9, group)).toBe(false);
      expect([table.get(pair, group), table.get(text, group)]).toEqual([group, group]);
    }
    expect([table.get(pair, 3), table.get(text, 3), table.replace(pair, 5, 3), table.size]).toEqual([undefined, undefined, false, 8]);
    // Thousands of groups of one key: their slots meet, so only the group tells them apart.
    const many = new KeyTable(2);
    for (let group = 0; group < 5_000; group++) expect(many.addNew(pair, group, group)).toBe(true);
    for (let group = 0; group < 5_000; group++) expect(many.get(pair, group)).toBe(group);
    expect(() => table.addNew(pair, 1, -1)).toThrow(RangeError);
    expect(() => table.addNew(pair, 1, 0.5)).toThrow(RangeError);
  });

  it('holds nothing of its keys once reset, whether it keeps its memory or not', () => {
    const table = new KeyTable(1_000);
    const keys = Array.from({ length: 1_000 }, (_, i) => key(String(100_000_000_000 + i)));
    const text = key('REF-9');
    // 1 000 keys, then 600 (the memory kept), 10 (too large by far: new memory), 5 000 (too small: new memory).
    for (const capacity of [600, 10, 5_000]) {
      for (const k of keys) table.addNew(k, 1, 3);
      table.addNew(text, 1);
      table.reset(capacity);
      expect(table.size).toBe(0);
      for (const k of keys) expect(table.get(k, 3)).toBeUndefined();
      expect(table.get(text)).toBeUndefined();
      // And it works as a new one: the same keys added again, past its capacity.
      for (const k of keys.slice(0, 700)) expect(table.addNew(k, 2, 3)).toBe(true);
      expect(table.addNew(keys[0]!, 9, 3)).toBe(false);
      expect([table.get(keys[699]!, 3), table.size]).toEqual([2, 700]);
      table.reset(1_000);
    }
  });

  it('refuses a number below 1 or above 2^53 - 1, which no key of the screen is', () => {
    const table = new KeyTable();
    for (const bad of [0, -1, Number.NaN, 2 ** 53]) expect(() => table.addNew(bad, 1)).toThrow(RangeError);
  });
});
