import type { AcquirerBankMatch } from '../matching/acquirer-bank.js';
import type { PosAcquirerMatch } from '../matching/pos-acquirer.js';
import { addCalendarDays, dueDate, type BusinessCalendar } from '../model/calendar.js';
import { merchantIndex, type ContractConfig, type MerchantContract } from '../model/contract.js';
import type { Finding } from '../model/finding.js';
import type { CanonicalRecord, PosSale } from '../model/records.js';
import type { AuditResult } from '../pipeline/audit.js';
import { monthlyRates } from '../rules/fee-rate-creep.js';
import type { MerchantData, OpenItem } from '../rules/types.js';

/**
 * Carrying open items from one run to the next (DESIGN.md section 7). Pure: the store reads and
 * writes, this decides.
 *
 * An open item is something the run could not settle yet: a POS sale or refund the acquirer has not
 * settled, a settlement day the bank has not credited. The store keeps the canonical records it
 * refers to and feeds them back into the next run (`CarriedRecords`), which matches them with the
 * new files exactly as if they had been delivered together. After the run each item is:
 *
 * - still open: not yet due, or the files that could settle it do not reach its date yet;
 * - overdue: its deadline passed and its rule reported a finding. It stays carried, so the finding
 *   is reported again (same id, same first-seen date) until a later file settles it, and is then
 *   marked resolved;
 * - closed: a later file settled it (or a POS void cancelled the sale), or it aged out.
 */

/** What an item waits for: the same kinds the rules list as open items in summary.json. */
export type ItemKind = OpenItem['kind'];
/** `open`: not yet due (or not yet decidable); `overdue`: past its deadline, reported as a finding. */
export type ItemStatus = 'open' | 'overdue';
/** Why an item stopped being carried. */
export type CloseReason = 'settled' | 'cancelled' | 'expired';

/** An open item as the store keeps it, with the records it refers to. */
export interface ItemState {
  key: string;
  kind: ItemKind;
  merchantId: string;
  reference?: string;
  date: string;
  currency: string;
  amountMinor: number;
  due: string;
  status: ItemStatus;
  /** The finding that reports it once it is overdue. */
  findingId?: string;
  /** The as-of date of the run that first carried it (set by the store). */
  firstSeen?: string;
  records: ItemRecords;
}

/**
 * An item's records: in memory, or, for a settlement day of a large run, written out by the bulk
 * worker that matched them (a month without its bank statement leaves every acquirer record in
 * an open day, more than the main thread can hold).
 */
export type ItemRecords = CanonicalRecord[] | SpilledRecords;

/** Records written to a file as the store keeps them (packed-records.ts): `bytes` bytes from `offset`. */
export interface SpilledRecords {
  file: string;
  offset: number;
  bytes: number;
}

/**
 * An item as a run is given it from the store: without its records, which the run reads where it
 * joins them (CarriedRecords).
 */
export type CarriedItem = Omit<ItemState, 'records'>;

/** What a run does to the open items: the ones it leaves open, and the ones it closes. */
export interface CarryPlan {
  /** Items open after the run, among those this run looked at (new ones and carried ones). */
  open: ItemState[];
  /** Carried items this run settled, cancelled or aged out, with the finding they leave resolved. */
  closed: { key: string; reason: CloseReason; findingId?: string }[];
}

/**
 * An item carried this many calendar days (from the run that first carried it) is dropped: a sale
 * or a settlement still unpaid after three months is a matter for a dispute, and the daily run must
 * not grow without bound when, say, bank statements are never delivered. Counted from first seen,
 * not from the item's date, so auditing an old backlog still carries its items.
 */
export const CARRY_DAYS = 92;

/** The rule that reports an item once it is overdue. */
const RULE_OF: Record<ItemKind, string> = {
  'sale-awaiting-settlement': 'sale-not-settled',
  'refund-awaiting-acquirer': 'refund-not-honoured',
  'settlement-awaiting-credit': 'settlement-not-received',
};

const dateOf = (iso: string) => iso.slice(0, 10);

/** Natural key of a POS item: the same facts the overdue finding's id is made of, no file name. */
const posKey = (kind: ItemKind, merchantId: string, p: { reference?: string; terminalId?: string; txnTime?: string; amountMinor?: number }) =>
  [kind, merchantId, p.reference ?? '', p.terminalId ?? '', p.txnTime ?? '', p.amountMinor ?? ''].join('|');
const dayKey = (merchantId: string, date: string | undefined, currency: string) => ['settlement-awaiting-credit', merchantId, date ?? '', currency].join('|');

