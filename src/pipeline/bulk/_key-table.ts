/**
 * A table from the screen's keys (keyOf, pairKey: a number for a key of digits, a string for any
 * other) to a number, for the screen's per-line lookups: a merchant's references with their
 * amounts, and its (batch, trace) pairs, each in the group of its terminal.
 *
 * Why not a Map. The numeric keys are integers up to 2^53, above the small integers V8 keeps
 * unboxed: every key put in a Map is a heap number made for it, and every lookup hashes one. A
 * month's five million references and as many (batch, trace) pairs made that a tenth of the
 * screen's time, counting the garbage collections. Here numeric keys live in a Float64Array, in
 * open addressing, and nothing is allocated per key. String keys, rare (a reference with a
 * letter), go to a Map beside it.
 *
 * A key may be given a group, a small integer (the index of a terminal): the same key in two
 * groups is two keys. One table of a merchant's size holds every terminal's pairs, where a table
 * per terminal would each need room of their own: a merchant with thousands of terminals (a
 * vending or taxi fleet) would have thousands of tables.
 */

/** A key: a number (keyOf and pairKey make integers from 1 to 2^53 - 1; addNew refuses any number outside that range) or a string. */
export type TableKey = number | string;

/** The slot mark of an empty slot: no key is 0 (keyOf's numbers carry their length, at least 1). */
const EMPTY = 0;

/** 2^32, to split a key into its halves for hashing. */
const TWO_32 = 4294967296;

/** The slots of a table for `capacity` keys: a power of two, at least twice the keys. */
function slotsFor(capacity: number): number {
  let slots = 16;
  while (slots < 2 * capacity) slots *= 2;
  return slots;
}

export class KeyTable {
  private keys: Float64Array;
  private groups: Int32Array;
  private values: Float64Array;
  private mask: number;
  private numbers = 0;
  private strings: Map<string, number> | undefined;

  /** A table that holds `capacity` keys before it first grows (it grows past half full). */
  constructor(capacity = 16) {
    const slots = slotsFor(capacity);
    this.keys = new Float64Array(slots);
    this.groups = new Int32Array(slots);
    this.values = new Float64Array(slots);
    this.mask = slots - 1;
  }

  /**
   * Empties the table, to hold `capacity` keys before it grows, in the memory it has when that is
   * enough and not more than four times what it needs (a table kept from a very large merchant
   * would make every small one clear all of it). The screen empties one pair of tables per merchant
   * rather than making new ones: each new table was fresh memory to zero, and a 10 M-row month's
   * merchants each took 1.3 MiB of it.
   */
  reset(capacity: number): void {
    const slots = slotsFor(capacity);
    if (this.keys.length >= slots && this.keys.length <= 4 * slots) {
      // Only the keys say which slots are in use: groups and values are written with their key.
      this.keys.fill(EMPTY);
    } else {
      this.keys = new Float64Array(slots);
      this.groups = new Int32Array(slots);
      this.values = new Float64Array(slots);
      this.mask = slots - 1;
    }
    this.numbers = 0;
    this.strings = undefined;
  }

  /** How many keys the table holds. */
  get size(): number {
    return this.numbers + (this.strings?.size ?? 0);
  }

  /**
   * Adds `key` of `group` (an integer from 0 to 2^31 - 1) with `value` and returns true, or returns
   * false if the table has that key in that group already (leaving it as it was).
   */
  addNew(key: TableKey, value: number, group = 0): boolean {
    if (typeof key === 'string') return this.addString(`${group}|${key}`, value);
    if (!(key >= 1 && key <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`key table: ${key} is not a key`);
    if (!(group >= 0 && group <= 0x7fffffff && Number.isInteger(group))) throw new RangeError(`key table: ${group} is not a group`);
    let slot = this.slotOf(key, group);
    const keys = this.keys;
    for (let k = keys[slot]!; k !== EMPTY; k = keys[slot]!) {
      if (k === key && this.groups[slot] === group) return false;
      slot = (slot + 1) & this.mask;
    }
    keys[slot] = key;
    this.groups[slot] = group;
    this.values[slot] = value;
    if (++this.numbers * 2 > keys.length) this.grow();
    return true;
  }

  /** The value of `key` of `group`, or undefined when the table does not have it. */
  get(key: TableKey, group = 0): number | undefined {
    if (typeof key === 'string') return this.strings?.get(`${group}|${key}`);
    const slot = this.find(key, group);
    return slot < 0 ? undefined : this.values[slot];
  }

  /** Sets the value of a key the table has; returns false (and changes nothing) if it does not have it. */
  replace(key: TableKey, value: number, group = 0): boolean {
    if (typeof key === 'string') {
      const text = `${group}|${key}`;
      if (!this.strings?.has(text)) return false;
      this.strings.set(text, value);
      return true;
    }
    const slot = this.find(key, group);
    if (slot < 0) return false;
    this.values[slot] = value;
    return true;
  }

  /** The slot of a numeric key, or -1. */
  private find(key: number, group: number): number {
    const keys = this.keys;
    let slot = this.slotOf(key, group);
    for (let k = keys[slot]!; k !== EMPTY; k = keys[slot]!) {
      if (k === key && this.groups[slot] === group) return slot;
      slot = (slot + 1) & this.mask;
    }
    return -1;
  }

  private addString(text: string, value: number): boolean {
    const strings = (this.strings ??= new Map());
    if (strings.has(text)) return false;
    strings.set(text, value);
    return true;
  }

  /** The first slot to look at for a numeric key: its two halves and its group mixed (murmur3's finalizer). */
  private slotOf(key: number, group: number): number {
    let h = (key >>> 0) ^ Math.imul((key / TWO_32) >>> 0, 0x9e3779b1) ^ Math.imul(group, 0x7feb352d);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private grow(): void {
    const { keys, groups, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.groups = new Int32Array(keys.length * 2);
    this.values = new Float64Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === EMPTY) continue;
      let slot = this.slotOf(key, groups[i]!);
      while (this.keys[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.groups[slot] = groups[i]!;
      this.values[slot] = values[i]!;
    }
  }
}
