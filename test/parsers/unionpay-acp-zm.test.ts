import { readFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { AcquirerTxn, ControlCheck, Reject } from '../../src/model/records.js';
import type { FixedLayout } from '../../src/parsers/unionpay-acp-zm.js';
import type { FileInfo, ParseEvent, ParserInput } from '../../src/parsers/types.js';
import { ZME_LAYOUT, ZM_LAYOUT, cutRecord, readRdSummary, resolveTransmissionTime, unionpayAcpZm } from '../../src/parsers/unionpay-acp-zm.js';

const DIR = path.join(import.meta.dirname, '../../samples/public/unionpay-acp-zm');
const ZM_NAME = 'INN15090588ZM_802310048993424';
const RD_NAME = 'RD201015090501_802310048993424';
const ZM = new Uint8Array(readFileSync(path.join(DIR, 'extracted', ZM_NAME)));
const RD = new Uint8Array(readFileSync(path.join(DIR, 'extracted', RD_NAME)));
const OPTIONS = { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} };
const RECORD = 607;
const LINE = RECORD + 2; // CRLF

function run(file: string, bytes: Uint8Array, companions: Record<string, Uint8Array> = {}, options = OPTIONS) {
  const input: ParserInput = { file, bytes, encoding: 'gb18030', options, companions: new Map(Object.entries(companions)) };
  const events: ParseEvent[] = [...unionpayAcpZm.parse(input)];
  const records = events.flatMap((e) => (e.kind === 'record' && e.role === 'acquirer' ? [e.record] : []));
  const rejects = events.flatMap((e) => (e.kind === 'reject' ? [e.reject] : []));
  const checks = events.flatMap((e) => (e.kind === 'check' ? [e.check] : []));
  const infos = events.flatMap((e) => (e.kind === 'info' ? [e.info] : []));
  expect(infos).toHaveLength(1);
  const info = infos[0] as FileInfo;
  expect(records.length + rejects.length + info.nonDataUnits).toBe(info.units);
  return { records, rejects, checks, info };
}

const sum = (rs: AcquirerTxn[], k: 'amountMinor' | 'feeMinor' | 'netMinor') => rs.reduce((a, r) => a + r[k], 0);
const byName = (checks: ControlCheck[], word: string) => checks.find((c) => c.name.includes(word));

/** A copy of the sample with bytes replaced at `offset` of record `index` (0-based). */
function patch(bytes: Uint8Array, index: number, offset: number, replacement: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy.set(replacement, index * LINE + offset);
  return copy;
}
const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const field = (key: string) => {
  const f = ZM_LAYOUT.fields.find((x) => x.key === key);
  if (!f) throw new Error(key);
  return f;
};

