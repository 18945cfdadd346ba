/**
 * The compliance report (DESIGN.md section 9): the portfolio across merchants and acquirers.
 * Regulatory items (跳码, 二清, fees above regulation) come first, then findings by rule and
 * severity, the merchants and acquirers with the most money at stake, open items by age, the
 * rules that did not run and why, the control totals, every finding, and the input manifest.
 */
import { severityRank, type Finding, type Severity } from '../../model/finding.js';
import type { MerchantTotals, RunSummary } from '../../model/summary.js';
import { findingsByRuleChart } from './_charts.js';
import { COLORS, ReportWriter, type TableRow } from './_layout.js';
import {
  NONE,
  byText,
  OPEN_ITEM_LABEL,
  REGULATORY_RULES,
  ROLE_LABEL,
  SEVERITIES,
  SEVERITY_LABEL,
  SEVERITY_SHORT,
  amountInvolved,
  atStake,
  bySeverity,
  compareRules,
  count,
  evidenceText,
  isRegulatory,
  money,
  moneyText,
  periodText,
  ruleLabel,
  ruleTitles,
  sha256Hex,
  stakeCell,
  unitOf,
} from './_format.js';
import { coverFacts, coverTitle, findingsTable, manifestTable } from './_sections.js';

export interface ComplianceReportArgs {
  summary: RunSummary;
  /** Every finding of the run. */
  findings: Finding[];
  /** The bytes of findings.csv for exactly these findings (findingsCsv()), attached to the PDF. */
  findingsCsv: Buffer;
}

/** How many merchants the exposure table lists; the rest are counted under it. */
const TOP_MERCHANTS = 15;

/**
 * The listings (regulatory items, all findings) stop here, so that a run with a flood of findings
 * still gives a readable report in bounded memory; the report says so where it stops, and the
 * attached CSV always has every finding.
 */
const LISTED_FINDINGS = 2000;

/**
 * Above this many file checks (a run with a bank statement per merchant has thousands), the
 * compliance report lists the ones that disagree and counts the rest: 1 835 agreeing rows were
 * most of a 251-page report. summary.json has every check.
 */
const LISTED_CHECKS = 100;

/** The id printed on every page of the compliance report. */
export function complianceReportId(summary: Pick<RunSummary, 'runId'>): string {
  return `${summary.runId}-COMPLIANCE`;
}

