const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/**
 * Exactly `x.localeCompare(y)` (its sign), without asking ICU in the common case.
 *
 * The rules order times, dates and months with `localeCompare`, and ICU collation costs about a
 * microsecond a comparison: sorting a merchant's month of sales took more time than the rules'
 * own work. Where two strings first differ in two ASCII digits, which is always so for two times
 * or dates written in one layout (`2026-10-05T10:11:00+08:00`, also with different offsets), the
 * collation is decided by those two digits: everything before them is the same, no locale
 * contracts a digit with its neighbour, and digits collate in their code order. Anything else
 * (`Z` against `+08:00`, a time with milliseconds against one without, letters) goes to
 * `localeCompare`, whose order differs from code order there (ICU puts `.` before `+` and `a`
 * before `B`).
 */
export function localeOrder(x: string, y: string): number {
  if (x === y) return 0;
  const n = Math.min(x.length, y.length);
  let i = 0;
  while (i < n && x.charCodeAt(i) === y.charCodeAt(i)) i++;
  if (i < n) {
    const a = x.charCodeAt(i);
    const b = y.charCodeAt(i);
    if (isDigit(a) && isDigit(b)) return a < b ? -1 : 1;
  }
  return x.localeCompare(y);
}

/** Records in time order, then by line: the order in which the rules meet a merchant's records. */
export const byTimeThenLine = (x: { txnTime: string; source: { line: number } }, y: { txnTime: string; source: { line: number } }): number =>
  localeOrder(x.txnTime, y.txnTime) || x.source.line - y.source.line;
