import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/reports/pdf/_recent-map.js';

/** The weight the map holds: every key it still answers for (`has`, which leaves the map as it was), with the value last set. */
function heldWeight(map: RecentMap<string, string>, given: ReadonlyMap<string, string>): number {
  let weight = 0;
  for (const [key, value] of given) if (map.has(key)) weight += value.length;
  return weight;
}

describe('RecentMap', () => {
  it('answers for what it was given, until the entry ages out', () => {
    const map = new RecentMap<string, number>(10);
    for (let i = 0; i < 4; i++) map.set(`k${i}`, i);
    expect([0, 1, 2, 3].map((i) => map.get(`k${i}`))).toEqual([0, 1, 2, 3]);
    expect(map.get('missing')).toBeUndefined();
    expect(map.has('missing')).toBe(false);
    expect(map.size).toBe(4);
  });

  it('keeps whatever was used within the last half of its capacity, and drops what was not', () => {
    const map = new RecentMap<number, number>(100);
    // A key used every 40 additions survives any number of additions; the others age out.
    for (let i = 0; i < 10_000; i++) {
      map.set(i, i);
      if (i % 40 === 0) expect(map.get(-1) ?? map.set(-1, -1).get(-1)).toBe(-1);
    }
    expect(map.has(-1)).toBe(true);
    expect(map.has(0)).toBe(false);
    expect(map.has(9_999)).toBe(true);
    expect(map.size).toBeLessThanOrEqual(100);
  });

  it('stays under its capacity in weight plus one entry, whatever the entries weigh', () => {
    const map = new RecentMap<string, string>(1_000, (text) => text.length);
    const given = new Map<string, string>();
    let seed = 7;
    let largest = 0;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const key = `w${seed % 500}`;
      const value = 'x'.repeat(1 + (seed % 300));
      if (map.get(key) === undefined) {
        map.set(key, value);
        given.set(key, value);
      }
      if (i % 50 === 0) largest = Math.max(largest, heldWeight(map, given));
    }
    expect(largest).toBeGreaterThan(500);
    expect(largest).toBeLessThan(1_000 + 300);
  });

  it('weighs a replaced value as the new one', () => {
    const map = new RecentMap<string, string>(20, (text) => text.length);
    map.set('a', 'x'.repeat(5));
    map.set('a', 'x');
    // 'a' weighs 1 now: eight more of weight 1 stay under half the capacity (10) with it.
    for (let i = 0; i < 8; i++) map.set(`b${i}`, 'x');
    map.clear();
    expect(map.size).toBe(0);
    map.set('a', 'x'.repeat(5));
    map.set('a', 'x');
    for (let i = 0; i < 8; i++) map.set(`b${i}`, 'x');
    // Nothing has aged: the newer generation weighs 9, and a get of 'a' finds it where it was.
    expect(map.get('a')).toBe('x');
    expect(map.size).toBe(9);
  });

  it('moves an entry found in the older generation to the newer, so it outlives its peers', () => {
    const map = new RecentMap<string, number>(4);
    map.set('a', 1);
    map.set('b', 2); // the newer generation weighs half the capacity: it becomes the older
    expect(map.get('a')).toBe(1); // 'a' moves back to the newer generation
    map.set('c', 3); // the newer generation ({a, c}) ages in turn; 'b' goes with the older
    expect(map.has('a')).toBe(true);
    expect(map.has('b')).toBe(false);
    expect(map.get('c')).toBe(3);
  });

  it('refuses a capacity below 2', () => {
    expect(() => new RecentMap(1)).toThrow(RangeError);
    expect(() => new RecentMap(Number.NaN)).toThrow(RangeError);
  });
});