/** Renders the portfolio compliance report. The same arguments always give the same bytes. */
export async function compliancePdf(args: ComplianceReportArgs): Promise<Buffer> {
  const { summary, findingsCsv } = args;
  const findings = bySeverity(args.findings);
  const title = ruleTitles(summary.rules);
  const merchants = summary.controlTotals.byMerchant;
  const names = new Map(merchants.map((m) => [m.merchantId, m.name]));
  const nameOf = (id: string) => names.get(id) ?? '未登记商户';
  const currency = findings[0]?.currency ?? merchants[0]?.currency ?? 'CNY';
  const reportId = complianceReportId(summary);
  const w = new ReportWriter({
    reportId,
    title: '合规审计报告',
    titleEn: 'Compliance audit report',
    runningHead: `合规审计报告 Compliance audit report · ${periodText(summary)}`,
    subject: `Portfolio compliance report · ${reportId}`,
    generatedAt: summary.generatedAt,
    tool: summary.tool,
  });
  const csvName = 'findings.csv';
  w.attach(findingsCsv, csvName, 'text/csv', `All findings of run ${summary.runId} (UTF-8 CSV with BOM)`);
  const acquirers = [...new Set(merchants.flatMap((m) => m.acquirers))].sort(byText);

  w.doc.outline.addItem('封面 Cover');
  coverTitle(w, '合规审计报告', 'Compliance audit report');
  coverFacts(w, summary, {
    after: [
      ['商户 Merchants', `${count(merchants.length)} 家`],
      ['收单机构 Acquirers', acquirers.length ? acquirers.join('、') : NONE],
      ['无法解析的行 Rejected rows', `${count(summary.rejects)} 行（见 rejects.csv）`],
    ],
    csvName,
    csvSha256: sha256Hex(findingsCsv),
    csvRows: findings.length,
  });
  w.gap(6);
  summarySection(w, summary, findings, currency);

  const regulatory = findings.filter((f) => isRegulatory(f.rule));
  w.section('监管事项 Regulatory items', { newPage: true });
  regulatorySection(w, summary, regulatory, title, currency);
  if (regulatory.length > 0) findingsTable(w, regulatory.slice(0, LISTED_FINDINGS), { zone: summary.timezone, title, merchantName: nameOf });
  if (regulatory.length > LISTED_FINDINGS) {
    w.paragraph(`此处列出前 ${count(LISTED_FINDINGS)} 个监管问题，其余 ${count(regulatory.length - LISTED_FINDINGS)} 个见附件 ${csvName}。`, { size: 8, color: COLORS.orange });
  }

  w.section('按规则与严重程度 Findings by rule and severity');
  byRuleSection(w, findings, title, currency);

  w.section('风险敞口 Exposure');
  exposureSection(w, merchants, findings, currency);

  w.section('未到期事项 Open items');
  openItemsSection(w, summary, nameOf);

  w.section('规则执行情况 Rules run and skipped');
  rulesSection(w, summary);

  w.section('控制合计 Control totals');
  controlTotalsSection(w, summary);

  w.section('全部问题 All findings', { newPage: true });
  if (findings.length === 0) {
    w.notice('本期未发现问题 / No findings');
  } else {
    const listed = findings.slice(0, LISTED_FINDINGS);
    w.paragraph(
      `共 ${count(findings.length)} 个问题，按严重程度、商户、时间排列。` +
        (listed.length < findings.length
          ? `此处列出前 ${count(listed.length)} 个，其余 ${count(findings.length - listed.length)} 个见附件 ${csvName}。`
          : '同样内容见附件 findings.csv。'),
      { size: 8, color: COLORS.muted },
      6,
    );
    findingsTable(w, listed, { zone: summary.timezone, title, merchantName: nameOf });
  }

  w.section('输入文件清单 Input manifest');
  manifestTable(w, summary.inputs);

  return w.finish();
}

function summarySection(w: ReportWriter, summary: RunSummary, findings: readonly Finding[], currency: string): void {
  w.section('概要 Summary');
  const regulatory = findings.filter((f) => isRegulatory(f.rule)).length;
  const withFindings = new Set(findings.map((f) => f.merchantId)).size;
  w.figures([
    { label: '问题 Findings', value: count(findings.length) },
    { label: `涉及金额 At stake（${unitOf(currency)}）`, value: stakeCell(atStake(findings), currency) },
    { label: '监管事项 Regulatory', value: count(regulatory), color: regulatory > 0 ? COLORS.severity.critical : COLORS.okText },
    { label: '有问题的商户 Merchants', value: `${count(withFindings)} / ${count(summary.controlTotals.byMerchant.length)}` },
  ]);
  if (findings.length === 0) {
    w.notice('本期未发现问题 / No findings');
  } else {
    w.table({
      columns: [
        { header: '严重程度 Severity', width: 150 },
        { header: '数量 Count', width: 80, align: 'right' },
        { header: `涉及金额 At stake（${unitOf(currency)}）`, width: 140, align: 'right' },
      ],
      rows: [
        ...SEVERITIES.map((sev): TableRow => {
          const these = findings.filter((f) => f.severity === sev);
          return { cells: [SEVERITY_LABEL[sev], count(these.length), stakeCell(atStake(these), currency)], cellColors: [COLORS.severity[sev]] };
        }),
        { cells: ['合计 Total', count(findings.length), stakeCell(atStake(findings), currency)], bold: true, fill: COLORS.headerFill },
      ],
      size: 8.5,
    });
  }
  const skipped = summary.rules.filter((r) => !r.ran);
  if (skipped.length > 0) {
    w.paragraph(`${count(skipped.length)} 项检查未执行（原因见“规则执行情况”）：${skipped.map((r) => r.title).join('、')}。相关问题不会出现在本报告中。`, {
      size: 8,
      color: COLORS.orange,
    });
  }
  w.paragraph(
    '涉及金额为各问题差额（绝对值）之和。监管事项列于最前；每个问题列有证据（来源文件:行号），输入文件清单列有各文件 SHA-256；全部问题另以 CSV 附件嵌入本 PDF。',
    { size: 8, color: COLORS.muted },
  );
}