describe('unionpay-acp-zm: the public sample (ACP SDK demo 802310048993424_20150905.zip)', () => {
  it('has 607-byte records, as the spec layout adds up to', () => {
    expect(ZM_LAYOUT.recordLength).toBe(RECORD);
    expect(ZM.length).toBe(8 * LINE);
  });

  it('reads 8 sales: amount 13227.00, fees 79.36, net 13147.64, equal to its RD summary', () => {
    const { records, rejects, checks, info } = run(`802310048993424_20150905.zip!${ZM_NAME}`, ZM, { [RD_NAME]: RD, [ZM_NAME]: ZM });
    expect(rejects).toEqual([]);
    expect(records).toHaveLength(8);
    // Figures summed by hand from the file (and stated in SOURCES.txt): 1322700 / 7936 / 1314764 fen.
    expect(sum(records, 'amountMinor')).toBe(1322700);
    expect(sum(records, 'feeMinor')).toBe(7936);
    expect(sum(records, 'netMinor')).toBe(1314764);
    expect(records.every((r) => r.txnType === 'sale' && r.cardKind === 'debit' && r.settleDate === '2015-09-05')).toBe(true);
    expect(checks).toHaveLength(4);
    for (const c of checks) {
      expect(c.declared).toBe(c.computed);
      expect(c.file).toBe(`802310048993424_20150905.zip!${RD_NAME}`);
      expect(c.line).toBe(13);
    }
    expect(byName(checks, '交易笔数')).toMatchObject({ declared: 8, unit: 'count' });
    expect(byName(checks, '交易金额')?.declared).toBe(1322700);
    expect(byName(checks, '费用')?.declared).toBe(7936);
    expect(byName(checks, '资金清算差额')?.declared).toBe(1314764);
    expect(info).toMatchObject({ units: 8, nonDataUnits: 0, merchantId: '802310048993424', variant: 'ZM' });
  });

  it('maps the first record field by field', () => {
    const { records } = run(ZM_NAME, ZM, { [RD_NAME]: RD });
    expect(records[0]).toEqual({
      source: { file: ZM_NAME, line: 1 },
      format: 'unionpay-acp-zm',
      merchantId: '802310048993424',
      merchantName: '淘在路上',
      terminalId: '01080209',
      txnType: 'sale',
      txnTime: '2015-09-06T11:22:03+08:00',
      settleDate: '2015-09-05',
      currency: 'CNY',
      amountMinor: 476800,
      feeMinor: 2861,
      netMinor: 473939,
      reference: '201509061122031906248',
      trace: '190624',
      orderId: '10078087',
      cardMasked: '622609******0048',
      cardKind: 'debit',
      mcc: '4899',
    });
  });

  it('reads the same from the zip as from the extracted files', () => {
    const entries = unzipSync(new Uint8Array(readFileSync(path.join(DIR, '802310048993424_20150905.zip'))));
    const zm = entries[ZM_NAME];
    const rd = entries[RD_NAME];
    expect(zm && rd).toBeTruthy();
    const { records, checks } = run(ZM_NAME, zm as Uint8Array, { [RD_NAME]: rd as Uint8Array });
    expect(records).toHaveLength(8);
    expect(checks.every((c) => c.declared === c.computed)).toBe(true);
  });

  it('parses the RD summary itself as non-data, with its merchant', () => {
    const { records, rejects, info } = run(RD_NAME, RD);
    expect(records).toEqual([]);
    expect(rejects).toEqual([]);
    expect(info).toMatchObject({ units: 23, nonDataUnits: 23, merchantId: '802310048993424', variant: 'RD' });
    expect(readRdSummary(RD)).toMatchObject({ settleDate: '2015-09-05', merchantName: '淘在路上', totals: { line: 13, count: 8, netCredit: 1314764 } });
  });

  it.each([
    [ZM_NAME, ZM, 0.9],
    [RD_NAME, RD, 0.9],
    ['unnamed.dat', ZM, 0.9],
    ['summary.txt', RD, 0.9],
    ['INN26112088ZME_898310048990001', new Uint8Array(), 0.9],
    ['alipay.csv', new Uint8Array(Buffer.from('#支付宝业务明细查询\n')), 0],
  ])('sniffs %s as %s', (name, head, score) => {
    expect(unionpayAcpZm.sniff(head, name)).toBe(score);
  });
});

