import { readFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { AcquirerTxn, ControlCheck } from '../../src/model/records.js';
import { alipayBill, readAlipayZip, readTrailer } from '../../src/parsers/alipay-bill.js';
import type { FileInfo, ParseEvent, ParserInput } from '../../src/parsers/types.js';

const OPTIONS = { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} };
const gbk = (s: string) => new Uint8Array(iconv.encode(s, 'gbk'));
const ENTRY = '20881234567890120156_20261120_业务明细.csv';

function run(file: string, bytes: Uint8Array, options = OPTIONS) {
  const input: ParserInput = { file, bytes, encoding: 'gb18030', options, companions: new Map() };
  const events: ParseEvent[] = [...alipayBill.parse(input)];
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

/**
 * A 业务明细 as Alipay writes it (layout and trailer wording from open-source parsers and their test
 * fixtures): text cells end in a TAB, refunds are negative, 服务费 is written negative on trades.
 */
const DETAIL_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
const T = '\t';
const detailRow = (trade: string, order: string, type: string, created: string, done: string, amount: string, received: string, discount: string, refundNo: string, fee: string) =>
  [
    `${trade}${T}`,
    `${order}${T}`,
    `${type}${T}`,
    '牛肉面（大碗）',
    created,
    done,
    `S001${T}`,
    `上海味道浦东店${T}`,
    `cashier01${T}`,
    `POS-01${T}`,
    `*明(138****0000)${T}`,
    amount,
    received,
    '0.00',
    '0.00',
    '0.00',
    discount,
    '0.00',
    '',
    `0.00${T}`,
    '0.00',
    `${refundNo}${T}`,
    fee,
    '0.00',
    '午餐',
  ].join(',');

const ROWS = [
  detailRow('2026112022001400001000000001', 'T20261120001', '交易', '2026-11-20 10:11:05', '2026-11-20 10:11:12', '32.00', '32.00', '0.00', '', '-0.12'),
  detailRow('2026112022001400001000000002', 'T20261120002', '交易', '2026-11-20 12:00:00', '2026-11-20 12:00:09', '100.00', '95.00', '5.00', '', '-0.36'),
  detailRow('2026112022001400001000000003', 'T20261120003', '交易', '2026-11-20 23:59:58', '2026-11-21 00:00:01', '8.50', '8.50', '0.00', '', '-0.03'),
  detailRow('2026112022001400001000000001', 'T20261120001', '退款', '2026-11-20 10:11:05', '2026-11-20 15:30:00', '-32.00', '-32.00', '0.00', 'R20261120001', '0.12'),
];

function detailText(rows = ROWS, trailers?: string[], account = '#账号：[20881234567890120156]'): string {
  return [
    '#支付宝业务明细查询',
    account,
    '#起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    DETAIL_HEADER,
    ...rows,
    '#-----------------------------------------业务明细列表结束------------------------------------',
    ...(trailers ?? ['#交易合计：3笔，商家实收共135.50元，商家优惠共5.00元', '#退款合计：1笔，商家实收退款共-32.00元，商家优惠退款共0.00元']),
    '#导出时间：[2026年11月21日 05:46:49]',
  ]
    .map((l) => `${l}\r\n`)
    .join('');
}

const LEDGER_TEXT = [
  '#支付宝账务明细查询',
  '#账号：[20881234567890120156]',
  '#起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]',
  '#-----------------------------------------账务明细列表----------------------------------------',
  '账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注',
  `20261120100000001${T},2026112022001400001000000001${T},T20261120001${T},牛肉面（大碗）${T},2026-11-20 10:11:12${T},*明(138****0000)${T},32.00,0.00,1032.00,支付宝${T},在线支付${T},${T}`,
  `20261120100000002${T},2026112022001400001000000001${T},T20261120001${T},服务费${T},2026-11-20 10:11:12${T},${T},0.00,-0.12,1031.88,支付宝${T},收费${T},${T}`,
  `20261120100000003${T},2026112022001400001000000001${T},T20261120001${T},退款${T},2026-11-20 15:30:00${T},*明(138****0000)${T},0.00,-32.00,999.88,支付宝${T},交易退款${T},${T}`,
  '#----------------------------------------账务明细列表结束-------------------------------------',
  '#支出合计：2笔，共-32.12元',
  '#收入合计：1笔，共32.00元',
  '#导出时间：[2026年11月21日 05:46:49]',
]
  .map((l) => `${l}\r\n`)
  .join('');

describe('alipay-bill: 业务明细', () => {
  it('reads 3 trades and 1 refund; the #交易合计 / #退款合计 trailers agree', () => {
    const { records, rejects, checks, info } = run(ENTRY, gbk(detailText()));
    expect(rejects).toEqual([]);
    expect(records.map((r) => r.txnType)).toEqual(['sale', 'sale', 'sale', 'refund']);
    // By hand: 商家实收 32.00 + 95.00 + 8.50 and the 32.00 refund; 服务费 0.12 + 0.36 + 0.03, 0.12 returned.
    expect(total(records, 'amountMinor')).toBe(3200 + 9500 + 850 + 3200);
    expect(total(records, 'feeMinor')).toBe(12 + 36 + 3 - 12);
    expect(total(records, 'netMinor')).toBe(3188 + 9464 + 847 - 3188);
    expect(checkMap(checks)).toEqual({
      '交易合计 笔数': [3, 3],
      '交易合计 商家实收': [13550, 13550],
      '交易合计 商家优惠': [500, 500],
      '退款合计 笔数': [1, 1],
      '退款合计 商家实收退款': [-3200, -3200],
      '退款合计 商家优惠退款': [0, 0],
    });
    expect(checks.every((c) => c.file === ENTRY)).toBe(true);
    expect(info).toEqual({ units: 13, nonDataUnits: 9, variant: '业务明细', merchantId: '2088123456789012', accountNumber: '20881234567890120156' });
  });

  it('maps a trade and its refund', () => {
    const { records } = run(ENTRY, gbk(detailText()));
    expect(records[0]).toEqual({
      source: { file: ENTRY, line: 6 },
      format: 'alipay-bill',
      merchantId: '2088123456789012',
      terminalId: 'POS-01',
      txnType: 'sale',
      txnTime: '2026-11-20T10:11:12+08:00',
      settleDate: '2026-11-20',
      currency: 'CNY',
      amountMinor: 3200,
      feeMinor: 12,
      netMinor: 3188,
      cardKind: 'qr',
      reference: '2026112022001400001000000001',
      orderId: 'T20261120001',
    });
    expect(records[3]).toMatchObject({
      source: { line: 9 },
      txnType: 'refund',
      txnTime: '2026-11-20T15:30:00+08:00',
      amountMinor: 3200,
      feeMinor: -12,
      netMinor: -3188,
      reference: '2026112022001400001000000001',
      orderId: 'R20261120001',
      originalReference: '2026112022001400001000000001',
      originalOrderId: 'T20261120001',
    });
  });

  it('takes the completion time, in the contract zone', () => {
    const { records } = run(ENTRY, gbk(detailText()), { ...OPTIONS, timezone: 'UTC' });
    expect(records[2]?.txnTime).toBe('2026-11-20T16:00:01Z');
    expect(records[2]?.settleDate).toBe('2026-11-20');
  });

  it('falls back to the PID in the file name when the #账号 line is missing', () => {
    const { records, info } = run(`20260101.zip!${ENTRY}`, gbk(detailText(ROWS, undefined, '#')));
    expect(records[0]?.merchantId).toBe('2088123456789012');
    expect(info.merchantId).toBe('2088123456789012');
  });

  it.each([
    ['#交易合计：6笔，商家实收共0.06元，商家优惠共0.00元', { kind: '交易合计', count: 6, figures: [{ label: '商家实收', minor: 6 }, { label: '商家优惠', minor: 0 }] }],
    ['#退款合计：4笔，商家实收退款共-0.04元，商家优惠退款共0.00元', { kind: '退款合计', count: 4, figures: [{ label: '商家实收退款', minor: -4 }, { label: '商家优惠退款', minor: 0 }] }],
    ['#交易合计：2笔，总金额10.50元', { kind: '交易合计', count: 2, figures: [{ label: '总金额', minor: 1050 }] }],
    ['#收入合计：18笔，共14989.00元', { kind: '收入合计', count: 18, figures: [{ label: '', minor: 1498900 }] }],
    ['#导出时间：[2021年10月22日 06:27:10]', undefined],
  ])('reads the trailer %s', (line, expected) => {
    const t = readTrailer(line, 7);
    if (expected === undefined) expect(t).toBeUndefined();
    else expect(t).toEqual({ line: 7, ...expected });
  });
});

describe('alipay-bill: 账务明细', () => {
  it('reads ledger rows as non-data and checks #收入合计 / #支出合计 against them', () => {
    const { records, rejects, checks, info } = run('20881234567890120156_20261120_账务明细.csv', gbk(LEDGER_TEXT));
    expect(records).toEqual([]);
    expect(rejects).toEqual([]);
    expect(checkMap(checks)).toEqual({ '支出合计 笔数': [2, 2], '支出合计 支出金额（-元）': [3212, 3212], '收入合计 笔数': [1, 1], '收入合计 收入金额（+元）': [3200, 3200] });
    expect(info).toMatchObject({ units: 12, nonDataUnits: 12, variant: '账务明细', merchantId: '2088123456789012' });
  });

  it('rejects a damaged ledger row and the trailer disagrees', () => {
    const { rejects, checks } = run('l.csv', gbk(LEDGER_TEXT.replace('0.00,-0.12,1031.88', '0.00,-0.1x,1031.88')));
    expect(rejects).toEqual([expect.objectContaining({ file: 'l.csv', line: 7, reason: '支出金额（-元）: expected a decimal, got "-0.1x"' })]);
    expect(checkMap(checks)['支出合计 笔数']).toEqual([2, 1]);
  });
});

describe('alipay-bill: corrupted copies', () => {
  it('flags a #交易合计 that disagrees with the rows, naming its line', () => {
    const { checks } = run(ENTRY, gbk(detailText(ROWS, ['#交易合计：4笔，商家实收共135.50元，商家优惠共5.00元'])));
    expect(checks.filter((c) => c.declared !== c.computed)).toEqual([
      { file: ENTRY, line: 11, name: '交易合计 笔数', currency: 'CNY', declared: 4, computed: 3, unit: 'count' },
    ]);
  });

  it('rejects a bad amount, reads the other rows, and the trailer disagrees', () => {
    const rows = [...ROWS];
    rows[1] = (rows[1] ?? '').replace(',100.00,95.00,', ',100.00,95.0O,');
    const { records, rejects, checks } = run(ENTRY, gbk(detailText(rows)));
    expect(rejects).toEqual([expect.objectContaining({ file: ENTRY, line: 7, reason: '商家实收（元）: expected a decimal, got "95.0O"' })]);
    expect(records).toHaveLength(3);
    expect(checkMap(checks)['交易合计 商家实收']).toEqual([13550, 4050]);
  });

  it('rejects a row cut short', () => {
    const rows = [...ROWS];
    rows[2] = (rows[2] ?? '').split(',').slice(0, 10).join(',');
    const { records, rejects } = run(ENTRY, gbk(detailText(rows)));
    expect(rejects).toEqual([expect.objectContaining({ line: 8, reason: 'expected 25 cells, got 10 (row cut short)' })]);
    expect(records).toHaveLength(3);
  });

  it('rejects a file cut before its trailers', () => {
    const cut = detailText().split('\r\n').slice(0, 8).join('\r\n');
    const { records, rejects, checks } = run(ENTRY, gbk(cut));
    expect(records).toHaveLength(3);
    expect(checks).toEqual([]);
    expect(rejects).toEqual([expect.objectContaining({ file: ENTRY, line: 9, reason: 'no #…业务明细列表结束 line and no #…合计 trailers (file cut short?)' })]);
  });

  it('rejects an unknown 业务类型', () => {
    const rows = [...ROWS];
    rows[0] = (rows[0] ?? '').replace(`交易${T}`, `冻结${T}`);
    const { rejects } = run(ENTRY, gbk(detailText(rows)));
    expect(rejects[0]?.reason).toBe('业务类型: expected 交易 or 退款, got "冻结"');
  });
});

describe('alipay-bill: sniffing', () => {
  it.each([
    ['业务明细', gbk(detailText()), 0.9],
    ['账务明细', gbk(LEDGER_TEXT), 0.9],
    ['a UTF-8 copy', new Uint8Array(Buffer.from(detailText(), 'utf8')), 0.9],
    ['WeChat bill', new Uint8Array(Buffer.from('交易时间,公众账号ID,商户号,微信订单号\n')), 0],
  ])('%s', (_name, bytes, score) => {
    expect(alipayBill.sniff(bytes, 'x.csv')).toBe(score);
  });

  it('does not claim the personal Alipay export', () => {
    const personal = new Uint8Array(readFileSync(path.join(import.meta.dirname, '../../samples/public/alipay-personal-export/alipay-personal-records-gbk.csv')));
    expect(alipayBill.sniff(personal, 'alipay-personal-records-gbk.csv')).toBe(0);
  });
});

describe('alipay-bill: readAlipayZip', () => {
  /** A real zip made with fflate, its entry names then rewritten in GBK (no UTF-8 flag), as Alipay ships it. */
  function alipayZip(entries: Record<string, Uint8Array>): Uint8Array {
    const placeholders: Record<string, string> = {};
    const files: Record<string, Uint8Array> = {};
    Object.entries(entries).forEach(([name, data], i) => {
      const len = iconv.encode(name, 'gbk').length;
      const ph = `${i}`.padEnd(len, '_');
      placeholders[ph] = name;
      files[ph] = data;
    });
    const zip = zipSync(files, { mtime: new Date('2026-11-21T05:46:49Z') });
    const buf = Buffer.from(zip);
    for (const [ph, name] of Object.entries(placeholders)) {
      const raw = iconv.encode(name, 'gbk');
      let at = buf.indexOf(ph);
      let replaced = 0;
      while (at >= 0) {
        raw.copy(buf, at);
        replaced++;
        at = buf.indexOf(ph, at + 1);
      }
      expect(replaced).toBe(2); // local header and central directory
    }
    return new Uint8Array(buf);
  }

  const detail = gbk(detailText());
  const summary = gbk('#支付宝业务汇总查询\r\n');
  const names = ['20881234567890120156_20261120_业务明细.csv', '20881234567890120156_20261120_业务明细(汇总).csv'];

  it('decodes GBK entry names and inflates the entries', () => {
    const zip = alipayZip({ [names[0] as string]: detail, [names[1] as string]: summary });
    expect(Buffer.from(zip).includes(Buffer.from('业务明细', 'utf8'))).toBe(false);
    const entries = readAlipayZip(zip);
    expect(entries.map((e) => e.name)).toEqual(names);
    expect(Buffer.from(entries[0]?.bytes ?? []).equals(Buffer.from(detail))).toBe(true);
    const { records, checks } = run(`20881234567890120156_20261120.csv.zip!${entries[0]?.name}`, entries[0]?.bytes ?? new Uint8Array());
    expect(records).toHaveLength(4);
    expect(checks.every((c) => c.declared === c.computed)).toBe(true);
  });

  it('reads names flagged UTF-8 as UTF-8', () => {
    const zip = zipSync({ [ENTRY]: detail });
    expect(readAlipayZip(zip).map((e) => e.name)).toEqual([ENTRY]);
  });

  it('refuses an entry that inflates past its declared size, and a non-zip', () => {
    const zip = Buffer.from(zipSync({ 'a.csv': new Uint8Array(5000) }));
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(100, central + 24);
    expect(() => readAlipayZip(new Uint8Array(zip))).toThrow(/inflates to more bytes than the 100 declared/);
    expect(() => readAlipayZip(gbk('#支付宝业务明细查询'))).toThrow(/not a zip archive/);
  });
});
