/**
 * The compliance report, read back as a compliance officer reads it: regulatory items first, the
 * portfolio by rule, severity, merchant and acquirer, open items by age, skipped rules, evidence.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { formatGrouped } from '../../src/model/money.js';
import { findingsCsv } from '../../src/reports/csv.js';
import { compliancePdf, complianceReportId } from '../../src/reports/pdf/compliance.js';
import { buildFixture, LONG, QINGFENG, WEIDAO } from './_fixture.js';
import { readPdf, squash, type ReadPdf } from './_pdf.js';

const fx = buildFixture();
const REGULATORY = ['mcc-mismatch', 'unlicensed-payer', 'fee-above-regulation'];
const stake = (fs: readonly Finding[]) => fs.reduce((s, f) => s + Math.abs(f.differenceMinor ?? 0), 0);
const render = async (findings: Finding[]) => readPdf(await compliancePdf({ summary: fx.summary, findings, findingsCsv: await findingsCsv(findings) }));

describe('compliance report of the fixture run', () => {
  let pdf: ReadPdf;
  /** The whole document as one string, to check what comes before what. */
  let all: string;
  const at = (text: string) => all.indexOf(squash(text));
  beforeAll(async () => {
    pdf = await render(fx.findings);
    all = pdf.flat.join('');
  });

  it('has a cover with the report id, period and zone, generation time with offset, tool and counts', () => {
    const cover = pdf.flat[0]!;
    for (const text of [
      complianceReportId(fx.summary),
      '2026-11-01 至 2026-11-30（Asia/Shanghai，UTC+08:00）',
      '2026-12-01 23:59:59 +08:00',
      'settle-audit 0.1.0',
      '商户 Merchants3 家',
      '拉卡拉支付股份有限公司、银联商务股份有限公司',
      '无法解析的行 Rejected rows3 行',
    ]) {
      expect(cover).toContain(squash(text));
    }
    expect(cover).toContain(`问题Findings${fx.findings.length}`);
    expect(cover).toContain(squash(`涉及金额 At stake（元）${formatGrouped(stake(fx.findings))}`));
  });

  it('puts the regulatory items first, every regulatory finding before the portfolio tables', () => {
    const regulatory = fx.findings.filter((f) => REGULATORY.includes(f.rule));
    expect(regulatory.length).toBe(19);
    const portfolio = at('按规则与严重程度 Findings by rule and severity');
    expect(at('监管事项 Regulatory items')).toBeGreaterThan(0);
    expect(at('监管事项 Regulatory items')).toBeLessThan(portfolio);
    for (const f of regulatory) {
      const i = at(f.message);
      expect(i, f.id).toBeGreaterThan(at('监管事项 Regulatory items'));
      expect(i, f.id).toBeLessThan(portfolio);
    }
    // Most severe first: the 二清 (critical) findings come before 跳码 and fee-above-regulation (high).
    const lastCritical = Math.max(...regulatory.filter((f) => f.severity === 'critical').map((f) => at(f.message)));
    const firstHigh = Math.min(...regulatory.filter((f) => f.severity === 'high').map((f) => at(f.message)));
    expect(lastCritical).toBeLessThan(firstHigh);
    for (const rule of REGULATORY) {
      const n = regulatory.filter((f) => f.rule === rule).length;
      const these = regulatory.filter((f) => f.rule === rule);
      const amount = these.reduce((s, f) => s + (f.amountMinor ?? 0), 0);
      expect(all).toContain(squash(`${rule}已执行 ran${n}${formatGrouped(amount)}${formatGrouped(stake(these))}`));
    }
  });

  it('counts findings by rule and severity with the money at stake, and charts them', () => {
    const rules = [...new Set(fx.findings.map((f) => f.rule))];
    for (const rule of rules) {
      const these = fx.findings.filter((f) => f.rule === rule);
      const cells = (['critical', 'high', 'medium', 'info'] as const).map((s) => {
        const n = these.filter((f) => f.severity === s).length;
        return n === 0 ? '—' : String(n);
      });
      expect(all).toContain(squash(`${rule}${cells.join('')}${these.length}${formatGrouped(stake(these))}`));
    }
    const chart = at('问题数量图 Findings by rule (chart)');
    expect(chart).toBeGreaterThan(at('按规则与严重程度 Findings by rule and severity'));
    expect(all.indexOf(squash('二清（非持牌机构结算）7'), chart)).toBeGreaterThan(chart);
  });

  it('ranks merchants and acquirers by money at stake', () => {
    const exposure = at('风险敞口 Exposure');
    const long = stake(fx.findingsOf(LONG.id));
    const weidao = stake(fx.findingsOf(WEIDAO.id));
    expect(long).toBeGreaterThan(weidao);
    const iLong = all.indexOf(squash(`1${LONG.name}${LONG.id}银联商务股份有限公司4`), exposure);
    const iWeidao = all.indexOf(squash(`2${WEIDAO.name}${WEIDAO.id}拉卡拉支付股份有限公司、银联商务股份有限公司60`), exposure);
    expect(iLong).toBeGreaterThan(exposure);
    expect(iWeidao).toBeGreaterThan(iLong);
    expect(all.indexOf(squash(formatGrouped(long)), iLong)).toBeLessThan(iWeidao);
    expect(all).toContain(squash('另有 1 家商户本期未发现问题。'));
    // 银联商务 serves both merchants with findings, 拉卡拉 one of its two merchants.
    expect(all).toContain(squash(`银联商务股份有限公司2264${formatGrouped(long + weidao)}`));
    expect(all).toContain(squash(`拉卡拉支付股份有限公司2160${formatGrouped(weidao)}`));
  });

  it('lists the open items by age, oldest first, with their evidence', () => {
    const section = at('未到期事项 Open items');
    let last = section;
    for (const o of [...fx.summary.openItems].sort((a, b) => b.ageDays - a.ageDays || a.date.localeCompare(b.date))) {
      const row = squash(`${o.reference ?? '—'}${o.date}${formatGrouped(o.amountMinor)}${o.due}${o.ageDays}`);
      const i = all.indexOf(row, section);
      expect(i, row).toBeGreaterThan(last);
      last = i;
      expect(all).toContain(squash(`${o.evidence[0]!.file}:${o.evidence[0]!.line}`));
    }
  });

  it('says which rules were skipped and why', () => {
    expect(all).toContain(squash('有效费率上升 · fee-rate-creep中 medium未执行 skipped—没有往期费率记录（状态库为空，首次运行）'));
  });

  it('gives the per-file control totals, the totals the files declare, and merchant ids not in the contracts', () => {
    for (const s of fx.summary.controlTotals.bySource) expect(all).toContain(squash(`${s.file}${s.format}`));
    expect(all).toContain(squash('交易总金额12,345.0013,595.09不符 mismatch'));
    expect(all).toContain(squash('交易总笔数4,2094,209一致 ok'));
    expect(all).toContain('898310099990009');
  });

  it('lists every finding with its merchant, reference and difference, and the whole manifest with sha256s', () => {
    const listing = at('全部问题 All findings');
    for (const f of fx.findings) {
      const i = all.indexOf(squash(f.message), listing);
      expect(i, f.id).toBeGreaterThan(listing);
      const block = all.slice(Math.max(0, i - 400), i);
      if (f.reference) expect(block).toContain(f.reference);
      if (f.differenceMinor !== undefined) expect(block).toContain(formatGrouped(f.differenceMinor));
      expect(block).toContain(f.merchantId);
    }
    for (const m of [WEIDAO, LONG]) expect(all).toContain(squash(m.name));
    for (const input of fx.summary.inputs) expect(all.indexOf(input.sha256, at('输入文件清单 Input manifest'))).toBeGreaterThan(0);
  });

  it('repeats the findings table header on each page the listing runs over', () => {
    const start = pdf.flat.findIndex((p) => p.includes(squash('全部问题 All findings')));
    const end = pdf.flat.findIndex((p) => p.includes(squash('输入文件清单 Input manifest')));
    expect(end - start).toBeGreaterThanOrEqual(3);
    for (let p = start; p <= end; p++) {
      if (p === end && !pdf.flat[p]!.includes(squash(fx.findings.at(-1)!.message))) continue;
      expect(pdf.flat[p], `page ${p + 1}`).toContain(squash('参考号 Reference'));
    }
  });

  it('bookmarks each section', () => {
    for (const title of [
      '监管事项 Regulatory items',
      '按规则与严重程度 Findings by rule and severity',
      '风险敞口 Exposure',
      '涉及金额最高的商户 Merchants with the most money at stake',
      '收单机构 Acquirers',
      '未到期事项 Open items',
      '规则执行情况 Rules run and skipped',
      '控制合计 Control totals',
      '全部问题 All findings',
      '输入文件清单 Input manifest',
    ]) {
      expect(pdf.outline).toContain(title);
    }
  });
});