/** The key of the item an overdue finding reports, or undefined for findings that are not about an item. */
function keyOfFinding(f: Finding): string | undefined {
  if (f.rule === RULE_OF['sale-awaiting-settlement']) return posKey('sale-awaiting-settlement', f.merchantId, f);
  if (f.rule === RULE_OF['refund-awaiting-acquirer']) return posKey('refund-awaiting-acquirer', f.merchantId, f);
  if (f.rule === RULE_OF['settlement-awaiting-credit']) return dayKey(f.merchantId, f.date, f.currency);
  return undefined;
}

/** Ties a rule's open item to a record: the open item names the record's file and line, not its time. */
const openItemRef = (o: OpenItem) =>
  o.kind === 'settlement-awaiting-credit'
    ? dayKey(o.merchantId, o.date, o.currency)
    : [o.kind, o.merchantId, o.reference ?? '', o.date, o.amountMinor, o.evidence[0]?.file ?? '', o.evidence[0]?.line ?? ''].join('|');
const recordRef = (kind: ItemKind, merchantId: string, p: PosSale) =>
  [kind, merchantId, p.reference ?? p.orderId ?? '', dateOf(p.txnTime), p.amountMinor, p.source.file, p.source.line].join('|');

/**
 * What the state store needs of one merchant's matched records, and nothing more: the items that
 * may stay open and the month's fee rates. Made where the records are matched (in a bulk worker
 * for a large file), so that a stateful run need not keep every merchant's records.
 */
export interface MerchantCarry {
  merchantId: string;
  /** POS sales the acquirer has not settled, those a POS void cancelled left out. */
  unsettledSales: PosSale[];
  /** POS refunds the acquirer has not honoured. */
  unhonouredRefunds: PosSale[];
  /** The sales POS voids cancelled: their items close as cancelled. */
  cancelledSales: PosSale[];
  /** Settlement days the bank has not credited, with their records. */
  unpaidDays: CarryDay[];
  /** Effective fee rates per month and card kind, for the rate history. */
  rates: { month: string; cardKind: string; currency: string; sales: number; amountMinor: number; feeMinor: number }[];
}

/** A settlement day the bank has not credited, as the store keeps it. */
export interface CarryDay {
  settleDate: string;
  currency: string;
  netMinor: number;
  due: string;
  records: ItemRecords;
}

export function merchantCarryOf(data: MerchantData, config: ContractConfig): MerchantCarry {
  const rates = monthlyRates(data, config).map((g) => ({
    month: g.month,
    cardKind: g.cardKind,
    currency: g.sales[0]?.currency ?? config.currency,
    sales: g.sales.length,
    amountMinor: g.amountMinor,
    feeMinor: g.feeMinor,
  }));
  return carryOfMatches(data.merchant.id, data.posMatch, data.bankMatch, rates);
}

/**
 * A merchant's carry from its matches and its month's fee rates (monthlyRates, in its order): what
 * merchantCarryOf makes of a merchant's records, and the bulk path's screen of the sums it adds up
 * from a merchant's bytes.
 */
export function carryOfMatches(merchantId: string, posMatch: PosAcquirerMatch, bankMatch: AcquirerBankMatch, rates: MerchantCarry['rates']): MerchantCarry {
  const cancelledSales = posMatch.posCancels.flatMap((c) => (c.original ? [c.original] : []));
  const cancelled = new Set(posMatch.posCancels.map((c) => c.original));
  return {
    merchantId,
    unsettledSales: posMatch.unmatchedPosSales.filter((p) => !cancelled.has(p)),
    unhonouredRefunds: posMatch.unmatchedPosRefunds,
    cancelledSales,
    unpaidDays: bankMatch.unpaidDays.map((d) => ({
      settleDate: d.settleDate,
      currency: d.currency,
      netMinor: d.netMinor,
      due: d.due,
      records: d.records.map((record) => ({ role: 'acquirer' as const, record })),
    })),
    rates,
  };
}

/** A stateful run's merchant carries: both paths make them when the run is given `carried`. */
export function carryOf(result: AuditResult): readonly MerchantCarry[] {
  if (!result.carry) throw new Error('a stateful run is audited with `carried`, which makes each merchant\'s carry');
  return result.carry;
}

/** The run's contract, calendar and as-of date: what the deadlines are computed with. */
export interface CarryContext {
  config: ContractConfig;
  calendar: BusinessCalendar;
  asOf: string;
}

