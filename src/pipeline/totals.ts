import type { Finding } from '../model/finding.js';
import type { AcquirerTxn, BankEntry, CanonicalRecord, PosSale } from '../model/records.js';
import type { ManifestEntry, MerchantTotals, RuleStatus, RunSummary, SourceTotals } from '../model/summary.js';
import type { MerchantData } from '../rules/types.js';

/**
 * The run summary's control totals, shared by the in-memory run (audit.ts) and the parallel path,
 * which computes them per partition and adds them up: source totals and merchant totals are sums,
 * the period is a min and a max.
 */

/** A file's source totals over some (or all) of its records. */
export function sourceTotalsOf(file: string, role: SourceTotals['role'], format: string, records: Iterable<CanonicalRecord>): SourceTotals {
  const t = noSourceTotals(file, role, format);
  for (const r of records) addToSourceTotals(t, r);
  return t;
}

export const noSourceTotals = (file: string, role: SourceTotals['role'], format: string): SourceTotals => ({
  file,
  role,
  format,
  currency: '',
  count: 0,
  amountMinor: 0,
  feeMinor: 0,
  netMinor: 0,
  creditMinor: 0,
  debitMinor: 0,
});

/** Counts one record into a file's source totals. */
export function addToSourceTotals(t: SourceTotals, r: CanonicalRecord): void {
  t.count++;
  t.currency ||= r.record.currency;
  if (r.role === 'acquirer') {
    const signed = r.record.netMinor < 0 ? -r.record.amountMinor : r.record.amountMinor;
    t.amountMinor += signed;
    t.feeMinor += r.record.feeMinor;
    t.netMinor += r.record.netMinor;
  } else if (r.role === 'pos') {
    if (r.record.approved) t.amountMinor += r.record.txnType === 'sale' || r.record.txnType === 'preauth-complete' ? r.record.amountMinor : -r.record.amountMinor;
  } else if (r.record.direction === 'credit') t.creditMinor += r.record.amountMinor;
  else t.debitMinor += r.record.amountMinor;
}

/** Adds two partial source totals of one file; `firstCurrency` is the currency of the file's first record. */
export function addSourceTotals(a: SourceTotals, b: SourceTotals, firstCurrency: string): SourceTotals {
  return {
    ...a,
    currency: firstCurrency,
    count: a.count + b.count,
    amountMinor: a.amountMinor + b.amountMinor,
    feeMinor: a.feeMinor + b.feeMinor,
    netMinor: a.netMinor + b.netMinor,
    creditMinor: a.creditMinor + b.creditMinor,
    debitMinor: a.debitMinor + b.debitMinor,
  };
}

/**
 * A merchant's control totals, with `findings` and `atStakeMinor` left to `withFindings` once every
 * finding is known. POS records carried from earlier runs (`carriedPos`) were counted when delivered.
 */
export function merchantTotalsOf(m: MerchantData, carriedPos: ReadonlySet<PosSale> = new Set()): MerchantTotals {
  const daily = new Map<string, { date: string; count: number; amountMinor: number; feeMinor: number }>();
  const acquirer = { count: 0, amountMinor: 0, feeMinor: 0, netMinor: 0 };
  for (const a of m.acquirer) {
    acquirer.count++;
    acquirer.amountMinor += a.netMinor < 0 ? -a.amountMinor : a.amountMinor;
    acquirer.feeMinor += a.feeMinor;
    acquirer.netMinor += a.netMinor;
    const date = a.txnTime.slice(0, 10);
    const d = daily.get(date) ?? { date, count: 0, amountMinor: 0, feeMinor: 0 };
    if (a.netMinor >= 0) {
      d.count++;
      d.amountMinor += a.amountMinor;
      d.feeMinor += a.feeMinor;
    }
    daily.set(date, d);
  }
  const bank = bankTotalsOf(m.bank);
  const pos = { count: 0, amountMinor: 0 };
  for (const p of m.pos) {
    if (!p.approved || carriedPos.has(p)) continue;
    pos.count++;
    pos.amountMinor += p.txnType === 'sale' || p.txnType === 'preauth-complete' ? p.amountMinor : -p.amountMinor;
  }
  return {
    merchantId: m.merchant.id,
    name: m.merchant.name,
    currency: m.acquirer[0]?.currency ?? m.pos[0]?.currency ?? m.bank[0]?.currency ?? 'CNY',
    // Who settles: the payer a file names, else the payer of the credits that paid its days, else its format.
    acquirers: acquirerNames(m),
    acquirer,
    bank,
    pos,
    daily: [...daily.values()].sort((a, b) => a.date.localeCompare(b.date)),
    findings: 0,
    atStakeMinor: 0,
  };
}

