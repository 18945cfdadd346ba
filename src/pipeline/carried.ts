import type { BusinessCalendar } from '../model/calendar.js';
import { merchantIndex, type ContractConfig, type MerchantContract } from '../model/contract.js';
import type { AcquirerTxn, PosSale } from '../model/records.js';
import { expectedDays, matchAcquirerBank } from '../matching/acquirer-bank.js';
import type { MerchantData } from '../rules/types.js';
import type { CarriedDaysReader } from '../state/store.js';

/**
 * Records of earlier runs that still wait for their counterpart, fed back by the state store so a
 * daily run that only sees today's files can still settle yesterday's open items (DESIGN.md section 7).
 */
export interface CarriedRecords {
  /**
   * POS sales and refunds still awaiting the acquirer: matched with today's acquirer records exactly
   * like today's own POS records, so a sale settled a day late closes, and one past its deadline
   * becomes a `sale-not-settled` finding.
   */
  pos: readonly PosSale[];
  /**
   * The state store that holds the acquirer records of settlement days still awaiting their bank
   * credit. They join the acquirer↔bank match only: every other rule already saw them in the run
   * that delivered them, and their POS counterparts were matched (and dropped) there. They are
   * read merchant by merchant where the merchant is matched (`carriedDays`): a month without its
   * bank statement leaves millions of them, more than one thread can hold at once.
   */
  daysFrom: string;
}

/** The identity of a record across deliveries: a file delivered again with other bytes repeats it. */
function recordKey(r: PosSale | AcquirerTxn): string {
  const settle = 'settleDate' in r ? r.settleDate : '';
  return [r.merchantId, r.txnType, r.reference, r.orderId, r.terminalId, r.trace, r.txnTime, r.amountMinor, settle].map((v) => v ?? '').join('|');
}

/**
 * Carried records that today's files do not repeat. When a corrected file delivers a record again,
 * today's copy wins: counting both would double a sale or a settlement day.
 */
function fresh<R extends PosSale | AcquirerTxn>(carried: readonly R[], today: readonly R[]): R[] {
  if (carried.length === 0) return [];
  const delivered = new Set(today.map(recordKey));
  return carried.filter((r) => !delivered.has(recordKey(r)));
}

/** The carried POS records that today's files do not repeat. */
export const freshCarriedPos = (carried: readonly PosSale[] | undefined, today: readonly PosSale[]): PosSale[] => fresh(carried ?? [], today);

/**
 * The acquirer records of the carried settlement days of these merchants (contract ids) that
 * today's files do not repeat, read from the state store.
 */
export function carriedDays(store: CarriedDaysReader | undefined, merchantIds: readonly string[], today: readonly AcquirerTxn[]): AcquirerTxn[] {
  if (!store || merchantIds.length === 0) return [];
  return fresh(store.read(merchantIds), today);
}

/**
 * Adds carried settlement days to the merchants of this run and matches their bank credits again:
 * a Friday settled yesterday and credited on Monday is paid by today's statement. A merchant with
 * no record in this run keeps its carried days for a later run: nothing here could pay them.
 */
export function joinCarriedDays(merchants: MerchantData[], carried: readonly AcquirerTxn[], config: ContractConfig, calendar: BusinessCalendar): void {
  if (carried.length === 0) return;
  const index = merchantIndex(config);
  const byMerchant = new Map<MerchantContract, AcquirerTxn[]>();
  for (const a of carried) {
    const m = index.get(a.merchantId);
    if (!m) continue;
    const list = byMerchant.get(m) ?? [];
    list.push(a);
    byMerchant.set(m, list);
  }
  for (const data of merchants) {
    const extra = byMerchant.get(data.merchant);
    if (!extra) continue;
    data.days = expectedDays([...extra, ...data.acquirer], data.merchant.settlement.cycle, calendar);
    data.bankMatch = matchAcquirerBank(data.days, data.bank);
  }
}