/** Decides which items a run leaves open, which it closes, and which findings it resolves. */
export function planCarry(result: AuditResult, carried: readonly CarriedItem[], ctx: CarryContext): CarryPlan {
  const ran = new Set(result.summary.rules.filter((r) => r.ran).map((r) => r.id));
  const overdue = new Map<string, Finding>();
  for (const f of result.findings) {
    const key = keyOfFinding(f);
    if (key) overdue.set(key, f);
  }
  const ruleOpen = new Map(result.summary.openItems.map((o) => [openItemRef(o), o] as const));
  const before = new Map(carried.map((c) => [c.key, c] as const));
  const expiredBefore = addCalendarDays(ctx.asOf, -CARRY_DAYS);

  const derived = new Map<string, ItemState>();
  const cancelledKeys = new Set<string>();
  const derive = (item: Omit<ItemState, 'status' | 'findingId'>, ref: string) => {
    const finding = overdue.get(item.key);
    const rule = RULE_OF[item.kind];
    let status: ItemStatus;
    let due = item.due;
    if (finding) status = 'overdue';
    else if (ran.has(rule)) {
      const listed = ruleOpen.get(ref);
      // The rule looked at it and saw nothing to follow up (a refund the acquirer voided instead, say).
      if (!listed) return;
      status = 'open';
      due = listed.due;
    } else status = before.get(item.key)?.status ?? 'open';
    const findingId = finding?.id ?? (status === 'overdue' ? before.get(item.key)?.findingId : undefined);
    const existing = derived.get(item.key);
    if (existing) {
      // Two identical records (same reference, terminal, time and amount) make one item of both.
      // Only POS items can: a settlement day is one item of its merchant's carry.
      if (!Array.isArray(existing.records) || !Array.isArray(item.records)) throw new Error(`open item ${item.key} derived twice`);
      existing.records.push(...item.records);
      existing.amountMinor += item.amountMinor;
      return;
    }
    derived.set(item.key, { ...item, due, status, ...(findingId ? { findingId } : {}) });
  };

  const carry = carryOf(result);
  const merchantOf = merchantIndex(ctx.config);
  for (const c of carry) {
    const m = merchantOf.get(c.merchantId)!;
    for (const p of c.cancelledSales) cancelledKeys.add(posKey('sale-awaiting-settlement', m.id, keyed(p)));
    for (const p of c.unsettledSales) derive(posItem('sale-awaiting-settlement', m, p, ctx), recordRef('sale-awaiting-settlement', m.id, p));
    for (const p of c.unhonouredRefunds) derive(posItem('refund-awaiting-acquirer', m, p, ctx), recordRef('refund-awaiting-acquirer', m.id, p));
    for (const day of c.unpaidDays) {
      const key = dayKey(m.id, day.settleDate, day.currency);
      derive(
        {
          key,
          kind: 'settlement-awaiting-credit',
          merchantId: m.id,
          date: day.settleDate,
          currency: day.currency,
          amountMinor: day.netMinor,
          due: day.due,
          records: day.records,
        },
        key,
      );
    }
  }

  const evaluated = new Set(carry.map((c) => c.merchantId));
  const open: ItemState[] = [];
  const closed: CarryPlan['closed'] = [];
  const aged = (key: string) => {
    const seen = before.get(key)?.firstSeen;
    return seen !== undefined && seen < expiredBefore;
  };
  for (const item of derived.values()) {
    if (aged(item.key)) closed.push({ key: item.key, reason: 'expired' });
    else open.push(item);
  }
  for (const c of carried) {
    if (derived.has(c.key)) continue;
    if (!evaluated.has(c.merchantId)) {
      // Nothing in this run could settle it: carry it unchanged, unless it has aged out.
      if (aged(c.key)) closed.push({ key: c.key, reason: 'expired' });
      continue;
    }
    const reason: CloseReason = cancelledKeys.has(c.key) ? 'cancelled' : 'settled';
    closed.push({ key: c.key, reason, ...(c.findingId ? { findingId: c.findingId } : {}) });
  }
  open.sort((a, b) => a.merchantId.localeCompare(b.merchantId) || a.date.localeCompare(b.date) || a.key.localeCompare(b.key));
  return { open, closed };
}

const keyed = (p: PosSale) => ({ reference: p.reference ?? p.orderId, terminalId: p.terminalId, txnTime: p.txnTime, amountMinor: p.amountMinor });

function posItem(kind: ItemKind, m: MerchantContract, p: PosSale, ctx: CarryContext): Omit<ItemState, 'status' | 'findingId'> {
  const date = dateOf(p.txnTime);
  // The same deadline sale-not-settled and refund-not-honoured apply: the cycle plus the grace days.
  const due = ctx.calendar.addBusinessDays(dueDate(date, m.settlement.cycle, ctx.calendar), ctx.config.tolerances.graceBusinessDays);
  const reference = p.reference ?? p.orderId;
  return {
    key: posKey(kind, m.id, keyed(p)),
    kind,
    merchantId: m.id,
    ...(reference ? { reference } : {}),
    date,
    currency: p.currency,
    amountMinor: p.amountMinor,
    due,
    records: [{ role: 'pos', record: p }],
  };
}
