/**
 * Blocks both reports print the same way: the cover, the findings table, the input manifest.
 */
import type { Finding } from '../../model/finding.js';
import type { ManifestEntry, RunSummary } from '../../model/summary.js';
import { COLORS, type ReportWriter, type TableRow } from './_layout.js';
import {
  NONE,
  byText,
  ROLE_LABEL,
  SEVERITY_SHORT,
  bytesText,
  count,
  evidenceText,
  findingWhen,
  generatedText,
  money,
  periodText,
  ruleLabel,
  unitOf,
} from './_format.js';

/** The title block at the top of page 1. */
export function coverTitle(w: ReportWriter, title: string, titleEn: string): void {
  w.doc.rect(0, 0, w.doc.page.width, 8).fill(COLORS.accent);
  w.y = w.top - 14;
  w.paragraph(`${w.meta.tool.name}`, { size: 8, color: COLORS.muted }, 2);
  w.paragraph(title, { size: 22, bold: true, color: COLORS.accent }, 0);
  w.paragraph(titleEn, { size: 11, color: COLORS.muted }, 12);
}

/** The cover facts every report carries (DESIGN.md section 9). */
export function coverFacts(
  w: ReportWriter,
  summary: Pick<RunSummary, 'period' | 'timezone' | 'asOf' | 'generatedAt' | 'tool' | 'runId'>,
  extra: { before?: [string, string][]; after?: [string, string][]; csvName: string; csvSha256: string; csvRows: number },
): void {
  w.keyValues([
    ...(extra.before ?? []),
    ['报告编号 Report ID', w.meta.reportId],
    ['审计期间 Period', periodText(summary)],
    ['截至日期 As of', summary.asOf],
    ['生成时间 Generated', generatedText(summary.generatedAt)],
    ['工具版本 Tool', `${summary.tool.name} ${summary.tool.version}`],
    ['运行编号 Run ID', summary.runId],
    ...(extra.after ?? []),
    ['附件 Attachment', `${extra.csvName}（问题明细 CSV，UTF-8，${count(extra.csvRows)} 条问题；嵌入本 PDF，可在阅读器的附件面板中打开）`],
    ['附件 SHA-256', extra.csvSha256],
  ]);
}

/**
 * The findings, one block each: the transaction facts a complaint needs in a row, then the rule,
 * the plain-language message and the evidence under it.
 */
export function findingsTable(
  w: ReportWriter,
  findings: readonly Finding[],
  options: { zone: string; title: (rule: string) => string; merchantName?: (merchantId: string) => string },
): void {
  const unit = unitOf(findings[0]?.currency ?? 'CNY');
  const cur = (minor: number | undefined, currency: string) =>
    minor === undefined ? NONE : `${money(minor, currency)}${unitOf(currency) === unit ? '' : ` ${currency}`}`;
  const rows: TableRow[] = findings.map((f, i) => {
    const lines = [
      {
        text: `${SEVERITY_SHORT[f.severity]} · ${ruleLabel(options.title(f.rule), f.rule)}`,
        bold: true,
        color: COLORS.severity[f.severity],
      },
      ...(options.merchantName ? [{ text: `商户 Merchant：${options.merchantName(f.merchantId)}（${f.merchantId}）`, color: COLORS.text }] : []),
      { text: f.message },
      { text: `证据 Evidence：${evidenceText(f)} · 问题编号 ID：${f.id}`, size: 7, color: COLORS.muted },
    ];
    return {
      cells: [
        String(i + 1),
        findingWhen(f, options.zone),
        f.terminalId ?? NONE,
        f.reference ?? NONE,
        cur(f.amountMinor, f.currency),
        cur(f.expectedMinor, f.currency),
        cur(f.actualMinor, f.currency),
        cur(f.differenceMinor, f.currency),
      ],
      cellColors: [COLORS.muted, undefined, undefined, undefined, undefined, undefined, undefined, COLORS.severity[f.severity]],
      lines,
    };
  });
  w.table({
    columns: [
      { header: '#', width: 20, align: 'right' },
      { header: '时间 Time', width: 86 },
      { header: '终端 Terminal', width: 52 },
      { header: '参考号 Reference', width: 75 },
      { header: `金额 Amount（${unit}）`, width: 62, align: 'right' },
      { header: `应为 Expected（${unit}）`, width: 62, align: 'right' },
      { header: `实际 Actual（${unit}）`, width: 62, align: 'right' },
      { header: `差额 Difference（${unit}）`, width: 66, align: 'right' },
    ],
    rows,
    size: 8,
    linesFromColumn: 1,
    zebra: true,
  });
}

/** The input manifest: every file read, its format, counts and SHA-256, so a reader can check each input. */
export function manifestTable(w: ReportWriter, inputs: readonly ManifestEntry[]): void {
  if (inputs.length === 0) {
    w.paragraph('本次运行没有输入文件。 No input files.', { color: COLORS.muted });
    return;
  }
  const rows: TableRow[] = [...inputs]
    .sort((a, b) => byText(a.file, b.file))
    .map((m) => ({
      cells: [
        m.file,
        m.format ? `${m.format}${m.variant ? ` (${m.variant})` : ''}` : NONE,
        m.role ? (ROLE_LABEL[m.role] ?? m.role) : NONE,
        m.encoding ?? NONE,
        bytesText(m.bytes),
        count(m.lines),
        count(m.rows),
        count(m.rejects),
      ],
      cellColors: [undefined, undefined, undefined, undefined, undefined, undefined, undefined, m.rejects > 0 ? COLORS.orange : undefined],
      lines: [
        ...(m.delivered !== m.file ? [{ text: `交付文件 Delivered as：${m.delivered}`, size: 7, color: COLORS.muted }] : []),
        { text: `SHA-256  ${m.sha256}`, size: 7, color: COLORS.muted },
        ...(m.error ? [{ text: `未能读取 Not read：${m.error}`, size: 7.5, color: COLORS.severity.critical }] : []),
      ],
    }));
  w.table({
    columns: [
      { header: '文件 File', width: 136 },
      { header: '格式 Format', width: 62 },
      { header: '角色 Role', width: 56 },
      { header: '编码 Encoding', width: 44 },
      { header: '字节 Bytes', width: 58, align: 'right' },
      { header: '行 Lines', width: 38, align: 'right' },
      { header: '记录 Rows', width: 38, align: 'right' },
      { header: '拒绝 Rejects', width: 40, align: 'right' },
    ],
    rows,
    size: 7.5,
    zebra: true,
  });
  w.paragraph(
    '行 = 文件的物理行数（XML 为条目数）；记录 + 拒绝 + 表头/汇总等非数据行 = 行。SHA-256 为文件原始字节的摘要，可用 sha256sum 核对。',
    { size: 7.5, color: COLORS.muted },
  );
}
