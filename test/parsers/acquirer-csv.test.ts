import { describe, expect, it } from 'vitest';
import { acquirerCsv } from '../../src/parsers/acquirer-csv.js';
import { gbk, OPTIONS, runParser, sum, utf8 } from './_helpers.js';

const HEADER = '商户编号,商户名称,终端号,交易日期,交易时间,清算日期,交易类型,卡号,卡类型,交易金额,手续费,结算金额,参考号,批次号,凭证号,MCC';
const ROWS = [
  '898310048990001,上海味道餐饮有限公司,10078087,2026-11-20,10:11:12,2026-11-20,消费,6222021234567890123,借记卡,"4,768.00",20.00,"4,748.00",201509061122,000001,000101,5812',
  '898310048990001,上海味道餐饮有限公司,10078087,2026-11-20,12:00:00,2026-11-20,退货,6222021234567890123,借记卡,100.00,-0.55,-99.45,201509061123,000001,000102,5812',
  '898310048990001,上海味道餐饮有限公司,10078088,2026-11-20,23:59:59,2026-11-21,消费,,扫码,38.00,0.14,37.86,201509061124,000001,000103,5812',
];

describe('acquirer-csv', () => {
  it('reads a GBK export by its Chinese headers, money in fen, times in the contract zone, cards masked', () => {
    const file = gbk(['清算明细', HEADER, ...ROWS, '合计,3笔,,,,,,,,"4,706.00",,,,,,'].join('\r\n'));
    const parsed = runParser(acquirerCsv, 'lakala.csv', file);
    expect(parsed.rejects).toEqual([]);
    expect(parsed.acquirer).toHaveLength(3);
    const [sale, refund, qr] = parsed.acquirer;
    expect(sale).toMatchObject({
      merchantId: '898310048990001',
      merchantName: '上海味道餐饮有限公司',
      terminalId: '10078087',
      txnType: 'sale',
      txnTime: '2026-11-20T10:11:12+08:00',
      settleDate: '2026-11-20',
      amountMinor: 476800,
      feeMinor: 2000,
      netMinor: 474800,
      reference: '201509061122',
      cardMasked: '622202*********0123',
      cardKind: 'debit',
      mcc: '5812',
      source: { file: 'lakala.csv', line: 3 },
    });
    expect(refund).toMatchObject({ txnType: 'refund', amountMinor: 10000, feeMinor: -55, netMinor: -9945 });
    expect(qr).toMatchObject({ cardKind: 'qr', settleDate: '2026-11-21' });
    expect(sum(parsed.acquirer.map((a) => a.netMinor))).toBe(474800 - 9945 + 3786);
    expect(parsed.checks.map((c) => [c.name, c.declared, c.computed, c.line])).toEqual([
      ['合计笔数', 3, 3, 6],
      ['合计金额', 470600, 476800 - 10000 + 3800, 6],
    ]);
    const info = parsed.events.find((e) => e.kind === 'info');
    expect(info).toMatchObject({ info: { units: 6, nonDataUnits: 3 } });
  });

  it('sends a truncated row and a non-numeric amount to rejects with file, line and reason, and reads the rest', () => {
    const truncated = '898310048990001,上海味道餐饮有限公司,10078087,2026-11-20,10:2';
    const badAmount = ROWS[0]!.replace('"4,768.00"', '12,3a').replace('201509061122', '201509061199');
    const parsed = runParser(acquirerCsv, 'bad.csv', gbk([HEADER, ROWS[0], truncated, badAmount, ROWS[2]].join('\n')));
    expect(parsed.acquirer.map((a) => a.source.line)).toEqual([2, 5]);
    expect(parsed.rejects).toHaveLength(2);
    expect(parsed.rejects[0]).toMatchObject({ file: 'bad.csv', line: 3, raw: truncated });
    expect(parsed.rejects[0]!.reason).toContain('expected 16 cells, got 5');
    expect(parsed.rejects[1]).toMatchObject({ file: 'bad.csv', line: 4 });
    expect(parsed.rejects[1]!.reason).toMatch(/expected 16 cells|amount/);
  });

  it('reports a 合计 footer that disagrees with the rows, naming its line', () => {
    const parsed = runParser(acquirerCsv, 'sum.csv', gbk([HEADER, ...ROWS, '合计,3笔,,,,,,,,"5,000.00",,,,,,'].join('\n')));
    const amount = parsed.checks.find((c) => c.name === '合计金额');
    expect(amount).toMatchObject({ file: 'sum.csv', line: 5, declared: 500000, computed: 470600 });
    expect(parsed.acquirer).toHaveLength(3);
  });

  it('names the bad amount in its reason', () => {
    const badAmount = ROWS[0]!.replace('"4,768.00"', '"12,3a"');
    const parsed = runParser(acquirerCsv, 'bad.csv', utf8([HEADER, badAmount].join('\n')));
    expect(parsed.rejects).toEqual([{ file: 'bad.csv', line: 2, reason: 'amount: expected a decimal, got "12,3a"', raw: badAmount }]);
  });

  it('maps an unknown layout through the config column map', () => {
    const text = ['MID;TERM;WHEN;SUM;CHARGE;REF', '898310048990001;10078087;2026-11-20 10:11:12;100.00;0.60;R1'].join('\n');
    const unmapped = runParser(acquirerCsv, 'odd.csv', utf8(text));
    expect(unmapped.acquirer).toHaveLength(0);
    const mapped = runParser(acquirerCsv, 'odd.csv', utf8(text), {
      ...OPTIONS,
      columnMaps: { 'acquirer-csv': { merchantId: 'MID', terminalId: 'TERM', txnTime: 'WHEN', amount: 'SUM', fee: 'CHARGE', reference: 'REF' } },
    });
    expect(mapped.rejects).toEqual([]);
    expect(mapped.acquirer[0]).toMatchObject({ amountMinor: 10000, feeMinor: 60, netMinor: 9940, reference: 'R1', terminalId: '10078087' });
  });
});
