import { describe, expect, it } from 'vitest';
import { posJournal } from '../../src/parsers/pos-journal.js';
import { gbk, runParser, utf8 } from './_helpers.js';

const HEADER = '商户号,门店,终端号,订单号,收银时间,交易类型,支付方式,金额,参考号,凭证号,卡号后四位,状态';

describe('pos-journal', () => {
  it.each([
    ['GBK', gbk],
    ['UTF-8', utf8],
  ])('reads a %s journal: sales, voids, refunds, declined', (_name, encode) => {
    const text = [
      HEADER,
      '898310048990001,上海味道,10078087,PO1,2026-11-20 10:11:12,消费,借记卡,"4,768.00",201509061122,000101,0123,成功',
      '898310048990001,上海味道,10078087,PO2,2026/11/20 10:15,撤销,借记卡,88.00,,000102,0123,成功',
      '898310048990001,上海味道,10078087,PO3,2026-11-20 11:00:00,退款,微信支付,20.00,,,,成功',
      '898310048990001,上海味道,10078087,PO4,2026-11-20 11:30:00,消费,信用卡,50.00,,,,支付失败',
    ].join('\r\n');
    const parsed = runParser(posJournal, 'pos.csv', encode(text));
    expect(parsed.rejects).toEqual([]);
    expect(parsed.pos.map((p) => [p.txnType, p.amountMinor, p.approved, p.cardKind, p.source.line])).toEqual([
      ['sale', 476800, true, 'debit', 2],
      ['void', 8800, true, 'debit', 3],
      ['refund', 2000, true, 'qr', 4],
      ['sale', 5000, false, 'credit', 5],
    ]);
    expect(parsed.pos[0]).toMatchObject({ txnTime: '2026-11-20T10:11:12+08:00', reference: '201509061122', trace: '000101', cardLast4: '0123', orderId: 'PO1' });
    expect(parsed.pos[1]!.txnTime).toBe('2026-11-20T10:15:00+08:00');
  });

  it('rejects a truncated GBK row and a non-numeric amount, keeps the rest', () => {
    const good = '898310048990001,上海味道,10078087,PO1,2026-11-20 10:11:12,消费,借记卡,12.00,R1,000101,0123,成功';
    const cut = '898310048990001,上海味道,1007';
    const bad = '898310048990001,上海味道,10078087,PO2,2026-11-20 10:12:00,消费,借记卡,12O.00,R2,000102,0123,成功';
    const parsed = runParser(posJournal, 'pos-gbk.csv', gbk([HEADER, good, cut, bad, good.replace('R1', 'R3')].join('\n')));
    expect(parsed.pos.map((p) => p.reference)).toEqual(['R1', 'R3']);
    expect(parsed.rejects.map((r) => [r.line, r.raw]).sort()).toEqual([
      [3, cut],
      [4, bad],
    ]);
    expect(parsed.rejects.find((r) => r.line === 4)!.reason).toBe('amount: expected a decimal, got "12O.00"');
  });

  it('claims a journal over an acquirer export when sniffing', () => {
    const head = utf8(HEADER);
    expect(posJournal.sniff(head, 'pos_123.csv')).toBeGreaterThan(0.5);
  });
});
