import type { AcquirerTxn } from '../model/records.js';
import { isSale } from '../model/records.js';

/**
 * Acquirer sales that repeat an earlier one: the same reference on the same settlement date, or
 * the same (terminal, batch, trace). ISO 8583 field 37 is unique within a clearing day, so a repeat
 * is a second charge. Maps each repeat to the first occurrence.
 */
export function duplicateSales(acquirer: readonly AcquirerTxn[]): Map<AcquirerTxn, AcquirerTxn> {
  const firstByKey = new Map<string, AcquirerTxn>();
  const repeats = new Map<AcquirerTxn, AcquirerTxn>();
  const sales = acquirer.filter((a) => isSale(a.txnType)).sort((x, y) => x.txnTime.localeCompare(y.txnTime) || x.source.line - y.source.line);
  for (const a of sales) {
    const keys = [
      a.reference ? `rrn|${a.reference}|${a.settleDate}` : undefined,
      a.terminalId && a.batch && a.trace ? `tbt|${a.terminalId}|${a.batch}|${a.trace}` : undefined,
    ].filter((k): k is string => k !== undefined);
    const first = keys.map((k) => firstByKey.get(k)).find((f) => f !== undefined);
    if (first) repeats.set(a, first);
    else for (const k of keys) firstByKey.set(k, a);
  }
  return repeats;
}
