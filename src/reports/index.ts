import type { AuditResult } from '../pipeline/audit.js';
import { findingsCsv } from './csv.js';

export interface RenderedReport {
  name: string;
  bytes: Buffer;
}

/** The PDF reports of a run: one per merchant with activity, and the portfolio compliance report. */
export async function renderReports(result: AuditResult): Promise<RenderedReport[]> {
  const { merchantReportPdf } = await import('./pdf/merchant.js');
  const { compliancePdf } = await import('./pdf/compliance.js');
  const out: RenderedReport[] = [];
  for (const merchant of result.summary.controlTotals.byMerchant) {
    const findings = result.findings.filter((f) => f.merchantId === merchant.merchantId);
    const csv = await findingsCsv(findings);
    out.push({ name: `merchant-${merchant.merchantId}.pdf`, bytes: await merchantReportPdf({ summary: result.summary, merchant, findings, findingsCsv: csv }) });
  }
  out.push({ name: 'compliance.pdf', bytes: await compliancePdf({ summary: result.summary, findings: result.findings, findingsCsv: await findingsCsv(result.findings) }) });
  return out;
}
