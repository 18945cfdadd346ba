/**
 * Formatting shared by the PDF reports: money in yuan, times in the run's zone, labels for
 * severities, rules and roles, and the "money at stake" of a set of findings.
 * Everything here is pure: figures in, strings out.
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Finding, Severity } from '../../model/finding.js';
import { SEVERITIES, severityRank, compareFindings } from '../../model/finding.js';
import { formatGrouped, minorDigits } from '../../model/money.js';
import { remember } from '../../model/remember.js';
import type { RuleStatus, RunSummary } from '../../model/summary.js';
import type { OpenItem } from '../../rules/types.js';

/**
 * Orders strings by UTF-16 code units. localeCompare would follow the machine's locale and ICU
 * version, and the same run must give the same bytes on any machine.
 */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Luxon formats with the machine's locale by default; dates in a report must not depend on it. */
const LUXON = { locale: 'en-US', numberingSystem: 'latn', outputCalendar: 'gregory' } as const;

/** Shown in a cell that has no value, so an empty cell is never mistaken for a zero. */
export const NONE = '—';

/** Minor units with thousands separators in the currency's own scale: 123450 CNY → "1,234.50". */
export function money(minor: number | undefined, currency: string): string {
  return minor === undefined ? NONE : formatGrouped(minor, minorDigits(currency));
}

/** The unit a money column is headed with: 元 for CNY, the ISO code otherwise. */
export function unitOf(currency: string): string {
  return currency === 'CNY' ? '元' : currency;
}

/** A sum of money per currency, in the order currencies were first met. */
export type MoneyByCurrency = Map<string, number>;

/**
 * Money at stake: the sum of the absolute differences of the findings that carry one.
 * Absolute, because a negative difference (a file total that declares less than its rows) is as
 * much at stake as a positive one and must not cancel it; this is also how the pipeline computes
 * MerchantTotals.atStakeMinor, so the report and summary.json agree. Kept per currency: yuan and
 * euros are never added together.
 */
export function atStake(findings: readonly Finding[]): MoneyByCurrency {
  const out: MoneyByCurrency = new Map();
  for (const f of findings) {
    if (f.differenceMinor === undefined) continue;
    out.set(f.currency, (out.get(f.currency) ?? 0) + Math.abs(f.differenceMinor));
  }
  return out;
}

/**
 * The transaction amounts the findings are about, per currency. For regulatory findings (二清,
 * 跳码) the money routed or coded wrongly is the exposure, and such findings often carry no
 * difference at all.
 */
export function amountInvolved(findings: readonly Finding[]): MoneyByCurrency {
  const out: MoneyByCurrency = new Map();
  for (const f of findings) {
    if (f.amountMinor === undefined) continue;
    out.set(f.currency, (out.get(f.currency) ?? 0) + Math.abs(f.amountMinor));
  }
  return out;
}

/** "12,345.60 元", or "12,345.60 元 + 80.00 EUR" for a mixed portfolio; "0.00 元" when nothing is at stake. */
export function moneyText(sums: MoneyByCurrency, fallbackCurrency = 'CNY'): string {
  if (sums.size === 0) return `${money(0, fallbackCurrency)} ${unitOf(fallbackCurrency)}`;
  return [...sums].map(([currency, minor]) => `${money(minor, currency)} ${unitOf(currency)}`).join(' + ');
}

/** Money at stake for a column already headed with `currency`'s unit: no unit unless other currencies are mixed in. */
export function stakeCell(sums: MoneyByCurrency, currency: string): string {
  const only = sums.size === 0 || (sums.size === 1 && sums.has(currency));
  return only ? money(sums.get(currency) ?? 0, currency) : moneyText(sums, currency);
}

/** Lowercase hex SHA-256 of the bytes, as printed on the cover next to the attachment. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: '严重 critical',
  high: '高 high',
  medium: '中 medium',
  info: '提示 info',
};

export const SEVERITY_SHORT: Record<Severity, string> = { critical: '严重', high: '高', medium: '中', info: '提示' };

/**
 * Regulatory rules, listed first in the compliance report (DESIGN.md section 9): MCC code jumping
 * (跳码), money through an unlicensed middleman (二清), and fees above the NDRC/PBOC caps.
 */
export const REGULATORY_RULES = ['mcc-mismatch', 'unlicensed-payer', 'fee-above-regulation'] as const;

export const isRegulatory = (rule: string): boolean => (REGULATORY_RULES as readonly string[]).includes(rule);

/** Titles for rules a run may report before their module exists in the catalog. */
const FALLBACK_TITLES: Record<string, string> = {
  'mcc-mismatch': '跳码（MCC 与合同不符）',
  'unlicensed-payer': '二清（非持牌机构结算）',
  'fee-above-regulation': '手续费超监管上限',
};

/** Rule titles by id: the run's own catalog first (summary.rules), then the regulatory fallbacks. */
export function ruleTitles(rules: readonly RuleStatus[]): (id: string) => string {
  const byId = new Map(rules.map((r) => [r.id, r.title]));
  return (id) => byId.get(id) ?? FALLBACK_TITLES[id] ?? id;
}

/** A rule as listed in tables: its title, then its id for finding it in findings.csv and the docs. */
export function ruleLabel(title: string, id: string): string {
  return `${title} · ${id}`;
}

