import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import XLSX from 'xlsx';
import { describe, expect, it } from 'vitest';
import { bankStatementCn } from '../../src/parsers/bank-statement-cn.js';
import type { FileInfo } from '../../src/parsers/types.js';
import { gbk, runParser, sum, utf8, type Parsed } from './_helpers.js';

const DIR = 'samples/public/cn-bank-statements';
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}/${name}`));
const text = (name: string): string => readFileSync(`${DIR}/${name}`, 'utf8');
const infoOf = (p: Parsed): FileInfo => {
  const e = p.events.find((x) => x.kind === 'info');
  if (e?.kind !== 'info') throw new Error('no info event');
  return e.info;
};
const credits = (p: Parsed) => p.bank.filter((b) => b.direction === 'credit');
const debits = (p: Parsed) => p.bank.filter((b) => b.direction === 'debit');

/**
 * Figures added up by hand from the sample files (amounts in fen). The ICBC footers carry the
 * project's anonymised placeholders ("1,234.56", "9,876.54"), not the real totals: the parser must
 * report them as mismatches.
 */
const GOLDEN = [
  { file: 'abc-debit.csv', variant: 'abc', credits: [3, 1000001], debits: [2, 1235589], units: 6, nonData: 1, lines: [2, 6], checks: [] },
  { file: 'boc-debit.csv', variant: 'boc', credits: [4, 982100], debits: [13, 939430], units: 19, nonData: 2, lines: [3, 19], checks: [] },
  { file: 'bocom-debit.csv', variant: 'bocom', credits: [3, 1125], debits: [3, 11400], units: 7, nonData: 1, lines: [2, 7], checks: [] },
  { file: 'ccb-交易明细.xls', variant: 'ccb', credits: [0, 0], debits: [6, 70326], units: 13, nonData: 7, lines: [7, 12], checks: [], account: 'xxxxx*********xxxx' },
  { file: 'cmb-debit.csv', variant: 'cmb', credits: [1, 123400], debits: [4, 201314], units: 6, nonData: 1, lines: [2, 6], checks: [] },
  {
    file: 'icbc-credit.csv',
    variant: 'icbc-credit',
    credits: [1, 462101],
    debits: [8, 36313],
    units: 18,
    nonData: 9,
    lines: [8, 16],
    account: '1234****5678',
    checks: [
      ['合计金额 记账金额(收入)', 123456, 462101, 18],
      ['合计金额 记账金额(支出)', 654321, 36313, 18],
    ],
  },
  {
    file: 'icbc-debit-v1.csv',
    variant: 'icbc-debit-v1',
    credits: [5, 284174],
    debits: [6, 424108],
    units: 20,
    nonData: 9,
    lines: [8, 18],
    account: '1234****9876',
    checks: [
      ['人民币合计 记账金额(收入)', 123456, 284174, 20],
      ['人民币合计 记账金额(支出)', 987654, 424108, 20],
    ],
  },
  {
    file: 'icbc-debit-v2.csv',
    variant: 'icbc-debit-v2',
    credits: [5, 284174],
    debits: [6, 424108],
    units: 20,
    nonData: 9,
    lines: [8, 18],
    account: '1234****9876',
    checks: [
      ['人民币合计 记账金额(收入)', 123456, 284174, 20],
      ['人民币合计 记账金额(支出)', 987654, 424108, 20],
    ],
  },
  { file: 'spdb-debit.xls', variant: 'spdb', credits: [1, 1000], debits: [3, 1164], units: 6, nonData: 2, lines: [3, 6], checks: [], account: '6200000000001230' },
] as const;

describe('bank-statement-cn', () => {
  it.each(GOLDEN)('$file: $variant, counts and sums of credits and debits, footer totals', (g) => {
    const p = runParser(bankStatementCn, g.file, read(g.file));
    expect(p.rejects).toEqual([]);
    expect([credits(p).length, sum(credits(p).map((b) => b.amountMinor))]).toEqual(g.credits);
    expect([debits(p).length, sum(debits(p).map((b) => b.amountMinor))]).toEqual(g.debits);
    expect(p.bank.every((b) => b.format === 'bank-statement-cn' && b.source.file === g.file && b.amountMinor >= 0)).toBe(true);
    expect(p.bank.every((b) => /^\d{4}-\d{2}-\d{2}$/.test(b.bookingDate) && b.currency === 'CNY')).toBe(true);
    expect([p.bank[0]?.source.line, p.bank.at(-1)?.source.line]).toEqual(g.lines);
    expect(p.checks.map((c) => [c.name, c.declared, c.computed, c.line])).toEqual(g.checks);
    const info = infoOf(p);
    expect(info).toMatchObject({ units: g.units, nonDataUnits: g.nonData, variant: g.variant });
    expect(info.accountNumber).toBe('account' in g ? g.account : undefined);
    expect(p.bank.length + p.rejects.length + info.nonDataUnits).toBe(info.units);
  });

  it('reads the columns a merchant needs: payer name and account, description, reference', () => {
    const cmb = runParser(bankStatementCn, 'cmb.csv', read('cmb-debit.csv'));
    // CMB writes payer name and account in one cell (对手信息).
    expect(cmb.bank[0]).toMatchObject({
      bookingDate: '2024-01-01',
      direction: 'credit',
      amountMinor: 123400,
      counterpartyName: '北京住房公积金管理中心',
      counterpartyAccount: '1111111111',
      description: '代发住房公积金 / 01月01日约定提取',
      source: { file: 'cmb.csv', line: 2 },
    });
    const boc = runParser(bankStatementCn, 'boc.csv', read('boc-debit.csv'));
    expect(boc.bank.find((b) => b.source.line === 14)).toMatchObject({
      direction: 'credit',
      amountMinor: 577100,
      counterpartyName: '美金数据有限公司',
      counterpartyAccount: '4520******1924',
      accountNumber: '3167',
    });
    const bocom = runParser(bankStatementCn, 'bocom.csv', read('bocom-debit.csv'));
    // 借 Dr / 贷 Cr flag with a positive amount.
    expect(bocom.bank.map((b) => b.direction)).toEqual(['credit', 'debit', 'credit', 'credit', 'debit', 'debit']);
    const abc = runParser(bankStatementCn, 'abc.csv', read('abc-debit.csv'));
    // 20240101 dates, +/− signs, a row with its two trailing cells left off, 0000000000 = no log number.
    expect(abc.bank.map((b) => [b.bookingDate, b.direction, b.amountMinor, b.reference])).toEqual([
      ['2024-01-01', 'credit', 1000000, '369396693'],
      ['2024-01-02', 'debit', 1000, '369333999'],
      ['2024-01-03', 'debit', 1234589, '111222333'],
      ['2024-01-04', 'credit', 1, undefined],
      ['2024-01-04', 'credit', 0, undefined],
    ]);
    const icbc = runParser(bankStatementCn, 'icbc.csv', read('icbc-debit-v2.csv'));
    // 记账金额 columns, padded cells ending in a TAB, `-` for empty.
    expect(icbc.bank[2]).toMatchObject({ direction: 'credit', amountMinor: 123456, counterpartyName: '李四', description: '他行汇入' });
  });

  it('reads a GBK download with CRLF exactly as the UTF-8 copy', () => {
    for (const name of ['cmb-debit.csv', 'icbc-debit-v1.csv', 'boc-debit.csv']) {
      const bytes = new Uint8Array(iconv.encode(text(name).replace(/\n/g, '\r\n'), 'gbk'));
      expect(Buffer.from(bytes).equals(Buffer.from(read(name)))).toBe(false);
      expect(bankStatementCn.sniff(bytes, name)).toBe(0.9);
      const fromGbk = runParser(bankStatementCn, name, bytes);
      const fromUtf8 = runParser(bankStatementCn, name, read(name));
      expect(fromGbk.bank).toEqual(fromUtf8.bank);
      expect(fromGbk.checks).toEqual(fromUtf8.checks);
      expect(infoOf(fromGbk)).toEqual(infoOf(fromUtf8));
      expect(fromGbk.bank.length).toBeGreaterThan(4);
    }
  });

  it.each([
    ['wechat-personal-export/wechat-personal-records.csv'],
    ['wechat-personal-export/wechat-personal-records.xlsx'],
    ['alipay-personal-export/alipay-personal-records-gbk.csv'],
    ['unionpay-acp-zm/extracted/INN15090588ZM_802310048993424'],
    ['unionpay-acp-zm/extracted/RD201015090501_802310048993424'],
    ['unionpay-acp-zm/802310048993424_20150905.zip'],
    ['wechatpay-merchant-bill/extracted_wxjava_bill_ALL.csv'],
    ['wechatpay-merchant-bill/sandbox_downloadfundflow_Basic.csv'],
    ['wechatpay-merchant-bill/sandbox_downloadbill_ALL_20160504.tsv'],
    ['iso20022-camt053/camt053.v2.minimal.xml'],
    ['swift-mt940/jejik_ing.sta'],
  ])('does not claim %s', (path) => {
    const bytes = new Uint8Array(readFileSync(`samples/public/${path}`));
    expect(bankStatementCn.sniff(bytes.subarray(0, 64 * 1024), path)).toBe(0);
  });

  it.each(GOLDEN.map((g) => [g.file]))('claims %s from its first 64 KiB', (file) => {
    expect(bankStatementCn.sniff(read(file).subarray(0, 64 * 1024), file)).toBe(0.9);
  });

  it('rejects a bad amount with file, line and reason, and reads every other row', () => {
    const lines = text('cmb-debit.csv').split('\n');
    lines[2] = lines[2]!.replace('"-1,000.00"', '"-1,0x0.00"');
    const p = runParser(bankStatementCn, 'cmb-bad.csv', utf8(lines.join('\n')));
    expect(p.rejects).toEqual([
      { file: 'cmb-bad.csv', line: 3, reason: '交易金额: expected a decimal, got "-1,0x0.00"', raw: lines[2] },
    ]);
    expect(p.bank.map((b) => b.source.line)).toEqual([2, 4, 5, 6]);
    expect(p.bank.length + p.rejects.length + infoOf(p).nonDataUnits).toBe(infoOf(p).units);
  });

  it('rejects rows cut short before or inside the amount, reads a short row whose amount is whole', () => {
    const lines = text('boc-debit.csv').split('\n');
    const cases: [string, string | null][] = [
      ['2025-08-22,12:23:04,人民币', 'expected 13 cells, got 3 (row cut short)'],
      ['2025-08-22,12:23:04,人民币,50', 'expected 13 cells, got 4 (row cut short)'],
      ['2025-08-22,12:23:04,人民币,50.00,"3,6', 'unterminated quote: the row is cut short or a quote is unbalanced'],
      ['2025-08-22,12:23:04,人民币,50.00,"3,638.17",网上', null],
      ['2025-08-22,12:23:04,人民币,50.00,"3,638.17",网上快捷退款,银企对接,-,支付宝-李四,支付宝-李四,8000******1303,-,3167,多余', 'expected 13 cells, got 14 (misaligned row: a delimiter inside an unquoted cell?)'],
    ];
    for (const [row, reason] of cases) {
      const copy = [...lines];
      copy[4] = row;
      const p = runParser(bankStatementCn, 'boc-cut.csv', utf8(copy.join('\n')));
      if (reason === null) {
        expect(p.rejects).toEqual([]);
        expect(p.bank.find((b) => b.source.line === 5)).toMatchObject({ direction: 'credit', amountMinor: 5000 });
        continue;
      }
      expect(p.rejects).toEqual([{ file: 'boc-cut.csv', line: 5, reason, raw: row }]);
      expect(p.bank).toHaveLength(16);
      expect(p.bank.some((b) => b.source.line === 5)).toBe(false);
    }
  });

  it('checks footer totals: equal when the rows add up, a mismatch naming file and line when one row is lost', () => {
    const lines = text('icbc-debit-v1.csv').split('\n');
    const footer = lines.findIndex((l) => l.startsWith('人民币合计'));
    lines[footer] = '人民币合计,,,,,,,,"2,841.74","4,241.08",';
    const good = runParser(bankStatementCn, 'icbc.csv', utf8(lines.join('\n')));
    expect(good.checks.map((c) => [c.declared, c.computed, c.line])).toEqual([
      [284174, 284174, 20],
      [424108, 424108, 20],
    ]);
    lines[9] = lines[9]!.replace('"1,234.56', '"1,234.5x');
    const bad = runParser(bankStatementCn, 'icbc.csv', utf8(lines.join('\n')));
    expect(bad.rejects).toHaveLength(1);
    expect(bad.rejects[0]).toMatchObject({ file: 'icbc.csv', line: 10 });
    expect(bad.rejects[0]!.reason).toContain('记账金额(收入): expected a decimal, got "1,234.5x');
    expect(bad.bank).toHaveLength(10);
    expect(bad.checks.map((c) => [c.file, c.name, c.declared, c.computed, c.line])).toEqual([
      ['icbc.csv', '人民币合计 记账金额(收入)', 284174, 284174 - 123456, 20],
      ['icbc.csv', '人民币合计 记账金额(支出)', 424108, 424108, 20],
    ]);
  });

  it('checks totals written as text under a signed-amount layout', () => {
    const base = text('cmb-debit.csv').trimEnd();
    const footer = (debitTotal: string) => `${base}\n合计：收入 1 笔 1,234.00 元；支出 4 笔 ${debitTotal} 元\n`;
    const good = runParser(bankStatementCn, 'cmb.csv', utf8(footer('2,013.14')));
    expect(good.checks.map((c) => [c.name, c.declared, c.computed, c.unit])).toEqual([
      ['合计 收入笔数', 1, 1, 'count'],
      ['合计 收入金额', 123400, 123400, undefined],
      ['合计 支出笔数', 4, 4, 'count'],
      ['合计 支出金额', 201314, 201314, undefined],
    ]);
    const bad = runParser(bankStatementCn, 'cmb.csv', utf8(footer('2,013.41')));
    const mismatch = bad.checks.filter((c) => c.declared !== c.computed);
    expect(mismatch.map((c) => [c.declared, c.computed, c.line])).toEqual([[201341, 201314, 7]]);
  });

  it('reads a GBK corporate (对公) statement: 借方/贷方发生额, payer of a settlement credit, card numbers masked', () => {
    const csv = [
      '中国工商银行对公账户交易明细',
      '账号：,6222021001112223334,户名：,上海味道餐饮有限公司,币种：,人民币',
      '凭证号,本方账号,对方账号,交易时间,借/贷,借方发生额,贷方发生额,对方行号,摘要,用途,对方单位名称,余额',
      '0001,6222021001112223334,31050161393600000123,2026-11-21 09:30:00,贷,,"4,748.00",105290061008,银联入账,POS结算款,银联商务股份有限公司,"14,748.00"',
      '0002,6222021001112223334,4111111111111111,2026-11-21 10:00:00,借,28.61,,,服务费,秒到费,某科技有限公司,"14,719.39"',
      '0003,6222021001112223334,,2026-11-22 02:00:00,贷,,1.23,,结息,,,"14,720.62"',
      '合计,,,,,28.61,"4,749.23",,,,,',
    ].join('\r\n');
    const bytes = gbk(csv);
    expect(bankStatementCn.sniff(bytes, 'corp.csv')).toBe(0.9);
    const p = runParser(bankStatementCn, 'corp.csv', bytes);
    expect(p.rejects).toEqual([]);
    expect(p.bank[0]).toEqual({
      source: { file: 'corp.csv', line: 4 },
      format: 'bank-statement-cn',
      bookingDate: '2026-11-21',
      direction: 'credit',
      amountMinor: 474800,
      currency: 'CNY',
      accountNumber: '6222021001112223334',
      accountName: '上海味道餐饮有限公司',
      counterpartyName: '银联商务股份有限公司',
      counterpartyAccount: '31050161393600000123',
      description: '银联入账 / POS结算款',
      reference: '0001',
    });
    expect(p.bank[1]).toMatchObject({ direction: 'debit', amountMinor: 2861, counterpartyAccount: '411111******1111' });
    expect(p.checks.map((c) => [c.name, c.declared, c.computed])).toEqual([
      ['合计 贷方发生额', 474923, 474923],
      ['合计 借方发生额', 2861, 2861],
    ]);
    expect(infoOf(p)).toEqual({ units: 7, nonDataUnits: 4, variant: 'generic-split', accountNumber: '6222021001112223334', accountName: '上海味道餐饮有限公司' });
  });

  it('reads an XLSX export through the same cells: numbers from numeric cells, a bad cell rejected by its row', () => {
    const rows = [
      ['中国建设银行个人活期账户交易明细'],
      ['账　　号：', '6217000010001234567'],
      ['户　　名：', '上海味道餐饮有限公司'],
      [],
      ['记账日', '交易日期', '交易时间', '支出', '收入', '账户余额', '币种', '摘要', '对方账号', '对方户名', '交易地点'],
      ['20261121', '20261121', '09:30:00', 0, 4748, 14748, '人民币', '银联入账', '31050161393600000123', '银联商务股份有限公司', 'POS'],
      ['20261121', '20261121', '10:00:00', 28.61, 0, 14719.39, '人民币', '服务费', '', '某科技有限公司', ''],
      ['20261122', '20261122', '02:00:00', '0.0x', 0, 14720.62, '人民币', '结息', '', '', ''],
      ['20261123', '20261123', '08:00:00', 0, 0.1, 14720.72, '人民币', '结息', '', '', ''],
      ['以上数据仅供参考'],
    ];
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), '交易明细');
    const bytes = new Uint8Array(XLSX.write(wb, { type: 'buffer', bookType: 'xlsx' }) as Buffer);
    expect(bankStatementCn.sniff(bytes, 'ccb.xlsx')).toBe(0.9);
    const p = runParser(bankStatementCn, 'ccb.xlsx', bytes);
    expect(p.bank.map((b) => [b.source.line, b.direction, b.amountMinor])).toEqual([
      [6, 'credit', 474800],
      [7, 'debit', 2861],
      [9, 'credit', 10],
    ]);
    expect(p.rejects).toEqual([{ file: 'ccb.xlsx', line: 8, reason: '支出: expected a decimal, got "0.0x"', raw: '20261122,20261122,02:00:00,0.0x,0,14720.62,人民币,结息' }]);
    expect(infoOf(p)).toEqual({ units: 10, nonDataUnits: 6, variant: 'ccb', accountNumber: '6217000010001234567', accountName: '上海味道餐饮有限公司' });
  });

  it('rejects a file with no statement header once, counting its lines', () => {
    const p = runParser(bankStatementCn, 'x.csv', utf8('a,b,c\n1,2,3\n'));
    expect(p.bank).toEqual([]);
    expect(p.rejects).toHaveLength(1);
    expect(p.rejects[0]!.reason).toContain('no bank statement header');
    expect(infoOf(p)).toEqual({ units: 2, nonDataUnits: 1 });
  });
});
