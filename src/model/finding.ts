import { createHash } from 'node:crypto';
import type { SourceRef } from './records.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const severityRank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s);

/** A finding, as written to findings.json (DESIGN.md section 2). */
export interface Finding {
  id: string;
  rule: string;
  severity: Severity;
  merchantId: string;
  terminalId?: string;
  reference?: string;
  txnTime?: string;
  /** The settlement or booking date the finding is about, when it is about a day rather than a transaction. */
  date?: string;
  currency: string;
  amountMinor?: number;
  expectedMinor?: number;
  actualMinor?: number;
  differenceMinor?: number;
  message: string;
  evidence: SourceRef[];
}

export type FindingDraft = Omit<Finding, 'id' | 'rule' | 'severity'> & {
  severity?: Severity;
  /** The facts that identify this finding across runs; file names and lines are deliberately not among them. */
  keys: readonly (string | number | undefined)[];
};

/** A stable id: the same rule and keys give the same id, so yesterday's finding is today's. */
export function findingId(rule: string, keys: readonly (string | number | undefined)[]): string {
  const h = createHash('sha256');
  h.update(rule);
  for (const k of keys) h.update(`\u0000${k ?? ''}`);
  return h.digest('hex').slice(0, 16);
}

export function makeFinding(rule: string, severity: Severity, draft: FindingDraft): Finding {
  const { keys, severity: override, ...rest } = draft;
  return { id: findingId(rule, [rest.merchantId, ...keys]), rule, severity: override ?? severity, ...rest };
}

/** Findings in a stable order: merchant, time or date, rule, first evidence, id. Reports and tests rely on it. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    byCodeUnit(a.merchantId, b.merchantId) ||
    byCodeUnit(a.txnTime ?? a.date ?? '', b.txnTime ?? b.date ?? '') ||
    byCodeUnit(a.rule, b.rule) ||
    byCodeUnit(a.evidence[0]?.file ?? '', b.evidence[0]?.file ?? '') ||
    (a.evidence[0]?.line ?? 0) - (b.evidence[0]?.line ?? 0) ||
    byCodeUnit(a.id, b.id)
  );
}

/** Plain code-unit order: the same on every machine, whatever its locale. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
