/**
 * Records grouped by a key (undefined is a key like any other), each group in the records' order:
 * what a matcher looks candidates up in, instead of scanning every record for each one it ties.
 */
export function groupBy<T, K>(records: readonly T[], keyOf: (r: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const r of records) {
    const key = keyOf(r);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return groups;
}
