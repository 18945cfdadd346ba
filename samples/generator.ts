import iconv from 'iconv-lite';
import { stringify as toYaml } from 'yaml';
import { addCalendarDays, chinaCalendar, dueDate } from '../src/model/calendar.js';
import { applyRate, formatDecimal } from '../src/model/money.js';

/**
 * The sample generator: a realistic month of settlement files for a handful of merchants, with
 * anomalies injected on purpose, and the list of findings an audit must report for them.
 *
 * Everything is derived from a seeded PRNG, so the same seed gives the same bytes. The month
 * (October 2026) has weekends, the National Day holiday (1–7 October) and a make-up working
 * Saturday (10 October), so settlements fold several days into one credit.
 */

export interface ExpectedFinding {
  rule: string;
  merchantId: string;
  /** The transaction reference, or the settlement date for findings about a day. */
  key: string;
  differenceMinor: number | null;
  why: string;
}

export interface SampleSet {
  /** Relative path → bytes. */
  files: Map<string, Uint8Array>;
  config: string;
  expected: ExpectedFinding[];
  asOf: string;
}

export interface GeneratorOptions {
  seed?: number;
  /** First day and number of days of the period. */
  from?: string;
  days?: number;
  /** Sales per merchant per business day, on average. */
  salesPerDay?: number;
}

type Card = 'debit' | 'credit' | 'qr';

interface MerchantProfile {
  id: string;
  name: string;
  mcc: string;
  account: string;
  terminals: string[];
  minYuan: number;
  maxYuan: number;
  /** POS journal encoding: real exports are often GBK. */
  posEncoding: 'utf-8' | 'gbk';
  surcharge?: number;
}

const ACQUIRER_NAME = '银联商务股份有限公司';

const MERCHANTS: MerchantProfile[] = [
  { id: '898310048990001', name: '上海味道餐饮有限公司', mcc: '5812', account: '6222021001112223334', terminals: ['10078087', '10078088'], minYuan: 28, maxYuan: 860, posEncoding: 'utf-8' },
  { id: '898330059990002', name: '杭州鲜果超市有限公司', mcc: '5411', account: '6222021202223334445', terminals: ['20066001'], minYuan: 12, maxYuan: 420, posEncoding: 'gbk' },
  { id: '898110070990003', name: '北京悦读书店有限责任公司', mcc: '5942', account: '6222020303334445556', terminals: ['30055001'], minYuan: 35, maxYuan: 300, posEncoding: 'gbk', surcharge: 300 },
  { id: '898440081990004', name: '广州清风茶饮店', mcc: '5814', account: '6222023604445556667', terminals: ['40044001'], minYuan: 9, maxYuan: 68, posEncoding: 'utf-8' },
];

const PRICING: Record<Card, { rate: string; ppm: number; capMinor?: number }> = {
  debit: { rate: '0.55%', ppm: 5500, capMinor: 2000 },
  credit: { rate: '0.60%', ppm: 6000 },
  qr: { rate: '0.38%', ppm: 3800 },
};

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same month. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

