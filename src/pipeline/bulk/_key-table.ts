/**
 * A table from the screen's keys (keyOf, pairKey: a number for a key of digits, a string for any
 * other) to a number, for the screen's per-line lookups: a merchant's references with their
 * amounts, its terminals' (batch, trace) pairs.
 *
 * Why not a Map. The numeric keys are integers up to 2^53, above the small integers V8 keeps
 * unboxed: every key put in a Map is a heap number made for it, and every lookup hashes one. A
 * month's five million references and as many (batch, trace) pairs made that a tenth of the
 * screen's time, counting the garbage collections. Here numeric keys live in a Float64Array, in
 * open addressing, and nothing is allocated per key. String keys, rare (a reference with a
 * letter), go to a Map beside it.
 */

/** A key: a number (keyOf and pairKey make integers from 1 to 2^53 - 1; addNew refuses any number outside that range) or a string. */
export type TableKey = number | string;

/** The slot mark of an empty slot: no key is 0 (keyOf's numbers carry their length, at least 1). */
const EMPTY = 0;

/** 2^32, to split a key into its halves for hashing. */
const TWO_32 = 4294967296;

export class KeyTable {
  private keys: Float64Array;
  private values: Float64Array;
  private mask: number;
  private numbers = 0;
  private strings: Map<string, number> | undefined;

  /** A table that holds `capacity` keys before it first grows (it grows past half full). */
  constructor(capacity = 16) {
    let slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    this.keys = new Float64Array(slots);
    this.values = new Float64Array(slots);
    this.mask = slots - 1;
  }

  /** How many keys the table holds. */
  get size(): number {
    return this.numbers + (this.strings?.size ?? 0);
  }

  /** Adds `key` with `value` and returns true, or returns false if the table has `key` already (leaving it as it was). */
  addNew(key: TableKey, value: number): boolean {
    if (typeof key === 'string') return this.addString(key, value);
    if (!(key >= 1 && key <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`key table: ${key} is not a key`);
    let slot = this.slotOf(key);
    const keys = this.keys;
    for (let k = keys[slot]!; k !== EMPTY; k = keys[slot]!) {
      if (k === key) return false;
      slot = (slot + 1) & this.mask;
    }
    keys[slot] = key;
    this.values[slot] = value;
    if (++this.numbers * 2 > keys.length) this.grow();
    return true;
  }

  /** The value of `key`, or undefined when the table does not have it. */
  get(key: TableKey): number | undefined {
    if (typeof key === 'string') return this.strings?.get(key);
    const keys = this.keys;
    let slot = this.slotOf(key);
    for (let k = keys[slot]!; k !== EMPTY; k = keys[slot]!) {
      if (k === key) return this.values[slot];
      slot = (slot + 1) & this.mask;
    }
    return undefined;
  }

  /** Sets the value of a key the table has; returns false (and changes nothing) if it does not have it. */
  replace(key: TableKey, value: number): boolean {
    if (typeof key === 'string') {
      if (!this.strings?.has(key)) return false;
      this.strings.set(key, value);
      return true;
    }
    const keys = this.keys;
    let slot = this.slotOf(key);
    for (let k = keys[slot]!; k !== EMPTY; k = keys[slot]!) {
      if (k === key) {
        this.values[slot] = value;
        return true;
      }
      slot = (slot + 1) & this.mask;
    }
    return false;
  }

  private addString(key: string, value: number): boolean {
    const strings = (this.strings ??= new Map());
    if (strings.has(key)) return false;
    strings.set(key, value);
    return true;
  }

  /** The first slot to look at for a numeric key: its two halves mixed (murmur3's finalizer). */
  private slotOf(key: number): number {
    let h = (key >>> 0) ^ Math.imul((key / TWO_32) >>> 0, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Float64Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === EMPTY) continue;
      let slot = this.slotOf(key);
      while (this.keys[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.values[slot] = values[i]!;
    }
  }
}
