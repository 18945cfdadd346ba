/**
 * The merchant report (DESIGN.md section 9): what went wrong for one merchant, in plain Chinese,
 * with the facts a complaint to the acquirer or the regulator needs, and the money at stake.
 * A merchant attaches it to a complaint, so every figure carries its evidence (file and line) and
 * every input file its SHA-256.
 */
import { AuditError, ErrorCode } from '../../model/errors.js';
import { compareFindings, severityRank, type Finding, type Severity } from '../../model/finding.js';
import type { MerchantTotals, RunSummary } from '../../model/summary.js';
import { dailyVolumeChart } from './_charts.js';
import { COLORS, ReportWriter } from './_layout.js';
import {
  NONE,
  SEVERITY_LABEL,
  atStake,
  compareRules,
  count,
  money,
  stakeCell,
  periodText,
  ruleLabel,
  ruleTitles,
  sha256Hex,
  unitOf,
  utcOffset,
} from './_format.js';
import { coverFacts, coverTitle, findingsTable, manifestTable } from './_sections.js';

/**
 * What a merchant's report reads of the run. Named, so that the report cannot read more: a run's
 * summary holds every merchant's totals, and renderReports sends each worker only this part.
 */
export type MerchantReportSummary = Pick<RunSummary, 'runId' | 'tool' | 'asOf' | 'timezone' | 'generatedAt' | 'period' | 'inputs' | 'rules'>;

export interface MerchantReportArgs {
  summary: MerchantReportSummary;
  merchant: MerchantTotals;
  /** This merchant's findings only. */
  findings: Finding[];
  /** The bytes of findings.csv for exactly these findings (findingsCsv()), attached to the PDF. */
  findingsCsv: Buffer;
}

const NO_FINDINGS = '本期未发现问题 / No findings';

/** The id printed on every page of a merchant's report: the run id and the merchant id. */
export function merchantReportId(summary: Pick<RunSummary, 'runId'>, merchantId: string): string {
  return `${summary.runId}-${merchantId}`;
}

/**
 * Renders a merchant's report. The same arguments always give the same bytes.
 * Throws an AuditError (INTERNAL) when a finding belongs to another merchant: a report that mixed
 * two merchants' findings would disclose one merchant's business to the other.
 */
export async function merchantReportPdf(args: MerchantReportArgs): Promise<Buffer> {
  const { summary, merchant, findingsCsv } = args;
  const stranger = args.findings.find((f) => f.merchantId !== merchant.merchantId);
  if (stranger) {
    throw new AuditError(
      ErrorCode.INTERNAL,
      `merchant report for ${merchant.merchantId}: expected only its own findings, got finding ${stranger.id} of merchant ${stranger.merchantId}`,
      { merchantId: merchant.merchantId, findingId: stranger.id },
    );
  }
  const findings = [...args.findings].sort(compareFindings);
  const title = ruleTitles(summary.rules);
  const reportId = merchantReportId(summary, merchant.merchantId);
  const w = new ReportWriter({
    reportId,
    title: '商户结算审计报告',
    titleEn: 'Merchant settlement audit report',
    runningHead: `商户结算审计报告 · ${merchant.name}（${merchant.merchantId}）· ${periodText(summary)}`,
    subject: `${merchant.name} ${merchant.merchantId} · ${reportId}`,
    generatedAt: summary.generatedAt,
    tool: summary.tool,
  });
  const csvName = `findings-${merchant.merchantId}.csv`;
  const csvSha256 = sha256Hex(findingsCsv);
  w.attach(findingsCsv, csvName, 'text/csv', `Findings of merchant ${merchant.merchantId}, run ${summary.runId} (UTF-8 CSV with BOM)`);

  // Page 1: cover and the one-page summary.
  w.doc.outline.addItem('封面 Cover');
  coverTitle(w, '商户结算审计报告', 'Merchant settlement audit report');
  w.paragraph(merchant.name, { size: 16, bold: true }, 2);
  w.paragraph(`商户编号 Merchant ID：${merchant.merchantId}`, { size: 9, color: COLORS.muted }, 10);
  coverFacts(w, summary, {
    csvName,
    csvSha256,
    csvRows: findings.length,
  });
  w.gap(6);
  summarySection(w, summary, merchant, findings, title);

  // The findings start on a page of their own, so the summary stays one page.
  w.section('问题明细 Findings', { newPage: findings.length > 0 });
  if (findings.length === 0) {
    w.notice(NO_FINDINGS);
  } else {
    w.paragraph(
      `共 ${count(findings.length)} 个问题，按时间排列。每个问题先列交易要素，下方为规则、说明与证据（来源文件:行号）。` +
        `时间为 ${summary.timezone}（${utcOffset(summary.timezone, summary.period?.from ?? summary.asOf)}）；金额单位为${unitOf(merchant.currency)}。`,
      { size: 8, color: COLORS.muted },
      6,
    );
    findingsTable(w, findings, { zone: summary.timezone, title });
  }

  w.section('控制合计 Control totals');
  controlTotals(w, merchant);

  w.section('每日交易量与实际费率 Daily volume and effective fee rate');
  dailyVolumeChart(w, merchant.daily, merchant.currency);

  w.section('输入文件清单 Input manifest');
  manifestTable(w, summary.inputs);

  return w.finish();
}

