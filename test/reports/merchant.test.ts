/**
 * The merchant report, read back as a merchant (or the acquirer they complain to) reads it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditError } from '../../src/model/errors.js';
import type { Finding } from '../../src/model/finding.js';
import { formatGrouped } from '../../src/model/money.js';
import { findingsCsv } from '../../src/reports/csv.js';
import { merchantReportId, merchantReportPdf } from '../../src/reports/pdf/merchant.js';
import { buildFixture, LONG, merchantArgs, QINGFENG, WEIDAO } from './_fixture.js';
import { readPdf, squash, type ReadPdf } from './_pdf.js';

const fx = buildFixture();
const render = async (id: string) => readPdf(await merchantReportPdf(await merchantArgs(fx, id)));
const HEADER = ['参考号 Reference', '差额 Difference'].map(squash);

/**
 * A finding's row as the table draws it: #, time, terminal, reference, amount, expected, actual,
 * difference (— where a finding has none), then the rule, the message and the evidence under it.
 * Built here from the finding itself, so a figure printed in the wrong row or cut short fails.
 */
function rowText(f: Finding, n: number, title: string): string {
  const yuan = (minor: number | undefined) => (minor === undefined ? '—' : formatGrouped(minor));
  const when = f.txnTime ? f.txnTime.slice(0, 19).replace('T', ' ') : (f.date ?? '—');
  const cells = [String(n), when, f.terminalId ?? '—', f.reference ?? '—', yuan(f.amountMinor), yuan(f.expectedMinor), yuan(f.actualMinor), yuan(f.differenceMinor)];
  const severity = { critical: '严重', high: '高', medium: '中', info: '提示' }[f.severity];
  const evidence = f.evidence.map((e) => `${e.file}:${e.line}`).join('; ');
  return squash(`${cells.join('')}${severity} · ${title} · ${f.rule}${f.message}证据 Evidence：${evidence} · 问题编号 ID：${f.id}`);
}

const titles = new Map(fx.summary.rules.map((r) => [r.id, r.title]));
const titleOf = (rule: string) => titles.get(rule) ?? rule;

/** The page (0-based) a finding's whole row is printed on, or -1. */
function pageOf(pdf: ReadPdf, f: Finding, n: number): number {
  const row = rowText(f, n, titleOf(f.rule));
  return pdf.flat.findIndex((page) => page.includes(row));
}

