import type { AuditResult } from '../pipeline/audit.js';
import type { MerchantData } from '../rules/types.js';
import type { RunSummary } from '../model/summary.js';
import { findingsCsv } from './csv.js';
import { compliancePdf } from './pdf/compliance.js';
import { merchantReportPdf } from './pdf/merchant.js';

export interface RenderedReport {
  name: string;
  bytes: Buffer;
}

/** The PDF reports of a run: one per merchant with activity, and the portfolio compliance report. */
export async function renderReports(result: AuditResult): Promise<RenderedReport[]> {
  const out: RenderedReport[] = [];
  for (const merchant of result.summary.controlTotals.byMerchant) {
    const findings = result.findings.filter((f) => f.merchantId === merchant.merchantId);
    const data = result.merchants.find((m) => m.merchant.id === merchant.merchantId);
    const summary = data ? ownView(result.summary, data) : result.summary;
    out.push({
      name: `merchant-${merchant.merchantId}.pdf`,
      bytes: await merchantReportPdf({ summary, merchant, findings, findingsCsv: await findingsCsv(findings) }),
    });
  }
  out.push({
    name: 'compliance.pdf',
    bytes: await compliancePdf({ summary: result.summary, findings: result.findings, findingsCsv: await findingsCsv(result.findings) }),
  });
  return out;
}

/**
 * The run as one merchant may see it: only the input files that carry its records, their checks
 * and its open items. A merchant's report is attached to complaints and must not disclose other
 * merchants' files.
 */
function ownView(summary: RunSummary, data: MerchantData): RunSummary {
  const files = new Set<string>([
    ...data.acquirer.map((r) => r.source.file),
    ...data.pos.map((r) => r.source.file),
    ...data.bank.map((r) => r.source.file),
    ...data.statements.map((s) => s.file),
  ]);
  return {
    ...summary,
    inputs: summary.inputs.filter((i) => files.has(i.file)),
    checks: summary.checks.filter((c) => files.has(c.file)),
    openItems: summary.openItems.filter((o) => o.merchantId === data.merchant.id),
    controlTotals: {
      bySource: summary.controlTotals.bySource.filter((s) => files.has(s.file)),
      byMerchant: summary.controlTotals.byMerchant.filter((m) => m.merchantId === data.merchant.id),
    },
    unknownMerchants: [],
  };
}
