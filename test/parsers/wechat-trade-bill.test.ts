import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AcquirerTxn, ControlCheck } from '../../src/model/records.js';
import type { FileInfo, ParseEvent, ParserInput } from '../../src/parsers/types.js';
import { wechatTradeBill } from '../../src/parsers/wechat-trade-bill.js';

const DIR = path.join(import.meta.dirname, '../../samples/public/wechatpay-merchant-bill');
const OPTIONS = { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} };
const sample = (name: string) => new Uint8Array(readFileSync(path.join(DIR, name)));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function run(file: string, bytes: Uint8Array) {
  const input: ParserInput = { file, bytes, encoding: 'utf-8', options: OPTIONS, companions: new Map() };
  const events: ParseEvent[] = [...wechatTradeBill.parse(input)];
  const records = events.flatMap((e) => (e.kind === 'record' && e.role === 'acquirer' ? [e.record] : []));
  const rejects = events.flatMap((e) => (e.kind === 'reject' ? [e.reject] : []));
  const checks = events.flatMap((e) => (e.kind === 'check' ? [e.check] : []));
  const infos = events.flatMap((e) => (e.kind === 'info' ? [e.info] : []));
  expect(infos).toHaveLength(1);
  const info = infos[0] as FileInfo;
  expect(records.length + rejects.length + info.nonDataUnits).toBe(info.units);
  return { records, rejects, checks, info };
}

const total = (rs: AcquirerTxn[], k: 'amountMinor' | 'feeMinor' | 'netMinor') => rs.reduce((a, r) => a + r[k], 0);
const checkMap = (cs: ControlCheck[]) => Object.fromEntries(cs.map((c) => [c.name, [c.declared, c.computed]]));