function summarySection(
  w: ReportWriter,
  summary: MerchantReportSummary,
  merchant: MerchantTotals,
  findings: readonly Finding[],
  title: (rule: string) => string,
): void {
  w.section('概要 Summary');
  const stake = atStake(findings);
  const worst = findings.reduce<Severity | undefined>(
    (s, f) => (s === undefined || severityRank(f.severity) > severityRank(s) ? f.severity : s),
    undefined,
  );
  w.figures([
    { label: '问题 Findings', value: count(findings.length) },
    { label: `涉及金额 Money at stake（${unitOf(merchant.currency)}）`, value: stakeCell(stake, merchant.currency) },
    { label: '最高严重程度 Highest severity', value: worst ? SEVERITY_LABEL[worst] : NONE, color: worst ? COLORS.severity[worst] : COLORS.okText },
  ]);
  // The period is on the cover, a few lines above on this same page.
  w.keyValues([['收单机构 Acquirers', merchant.acquirers.length ? merchant.acquirers.join('、') : NONE]]);
  w.gap(4);
  if (findings.length === 0) {
    w.notice(NO_FINDINGS);
  } else {
    const byRule = new Map<string, { severity: Severity; n: number; findings: Finding[] }>();
    for (const f of findings) {
      const r = byRule.get(f.rule) ?? { severity: f.severity, n: 0, findings: [] };
      if (severityRank(f.severity) > severityRank(r.severity)) r.severity = f.severity;
      r.n++;
      r.findings.push(f);
      byRule.set(f.rule, r);
    }
    const rules = [...byRule].map(([id, r]) => ({ id, ...r })).sort(compareRules);
    const unit = unitOf(merchant.currency);
    w.table({
      columns: [
        { header: '问题类型 Rule', width: 230 },
        { header: '严重程度 Severity', width: 80 },
        { header: '数量 Count', width: 60, align: 'right' },
        { header: `涉及金额 At stake（${unit}）`, width: 110, align: 'right' },
      ],
      rows: [
        ...rules.map((r) => ({
          cells: [ruleLabel(title(r.id), r.id), SEVERITY_LABEL[r.severity], count(r.n), stakeCell(atStake(r.findings), merchant.currency)],
          cellColors: [undefined, COLORS.severity[r.severity]],
        })),
        {
          cells: ['合计 Total', '', count(findings.length), stakeCell(stake, merchant.currency)],
          bold: true,
          fill: COLORS.headerFill,
        },
      ],
      size: 8.5,
    });
  }
  const skipped = summary.rules.filter((r) => !r.ran);
  if (skipped.length > 0) {
    w.paragraph(
      `本次未执行的检查 Checks not run：${skipped.map((r) => `${r.title}——${r.skippedBecause ?? '原因未记录'}`).join('；')}。` +
        '这些方面的问题不会出现在本报告中。',
      { size: 8, color: COLORS.orange },
    );
  }
  w.paragraph(
    findings.length > 0
      ? `涉及金额为各问题差额（绝对值）之和，单位为${unitOf(merchant.currency)}。问题明细见后页，全部问题另以 CSV 附件嵌入本 PDF；附件与各输入文件均列有 SHA-256，可据以核对。`
      : '问题明细 CSV 附件（仅含表头）同样嵌入本 PDF；各输入文件列有 SHA-256，可据以核对本报告所依据的数据。',
    { size: 8, color: COLORS.muted },
  );
}

function controlTotals(w: ReportWriter, m: MerchantTotals): void {
  const c = m.currency;
  const unit = unitOf(c);
  w.table({
    columns: [
      { header: '来源 Source', width: 170 },
      { header: '笔数 Count', width: 60, align: 'right' },
      { header: `金额 Amount（${unit}）`, width: 90, align: 'right' },
      { header: `手续费 Fee（${unit}）`, width: 80, align: 'right' },
      { header: `净额 Net（${unit}）`, width: 90, align: 'right' },
    ],
    rows: [
      { cells: ['收单机构清算 Acquirer settlement', count(m.acquirer.count), money(m.acquirer.amountMinor, c), money(m.acquirer.feeMinor, c), money(m.acquirer.netMinor, c)] },
      { cells: ['银行入账 Bank credits', count(m.bank.credits), money(m.bank.creditMinor, c), NONE, NONE] },
      { cells: ['银行出账 Bank debits', count(m.bank.debits), money(m.bank.debitMinor, c), NONE, NONE] },
      { cells: ['收银系统销售 POS sales', count(m.pos.count), money(m.pos.amountMinor, c), NONE, NONE] },
      {
        cells: ['收银销售 − 收单金额 POS − acquirer', NONE, money(m.pos.amountMinor - m.acquirer.amountMinor, c), NONE, NONE],
        fill: COLORS.headerFill,
      },
      {
        cells: ['收单净额 − 银行入账 Acquirer net − bank credits', NONE, NONE, NONE, money(m.acquirer.netMinor - m.bank.creditMinor, c)],
        fill: COLORS.headerFill,
      },
    ],
    size: 8.5,
  });
  w.paragraph(
    '收单金额与收银销售均为销售减去退货、撤销后的净额。两行差额只是合计之差，期末未到期的清算与入账（跨期）也会形成差额，是否构成问题以问题明细为准。',
    { size: 7.5, color: COLORS.muted },
  );
}