describe('merchant report of 上海味道餐饮有限公司 (60 findings)', () => {
  const findings = fx.findingsOf(WEIDAO.id);
  let pdf: ReadPdf;
  beforeAll(async () => {
    pdf = await render(WEIDAO.id);
  });

  it('has a cover naming the merchant, the report, the period with its zone, the generation time with its offset and the tool', () => {
    expect(findings).toHaveLength(60);
    const cover = pdf.flat[0]!;
    for (const text of [
      WEIDAO.name,
      WEIDAO.id,
      merchantReportId(fx.summary, WEIDAO.id),
      '2026-11-01 至 2026-11-30（Asia/Shanghai，UTC+08:00）',
      '2026-12-01 23:59:59 +08:00',
      'settle-audit 0.1.0',
      '截至日期 As of2026-12-01',
    ]) {
      expect(cover).toContain(squash(text));
    }
  });

  it('sums the money at stake by rule on page 1, with the acquirers', () => {
    const cover = pdf.flat[0]!;
    expect(cover).toContain(squash('收单机构 Acquirers拉卡拉支付股份有限公司、银联商务股份有限公司'));
    const byRule = new Map<string, { n: number; minor: number; severity: string }>();
    for (const f of findings) {
      const r = byRule.get(f.rule) ?? { n: 0, minor: 0, severity: f.severity };
      r.n++;
      r.minor += Math.abs(f.differenceMinor ?? 0);
      byRule.set(f.rule, r);
    }
    const label = { critical: '严重 critical', high: '高 high', medium: '中 medium', info: '提示 info' } as Record<string, string>;
    for (const [rule, r] of byRule) {
      expect(cover).toContain(squash(`${titleOf(rule)} · ${rule}${label[r.severity]}${r.n}${formatGrouped(r.minor)}`));
    }
    // By hand from the fixture: the 6 unlicensed-payer findings are 7 × the amounts of i = 7, 17, … 57.
    const amounts = [7, 17, 27, 37, 47, 57].map((i) => 8_650 + ((i * 7_919) % 480_000));
    expect(byRule.get('unlicensed-payer')!.minor).toBe(7 * amounts.reduce((s, a) => s + a, 0));
    const total = [...byRule.values()].reduce((s, r) => s + r.minor, 0);
    expect(cover).toContain(`合计Total60${formatGrouped(total)}`);
    // A negative difference (a file total below its rows) counts by its size, not against the rest.
    expect(findings.some((f) => (f.differenceMinor ?? 0) < 0)).toBe(true);
  });

  it('prints every finding in plain Chinese: time, terminal, reference, amount, expected, actual, difference, evidence', () => {
    findings.forEach((f, i) => expect(pageOf(pdf, f, i + 1), `finding ${i + 1} ${f.id}`).toBeGreaterThan(0));
  });

  it('lists the findings in time order and over several pages, the table header on each of them (page 2 too)', () => {
    const pages = findings.map((f, i) => pageOf(pdf, f, i + 1));
    expect([...pages].sort((a, b) => a - b)).toEqual(pages);
    const spanned = [...new Set(pages)];
    expect(spanned.length).toBeGreaterThanOrEqual(3);
    expect(spanned[0]).toBe(1);
    for (const p of spanned) for (const h of HEADER) expect(pdf.flat[p], `page ${p + 1}`).toContain(h);
  });

  it('gives the control totals and the input manifest with each sha256', () => {
    const m = fx.merchant(WEIDAO.id);
    const all = pdf.flat.join('');
    for (const minor of [m.acquirer.amountMinor, m.acquirer.feeMinor, m.acquirer.netMinor, m.bank.creditMinor, m.pos.amountMinor]) {
      expect(all).toContain(formatGrouped(minor));
    }
    expect(all).toContain(formatGrouped(m.pos.amountMinor - m.acquirer.amountMinor));
    for (const input of fx.summary.inputs) {
      expect(all).toContain(squash(input.file));
      expect(all).toContain(input.sha256);
    }
  });

  it('bookmarks each section', () => {
    expect(pdf.outline).toEqual([
      '封面 Cover',
      '概要 Summary',
      '问题明细 Findings',
      '控制合计 Control totals',
      '每日交易量与实际费率 Daily volume and effective fee rate',
      '输入文件清单 Input manifest',
    ]);
  });

  it('charts the daily volume and the effective fee rate, with the totals under the chart', () => {
    const m = fx.merchant(WEIDAO.id);
    const page = pdf.flat.find((p) => p.includes(squash('实际费率 effective fee rate')))!;
    expect(page).toBeDefined();
    const amount = m.daily.reduce((s, d) => s + d.amountMinor, 0);
    const fee = m.daily.reduce((s, d) => s + d.feeMinor, 0);
    expect(page).toContain(squash(`交易金额 ${formatGrouped(amount)} 元，手续费 ${formatGrouped(fee)} 元`));
    expect(page).toContain('11-01');
  });

  it('never says there are no findings', () => {
    expect(pdf.flat.join('')).not.toContain(squash('No findings'));
  });
});

describe('merchant report of 北京清风书店有限公司 (no findings)', () => {
  let pdf: ReadPdf;
  beforeAll(async () => {
    pdf = await render(QINGFENG.id);
  });

  it('says so explicitly, in the summary and in the findings section', () => {
    expect(fx.findingsOf(QINGFENG.id)).toEqual([]);
    expect(pdf.flat[0]).toContain(QINGFENG.name);
    const lines = pdf.flat.join('').split(squash('本期未发现问题 / No findings')).length - 1;
    expect(lines).toBe(2);
    expect(pdf.flat.join('')).not.toContain(HEADER[0]);
  });

  it('still gives its control totals, chart and manifest', () => {
    expect(pdf.outline).toContain('控制合计 Control totals');
    expect(pdf.outline).toContain('输入文件清单 Input manifest');
    expect(pdf.flat.join('')).toContain(formatGrouped(fx.merchant(QINGFENG.id).acquirer.amountMinor));
  });
});

