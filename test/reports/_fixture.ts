/**
 * A realistic run for the report tests: November 2026 in Asia/Shanghai, two acquirers, three
 * merchants. 上海味道餐饮有限公司 has 60 findings (enough to run the findings table over several
 * pages, regulatory ones among them), 北京清风书店有限公司 has none, and a merchant with a very long
 * name has a few findings with a very long message and reference, to check wrapping.
 */
import { createHash } from 'node:crypto';
import { compareFindings, makeFinding, type Finding } from '../../src/model/finding.js';
import { formatGrouped } from '../../src/model/money.js';
import type { DailyTotals, ManifestEntry, MerchantTotals, RuleStatus, RunSummary, SourceTotals } from '../../src/model/summary.js';
import type { OpenItem } from '../../src/rules/types.js';
import { findingsCsv } from '../../src/reports/csv.js';

export const WEIDAO = { id: '898310048990001', name: '上海味道餐饮有限公司' } as const;
export const QINGFENG = { id: '898310048990002', name: '北京清风书店有限公司' } as const;
export const LONG = {
  id: '898440358120007',
  name: '广州市天河区珠江新城国际贸易与跨境电子商务综合服务有限责任公司第一分公司（华南区域线下门店及自助收银终端运营中心）',
} as const;

const UNIONPAY_FILE = 'INN26113088ZM_898310048990001';
const LAKALA_FILE = 'lakala/拉卡拉_结算明细_202611.csv';
const POS_FILE = 'pos/上海味道_收银流水_202611.csv';
const BANK_FILE = 'bank/工商银行_对账单_202611.csv';
const LONG_FILE = 'acquirer/广州珠江新城_收单明细_2026年11月_第一分公司_含自助终端_非常长的文件名用于测试换行.csv';

const yuan = (minor: number) => `${formatGrouped(minor)} 元`;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Round half up of amount × ppm, like the rules do. */
const fee = (amountMinor: number, ppm: number) => Math.floor((amountMinor * ppm + 500_000) / 1_000_000);