function regulatorySection(
  w: ReportWriter,
  summary: RunSummary,
  regulatory: readonly Finding[],
  title: (rule: string) => string,
  currency: string,
): void {
  w.paragraph(
    '跳码：交易上送的商户类别码（MCC）与商户实际类别不符，通常是为适用更低费率；二清：清算资金经无支付业务许可的机构转付给商户；' +
      '手续费高于监管上限：发卡行服务费或网络服务费超过发改委、人民银行规定的上限（银发〔2021〕169号）。' +
      '交易金额为相关交易或入账的金额合计，涉及金额为其中的差额合计。',
    { size: 8, color: COLORS.muted },
    6,
  );
  const status = new Map(summary.rules.map((r) => [r.id, r]));
  w.table({
    columns: [
      { header: '监管事项 Item', width: 190 },
      { header: '检查 Check', width: 90 },
      { header: '数量 Count', width: 50, align: 'right' },
      { header: `交易金额 Amount（${unitOf(currency)}）`, width: 90, align: 'right' },
      { header: `涉及金额 At stake（${unitOf(currency)}）`, width: 90, align: 'right' },
    ],
    rows: REGULATORY_RULES.map((id) => {
      const these = regulatory.filter((f) => f.rule === id);
      const s = status.get(id);
      const check = s === undefined ? '未配置 not in this run' : s.ran ? '已执行 ran' : `未执行 skipped：${s.skippedBecause ?? '原因未记录'}`;
      return {
        cells: [ruleLabel(title(id), id), check, count(these.length), stakeCell(amountInvolved(these), currency), stakeCell(atStake(these), currency)],
        cellColors: [undefined, s?.ran ? COLORS.okText : COLORS.orange, these.length ? COLORS.severity.critical : undefined],
      };
    }),
    size: 8.5,
  });
  if (regulatory.length === 0) {
    const allRan = REGULATORY_RULES.every((id) => status.get(id)?.ran);
    w.notice(allRan ? '本期未发现监管问题 / No regulatory findings' : '未发现监管问题，但部分监管检查未执行 / No regulatory findings, but not every check ran', allRan ? 'ok' : 'warn');
  } else {
    w.paragraph(`以下 ${count(regulatory.length)} 个监管问题按严重程度、商户、时间排列。`, { size: 8, color: COLORS.muted }, 6);
  }
}

function byRuleSection(w: ReportWriter, findings: readonly Finding[], title: (rule: string) => string, currency: string): void {
  if (findings.length === 0) {
    w.notice('本期未发现问题 / No findings');
    return;
  }
  const rules = new Map<string, { id: string; severity: Severity; counts: Partial<Record<Severity, number>>; findings: Finding[] }>();
  for (const f of findings) {
    const r = rules.get(f.rule) ?? { id: f.rule, severity: f.severity, counts: {}, findings: [] };
    if (severityRank(f.severity) > severityRank(r.severity)) r.severity = f.severity;
    r.counts[f.severity] = (r.counts[f.severity] ?? 0) + 1;
    r.findings.push(f);
    rules.set(f.rule, r);
  }
  const sorted = [...rules.values()].sort(compareRules);
  const cell = (n: number | undefined) => (n ? count(n) : NONE);
  w.table({
    columns: [
      { header: '规则 Rule', width: 190 },
      ...SEVERITIES.map((s) => ({ header: SEVERITY_SHORT[s], width: 38, align: 'right' as const })),
      { header: '合计 Total', width: 48, align: 'right' },
      { header: `涉及金额 At stake（${unitOf(currency)}）`, width: 96, align: 'right' },
    ],
    rows: [
      ...sorted.map((r) => ({
        cells: [
          `${isRegulatory(r.id) ? '【监管】' : ''}${ruleLabel(title(r.id), r.id)}`,
          ...SEVERITIES.map((s) => cell(r.counts[s])),
          count(r.findings.length),
          stakeCell(atStake(r.findings), currency),
        ],
        cellColors: [isRegulatory(r.id) ? COLORS.severity.critical : undefined, ...SEVERITIES.map((s) => COLORS.severity[s])],
      })),
      {
        cells: [
          '合计 Total',
          ...SEVERITIES.map((s) => cell(findings.filter((f) => f.severity === s).length)),
          count(findings.length),
          stakeCell(atStake(findings), currency),
        ],
        bold: true,
        fill: COLORS.headerFill,
      },
    ],
    size: 8,
  });
  w.subsection('问题数量图 Findings by rule (chart)');
  findingsByRuleChart(
    w,
    sorted.map((r) => ({ label: title(r.id), counts: r.counts })),
  );
}