describe('unionpay-acp-zm: fixed width is cut by bytes, not characters', () => {
  // 16 Chinese characters = 32 GBK bytes fill 二级商户简称 exactly; 15 characters + 2 spaces fill 商户自定义域.
  const subMerName = '上海味道餐饮有限公司浦东分店一号';
  const reserved = '订单备注：加辣不要香菜谢谢光临';
  const name = iconv.encode(subMerName, 'gbk');
  const custom = Buffer.concat([iconv.encode(reserved, 'gbk'), Buffer.from('  ')]);
  const edited = patch(patch(ZM, 0, field('subMerAbbr').offset, name), 0, field('merReserved').offset, custom);

  it('keeps the record at 607 bytes', () => {
    expect(name.length).toBe(32);
    expect(custom.length).toBe(32);
    expect(edited.length).toBe(ZM.length);
  });

  it('still reads terminal id and net amount after the GBK text', () => {
    const { records, rejects, checks } = run(ZM_NAME, edited, { [RD_NAME]: RD });
    expect(rejects).toEqual([]);
    expect(records[0]).toMatchObject({ terminalId: '01080209', netMinor: 473939, feeMinor: 2861, amountMinor: 476800 });
    expect(checks.every((c) => c.declared === c.computed)).toBe(true);
    const fields = cutRecord(edited.subarray(0, RECORD), ZM_LAYOUT);
    expect(fields.subMerAbbr).toBe(subMerName);
    expect(fields.merReserved).toBe(reserved);
    expect(fields.discountAmt).toBe(' 000000000000');
    expect(fields.txnMedia).toBe('7');
  });

  it('would have gone wrong if cut by characters (the test can fail)', () => {
    const text = iconv.decode(Buffer.from(edited.subarray(0, RECORD)), 'gbk');
    const t = field('termId');
    expect(text.slice(t.offset, t.offset + t.length)).not.toBe('01080209');
  });
});

describe('unionpay-acp-zm: transmission time has no year', () => {
  it.each([
    ['1231235959', '2026-01-01', '2025-12-31T23:59:59+08:00'],
    ['0101000010', '2025-12-31', '2026-01-01T00:00:10+08:00'],
    ['0906112203', '2015-09-05', '2015-09-06T11:22:03+08:00'],
    ['0229120000', '2024-03-01', '2024-02-29T12:00:00+08:00'],
    ['1332000000', '2024-03-01', null],
  ])('%s settled %s is %s', (time, settle, expected) => {
    expect(resolveTransmissionTime(time, settle, 'Asia/Shanghai')).toBe(expected);
  });

  it('takes the year from the file name across a year end', () => {
    const yearEnd = patch(ZM.subarray(0, LINE), 0, field('txnTime').offset, ascii('1231235959'));
    const { records } = run('INN26010188ZM_802310048993424', yearEnd);
    expect(records[0]).toMatchObject({ txnTime: '2025-12-31T23:59:59+08:00', settleDate: '2026-01-01' });
  });

  it('expresses the time in the contract zone', () => {
    const { records } = run(ZM_NAME, ZM.subarray(0, LINE), {}, { ...OPTIONS, timezone: 'UTC' });
    expect(records[0]?.txnTime).toBe('2015-09-06T03:22:03Z');
  });
});