function weidaoFinding(i: number): Finding {
  const day = 1 + (i % 30);
  const date = `2026-11-${pad(day, 2)}`;
  const txnTime = `${date}T${pad(10 + ((i * 7) % 11), 2)}:${pad((i * 13) % 60, 2)}:${pad((i * 29) % 60, 2)}+08:00`;
  const clock = txnTime.slice(0, 16).replace('T', ' ');
  const terminalId = `1007808${i % 4}`;
  const reference = `${pad(day, 2)}${txnTime.slice(11, 13)}${pad(330_000 + i * 37, 8)}`;
  const amount = 8_650 + ((i * 7_919) % 480_000);
  const base = { merchantId: WEIDAO.id, currency: 'CNY' };
  const kind = i % 10;
  if (kind <= 3) {
    const expected = fee(amount, 5_500);
    const actual = expected + 37 + ((i * 11) % 300);
    return makeFinding('fee-overcharge', 'high', {
      ...base,
      terminalId,
      reference,
      txnTime,
      amountMinor: amount,
      expectedMinor: expected,
      actualMinor: actual,
      differenceMinor: actual - expected,
      message: `${clock} 交易 ${yuan(amount)} 的手续费 ${yuan(actual)} 高于合同费率 0.55% 应收的 ${yuan(expected)}，多收 ${yuan(actual - expected)}。`,
      evidence: [{ file: UNIONPAY_FILE, line: 12 + i }],
      keys: [reference],
    });
  }
  if (kind === 4) {
    return makeFinding('sale-not-settled', 'critical', {
      ...base,
      terminalId,
      reference,
      txnTime,
      amountMinor: amount,
      expectedMinor: amount,
      actualMinor: 0,
      differenceMinor: amount,
      message: `收银系统于 ${clock} 记录的销售 ${yuan(amount)}（参考号 ${reference}）在 2026-11-${pad(Math.min(day + 3, 30), 2)} 前未出现在任何收单清算文件中。`,
      evidence: [{ file: POS_FILE, line: 40 + i * 3 }],
      keys: [reference],
    });
  }
  if (kind === 5) {
    return makeFinding('charged-without-sale', 'critical', {
      ...base,
      terminalId,
      reference,
      txnTime,
      amountMinor: amount,
      expectedMinor: 0,
      actualMinor: amount,
      differenceMinor: amount,
      message: `收单机构于 ${clock} 在终端 ${terminalId} 扣款 ${yuan(amount)}（参考号 ${reference}），但收银系统没有对应的销售记录。`,
      evidence: [{ file: LAKALA_FILE, line: 5 + i * 2 }],
      keys: [reference],
    });
  }
  if (kind === 6) {
    const expected = fee(amount, 6_000);
    const actual = fee(amount, 3_800);
    return makeFinding('mcc-mismatch', 'high', {
      ...base,
      terminalId,
      reference,
      txnTime,
      amountMinor: amount,
      expectedMinor: expected,
      actualMinor: actual,
      differenceMinor: expected - actual,
      message: `${clock} 的交易 ${yuan(amount)} 以 MCC 5411（超市）上送，而商户登记类别为 5812（餐饮），疑似跳码；按登记类别应收手续费 ${yuan(expected)}，实收 ${yuan(actual)}。`,
      evidence: [{ file: UNIONPAY_FILE, line: 12 + i }],
      keys: [reference],
    });
  }
  if (kind === 7) {
    return makeFinding('unlicensed-payer', 'critical', {
      ...base,
      date,
      amountMinor: amount * 7,
      expectedMinor: 0,
      actualMinor: amount * 7,
      differenceMinor: amount * 7,
      message: `${date} 银行入账 ${yuan(amount * 7)} 的付款方为「深圳市汇通聚合科技有限公司」，该机构不在中国人民银行公布的支付机构名单中，疑似二清。`,
      evidence: [{ file: BANK_FILE, line: 3 + day }],
      keys: [date, 'payer', i],
    });
  }
  if (kind === 8) {
    const debitAmount = 500_000 + i * 1_000;
    const expected = 1_300;
    const actual = 1_300 + 400 + i;
    return makeFinding('fee-above-regulation', 'high', {
      ...base,
      terminalId,
      reference,
      txnTime,
      amountMinor: debitAmount,
      expectedMinor: expected,
      actualMinor: actual,
      differenceMinor: actual - expected,
      message: `${clock} 借记卡交易 ${yuan(debitAmount)} 的发卡行服务费 ${yuan(actual)} 超过监管上限 ${yuan(expected)}（0.35%，封顶 13 元）。`,
      evidence: [{ file: UNIONPAY_FILE, line: 12 + i }],
      keys: [reference],
    });
  }
  if (i % 20 === 9) {
    const expected = amount * 30;
    const short = 1_250 + i;
    return makeFinding('settlement-short', 'high', {
      ...base,
      date,
      amountMinor: expected,
      expectedMinor: expected,
      actualMinor: expected - short,
      differenceMinor: short,
      message: `${date} 银行入账 ${yuan(expected - short)}，而 ${date} 的清算净额应为 ${yuan(expected)}，短款 ${yuan(short)}。`,
      evidence: [{ file: BANK_FILE, line: 3 + day }],
      keys: [date],
    });
  }
  return makeFinding('file-totals-mismatch', 'high', {
    ...base,
    date,
    expectedMinor: 1_234_500,
    actualMinor: 1_359_500 + i,
    differenceMinor: 1_234_500 - (1_359_500 + i),
    message: `${LAKALA_FILE} 第 ${200 + i} 行的「交易总金额」为 ${yuan(1_234_500)}，而逐行合计为 ${yuan(1_359_500 + i)}。`,
    evidence: [{ file: LAKALA_FILE, line: 200 + i }],
    keys: [LAKALA_FILE, 200 + i],
  });
}

