import type { ControlCheck } from '../../model/records.js';
import { addSourceTotals } from '../totals.js';
import type { FilePart } from './types.js';

const checkKey = (c: ControlCheck) => `${c.line}\u0000${c.name}\u0000${c.unit ?? ''}`;

/**
 * Adds what two partition parses of one file found. Rows, rejects and totals add up. A footer
 * check was emitted by both (every partition parse gets the file's footers), with the same
 * declared figure and the computed figure of its own rows: the file's computed figure is the
 * sum. This holds for the row counts and amount totals the bulk formats' footers state; a
 * format whose check is not a sum over rows is not a bulk format (plan.ts, BULK_FORMATS).
 * Other fields of a check (its currency) are those of the parse that read the file's last record,
 * as the single parse of the whole file takes them from its last record.
 */
export function addPart(a: FilePart | undefined, b: FilePart): FilePart {
  if (!a) return b;
  const later = b.lastLine > a.lastLine ? b : a;
  const earlier = b.firstLine < a.firstLine ? b : a;
  const sums = new Map<string, number>();
  for (const c of [...a.checks, ...b.checks]) sums.set(checkKey(c), (sums.get(checkKey(c)) ?? 0) + c.computed);
  const seen = new Set<string>();
  const order = [...a.checks, ...b.checks].filter((c) => !seen.has(checkKey(c)) && seen.add(checkKey(c)));
  const checks = order.map((c) => {
    const own = later.checks.find((x) => checkKey(x) === checkKey(c)) ?? c;
    return { ...own, computed: sums.get(checkKey(c)) ?? own.computed };
  });
  const info = { ...b.info, ...a.info };
  const minDate = [a.minDate, b.minDate].filter((d): d is string => d !== undefined).sort()[0];
  const maxDate = [a.maxDate, b.maxDate].filter((d): d is string => d !== undefined).sort().pop();
  return {
    slot: a.slot,
    lines: a.lines + b.lines,
    records: a.records + b.records,
    blank: a.blank + b.blank,
    rejects: [...a.rejects, ...b.rejects],
    checks,
    info,
    totals: addSourceTotals(a.totals, b.totals, earlier.records > 0 ? earlier.totals.currency : later.totals.currency),
    firstLine: Math.min(a.firstLine, b.firstLine),
    lastLine: Math.max(a.lastLine, b.lastLine),
    merchantIds: [...new Set([...a.merchantIds, ...b.merchantIds])],
    ...(minDate !== undefined ? { minDate, maxDate } : {}),
  };
}