function exposureSection(w: ReportWriter, merchants: readonly MerchantTotals[], findings: readonly Finding[], currency: string): void {
  const byMerchant = new Map<string, Finding[]>();
  for (const f of findings) byMerchant.set(f.merchantId, [...(byMerchant.get(f.merchantId) ?? []), f]);
  const known = new Map(merchants.map((m) => [m.merchantId, m]));
  const ids = [...new Set([...merchants.map((m) => m.merchantId), ...byMerchant.keys()])];
  const exposure = ids
    .map((id) => {
      const own = byMerchant.get(id) ?? [];
      const stake = atStake(own);
      return { id, m: known.get(id), own, stake, total: [...stake.values()].reduce((s, v) => s + v, 0) };
    })
    .sort((a, b) => b.total - a.total || b.own.length - a.own.length || byText(a.id, b.id));
  const exposed = exposure.filter((e) => e.own.length > 0);

  w.subsection('涉及金额最高的商户 Merchants with the most money at stake');
  if (exposed.length === 0) {
    w.notice('没有商户存在问题 / No merchant has findings');
  } else {
    const top = exposed.slice(0, TOP_MERCHANTS);
    w.table({
      columns: [
        { header: '#', width: 20, align: 'right' },
        { header: '商户 Merchant', width: 170 },
        { header: '收单机构 Acquirers', width: 110 },
        { header: '问题 Findings', width: 50, align: 'right' },
        { header: `交易金额 Volume（${unitOf(currency)}）`, width: 80, align: 'right' },
        { header: `涉及金额 At stake（${unitOf(currency)}）`, width: 80, align: 'right' },
      ],
      rows: top.map((e, i) => ({
        cells: [
          String(i + 1),
          `${e.m?.name ?? '未登记商户'}\n${e.id}`,
          e.m?.acquirers.join('、') || NONE,
          count(e.own.length),
          e.m ? money(e.m.acquirer.amountMinor, e.m.currency) : NONE,
          stakeCell(e.stake, currency),
        ],
      })),
      size: 8,
      zebra: true,
    });
    const listed = new Set(top);
    const rest = exposure.filter((e) => !listed.has(e));
    const restExposed = rest.filter((e) => e.own.length > 0);
    if (rest.length > 0) {
      w.paragraph(
        restExposed.length === 0
          ? `另有 ${count(rest.length)} 家商户本期未发现问题。`
          : `其余 ${count(rest.length)} 家商户中 ${count(restExposed.length)} 家有问题，涉及金额合计 ${moneyText(atStake(restExposed.flatMap((e) => e.own)), currency)}。`,
        { size: 8, color: COLORS.muted },
      );
    }
  }

  w.subsection('收单机构 Acquirers');
  const acquirers = new Map<string, { merchants: number; exposed: number; own: Finding[] }>();
  for (const m of merchants) {
    for (const a of m.acquirers) {
      const e = acquirers.get(a) ?? { merchants: 0, exposed: 0, own: [] };
      const own = byMerchant.get(m.merchantId) ?? [];
      e.merchants++;
      if (own.length > 0) e.exposed++;
      e.own.push(...own);
      acquirers.set(a, e);
    }
  }
  if (acquirers.size === 0) {
    w.paragraph('本次运行没有收单数据。 No acquirer data in this run.', { color: COLORS.muted });
    return;
  }
  const rows = [...acquirers]
    .map(([name, e]) => ({ name, ...e, stake: atStake(e.own) }))
    .map((e) => ({ ...e, total: [...e.stake.values()].reduce((s, v) => s + v, 0) }))
    .sort((a, b) => b.total - a.total || b.own.length - a.own.length || byText(a.name, b.name));
  w.table({
    columns: [
      { header: '收单机构 Acquirer', width: 190 },
      { header: '商户 Merchants', width: 70, align: 'right' },
      { header: '有问题的商户 With findings', width: 80, align: 'right' },
      { header: '问题 Findings', width: 60, align: 'right' },
      { header: `涉及金额 At stake（${unitOf(currency)}）`, width: 90, align: 'right' },
    ],
    rows: rows.map((r) => ({ cells: [r.name, count(r.merchants), count(r.exposed), count(r.own.length), stakeCell(r.stake, currency)] })),
    size: 8,
    zebra: true,
  });
  w.paragraph(
    '收单机构的问题与涉及金额为其服务商户的合计；一个商户由多家收单机构服务时计入每一家，故各行之和可能大于总数。',
    { size: 7.5, color: COLORS.muted },
  );
}