/** A merchant's bank credits and debits, counted and added up. */
export function bankTotalsOf(bank: readonly BankEntry[]): MerchantTotals['bank'] {
  const t = { credits: 0, creditMinor: 0, debits: 0, debitMinor: 0 };
  for (const b of bank) {
    if (b.direction === 'credit') {
      t.credits++;
      t.creditMinor += b.amountMinor;
    } else {
      t.debits++;
      t.debitMinor += b.amountMinor;
    }
  }
  return t;
}

/** Who settles: the payer a file names, else the payer of the credits that paid its days, else its format. */
function acquirerNames(m: MerchantData): string[] {
  const named = new Set(m.acquirer.map((a) => a.payerName).filter((n): n is string => n !== undefined));
  if (named.size === 0) for (const p of m.bankMatch.paid) if (p.credit.counterpartyName) named.add(p.credit.counterpartyName);
  if (named.size === 0) for (const a of m.acquirer) named.add(a.format);
  return [...named].sort();
}

/** Fills a merchant's findings count and money at stake from the run's findings. */
export function withFindings(t: MerchantTotals, findings: readonly Finding[]): MerchantTotals {
  const own = findings.filter((f) => f.merchantId === t.merchantId);
  return { ...t, findings: own.length, atStakeMinor: own.reduce((s, f) => s + Math.abs(f.differenceMinor ?? 0), 0) };
}

/** The dates the summary's period spans, as a min and a max. */
export function dateRange(acquirer: readonly AcquirerTxn[], pos: readonly PosSale[], bank: readonly BankEntry[]): { min?: string; max?: string } {
  const span = new DateSpan();
  for (const a of acquirer) span.time(a.txnTime);
  for (const p of pos) span.time(p.txnTime);
  for (const b of bank) span.date(b.bookingDate);
  return span.range();
}

/** The first and last dates of records as they are seen: dateRange, one record at a time. */
export class DateSpan {
  private min: string | undefined;
  private max: string | undefined;
  private day = '';

  /** A record's ISO time. Records come in time order, mostly: a time on the day just seen needs no date of its own. */
  time(t: string): void {
    if (this.day.length === 10 && t.startsWith(this.day)) return;
    this.day = t.slice(0, 10);
    this.date(this.day);
  }

  date(d: string): void {
    if (!isIsoDate(d)) return;
    if (this.min === undefined || d < this.min) this.min = d;
    if (this.max === undefined || d > this.max) this.max = d;
  }

  range(): { min?: string; max?: string } {
    return { min: this.min, max: this.max };
  }
}

/** `YYYY-MM-DD` by its shape, checked by character codes: it runs for every record of a run. */
function isIsoDate(d: string): boolean {
  if (d.length !== 10 || d.charCodeAt(4) !== 0x2d || d.charCodeAt(7) !== 0x2d) return false;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = d.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Findings counted by rule and by severity, for the summary. */
export function countFindings(findings: readonly Finding[]): RunSummary['counts'] {
  const byRule: Record<string, number> = {};
  const bySeverity: Record<string, number> = {};
  for (const f of findings) {
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  }
  return { findings: findings.length, byRule, bySeverity };
}

/** The manifest line of a file, from its parse (runAudit) or its partitions' merged parse (the bulk path). */
export function manifestLine(p: {
  file: string;
  delivered: string;
  sha256: string;
  bytes: number;
  format: string;
  role: ManifestEntry['role'];
  encoding: string;
  variant?: string;
  units: number;
  rows: number;
  rejects: number;
  nonDataUnits: number;
  error?: string;
}): ManifestEntry {
  return {
    file: p.file,
    delivered: p.delivered,
    sha256: p.sha256,
    bytes: p.bytes,
    format: p.format || null,
    role: p.format ? p.role : null,
    encoding: p.format ? p.encoding : null,
    ...(p.variant ? { variant: p.variant } : {}),
    lines: p.units,
    rows: p.rows,
    rejects: p.rejects,
    nonDataLines: p.nonDataUnits,
    ...(p.format === '' ? { error: p.error } : {}),
  };
}

/** A rule's line in the summary: whether it ran, or which inputs it lacked, and what it found. */
export function ruleStatusOf(rule: { id: string; title: string; severity: RuleStatus['severity'] }, missing: readonly string[], findings: number): RuleStatus {
  return {
    id: rule.id,
    title: rule.title,
    severity: rule.severity,
    ran: missing.length === 0,
    ...(missing.length > 0 ? { skippedBecause: `no ${missing.join(' or ')} input` } : {}),
    findings,
  };
}
