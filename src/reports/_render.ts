/**
 * One report as a task: what renderReports renders in its own thread and what a render
 * worker (render-worker.ts) renders, through the same function, so the two give the same bytes.
 */
import { AuditError, ErrorCode, type ErrorCode as Code } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { MerchantTotals, RunSummary } from '../model/summary.js';
import { findingsCsv } from './csv.js';
import { compliancePdf } from './pdf/compliance.js';
import { merchantReportPdf, type MerchantReportSummary } from './pdf/merchant.js';

/** What one merchant's report needs, and nothing of other merchants: it is copied to a worker. */
export interface MerchantReportTask {
  /** The run as this merchant's report shows it: its own input files only. */
  summary: MerchantReportSummary;
  merchant: MerchantTotals;
  /** This merchant's findings, in the run's order. */
  findings: Finding[];
}

/** What the compliance report needs: the run's summary and every finding. */
export interface ComplianceReportTask {
  summary: RunSummary;
  findings: Finding[];
}

/** The compliance report, with the run's findings CSV attached. */
export async function renderComplianceReport(task: ComplianceReportTask): Promise<Buffer> {
  return compliancePdf({ summary: task.summary, findings: task.findings, findingsCsv: await findingsCsv(task.findings) });
}

/** A merchant's report, with its findings CSV attached. */
export async function renderMerchantReport(task: MerchantReportTask): Promise<Buffer> {
  const { summary, merchant, findings } = task;
  return merchantReportPdf({ summary, merchant, findings, findingsCsv: await findingsCsv(findings) });
}

/** An error as it can cross between threads (an Error subclass arrives as a plain Error). */
export interface RenderError {
  name: string;
  message: string;
  stack?: string;
  /** Set for an AuditError. */
  code?: string;
  context?: Record<string, unknown>;
}

export type RenderOutcome = { ok: true; value: Uint8Array } | { ok: false; error: RenderError };

export function renderError(err: unknown): RenderError {
  if (err instanceof AuditError) return { name: err.name, message: err.message, stack: err.stack, code: err.code, context: err.context };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** The error a failed outcome stands for, as rendering in this thread would have thrown it. */
export function rethrown(error: RenderError): Error {
  if (error.code !== undefined) {
    const known = Object.values(ErrorCode) as string[];
    const code = (known.includes(error.code) ? error.code : ErrorCode.INTERNAL) as Code;
    const err = new AuditError(code, error.message, error.context ?? {});
    if (error.stack) err.stack = error.stack;
    return err;
  }
  const err = new Error(error.message);
  err.name = error.name;
  if (error.stack) err.stack = error.stack;
  return err;
}