function openItemsSection(w: ReportWriter, summary: RunSummary, nameOf: (id: string) => string): void {
  const items = [...summary.openItems].sort(
    (a, b) => b.ageDays - a.ageDays || byText(a.date, b.date) || byText(a.merchantId, b.merchantId) || byText(a.reference ?? '', b.reference ?? ''),
  );
  if (items.length === 0) {
    w.notice('无未到期事项 / No open items');
    return;
  }
  w.paragraph(
    `截至 ${summary.asOf} 尚未到期、因而不算问题的事项共 ${count(items.length)} 项，按账龄从长到短排列；到期仍未了结的将在之后的运行中成为问题。`,
    { size: 8, color: COLORS.muted },
    6,
  );
  const unit = unitOf(items[0]?.currency ?? 'CNY');
  w.table({
    columns: [
      { header: '类型 Kind', width: 70 },
      { header: '商户 Merchant', width: 140 },
      { header: '参考号 Reference', width: 80 },
      { header: '日期 Date', width: 58 },
      { header: `金额 Amount（${unit}）`, width: 70, align: 'right' },
      { header: '到期 Due', width: 58 },
      { header: '账龄(天) Age', width: 42, align: 'right' },
    ],
    rows: items.map((o) => ({
      cells: [
        OPEN_ITEM_LABEL[o.kind] ?? o.kind,
        `${nameOf(o.merchantId)}\n${o.merchantId}`,
        o.reference ?? NONE,
        o.date,
        `${money(o.amountMinor, o.currency)}${unitOf(o.currency) === unit ? '' : ` ${o.currency}`}`,
        o.due,
        count(o.ageDays),
      ],
      lines: [{ text: `证据 Evidence：${evidenceText(o)}`, size: 7, color: COLORS.muted }],
    })),
    size: 8,
    zebra: true,
    linesFromColumn: 1,
  });
}

function rulesSection(w: ReportWriter, summary: RunSummary): void {
  if (summary.rules.length === 0) {
    w.paragraph('本次运行没有规则记录。 No rules recorded for this run.', { color: COLORS.muted });
    return;
  }
  const rules = [...summary.rules].sort((a, b) => Number(a.ran) - Number(b.ran) || compareRules(a, b));
  w.table({
    columns: [
      { header: '规则 Rule', width: 190 },
      { header: '严重程度 Severity', width: 70 },
      { header: '状态 Status', width: 60 },
      { header: '问题 Findings', width: 50, align: 'right' },
      { header: '未执行原因 Why skipped', width: 130 },
    ],
    rows: rules.map((r) => ({
      cells: [ruleLabel(r.title, r.id), SEVERITY_LABEL[r.severity], r.ran ? '已执行 ran' : '未执行 skipped', r.ran ? count(r.findings) : NONE, r.ran ? NONE : (r.skippedBecause ?? '原因未记录')],
      cellColors: [undefined, COLORS.severity[r.severity], r.ran ? COLORS.okText : COLORS.orange],
    })),
    size: 8,
    zebra: true,
  });
}