describe('wechat-trade-bill: golden figures of every public sample', () => {
  // Expected figures were computed from the files with a separate script (Python Decimal over the
  // TAB/backtick cells) and checked by eye against the rows.
  it.each([
    {
      file: 'sandbox_downloadbill_ALL_20160504.tsv',
      variant: 'ALL',
      sales: 752,
      refunds: 517,
      amount: 1079 + 593, // 应结订单金额 of sales 10.79 + 退款金额 of refunds 5.93
      fee: 0,
      net: 1079 - 593,
      nonData: 3,
      // The sandbox file's summary agrees with its 1,269 rows on every figure.
      checks: {
        总交易单数: [1269, 1269],
        应结订单总金额: [1079, 1079],
        退款总金额: [593, 593],
        充值券退款总金额: [24, 24],
        手续费总金额: [0, 0],
        订单总金额: [1127, 1127],
        申请退款总金额: [637, 637],
      },
    },
    {
      // WxJava's unit test keeps one row of a 48-order bill: the summary is the real one, the rows are cut,
      // so the checks must (and do) disagree.
      file: 'extracted_wxjava_bill_ALL.csv',
      variant: 'ALL',
      sales: 1,
      refunds: 0,
      amount: 600,
      fee: 4,
      net: 596,
      nonData: 3,
      checks: {
        总交易单数: [48, 1],
        应结订单总金额: [576, 600],
        退款总金额: [142, 0],
        充值券退款总金额: [0, 0],
        手续费总金额: [1, 4],
        订单总金额: [576, 600],
        申请退款总金额: [142, 0],
      },
    },
    {
      file: 'extracted_wxjava_bill_SUCCESS.csv',
      variant: 'SUCCESS',
      sales: 1,
      refunds: 0,
      amount: 1,
      fee: 0,
      net: 1,
      nonData: 3,
      checks: { 总交易单数: [31, 1], 应结订单总金额: [305, 1], 手续费总金额: [2, 0], 订单总金额: [305, 1] },
    },
    {
      file: 'extracted_wxjava_bill_REFUND.csv',
      variant: 'REFUND',
      sales: 0,
      refunds: 1,
      amount: 1,
      fee: 0,
      net: -1,
      nonData: 3,
      checks: {
        总交易单数: [4, 1],
        应结订单总金额: [0, 0],
        退款总金额: [202, 1],
        充值券退款总金额: [0, 0],
        手续费总金额: [-2, 0],
        订单总金额: [0, 0],
        申请退款总金额: [202, 1],
      },
    },
    {
      // 资金账单: the one ledger row is read and counted as non-data; the sample keeps 1 of 20 rows.
      file: 'sandbox_downloadfundflow_Basic.csv',
      variant: '资金账单',
      sales: 0,
      refunds: 0,
      amount: 0,
      fee: 0,
      net: 0,
      nonData: 4,
      checks: { 资金流水总笔数: [20, 1], 收入笔数: [17, 0], 收入金额: [35, 0], 支出笔数: [3, 1], 支出金额: [18, 2] },
    },
  ])('$file', ({ file, variant, sales, refunds, amount, fee, net, nonData, checks }) => {
    const { records, rejects, checks: got, info } = run(file, sample(file));
    expect(rejects).toEqual([]);
    expect(records.filter((r) => r.txnType === 'sale')).toHaveLength(sales);
    expect(records.filter((r) => r.txnType === 'refund')).toHaveLength(refunds);
    expect(records).toHaveLength(sales + refunds);
    expect(total(records, 'amountMinor')).toBe(amount);
    expect(total(records, 'feeMinor')).toBe(fee);
    expect(total(records, 'netMinor')).toBe(net);
    expect(checkMap(got)).toEqual(checks);
    expect(info).toMatchObject({ variant, nonDataUnits: nonData });
  });

  it('maps a production ALL row by header name', () => {
    const { records } = run('extracted_wxjava_bill_ALL.csv', sample('extracted_wxjava_bill_ALL.csv'));
    expect(records[0]).toEqual({
      source: { file: 'extracted_wxjava_bill_ALL.csv', line: 2 },
      format: 'wechat-trade-bill',
      merchantId: 'XXXXXXXX', // 特约商户号 is `0`: the bill is the merchant's own, 商户号 applies
      txnType: 'sale',
      txnTime: '2019-07-25T08:35:41+08:00',
      settleDate: '2019-07-25',
      currency: 'CNY',
      amountMinor: 600,
      feeMinor: 4,
      netMinor: 596,
      cardKind: 'qr',
      reference: 'XXXXXXXXXXXXX',
      orderId: 'XXXXXXXXXX',
    });
  });

  it('ignores file text that names a JavaScript property (a summary column "toString", a status "constructor")', () => {
    // Found by the fuzz run: a summary header `toString` looked up Object.prototype's function.
    const text = new TextDecoder().decode(sample('extracted_wxjava_bill_ALL.csv'));
    const plain = run('plain.csv', sample('extracted_wxjava_bill_ALL.csv'));
    const renamed = text.replace(',订单总金额,申请退款总金额', ',订单总金额,toString');
    expect(renamed).not.toBe(text);
    // The renamed summary column is no longer checked; the others are, as before.
    const summary = run('summary.csv', new TextEncoder().encode(renamed));
    expect(checkMap(summary.checks)).toEqual(Object.fromEntries(Object.entries(checkMap(plain.checks)).filter(([name]) => name !== '申请退款总金额')));
    expect(summary.records).toEqual(plain.records.map((r) => ({ ...r, source: { ...r.source, file: 'summary.csv' } })));
    // A row whose status reads `constructor` is refused as an unknown status, not read as anything.
    const status = run('status.csv', new TextEncoder().encode(text.replace('`JSAPI,`SUCCESS,', '`JSAPI,`constructor,')));
    expect(status.records).toHaveLength(plain.records.length - 1);
    expect(status.rejects).toHaveLength(1);
  });

  it('maps a REFUND bill row to a refund keyed by the refund ids, with the refund success time', () => {
    const { records } = run('extracted_wxjava_bill_REFUND.csv', sample('extracted_wxjava_bill_REFUND.csv'));
    expect(records[0]).toMatchObject({
      merchantId: 'xxx', // 特约商户号 filled: the sub-merchant
      txnType: 'refund',
      txnTime: '2019-07-23T20:53:40+08:00',
      reference: 'xxxx',
      orderId: 'xxx',
      originalReference: 'xxx',
      originalOrderId: 'xxxx',
    });
  });

  it('reads the Excel-mangled sandbox file but drops ids lost to scientific notation', () => {
    const { records } = run('sandbox_downloadbill_ALL_20160504.tsv', sample('sandbox_downloadbill_ALL_20160504.tsv'));
    expect(records[0]).toMatchObject({
      txnType: 'refund',
      txnTime: '2016-05-04T02:18:00+08:00',
      merchantId: '10014843',
      terminalId: 'harryma007',
      orderId: 'REF4001232001201605015390231647',
      originalOrderId: 'autotest_20160501030456_45023',
    });
    expect(records.some((r) => /E\+/i.test(`${r.reference ?? ''}${r.originalReference ?? ''}`))).toBe(false);
  });

  it('accepts gzip input', () => {
    const plain = run('bill.csv', sample('extracted_wxjava_bill_ALL.csv'));
    const gz = run('bill.csv', new Uint8Array(gzipSync(sample('extracted_wxjava_bill_ALL.csv'))));
    expect(gz.records).toEqual(plain.records);
    expect(gz.checks).toEqual(plain.checks);
  });

  it.each([
    ['extracted_wxjava_bill_ALL.csv', 0.9],
    ['extracted_wxjava_bill_REFUND.csv', 0.9],
    ['sandbox_downloadfundflow_Basic.csv', 0.9],
    ['sandbox_downloadbill_ALL_20160504.tsv', 0.8],
  ])('sniffs %s', (file, score) => {
    expect(wechatTradeBill.sniff(sample(file).subarray(0, 65536), file)).toBe(score);
  });

  it('sniffs a gzip head, and not the personal WeChat export', () => {
    expect(wechatTradeBill.sniff(new Uint8Array(gzipSync(sample('extracted_wxjava_bill_ALL.csv'))), 'x.gz')).toBe(0.9);
    const bigGz = new Uint8Array(gzipSync(sample('sandbox_downloadbill_ALL_20160504.tsv')));
    expect(wechatTradeBill.sniff(bigGz.subarray(0, 65536), 'x.tsv.gz')).toBe(0.8);
    const personal = new Uint8Array(readFileSync(path.join(DIR, '../wechat-personal-export/wechat-personal-records.csv')));
    expect(wechatTradeBill.sniff(personal, 'wechat-personal-records.csv')).toBe(0);
  });
});

