import type { AcquirerTxn } from '../model/records.js';
import { isSale } from '../model/records.js';
import { byTimeThenLine } from './order.js';

/** The acquirer sales (sales and pre-authorisation completions) in time order, then by line. */
export function salesInTimeOrder(acquirer: readonly AcquirerTxn[]): AcquirerTxn[] {
  return acquirer.filter((a) => isSale(a.txnType)).sort(byTimeThenLine);
}

/**
 * Acquirer sales that repeat an earlier one: the same reference on the same settlement date, or
 * the same (terminal, batch, trace). ISO 8583 field 37 is unique within a clearing day, so a repeat
 * is a second charge. Maps each repeat to the first occurrence. A caller that has the sales in
 * time order already ({@link salesInTimeOrder}) passes them, to spare sorting them again.
 */
export function duplicateSales(acquirer: readonly AcquirerTxn[], sales: readonly AcquirerTxn[] = salesInTimeOrder(acquirer)): Map<AcquirerTxn, AcquirerTxn> {
  const firstByReference = new Map<string, AcquirerTxn>();
  const firstByTrace = new Map<string, AcquirerTxn>();
  const repeats = new Map<AcquirerTxn, AcquirerTxn>();
  for (const a of sales) {
    const byReference = a.reference ? `${a.reference}|${a.settleDate}` : undefined;
    const byTrace = a.terminalId && a.batch && a.trace ? `${a.terminalId}|${a.batch}|${a.trace}` : undefined;
    // The reference is the stronger key: when both name an earlier sale, the repeat is of the reference's.
    const first = (byReference !== undefined ? firstByReference.get(byReference) : undefined) ?? (byTrace !== undefined ? firstByTrace.get(byTrace) : undefined);
    if (first) {
      repeats.set(a, first);
      continue;
    }
    if (byReference !== undefined) firstByReference.set(byReference, a);
    if (byTrace !== undefined) firstByTrace.set(byTrace, a);
  }
  return repeats;
}
