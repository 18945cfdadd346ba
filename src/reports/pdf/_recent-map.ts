/**
 * A map that keeps its most recently used entries, up to a total weight: the reports' caches of
 * word layouts and measurements (_fonts.ts, _layout.ts).
 *
 * Why not lru-cache, which those caches used before. A merchant report looks up about a thousand
 * words in them, and lru-cache's bookkeeping of an exact order of use (its linked list, and the
 * size of each entry kept apart) was 8 % of a report's time (`node dist/bench/reports.js`, one
 * thread, profiled). The caches need no exact order: an entry dropped too early costs one word
 * laid out again, never a different result. So this keeps two generations of plain Maps, as the
 * hashlru scheme does: entries are added to the newer one; when its weight reaches half the
 * capacity it becomes the older one, and the older one is dropped; an entry found in the older
 * generation moves to the newer. Whatever is used within the last half-capacity of additions
 * stays; the two generations together weigh under the capacity plus one entry.
 */
export class RecentMap<K, V> {
  private newer = new Map<K, V>();
  private older = new Map<K, V>();
  /** The weight of the newer generation's entries. */
  private newerWeight = 0;

  /**
   * @param capacity the most the entries weigh, all told (plus one entry's weight)
   * @param weigh an entry's weight, at least 1 (1 when not given: the capacity is then a count)
   */
  constructor(
    private readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {
    if (!(capacity >= 2)) throw new RangeError(`RecentMap: capacity ${capacity} is below 2`);
  }

  /** The number of entries kept. */
  get size(): number {
    return this.newer.size + this.older.size;
  }

  get(key: K): V | undefined {
    const value = this.newer.get(key);
    if (value !== undefined || this.newer.has(key)) return value;
    if (!this.older.has(key)) return undefined;
    const old = this.older.get(key) as V;
    this.older.delete(key);
    this.add(key, old);
    return old;
  }

  has(key: K): boolean {
    return this.newer.has(key) || this.older.has(key);
  }

  set(key: K, value: V): this {
    if (this.newer.has(key)) {
      this.newerWeight += this.weightOf(value) - this.weightOf(this.newer.get(key) as V);
      this.newer.set(key, value);
      this.ageIfFull();
      return this;
    }
    this.older.delete(key);
    this.add(key, value);
    return this;
  }

  clear(): void {
    this.newer = new Map();
    this.older = new Map();
    this.newerWeight = 0;
  }

  private add(key: K, value: V): void {
    this.newer.set(key, value);
    this.newerWeight += this.weightOf(value);
    this.ageIfFull();
  }

  /** The newer generation, once it weighs half the capacity, becomes the older; the older is dropped. */
  private ageIfFull(): void {
    if (this.newerWeight >= this.capacity / 2) {
      this.older = this.newer;
      this.newer = new Map();
      this.newerWeight = 0;
    }
  }

  private weightOf(value: V): number {
    return Math.max(1, this.weigh(value));
  }
}