describe('compliance report of a run without findings', () => {
  it('says so explicitly', async () => {
    const pdf = await render([]);
    const all = pdf.flat.join('');
    expect(all).toContain(squash('本期未发现问题 / No findings'));
    expect(all).toContain(squash('本期未发现监管问题 / No regulatory findings'));
    expect(all).toContain(squash('没有商户存在问题 / No merchant has findings'));
    expect(all).toContain(squash(QINGFENG.name));
  });
});

describe('compliance report of a run with a file check per statement', () => {
  it('lists the checks that disagree and counts the ones that agree, past 100 checks', async () => {
    const [bad, good] = [fx.summary.checks.find((c) => !c.ok)!, fx.summary.checks.find((c) => c.ok)!];
    const checks = [bad, ...Array.from({ length: 150 }, (_, i) => ({ ...good, file: `bank/statement_${String(i).padStart(3, '0')}.csv` }))];
    const findings = fx.findings;
    const pdf = await readPdf(await compliancePdf({ summary: { ...fx.summary, checks }, findings, findingsCsv: await findingsCsv(findings) }));
    const all = pdf.flat.join('');
    expect(all).toContain(squash(`${bad.file}:${bad.line}`));
    expect(all).not.toContain('statement_007.csv');
    expect(all).toContain(squash('151 项核对，1 项不符（不符的已作为 file-totals-mismatch 问题列出）。一致的 150 项未逐一列出，见 summary.json 的 checks。'));
  });
});