describe('merchant report with a long name, message and reference', () => {
  let pdf: ReadPdf;
  beforeAll(async () => {
    pdf = await render(LONG.id);
  });

  it('wraps them and cuts none', () => {
    expect(pdf.flat[0]).toContain(squash(LONG.name));
    fx.findingsOf(LONG.id).forEach((f, i) => expect(pageOf(pdf, f, i + 1), f.id).toBeGreaterThan(0));
    expect(pdf.flat.join('')).toContain('2026111822001412345678901234567890');
  });
});

describe('merchant report with characters the font lacks', () => {
  it('prints them as code points instead of empty boxes, and TABs as spaces', async () => {
    const args = await merchantArgs(fx, LONG.id);
    const [first, ...rest] = args.findings;
    const odd = { ...first!, message: `付款方「𠮷野家😀」\t备注` };
    const findings = [odd, ...rest];
    const pdf = await readPdf(await merchantReportPdf({ ...args, findings, findingsCsv: await findingsCsv(findings) }));
    expect(pdf.flat.join('')).toContain(squash('付款方「[U+20BB7]野家[U+1F600]」 备注'));
  });
});

describe('merchant report with a finding taller than a page', () => {
  it('continues it on the next pages under the repeated header, losing nothing', async () => {
    const args = await merchantArgs(fx, LONG.id);
    const [first, ...rest] = args.findings;
    const raw = Array.from({ length: 900 }, (_, i) => `列${i}=值${(i * 7919) % 10_000}`).join(',');
    const huge = { ...first!, message: `第 17 行无法解析：amount: expected a decimal, got "${raw}"` };
    const findings = [huge, ...rest];
    const pdf = await readPdf(await merchantReportPdf({ ...args, findings, findingsCsv: await findingsCsv(findings) }));
    const pages = pdf.flat.map((p, i) => ({ p, i })).filter(({ p }) => p.includes('列') && p.includes('=值'));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const { p, i } of pages) expect(p, `page ${i + 1}`).toContain(HEADER[0]);
    // The message read across its pages once the running heads, footers and repeated headers are taken out.
    const text = pages
      .map(({ p }) => p)
      .join('')
      .replace(/商户结算审计报告·[\s\S]*?UTC\+08:00）/g, '')
      .replace(/报告编号ReportID:[\s\S]*?Page\d+of\d+/g, '')
      .replace(/#时间Time[\s\S]*?Difference（元）/g, '');
    expect(text).toContain(squash(huge.message));
  });
});

describe('merchant report with a finding that names hundreds of records', () => {
  it('prints the first 20 and how many more, and attaches the CSV with every one', async () => {
    const args = await merchantArgs(fx, LONG.id);
    const [first, ...rest] = args.findings;
    const evidence = Array.from({ length: 250 }, (_, i) => ({ file: 'acquirer_202610.csv', line: 1000 + i }));
    const findings = [{ ...first!, evidence }, ...rest];
    const pdf = await readPdf(await merchantReportPdf({ ...args, findings, findingsCsv: await findingsCsv(findings) }));
    const text = pdf.flat.join('');
    expect(text).toContain(squash('acquirer_202610.csv:1019;'));
    expect(text).not.toContain('acquirer_202610.csv:1020');
    expect(text).toContain(squash('…另 230 处见附件 findings CSV / 230 more in the attached findings CSV'));
    const csv = Buffer.from(Object.values(pdf.attachments)[0]!.content).toString('utf8');
    expect(csv).toContain('acquirer_202610.csv:1249');
  });
});

describe('merchant report arguments', () => {
  it("refuses another merchant's findings rather than disclose them", async () => {
    const args = await merchantArgs(fx, QINGFENG.id);
    const intruder = fx.findingsOf(WEIDAO.id)[0]!;
    await expect(merchantReportPdf({ ...args, findings: [intruder] })).rejects.toThrow(AuditError);
    await expect(merchantReportPdf({ ...args, findings: [intruder] })).rejects.toThrow(
      `expected only its own findings, got finding ${intruder.id} of merchant ${WEIDAO.id}`,
    );
  });
});
