import { addCalendarDays } from '../../src/model/calendar.js';
import { applyRate, formatDecimal } from '../../src/model/money.js';

/**
 * Daily deliveries for the state tests, in the layouts the parsers read (samples/generator.ts):
 * the acquirer's transaction file (acquirer-csv, with its 合计 footer), the merchant's POS journal
 * (pos-journal), and the ICBC 明细 export (bank-statement-cn). One merchant, T+1, credit cards at
 * the contracted 0.60%, so every fee is exactly right and only the planted problems are findings.
 */

export const MERCHANT = { id: '898310048990001', name: '上海味道餐饮有限公司', account: '6222021001112223334', terminal: '10078087' };
export const PAYER = '银联商务股份有限公司';

/**
 * graceBusinessDays: 0, so a sale unsettled past its T+1 due date is a finding the day after, and
 * the five days can show an item turning into a finding and a later file resolving it.
 */
export const CONFIG_YAML = `timezone: Asia/Shanghai
licensedPayers: [${PAYER}]
merchants:
  - id: "${MERCHANT.id}"
    name: ${MERCHANT.name}
    mcc: "5812"
    account: { name: ${MERCHANT.name}, number: "${MERCHANT.account}" }
    settlement: { cycle: T+1 }
    pricing:
      - { from: 2026-01-01, card: debit, rate: "0.55%", cap: "20.00" }
      - { from: 2026-01-01, card: credit, rate: "0.60%" }
      - { from: 2026-01-01, card: qr, rate: "0.38%" }
tolerances:
  graceBusinessDays: 0
`;

export interface Sale {
  ref: string;
  /** Local time, `YYYY-MM-DD HH:MM:SS`. */
  time: string;
  amountMinor: number;
  /** The fee the acquirer charged, when not the contracted 0.60%. */
  feeMinor?: number;
}

export const fee = (s: Sale): number => s.feeMinor ?? applyRate(s.amountMinor, 6000);
export const net = (s: Sale): number => s.amountMinor - fee(s);
export const sumNet = (sales: Sale[]): number => sales.reduce((t, s) => t + net(s), 0);

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const trace = (ref: string) => ref.replace(/\D/g, '').padStart(6, '0');

/** The acquirer's file for one settlement date. */
export function acquirerFile(settleDate: string, sales: Sale[]): Uint8Array {
  const lines = ['商户编号,商户名称,终端号,交易日期,交易时间,清算日期,交易类型,卡号,卡类型,交易金额,手续费,结算金额,参考号,批次号,凭证号,MCC'];
  for (const s of sales) {
    lines.push(
      [
        MERCHANT.id,
        MERCHANT.name,
        MERCHANT.terminal,
        s.time.slice(0, 10),
        s.time.slice(11),
        settleDate,
        '消费',
        '625807******4411',
        '贷记卡',
        formatDecimal(s.amountMinor),
        formatDecimal(fee(s)),
        formatDecimal(net(s)),
        s.ref,
        '000001',
        trace(s.ref),
        '5812',
      ].join(','),
    );
  }
  const total = sales.reduce((t, s) => t + s.amountMinor, 0);
  lines.push(`合计,${sales.length}笔,,,,,,,,${formatDecimal(total)},,,,,,`);
  return utf8(`${lines.join('\r\n')}\r\n`);
}

/** The merchant's POS journal of one day. */
export function posFile(sales: Sale[]): Uint8Array {
  const lines = ['商户号,门店,终端号,订单号,收银时间,交易类型,支付方式,金额,参考号,凭证号,卡号后四位,状态'];
  for (const s of sales) {
    lines.push([MERCHANT.id, MERCHANT.name, MERCHANT.terminal, `PO${s.ref}`, s.time, '消费', '信用卡', formatDecimal(s.amountMinor), s.ref, trace(s.ref), '4411', '成功'].join(','));
  }
  return utf8(`${lines.join('\r\n')}\r\n`);
}

/** An ICBC 明细查询 export with the settlement credits booked on one day, and its 人民币合计 footer. */
export function bankFile(credits: { date: string; amountMinor: number }[]): Uint8Array {
  const grouped = (minor: number) => formatDecimal(minor).replace(/\B(?=(\d{3})+(?!\d))/, ',');
  const lines = [
    '明细查询文件下载',
    '',
    `卡号: ${MERCHANT.account},"卡别名: ${MERCHANT.name}"`,
    '',
    '子账户序号: 00000,子账户类别: 活期,"子账户别名: "',
    '',
    '交易日期,摘要,交易详情,交易场所,交易国家或地区简称,钞/汇,交易金额(收入),交易金额(支出),交易币种,记账金额(收入),记账金额(支出),记账币种,余额,对方户名,对方账户',
  ];
  let balance = 1_000_000;
  for (const c of credits) {
    balance += c.amountMinor;
    lines.push(
      [c.date, '"银联入账"', '""', '""', '"CHN"', '钞', '"-"', '"-"', '-', `"${grouped(c.amountMinor)}"`, '""', '人民币', `"${grouped(balance)}"`, `"${PAYER}"`, '"1001234509876543210"'].join(','),
    );
  }
  lines.push(' ');
  lines.push(`人民币合计,,,,,,,,,"${grouped(credits.reduce((t, c) => t + c.amountMinor, 0))}","0.00",`);
  return utf8(`${lines.join('\n')}\n`);
}