/** The order rules are listed in: regulatory first, then by the most severe finding, then id. */
export function compareRules(a: { id: string; severity: Severity }, b: { id: string; severity: Severity }): number {
  return (
    Number(isRegulatory(b.id)) - Number(isRegulatory(a.id)) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    byText(a.id, b.id)
  );
}

/** Findings for a listing: most severe first, then the stable order of compareFindings. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || compareFindings(a, b));
}

export { SEVERITIES };

/**
 * utcOffset's answers by zone, then date, remembered per thread: every report of a run prints the
 * offset of the same zone on the same date two or three times, and luxon's answer takes about a
 * hundred microseconds.
 */
const offsetsByZone = new Map<string, (date: string) => string>();

/** "UTC+08:00" for the zone at a given date. */
export function utcOffset(zone: string, date: string): string {
  let offsetOn = offsetsByZone.get(zone);
  if (!offsetOn) {
    offsetOn = remember(1000, (d) => {
      const dt = DateTime.fromISO(d, { zone, ...LUXON });
      return dt.isValid ? `UTC${dt.toFormat('ZZ')}` : zone;
    });
    offsetsByZone.set(zone, offsetOn);
  }
  return offsetOn(date);
}

/** "2026-11-01 至 2026-11-30（Asia/Shanghai，UTC+08:00）", or a plain statement when the run had no dated rows. */
export function periodText(summary: Pick<RunSummary, 'period' | 'timezone'>): string {
  if (!summary.period) return `无日期数据（${summary.timezone}）`;
  const { from, to } = summary.period;
  return `${from} 至 ${to}（${summary.timezone}，${utcOffset(summary.timezone, from)}）`;
}

/**
 * The generation time as written in summary.json, made readable, offset kept: "2026-12-01
 * 23:59:59 +08:00". Remembered per thread: every report of a run prints the run's, and luxon's
 * parsing and formatting took about a fiftieth of a merchant report.
 */
export const generatedText = remember(64, (iso: string): string => {
  const dt = DateTime.fromISO(iso, { setZone: true, ...LUXON });
  return dt.isValid ? dt.toFormat('yyyy-MM-dd HH:mm:ss ZZ') : iso;
});

/**
 * A transaction time in the run's zone: "2026-11-20 10:11:12". The offset is printed only when the
 * record's own offset is not the zone's at that instant, so no time is ever shown ambiguously.
 */
export function localTime(iso: string | undefined, zone: string): string {
  if (!iso) return NONE;
  const dt = DateTime.fromISO(iso, { setZone: true, ...LUXON });
  if (!dt.isValid) return iso;
  const zoned = dt.setZone(zone);
  const plain = dt.toFormat('yyyy-MM-dd HH:mm:ss');
  return zoned.isValid && zoned.offset === dt.offset ? plain : `${plain} ${dt.toFormat('ZZ')}`;
}

/** When a finding happened: its transaction time, else the day it is about. */
export function findingWhen(f: Finding, zone: string): string {
  return f.txnTime ? localTime(f.txnTime, zone) : (f.date ?? NONE);
}

export const ROLE_LABEL: Record<string, string> = { acquirer: '收单 acquirer', bank: '银行 bank', pos: '收银 POS' };

export const OPEN_ITEM_LABEL: Record<OpenItem['kind'], string> = {
  'sale-awaiting-settlement': '销售待清算',
  'settlement-awaiting-credit': '清算待入账',
  'refund-awaiting-acquirer': '退款待收单处理',
};

/** "1,234" for counts. */
export function count(n: number): string {
  return formatGrouped(n, 0);
}

/** Evidence as "file:line; file:line". */
export function evidenceText(f: Pick<Finding, 'evidence'>): string {
  if (f.evidence.length === 0) return NONE;
  const shown = f.evidence.slice(0, EVIDENCE_SHOWN).map((e) => `${e.file}:${e.line}`).join('; ');
  const more = f.evidence.length - EVIDENCE_SHOWN;
  return more > 0 ? `${shown}; …另 ${count(more)} 处见附件 findings CSV / ${count(more)} more in the attached findings CSV` : shown;
}

/**
 * The evidence a PDF prints of one finding; the attached findings CSV has all of it. A settlement
 * day's finding names every record of the day (hundreds for a large merchant): printed in full,
 * a month of such findings took minutes to lay out and gigabytes of memory.
 */
const EVIDENCE_SHOWN = 20;

/** Byte counts as "1,234,567 B" (exact: a manifest is for checking, not for reading at a glance). */
export function bytesText(n: number): string {
  return `${count(n)} B`;
}

/** Effective rate of fee over amount as a percent with three decimals, for display only. */
export function ratePercent(feeMinor: number, amountMinor: number): string {
  if (amountMinor === 0) return NONE;
  return `${((feeMinor / amountMinor) * 100).toFixed(3)}%`;
}

/**
 * Text for XMP metadata. pdfkit copies Title and Subject into the XMP packet without escaping, so
 * a merchant called "A&B" would make the packet invalid XML (and the file not PDF/A); the XML
 * special characters are replaced by their full-width forms, which read the same.
 */
export function xmpSafe(text: string): string {
  return text.replace(/[&<>]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}