function longFindings(): Finding[] {
  const base = { merchantId: LONG.id, currency: 'CNY' };
  const reference = '2026111822001412345678901234567890';
  return [
    makeFinding('fee-overcharge', 'high', {
      ...base,
      terminalId: 'ZZJ-KIOSK-000017',
      reference,
      txnTime: '2026-11-18T21:07:44+08:00',
      amountMinor: 123_456_789,
      expectedMinor: 679_012,
      actualMinor: 740_741,
      differenceMinor: 61_729,
      message:
        '2026-11-18 21:07 自助收银终端 ZZJ-KIOSK-000017 上的交易 1,234,567.89 元的手续费 7,407.41 元高于合同费率 0.55% 应收的 6,790.12 元，多收 617.29 元。' +
        '该终端当月共有多笔同类交易，收单机构的结算明细中手续费一栏与合同约定的费率不一致，且未在对账单中说明原因；请商户向收单机构索取该笔交易的费率明细，' +
        '并要求退还多收部分。如收单机构认为适用了其他费率（例如境外卡或信用卡费率），应提供卡种与发卡地的证明。',
      evidence: [
        { file: LONG_FILE, line: 1_048 },
        { file: LONG_FILE, line: 1_049 },
      ],
      keys: [reference],
    }),
    makeFinding('unlicensed-payer', 'critical', {
      ...base,
      date: '2026-11-20',
      amountMinor: 98_765_400,
      expectedMinor: 0,
      actualMinor: 98_765_400,
      differenceMinor: 98_765_400,
      message: '2026-11-20 银行入账 987,654.00 元的付款方为「广州速付信息技术服务有限公司」，该机构不在中国人民银行公布的支付机构名单中，疑似二清。',
      evidence: [{ file: BANK_FILE, line: 88 }],
      keys: ['2026-11-20', 'payer'],
    }),
    makeFinding('sale-not-settled', 'critical', {
      ...base,
      terminalId: 'ZZJ-KIOSK-000003',
      reference: '601122334455',
      txnTime: '2026-11-29T09:15:00+08:00',
      amountMinor: 45_600,
      expectedMinor: 45_600,
      actualMinor: 0,
      differenceMinor: 45_600,
      message: '收银系统于 2026-11-29 09:15 记录的销售 456.00 元（参考号 601122334455）在 2026-11-30 前未出现在任何收单清算文件中。',
      evidence: [{ file: LONG_FILE, line: 2_211 }],
      keys: ['601122334455'],
    }),
    makeFinding('hidden-surcharge', 'high', {
      ...base,
      date: '2026-11-30',
      amountMinor: 3_456_700,
      expectedMinor: 0,
      actualMinor: 8_800,
      differenceMinor: 8_800,
      message: '44 笔交易（占 92%）在合同费率之外每笔多收约 2.00 元，合同未约定任何固定费用，合计 88.00 元。',
      evidence: [{ file: LONG_FILE, line: 17 }],
      keys: ['2026-11'],
    }),
  ];
}

function daily(seed: number, skip: (day: number) => boolean): DailyTotals[] {
  const out: DailyTotals[] = [];
  for (let day = 1; day <= 30; day++) {
    if (skip(day)) continue;
    const weekend = [0, 6].includes(new Date(Date.UTC(2026, 10, day)).getUTCDay());
    const count = 40 + ((day * seed) % 37) + (weekend ? 35 : 0);
    const amountMinor = count * (9_800 + ((day * seed * 131) % 6_000));
    const ppm = 5_500 + ((day * 5 + seed) % 9) * 45 + (day === 17 ? 900 : 0);
    out.push({ date: `2026-11-${pad(day, 2)}`, count, amountMinor, feeMinor: fee(amountMinor, ppm) });
  }
  return out;
}

function totals(daily_: DailyTotals[]) {
  const count = daily_.reduce((s, d) => s + d.count, 0);
  const amountMinor = daily_.reduce((s, d) => s + d.amountMinor, 0);
  const feeMinor = daily_.reduce((s, d) => s + d.feeMinor, 0);
  return { count, amountMinor, feeMinor, netMinor: amountMinor - feeMinor };
}