describe('unionpay-acp-zm: corrupted copies', () => {
  it('rejects a truncated record naming its line, reads the other 7, and the RD check disagrees', () => {
    const cut = new Uint8Array([...ZM.subarray(0, 2 * LINE), ...ZM.subarray(2 * LINE, 2 * LINE + 300), 0x0d, 0x0a, ...ZM.subarray(3 * LINE)]);
    const { records, rejects, checks } = run(ZM_NAME, cut, { [RD_NAME]: RD });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ file: ZM_NAME, line: 3 } satisfies Partial<Reject>);
    expect(rejects[0]?.reason).toMatch(/expected 607 bytes, got 300/);
    expect(rejects[0]?.raw).toContain('S56 88022900');
    expect(records).toHaveLength(7);
    expect(records.map((r) => r.source.line)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    expect(byName(checks, '交易笔数')).toMatchObject({ declared: 8, computed: 7 });
    expect(byName(checks, '交易金额')).toMatchObject({ declared: 1322700, computed: 1322700 - 9900 });
  });

  it('flags an RD total that disagrees with the rows, naming the RD file and line', () => {
    const rdText = iconv.decode(Buffer.from(RD), 'gbk');
    const changed = new Uint8Array(iconv.encode(rdText.replace(/^(总计.*)13147\.64/m, '$113147.74'), 'gbk'));
    expect(changed.length).toBe(RD.length);
    const { records, checks } = run(ZM_NAME, ZM, { [RD_NAME]: changed });
    expect(records).toHaveLength(8);
    const net = byName(checks, '资金清算差额');
    expect(net).toMatchObject({ file: RD_NAME, line: 13, declared: 1314774, computed: 1314764 });
    expect(checks.filter((c) => c.declared !== c.computed)).toHaveLength(1);
  });

  it.each([
    ['txnAmt', '00000047680X', /交易金额: expected 12 digits of fen, got "00000047680X"/],
    ['merFee', 'X000000002861', /商户手续费: expected C or D and 12 digits/],
    ['txnTime', '0931112203', /交易传输时间: expected MMDDhhmmss, got "0931112203"/],
    ['txnType', '99', /交易类型: expected one of 01, 03, 04, 31, 32, 33, got "99"/],
  ])('rejects a bad %s with what was expected and found', (key, value, reason) => {
    const bad = patch(ZM, 4, field(key).offset, ascii(value));
    const { records, rejects } = run(ZM_NAME, bad, { [RD_NAME]: RD });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ file: ZM_NAME, line: 5 });
    expect(rejects[0]?.reason).toMatch(reason);
    expect(records).toHaveLength(7);
  });

  it('reads a refund with C fee and D net as money back to the cardholder', () => {
    let refund = patch(ZM.subarray(0, LINE), 0, field('txnType').offset, ascii('04'));
    refund = patch(refund, 0, field('merFee').offset, ascii('C000000002861'));
    refund = patch(refund, 0, field('settleNet').offset, ascii('D000000473939'));
    refund = patch(refund, 0, field('origQueryId').offset, ascii('201509051122031906240'));
    const { records } = run(ZM_NAME, refund);
    expect(records[0]).toMatchObject({ txnType: 'refund', amountMinor: 476800, feeMinor: -2861, netMinor: -473939, originalReference: '201509051122031906240' });
  });
});

describe('unionpay-acp-zm: ZME (差错) records', () => {
  /** A record built from the layout: each value padded to its width, fields joined by the one-space separator. */
  const build = (fixed: FixedLayout, values: Record<string, string>) =>
    ascii(fixed.fields.map((f) => (values[f.key] ?? '').padEnd(f.length, ' ').slice(0, f.length)).join(' '));
  const values = {
    txnCode: 'E22',
    acqInsCode: '88022900',
    sendInsCode: '00049993',
    traceNo: '190624',
    txnTime: '0906112203',
    pan: '622609******0048',
    txnAmt: '000000476800',
    mcc: '4899',
    termType: '07',
    merFee: 'C000000002861',
    settleAmt: 'D000000473939',
    merId: '802310048993424',
  };
  const name = 'INN15090588ZME_802310048993424';

  it('is 339 bytes a record, per the SDK widths', () => {
    expect(ZME_LAYOUT.recordLength).toBe(339);
    expect(build(ZME_LAYOUT, values).length).toBe(339);
  });

  it('reads a ZME record as an adjustment with its C/D-signed amounts', () => {
    const bytes = new Uint8Array([...build(ZME_LAYOUT, values), 0x0d, 0x0a]);
    expect(unionpayAcpZm.sniff(bytes, 'unnamed')).toBe(0.8);
    const { records, rejects, checks, info } = run(name, bytes, { [RD_NAME]: RD });
    expect(rejects).toEqual([]);
    expect(checks).toEqual([]); // the RD totals are compared with the ZM file only
    expect(records[0]).toMatchObject({
      txnType: 'adjustment',
      merchantId: '802310048993424',
      amountMinor: 476800,
      feeMinor: -2861,
      netMinor: -473939,
      txnTime: '2015-09-06T11:22:03+08:00',
      settleDate: '2015-09-05',
    });
    expect(info.variant).toBe('ZME');
  });

  it('rejects a ZME record whose amount has no C/D sign', () => {
    const bytes = build(ZME_LAYOUT, { ...values, settleAmt: 'X000000473939' });
    const { rejects } = run(name, bytes);
    expect(rejects[0]?.reason).toMatch(/ZME settlement amount \(field 16\): expected C or D/);
  });
});
