/**
 * `compute` with its answers remembered by key, up to `limit` of them (then they are forgotten
 * and gathered again, so a long-running scheduler cannot grow the memory without end).
 *
 * For answers asked millions of times about a few distinct values: the type, card kind and
 * settlement date cells of a monthly file, the due dates of its settlements. `undefined` and
 * `null` answers are remembered too.
 */
export function remember<R>(limit: number, compute: (key: string) => R): (key: string) => R {
  const known = new Map<string, R>();
  return (key) => {
    if (known.has(key)) return known.get(key) as R;
    const value = compute(key);
    if (known.size >= limit) known.clear();
    known.set(key, value);
    return value;
  };
}