function merchantTotals(
  m: { id: string; name: string },
  acquirers: string[],
  daily_: DailyTotals[],
  findings: Finding[],
  drift: { posMinor: number; bankMinor: number },
): MerchantTotals {
  const acquirer = totals(daily_);
  return {
    merchantId: m.id,
    name: m.name,
    currency: 'CNY',
    acquirers,
    acquirer,
    bank: { credits: daily_.length - 1, creditMinor: acquirer.netMinor - drift.bankMinor, debits: 1, debitMinor: 30_000 },
    pos: { count: acquirer.count + 2, amountMinor: acquirer.amountMinor + drift.posMinor },
    daily: daily_,
    findings: findings.length,
    atStakeMinor: findings.reduce((s, f) => s + Math.abs(f.differenceMinor ?? 0), 0),
  };
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function manifest(): ManifestEntry[] {
  const entry = (file: string, format: string, role: ManifestEntry['role'], encoding: string, lines: number, rejects: number, nonData: number, delivered = file): ManifestEntry => ({
    file,
    delivered,
    sha256: sha(file),
    bytes: lines * 173 + 911,
    format,
    role,
    encoding,
    lines,
    rows: lines - rejects - nonData,
    rejects,
    nonDataLines: nonData,
  });
  return [
    entry(UNIONPAY_FILE, 'unionpay-acp', 'acquirer', 'gb18030', 4_212, 0, 3),
    entry(LAKALA_FILE, 'acquirer-csv', 'acquirer', 'gb18030', 3_871, 2, 4, 'lakala/settlement_202611.zip'),
    entry(POS_FILE, 'pos-journal', 'pos', 'utf-8', 8_410, 1, 1),
    entry(BANK_FILE, 'bank-icbc', 'bank', 'gb18030', 96, 0, 6),
    entry(LONG_FILE, 'acquirer-csv', 'acquirer', 'utf-8', 2_530, 0, 2),
  ];
}

function sources(byMerchant: MerchantTotals[]): SourceTotals[] {
  const [w, q, l] = byMerchant as [MerchantTotals, MerchantTotals, MerchantTotals];
  const acq = (file: string, format: string, t: MerchantTotals['acquirer']): SourceTotals => ({
    file,
    role: 'acquirer',
    format,
    currency: 'CNY',
    count: t.count,
    amountMinor: t.amountMinor,
    feeMinor: t.feeMinor,
    netMinor: t.netMinor,
    creditMinor: 0,
    debitMinor: 0,
  });
  return [
    acq(UNIONPAY_FILE, 'unionpay-acp', w.acquirer),
    acq(LAKALA_FILE, 'acquirer-csv', q.acquirer),
    acq(LONG_FILE, 'acquirer-csv', l.acquirer),
    { file: POS_FILE, role: 'pos', format: 'pos-journal', currency: 'CNY', count: w.pos.count, amountMinor: w.pos.amountMinor, feeMinor: 0, netMinor: w.pos.amountMinor, creditMinor: 0, debitMinor: 0 },
    {
      file: BANK_FILE,
      role: 'bank',
      format: 'bank-icbc',
      currency: 'CNY',
      count: w.bank.credits + w.bank.debits,
      amountMinor: 0,
      feeMinor: 0,
      netMinor: w.bank.creditMinor - w.bank.debitMinor,
      creditMinor: w.bank.creditMinor,
      debitMinor: w.bank.debitMinor,
    },
  ];
}

const RULES: RuleStatus[] = [
  { id: 'charged-without-sale', title: '扣款未提供服务', severity: 'critical', ran: true, findings: 0 },
  { id: 'sale-not-settled', title: '扣款未到账', severity: 'critical', ran: true, findings: 0 },
  { id: 'settlement-not-received', title: '清算资金未到账', severity: 'critical', ran: true, findings: 0 },
  { id: 'settlement-short', title: '清算资金短款', severity: 'high', ran: true, findings: 0 },
  { id: 'fee-overcharge', title: '手续费高于合同', severity: 'high', ran: true, findings: 0 },
  { id: 'hidden-surcharge', title: '隐性附加费', severity: 'high', ran: true, findings: 0 },
  { id: 'file-totals-mismatch', title: '文件合计不符', severity: 'high', ran: true, findings: 0 },
  { id: 'unparseable-row', title: '无法解析的行', severity: 'high', ran: true, findings: 0 },
  { id: 'mcc-mismatch', title: '跳码（MCC 与合同不符）', severity: 'high', ran: true, findings: 0 },
  { id: 'unlicensed-payer', title: '二清（非持牌机构结算）', severity: 'critical', ran: true, findings: 0 },
  { id: 'fee-above-regulation', title: '手续费超监管上限', severity: 'high', ran: true, findings: 0 },
  { id: 'fee-rate-creep', title: '有效费率上升', severity: 'medium', ran: false, skippedBecause: '没有往期费率记录（状态库为空，首次运行）', findings: 0 },
];

const OPEN_ITEMS: OpenItem[] = [
  { kind: 'sale-awaiting-settlement', merchantId: WEIDAO.id, reference: '301012330999', date: '2026-11-30', currency: 'CNY', amountMinor: 23_800, due: '2026-12-02', ageDays: 1, evidence: [{ file: POS_FILE, line: 8_401 }] },
  { kind: 'settlement-awaiting-credit', merchantId: WEIDAO.id, date: '2026-11-27', currency: 'CNY', amountMinor: 1_876_543, due: '2026-12-02', ageDays: 4, evidence: [{ file: UNIONPAY_FILE, line: 4_190 }] },
  { kind: 'settlement-awaiting-credit', merchantId: QINGFENG.id, date: '2026-11-30', currency: 'CNY', amountMinor: 312_000, due: '2026-12-01', ageDays: 1, evidence: [{ file: LAKALA_FILE, line: 3_860 }] },
  { kind: 'refund-awaiting-acquirer', merchantId: LONG.id, reference: '601199887766', date: '2026-11-24', currency: 'CNY', amountMinor: 9_900, due: '2026-12-04', ageDays: 7, evidence: [{ file: LONG_FILE, line: 2_400 }] },
];

export interface Fixture {
  summary: RunSummary;
  findings: Finding[];
  merchant(id: string): MerchantTotals;
  findingsOf(id: string): Finding[];
}

export function buildFixture(): Fixture {
  const weidao = Array.from({ length: 60 }, (_, i) => weidaoFinding(i));
  const long = longFindings();
  const findings = [...weidao, ...long].sort(compareFindings);
  const byMerchant = [
    merchantTotals(WEIDAO, ['拉卡拉支付股份有限公司', '银联商务股份有限公司'], daily(7, (d) => d === 9), weidao, { posMinor: 183_400, bankMinor: 1_876_543 }),
    merchantTotals(QINGFENG, ['拉卡拉支付股份有限公司'], daily(3, (d) => d % 7 === 2), [], { posMinor: 0, bankMinor: 312_000 }),
    merchantTotals(LONG, ['银联商务股份有限公司'], daily(11, () => false), long, { posMinor: 45_600, bankMinor: 0 }),
  ];
  const byRule: Record<string, number> = {};
  const bySeverity: Record<string, number> = {};
  for (const f of findings) {
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  }
  const summary: RunSummary = {
    runId: 'SA-20261201-7C1E9A42',
    tool: { name: 'settle-audit', version: '0.1.0' },
    asOf: '2026-12-01',
    timezone: 'Asia/Shanghai',
    generatedAt: '2026-12-01T23:59:59+08:00',
    period: { from: '2026-11-01', to: '2026-11-30' },
    inputs: manifest(),
    roles: ['acquirer', 'bank', 'pos'],
    controlTotals: { bySource: sources(byMerchant), byMerchant },
    checks: [
      { file: UNIONPAY_FILE, line: 4_212, name: '交易总笔数', currency: 'CNY', declared: 4_209, computed: 4_209, unit: 'count', ok: true },
      { file: LAKALA_FILE, line: 3_871, name: '交易总金额', currency: 'CNY', declared: 1_234_500, computed: 1_359_509, ok: false },
    ],
    rules: RULES.map((r) => ({ ...r, findings: byRule[r.id] ?? 0 })),
    counts: { findings: findings.length, byRule, bySeverity },
    rejects: 3,
    openItems: OPEN_ITEMS,
    unknownMerchants: [{ role: 'acquirer', merchantId: '898310099990009', count: 12, file: LAKALA_FILE }],
    durationsMs: { parse: 812, match: 95, rules: 40 },
  };
  return {
    summary,
    findings,
    merchant: (id) => {
      const m = byMerchant.find((x) => x.merchantId === id);
      if (!m) throw new Error(`no merchant ${id} in the fixture`);
      return m;
    },
    findingsOf: (id) => findings.filter((f) => f.merchantId === id),
  };
}

/** The arguments the pipeline would pass for one merchant (src/reports/index.ts). */
export async function merchantArgs(fx: Fixture, id: string) {
  const findings = fx.findingsOf(id);
  return { summary: fx.summary, merchant: fx.merchant(id), findings, findingsCsv: await findingsCsv(findings) };
}