interface Sale {
  merchant: MerchantProfile;
  terminal: string;
  time: string; // YYYY-MM-DD HH:MM:SS local
  date: string;
  card: Card;
  cardNo: string;
  amountMinor: number;
  feeMinor: number;
  reference: string;
  batch: string;
  trace: string;
  orderId: string;
  /** false: the acquirer file leaves it out. */
  inAcquirer: boolean;
  /** false: the POS journal leaves it out. */
  inPos: boolean;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function contractFee(amountMinor: number, card: Card): number {
  const p = PRICING[card];
  const fee = applyRate(amountMinor, p.ppm);
  return p.capMinor !== undefined ? Math.min(fee, p.capMinor) : fee;
}

function cardNumber(rng: ReturnType<typeof prng>, card: Card): string {
  if (card === 'qr') return '';
  const bin = card === 'debit' ? rng.pick(['622202', '621700', '623668']) : rng.pick(['622588', '625807', '436742']);
  return `${bin}******${pad(rng.int(0, 9999), 4)}`;
}

/** Generates the bundled sample set. */
export function generateSampleSet(options: GeneratorOptions = {}): SampleSet {
  const rng = prng(options.seed ?? 20261031);
  const from = options.from ?? '2026-10-01';
  const days = options.days ?? 31;
  const perDay = options.salesPerDay ?? 6;
  const dates = Array.from({ length: days }, (_, i) => addCalendarDays(from, i));
  const expected: ExpectedFinding[] = [];
  const sales: Sale[] = [];
  let rrn = 0;

  for (const m of MERCHANTS) {
    for (const date of dates) {
      // Restaurants and shops trade every day; more on weekends and holidays.
      const busy = chinaCalendar.isBusinessDay(date) ? 1 : 1.5;
      const n = Math.max(1, Math.round(perDay * busy * (0.6 + rng.next() * 0.8)));
      const times = Array.from({ length: n }, () => rng.int(9 * 3600, 22 * 3600)).sort((a, b) => a - b);
      times.forEach((sec, i) => {
        const card: Card = rng.next() < 0.4 ? 'qr' : rng.next() < 0.55 ? 'debit' : 'credit';
        const amountMinor = rng.int(m.minYuan * 100, m.maxYuan * 100);
        rrn++;
        const terminal = rng.pick(m.terminals);
        sales.push({
          merchant: m,
          terminal,
          time: `${date} ${pad(Math.floor(sec / 3600), 2)}:${pad(Math.floor((sec % 3600) / 60), 2)}:${pad(sec % 60, 2)}`,
          date,
          card,
          cardNo: cardNumber(rng, card),
          amountMinor,
          feeMinor: contractFee(amountMinor, card) + (m.surcharge ?? 0),
          reference: `${date.slice(2).replace(/-/g, '')}${pad(rrn, 6)}`,
          batch: `${date.slice(5).replace('-', '')}01`.slice(0, 6),
          trace: pad(i + 1, 6),
          orderId: `PO${date.replace(/-/g, '')}${pad(rrn, 6)}`,
          inAcquirer: true,
          inPos: true,
        });
      });
    }
  }

  const [m1, m2, m3] = MERCHANTS as [MerchantProfile, MerchantProfile, MerchantProfile, MerchantProfile];
  const of = (m: MerchantProfile, date: string) => sales.filter((s) => s.merchant === m && s.date === date);

  // charged-without-sale: the acquirer charged a card for a sale the POS never recorded.
  {
    const s = of(m1, '2026-10-12')[1]!;
    s.inPos = false;
    expected.push({ rule: 'charged-without-sale', merchantId: m1.id, key: s.reference, differenceMinor: s.amountMinor, why: 'sale removed from the POS journal' });
  }
  // sale-not-settled: a POS sale that no acquirer file carries.
  {
    const s = of(m1, '2026-10-15')[0]!;
    s.inAcquirer = false;
    expected.push({ rule: 'sale-not-settled', merchantId: m1.id, key: s.reference, differenceMinor: s.amountMinor, why: 'sale removed from the acquirer file' });
  }
  // fee-overcharge: a credit-card fee at 0.78% instead of the contracted 0.60%.
  {
    const s = of(m1, '2026-10-20').find((x) => x.card === 'credit') ?? of(m1, '2026-10-20')[0]!;
    s.card = 'credit';
    if (!s.cardNo) s.cardNo = '625807******4411';
    s.amountMinor = Math.max(s.amountMinor, 35_000);
    const due = contractFee(s.amountMinor, 'credit');
    s.feeMinor = applyRate(s.amountMinor, 7800);
    expected.push({ rule: 'fee-overcharge', merchantId: m1.id, key: s.reference, differenceMinor: s.feeMinor - due, why: 'fee charged at 0.78%' });
  }
  // hidden-surcharge: every fee of merchant 3 carries +3 元 that the contract does not allow.
  {
    const own = sales.filter((s) => s.merchant === m3 && s.inAcquirer);
    expected.push({ rule: 'hidden-surcharge', merchantId: m3.id, key: own[0]!.date, differenceMinor: own.length * m3.surcharge!, why: '+3 元 on every sale' });
  }

  const files = new Map<string, Uint8Array>();
  const bankAdjust = new Map<string, { shortBy?: number; drop?: boolean }>();

  // settlement-not-received: merchant 1's credit for one ordinary weekday never arrives.
  const m1Missing = '2026-10-21';
  bankAdjust.set(`${m1.id}|${dueDate(m1Missing, 'T+1', chinaCalendar)}`, { drop: true });
  // settlement-short: merchant 2's credit for one weekday arrives 15.00 short.
  bankAdjust.set(`${m2.id}|${dueDate('2026-10-14', 'T+1', chinaCalendar)}`, { shortBy: 1500 });

  for (const m of MERCHANTS) {
    const own = sales.filter((s) => s.merchant === m);
    files.set(`acquirer/银联商务_${m.id}_${from.slice(0, 7).replace('-', '')}.csv`, acquirerFile(own.filter((s) => s.inAcquirer)));
    files.set(`pos/pos_${m.id}_${from.slice(0, 7).replace('-', '')}.csv`, posFile(m, own.filter((s) => s.inPos), m === m3));
    const bank = bankFile(m, own.filter((s) => s.inAcquirer), bankAdjust, dates[dates.length - 1]!);
    files.set(`bank/icbc_${m.account}_${from.slice(0, 7).replace('-', '')}.csv`, bank.bytes);
    for (const e of bank.expected) expected.push(e);
  }
  // unparseable-row: merchant 3's POS journal carries a declined sale whose amount was typed as "12O.00".
  expected.push({ rule: 'unparseable-row', merchantId: m3.id, key: `pos_${m3.id}_${from.slice(0, 7).replace('-', '')}.csv`, differenceMinor: null, why: 'amount "12O.00"' });

  const lastDay = dates[dates.length - 1]!;
  const asOf = addCalendarDays(lastDay, 10);
  return { files, config: contractYaml(), expected: expected.sort(compareExpected), asOf };

  function bankFile(m: MerchantProfile, settled: Sale[], adjust: Map<string, { shortBy?: number; drop?: boolean }>, last: string) {
    // One credit per due date: T+1 folds a Friday, a weekend or a holiday into the next business day.
    const byDue = new Map<string, { days: Set<string>; net: number }>();
    for (const s of settled) {
      const due = dueDate(s.date, 'T+1', chinaCalendar);
      const entry = byDue.get(due) ?? { days: new Set<string>(), net: 0 };
      entry.days.add(s.date);
      entry.net += s.amountMinor - s.feeMinor;
      byDue.set(due, entry);
    }
    const rows: { date: string; summary: string; income: number; expense: number; payer: string }[] = [];
    const exp: ExpectedFinding[] = [];
    const statementEnd = addCalendarDays(last, 7);
    for (const [due, entry] of [...byDue.entries()].sort()) {
      if (due > statementEnd) continue;
      const adj = adjust.get(`${m.id}|${due}`);
      const firstDay = [...entry.days].sort()[0]!;
      if (adj?.drop) {
        exp.push({ rule: 'settlement-not-received', merchantId: m.id, key: firstDay, differenceMinor: entry.net, why: `credit due ${due} never paid` });
        continue;
      }
      const amount = entry.net - (adj?.shortBy ?? 0);
      if (adj?.shortBy) exp.push({ rule: 'settlement-short', merchantId: m.id, key: firstDay, differenceMinor: adj.shortBy, why: `credit due ${due} short` });
      rows.push({ date: due, summary: '银联入账', income: amount, expense: 0, payer: ACQUIRER_NAME });
    }
    return { bytes: icbcStatement(m, rows), expected: exp };
  }
}

function compareExpected(a: ExpectedFinding, b: ExpectedFinding): number {
  return a.merchantId.localeCompare(b.merchantId) || a.rule.localeCompare(b.rule) || a.key.localeCompare(b.key);
}

const gbk = (text: string) => new Uint8Array(iconv.encode(text, 'gbk'));
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const cardLabel: Record<Card, string> = { debit: '借记卡', credit: '贷记卡', qr: '扫码' };

/** The acquirer's monthly transaction file, GBK, as 银联商务-style exports are. */
function acquirerFile(sales: Sale[]): Uint8Array {
  const header = '商户编号,商户名称,终端号,交易日期,交易时间,清算日期,交易类型,卡号,卡类型,交易金额,手续费,结算金额,参考号,批次号,凭证号,MCC';
  const lines = [header];
  for (const s of sales) {
    lines.push(
      [
        s.merchant.id,
        s.merchant.name,
        s.terminal,
        s.date,
        s.time.slice(11),
        s.date,
        '消费',
        s.cardNo,
        cardLabel[s.card],
        formatDecimal(s.amountMinor),
        formatDecimal(s.feeMinor),
        formatDecimal(s.amountMinor - s.feeMinor),
        s.reference,
        s.batch,
        s.trace,
        s.merchant.mcc,
      ].join(','),
    );
  }
  const total = sales.reduce((t, s) => t + s.amountMinor, 0);
  lines.push(`合计,${sales.length}笔,,,,,,,,${formatDecimal(total)},,,,,,`);
  return gbk(`${lines.join('\r\n')}\r\n`);
}

const payLabel: Record<Card, string> = { debit: '借记卡', credit: '信用卡', qr: '微信支付' };

/** The merchant's POS journal: UTF-8 or GBK, one line per sale. */
function posFile(m: MerchantProfile, sales: Sale[], withBadRow: boolean): Uint8Array {
  const lines = ['商户号,门店,终端号,订单号,收银时间,交易类型,支付方式,金额,参考号,凭证号,卡号后四位,状态'];
  sales.forEach((s, i) => {
    lines.push([m.id, m.name, s.terminal, s.orderId, s.time, '消费', payLabel[s.card], formatDecimal(s.amountMinor), s.reference, s.trace, s.cardNo.slice(-4), '成功'].join(','));
    if (withBadRow && i === 7) {
      lines.push([m.id, m.name, s.terminal, `${s.orderId}X`, s.time, '消费', '信用卡', '12O.00', '', '', '', '失败'].join(','));
    }
  });
  const text = `${lines.join('\r\n')}\r\n`;
  return m.posEncoding === 'gbk' ? gbk(text) : utf8(text);
}

/** An ICBC 明细查询 export (the public sample's v2 layout), UTF-8, with its 人民币合计 footer. */
function icbcStatement(m: MerchantProfile, rows: { date: string; summary: string; income: number; expense: number; payer: string }[]): Uint8Array {
  const lines = [
    '明细查询文件下载',
    '',
    `卡号: ${m.account},"卡别名: ${m.name}"`,
    '',
    '子账户序号: 00000,子账户类别: 活期,"子账户别名: "',
    '',
    '交易日期,摘要,交易详情,交易场所,交易国家或地区简称,钞/汇,交易金额(收入),交易金额(支出),交易币种,记账金额(收入),记账金额(支出),记账币种,余额,对方户名,对方账户',
  ];
  let balance = 1_000_000;
  const grouped = (minor: number) => formatDecimal(minor).replace(/\B(?=(\d{3})+(?!\d))/, ',');
  let income = 0;
  let expense = 0;
  const ordered = [...rows].sort((a, b) => a.date.localeCompare(b.date));
  const withBalance = ordered.map((r) => {
    balance += r.income - r.expense;
    income += r.income;
    expense += r.expense;
    return { ...r, balance };
  });
  // ICBC lists the newest line first.
  for (const r of withBalance.reverse()) {
    lines.push(
      [
        r.date,
        `"${r.summary}"`,
        '""',
        '""',
        '"CHN"',
        '钞',
        '"-"',
        '"-"',
        '-',
        r.income ? `"${grouped(r.income)}"` : '""',
        r.expense ? `"${grouped(r.expense)}"` : '""',
        '人民币',
        `"${grouped(r.balance)}"`,
        `"${r.payer}"`,
        '"1001234509876543210"',
      ].join(','),
    );
  }
  lines.push(' ');
  lines.push(`人民币合计,,,,,,,,,"${grouped(income)}","${grouped(expense)}",`);
  return utf8(`${lines.join('\n')}\n`);
}

/** The contract configuration of the sample merchants (DESIGN.md section 6). */
function contractYaml(): string {
  const config = {
    timezone: 'Asia/Shanghai',
    licensedPayers: [ACQUIRER_NAME, '财付通支付科技有限公司', '支付宝（中国）网络技术有限公司'],
    merchants: MERCHANTS.map((m) => ({
      id: m.id,
      name: m.name,
      mcc: m.mcc,
      account: { name: m.name, number: m.account },
      settlement: { cycle: 'T+1' },
      pricing: (Object.keys(PRICING) as Card[]).map((card) => ({
        from: '2026-01-01',
        card,
        rate: PRICING[card].rate,
        ...(PRICING[card].capMinor !== undefined ? { cap: formatDecimal(PRICING[card].capMinor!) } : {}),
      })),
      fixedFee: '0.00',
      allowedDeductions: [],
    })),
  };
  return `# Contracts of the sample merchants. Generated by samples/generator.ts.\n${toYaml(config)}`;
}