describe('wechat-trade-bill: production layout details', () => {
  const header =
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
  const sale =
    '`2026-11-20 10:11:12,`wx1,`1900000109,`1900000201,`POS-01,`4200000001202611201234567890,`T20261120001,`o1,`MICROPAY,`SUCCESS,`CMB_CREDIT,`CNY,`9.50,`0.50,`0,`0,`0.00,`0.00,`,`,`牛肉面,大碗,`,`0.03600,`0.38%,`10.00,`0.00,`';
  const refund =
    '`2026-11-20 10:30:00,`wx1,`1900000109,`1900000201,`POS-01,`4200000001202611201234567890,`T20261120001,`o1,`MICROPAY,`REFUND,`CMB_CREDIT,`CNY,`0.00,`0.00,`50000000012026112000001,`R20261120001,`1.50,`0.00,`ORIGINAL,`SUCCESS,`牛肉面,大碗,`,`-0.00600,`0.38%,`0.00,`1.50,`';
  const summaryNames = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
  const summaryValues = '`2,`9.50,`1.50,`0.00,`0.03000,`10.00,`1.50';
  const bill = (lines: string[]) => utf8(`${lines.join('\r\n')}\r\n`);
  const good = [header, sale, refund, summaryNames, summaryValues];

  it('splits on ,` so a comma inside 商品名称 does not shift columns; rounds the five-decimal fee to the fen', () => {
    const { records, rejects, checks } = run('1900000109All2026-11-20.csv', bill(good));
    expect(rejects).toEqual([]);
    expect(records[0]).toMatchObject({ merchantId: '1900000201', terminalId: 'POS-01', amountMinor: 950, feeMinor: 4, netMinor: 946 });
    expect(records[1]).toMatchObject({ txnType: 'refund', amountMinor: 150, feeMinor: -1, netMinor: -149, orderId: 'R20261120001' });
    expect(checks.every((c) => c.declared === c.computed)).toBe(true);
    expect(checkMap(checks)['手续费总金额']).toEqual([3, 3]);
  });

  it('flags a summary that disagrees with the rows', () => {
    const { checks } = run('b.csv', bill([header, sale, refund, summaryNames, '`2,`9.60,`1.50,`0.00,`0.03000,`10.00,`1.50']));
    const bad = checks.filter((c) => c.declared !== c.computed);
    expect(bad).toEqual([{ file: 'b.csv', line: 5, name: '应结订单总金额', currency: 'CNY', declared: 960, computed: 950 }]);
  });

  it('rejects a file cut before its summary', () => {
    const { records, rejects } = run('b.csv', bill([header, sale, refund]));
    expect(records).toHaveLength(2);
    expect(rejects).toEqual([expect.objectContaining({ file: 'b.csv', line: 4, reason: expect.stringMatching(/no 总交易单数/) })]);
  });
});

describe('wechat-trade-bill: corrupted copies of the sandbox bill', () => {
  const tsv = text(sample('sandbox_downloadbill_ALL_20160504.tsv'));
  const lines = tsv.split('\r\n');
  const edit = (lineNo: number, f: (l: string) => string) => utf8(lines.map((l, i) => (i === lineNo - 1 ? f(l) : l)).join('\r\n'));

  it('rejects a bad amount naming file and line; every other row is read and the totals disagree', () => {
    // Line 25 is a SUCCESS row of 应结订单金额 0.01 (column 13).
    const bad = edit(25, (l) => l.split('\t').map((c, i) => (i === 12 ? '0.0x' : c)).join('\t'));
    const { records, rejects, checks } = run('sandbox.tsv', bad);
    expect(rejects).toEqual([expect.objectContaining({ file: 'sandbox.tsv', line: 25, reason: '应结订单金额: expected a decimal, got "0.0x"' })]);
    expect(records).toHaveLength(1268);
    expect(checkMap(checks)['总交易单数']).toEqual([1269, 1268]);
    expect(checkMap(checks)['应结订单总金额']).toEqual([1079, 1078]);
  });

  it('rejects a row cut short', () => {
    const cut = edit(100, (l) => l.split('\t').slice(0, 10).join('\t'));
    const { records, rejects } = run('sandbox.tsv', cut);
    expect(rejects).toEqual([expect.objectContaining({ line: 100, reason: 'expected 27 cells, got 10 (row cut short or misaligned)' })]);
    expect(records).toHaveLength(1268);
  });

  it('rejects an unknown 交易状态', () => {
    const bad = edit(30, (l) => l.replace('\tSUCCESS\t', '\tPAYERROR\t').replace('\tREFUND\t', '\tPAYERROR\t'));
    const { rejects } = run('sandbox.tsv', bad);
    expect(rejects[0]?.reason).toBe('交易状态: expected SUCCESS, REFUND or REVOKED, got "PAYERROR"');
  });
});