function controlTotalsSection(w: ReportWriter, summary: RunSummary): void {
  w.subsection('按文件 By source file');
  const sources = [...summary.controlTotals.bySource].sort((a, b) => byText(a.role, b.role) || byText(a.file, b.file));
  if (sources.length === 0) {
    w.paragraph('没有读取到任何记录。 No records were read.', { color: COLORS.muted });
  } else {
    w.table({
      columns: [
        { header: '文件 File', width: 150 },
        { header: '角色 Role', width: 55 },
        { header: '笔数 Count', width: 45, align: 'right' },
        { header: '金额 Amount', width: 80, align: 'right' },
        { header: '手续费 Fee', width: 65, align: 'right' },
        { header: '净额 Net', width: 80, align: 'right' },
      ],
      rows: sources.map((s) => ({
        cells: [
          `${s.file}\n${s.format}`,
          ROLE_LABEL[s.role] ?? s.role,
          count(s.count),
          money(s.amountMinor, s.currency),
          money(s.feeMinor, s.currency),
          money(s.netMinor, s.currency),
        ],
        lines:
          s.role === 'bank'
            ? [{ text: `入账 credits ${money(s.creditMinor, s.currency)} · 出账 debits ${money(s.debitMinor, s.currency)}（${s.currency}）`, size: 7, color: COLORS.muted }]
            : [],
      })),
      size: 7.5,
      zebra: true,
      linesFromColumn: 1,
    });
  }

  w.subsection('文件自带合计核对 Totals declared by the files');
  if (summary.checks.length === 0) {
    w.paragraph('输入文件没有自带合计。 No input file declared its own totals.', { size: 8.5, color: COLORS.muted });
  } else {
    const failed = summary.checks.filter((c) => !c.ok).length;
    const listed = summary.checks.length <= LISTED_CHECKS ? summary.checks : summary.checks.filter((c) => !c.ok);
    if (listed.length > 0) {
      w.table({
        columns: [
          { header: '位置 File:line', width: 150 },
          { header: '项目 Item', width: 95 },
          { header: '文件声明 Declared', width: 80, align: 'right' },
          { header: '逐行合计 Computed', width: 80, align: 'right' },
          { header: '结果 Result', width: 62 },
        ],
        rows: listed.map((c) => {
          const show = (v: number) => (c.unit === 'count' ? count(v) : money(v, c.currency));
          return {
            cells: [`${c.file}:${c.line}`, c.name, show(c.declared), show(c.computed), c.ok ? '一致 ok' : '不符 mismatch'],
            cellColors: [undefined, undefined, undefined, undefined, c.ok ? COLORS.okText : COLORS.severity.critical],
          };
        }),
        size: 7.5,
        zebra: true,
      });
    }
    const unlisted = summary.checks.length - listed.length;
    const rest = unlisted > 0 ? `一致的 ${count(unlisted)} 项未逐一列出，见 summary.json 的 checks。The ${count(unlisted)} that agree are listed in summary.json (checks).` : '';
    w.paragraph(`${count(summary.checks.length)} 项核对，${count(failed)} 项不符（不符的已作为 file-totals-mismatch 问题列出）。${rest}`, { size: 7.5, color: COLORS.muted });
  }

  if (summary.unknownMerchants.length > 0) {
    w.subsection('未登记的商户号 Merchant ids not in the contracts');
    w.paragraph('这些商户号出现在输入文件中，但不在合同配置里，未被审计；若资金经其转付，可能涉及二清。', { size: 8, color: COLORS.muted }, 6);
    w.table({
      columns: [
        { header: '商户号 Merchant ID', width: 120 },
        { header: '角色 Role', width: 70 },
        { header: '记录 Rows', width: 60, align: 'right' },
        { header: '文件 File', width: 200 },
      ],
      rows: [...summary.unknownMerchants]
        .sort((a, b) => byText(a.merchantId, b.merchantId) || byText(a.file, b.file))
        .map((u) => ({ cells: [u.merchantId, ROLE_LABEL[u.role] ?? u.role, count(u.count), u.file] })),
      size: 7.5,
      zebra: true,
    });
  }
}