/** One day's delivery: file name → bytes, and the day the run is as of. */
export interface Delivery {
  asOf: string;
  files: [name: string, bytes: Uint8Array][];
}

const D1 = '2026-06-17'; // Wednesday
const at = (date: string, time: string) => `${date} ${time}`;

/** The planted week's sales (see WEEK). */
export const SALES = {
  s0: { ref: '617000000010', time: at(D1, '12:00:00'), amountMinor: 5_000 }, // never settled
  sB: { ref: '617000000011', time: at(D1, '13:00:00'), amountMinor: 8_000 }, // settled five days late (Monday)
  s1: { ref: '617000000001', time: at(D1, '10:00:00'), amountMinor: 10_000 },
  s2: { ref: '617000000002', time: at(D1, '11:00:00'), amountMinor: 20_000 },
  s3: { ref: '617000000003', time: at(D1, '21:30:00'), amountMinor: 30_000 }, // settled one day late
  s4: { ref: '618000000004', time: at(addCalendarDays(D1, 1), '10:00:00'), amountMinor: 40_000 },
  s5: { ref: '619000000005', time: at(addCalendarDays(D1, 2), '10:00:00'), amountMinor: 50_000 },
  s6: { ref: '619000000006', time: at(addCalendarDays(D1, 2), '15:00:00'), amountMinor: 60_000 },
  s7: { ref: '622000000007', time: at(addCalendarDays(D1, 5), '10:00:00'), amountMinor: 70_000 },
  s8: { ref: '622000000008', time: at(addCalendarDays(D1, 5), '11:00:00'), amountMinor: 80_000 }, // not yet settled at the end
  s9: { ref: '623000000009', time: at(addCalendarDays(D1, 6), '10:00:00'), amountMinor: 90_000 },
} satisfies Record<string, Sale>;

/** What the bank short-pays on Tuesday. */
export const SHORT_MINOR = 500;

/**
 * Five daily deliveries around the Dragon Boat Festival 2026 (Friday 19 June is a public holiday):
 *
 * - Wed 17: POS s0 sB s1 s2 s3; acquirer s1 s2. No bank file.
 * - Thu 18: POS s4; acquirer s3 (one day late) s4; bank pays Wednesday.
 * - Fri 19 (holiday, the shop trades): POS s5 s6; acquirer s5 s6, and Thursday's acquirer file
 *   delivered a second time under another name. No bank file.
 * - Mon 22: POS s7 s8; acquirer s7 and sB (five days late); bank pays Thursday and Friday in one
 *   credit (Thursday's T+1 is Monday because of the holiday, Friday's because of the weekend).
 * - Tue 23: POS s9; acquirer s9; bank pays Monday 5.00 short.
 */
export function week(): Delivery[] {
  const { s0, sB, s1, s2, s3, s4, s5, s6, s7, s8, s9 } = SALES;
  const thursdayAcquirer = acquirerFile('2026-06-18', [s3, s4]);
  return [
    { asOf: '2026-06-17', files: [['acquirer_20260617.csv', acquirerFile('2026-06-17', [s1, s2])], ['pos_20260617.csv', posFile([s0, sB, s1, s2, s3])]] },
    {
      asOf: '2026-06-18',
      files: [
        ['acquirer_20260618.csv', thursdayAcquirer],
        ['pos_20260618.csv', posFile([s4])],
        ['icbc_20260618.csv', bankFile([{ date: '2026-06-18', amountMinor: sumNet([s1, s2]) }])],
      ],
    },
    {
      asOf: '2026-06-19',
      files: [['acquirer_20260619.csv', acquirerFile('2026-06-19', [s5, s6])], ['pos_20260619.csv', posFile([s5, s6])], ['acquirer_20260618_resent.csv', thursdayAcquirer]],
    },
    {
      asOf: '2026-06-22',
      files: [
        ['acquirer_20260622.csv', acquirerFile('2026-06-22', [s7, sB])],
        ['pos_20260622.csv', posFile([s7, s8])],
        ['icbc_20260622.csv', bankFile([{ date: '2026-06-22', amountMinor: sumNet([s3, s4, s5, s6]) }])],
      ],
    },
    {
      asOf: '2026-06-23',
      files: [
        ['acquirer_20260623.csv', acquirerFile('2026-06-23', [s9])],
        ['pos_20260623.csv', posFile([s9])],
        ['icbc_20260623.csv', bankFile([{ date: '2026-06-23', amountMinor: sumNet([s7, sB]) - SHORT_MINOR }])],
      ],
    },
  ];
}
