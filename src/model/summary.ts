import type { Severity } from './finding.js';
import type { ControlCheck, Role } from './records.js';
import type { OpenItem } from '../rules/types.js';

/** One input file in the manifest of summary.json and the reports. */
export interface ManifestEntry {
  file: string;
  /** The file as delivered (an archive for its entries). */
  delivered: string;
  sha256: string;
  bytes: number;
  format: string | null;
  role: Role | null;
  encoding: string | null;
  variant?: string;
  /** Lines (or entries) in the file; rows + rejects + nonDataLines = lines. */
  lines: number;
  rows: number;
  rejects: number;
  nonDataLines: number;
  /** Why the file was not read, when it was not. */
  error?: string;
}

export interface SourceTotals {
  file: string;
  role: Role;
  format: string;
  currency: string;
  count: number;
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  creditMinor: number;
  debitMinor: number;
}

export interface DailyTotals {
  date: string;
  count: number;
  amountMinor: number;
  feeMinor: number;
}

export interface MerchantTotals {
  merchantId: string;
  name: string;
  currency: string;
  acquirers: string[];
  acquirer: { count: number; amountMinor: number; feeMinor: number; netMinor: number };
  bank: { credits: number; creditMinor: number; debits: number; debitMinor: number };
  pos: { count: number; amountMinor: number };
  daily: DailyTotals[];
  findings: number;
  atStakeMinor: number;
}

export interface RuleStatus {
  id: string;
  title: string;
  severity: Severity;
  ran: boolean;
  skippedBecause?: string;
  findings: number;
}

export interface RunSummary {
  runId: string;
  tool: { name: string; version: string };
  asOf: string;
  timezone: string;
  generatedAt: string;
  period: { from: string; to: string } | null;
  inputs: ManifestEntry[];
  roles: Role[];
  controlTotals: { bySource: SourceTotals[]; byMerchant: MerchantTotals[] };
  checks: (ControlCheck & { ok: boolean })[];
  rules: RuleStatus[];
  counts: { findings: number; byRule: Record<string, number>; bySeverity: Record<string, number> };
  rejects: number;
  openItems: OpenItem[];
  unknownMerchants: { role: Role; merchantId: string; count: number; file: string }[];
  durationsMs: Record<string, number>;
}
