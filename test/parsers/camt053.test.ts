import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { camt053 } from '../../src/parsers/camt053.js';
import type { FileInfo } from '../../src/parsers/types.js';
import { runParser, sum, utf8, type Parsed } from './_helpers.js';

const DIR = 'samples/public/iso20022-camt053';
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}/${name}`));
const text = (name: string): string => readFileSync(`${DIR}/${name}`, 'utf8');
const infoOf = (p: Parsed): FileInfo => {
  const e = p.events.find((x) => x.kind === 'info');
  if (e?.kind !== 'info') throw new Error('no info event');
  return e.info;
};
const checks = (p: Parsed) => p.checks.map((c) => [c.declared, c.computed, c.line]);

/**
 * Read by hand from the genkgo/camt test files. Their balances are synthetic: only the
 * multi-statement file adds up (18.15 + 8.85 = 27.00, 27.00 − 7.00 = 20.00). The others close
 * with a DBIT balance in SEK (−27.00) or 4.04 after 1.01 + 8.85: the parser must say so.
 */
const GOLDEN = [
  {
    file: 'camt053.v2.minimal.xml',
    variant: 'camt.053.001.02',
    entries: [[90, 'credit', 885, 'EUR', '2014-12-31', '2015-01-02', 'NAME NAME', 'NL56AGDH9619008421', '4654654654654654']],
    checks: [[-2700, 2700, 54]],
    account: 'NL26VAYB8060476890',
  },
  {
    file: 'camt053.v2.multi.statement.xml',
    variant: 'camt.053.001.02',
    entries: [
      [66, 'credit', 885, 'EUR', '2014-12-31', '2015-01-02', undefined, undefined, '000000001'],
      [145, 'debit', 700, 'EUR', '2014-12-31', '2015-01-02', 'Company Name 2', 'NL56AGDH9619008421', '000000002'],
    ],
    checks: [
      [2700, 2700, 54],
      [2000, 2000, 133],
    ],
    account: 'NL26VAYB8060476890',
  },
  {
    file: 'camt053.v2.all-balance-types.xml',
    variant: 'camt.053.001.02',
    entries: [[152, 'credit', 885, 'EUR', '2014-12-31', '2015-01-02', undefined, undefined, '000000001']],
    checks: [[404, 101 + 885, 68]],
    account: 'CH2801234000123456789',
  },
  {
    file: 'camt053.v4.xml',
    variant: 'camt.053.001.04',
    entries: [[110, 'credit', 885, 'EUR', '2014-12-31', '2015-01-02', 'NAME NAME', 'NL56AGDH9619008421', 'AAAASESS-FP-CN_98765/01']],
    checks: [[-2700, 2700, 74]],
    account: 'NL26VAYB8060476890',
  },
  {
    // v08 wraps party names in Pty and writes Sts/Cd and BookgDt/DtTm.
    file: 'camt053.v8.xml',
    variant: 'camt.053.001.08',
    entries: [[110, 'credit', 885, 'EUR', '2014-12-31', '2015-01-02', 'NAME NAME', 'NL56AGDH9619008421', 'AAAASESS-FP-CN_98765/01']],
    checks: [[-2700, 2700, 74]],
    account: 'NL26VAYB8060476890',
  },
] as const;

describe('camt053', () => {
  it.each(GOLDEN)('$file: entries, balances check', (g) => {
    expect(camt053.sniff(read(g.file), g.file)).toBe(0.9);
    const p = runParser(camt053, g.file, read(g.file));
    expect(p.rejects).toEqual([]);
    expect(
      p.bank.map((b) => [b.source.line, b.direction, b.amountMinor, b.currency, b.bookingDate, b.valueDate, b.counterpartyName, b.counterpartyAccount, b.reference]),
    ).toEqual(g.entries);
    expect(p.bank.every((b) => b.accountNumber === g.account && b.format === 'camt053' && b.source.file === g.file)).toBe(true);
    expect(checks(p)).toEqual(g.checks);
    expect(p.checks.every((c) => c.currency === 'EUR' && c.file === g.file && c.name.startsWith('CLBD closing balance'))).toBe(true);
    expect(infoOf(p)).toMatchObject({ units: g.entries.length, nonDataUnits: 0, variant: g.variant, accountNumber: g.account });
  });

  it('names the currency clash when CLBD is in another currency than OPBD', () => {
    const p = runParser(camt053, 'm.xml', read('camt053.v2.minimal.xml'));
    expect(p.checks[0]!.name).toBe('CLBD closing balance = OPBD + credits − debits (statement 253EURNL26VAYB8060476890) (OPBD in EUR, CLBD in SEK)');
  });

  it.each([['camt052.v2.xml', 'camt.052.001.02'], ['camt054.v2.xml', 'camt.054.001.02']])(
    '%s is not claimed (it would count the statement money twice), but reads when forced',
    (file, variant) => {
      expect(camt053.sniff(read(file), file)).toBe(0);
      const p = runParser(camt053, file, read(file));
      expect(p.bank.map((b) => [b.source.line, b.direction, b.amountMinor, b.currency])).toEqual([[58, 'debit', 20000000, 'SEK']]);
      expect(p.checks).toEqual([]);
      expect(infoOf(p)).toMatchObject({ units: 1, variant });
    },
  );

  it.each([
    ['cn-bank-statements/icbc-debit-v1.csv'],
    ['swift-mt940/jejik_ing.sta'],
    ['wechatpay-merchant-bill/extracted_wxjava_bill_ALL.csv'],
    ['cn-bank-statements/ccb-交易明细.xls'],
  ])('does not claim %s', (path) => {
    expect(camt053.sniff(new Uint8Array(readFileSync(`samples/public/${path}`)), path)).toBe(0);
  });

  const SUMMARY = (creditSum: string) =>
    `<TxsSummry><TtlNtries><NbOfNtries>1</NbOfNtries><Sum>8.85</Sum></TtlNtries><TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>${creditSum}</Sum></TtlCdtNtries><TtlDbtNtries><NbOfNtries>0</NbOfNtries><Sum>0</Sum></TtlDbtNtries></TxsSummry>`;
  /** The multi-statement sample with a TxsSummry inserted on one line before the first statement's entry. */
  const withSummary = (creditSum: string) => {
    const lines = text('camt053.v2.multi.statement.xml').split('\n');
    lines.splice(65, 0, SUMMARY(creditSum));
    return lines.join('\n');
  };

  it('checks TxsSummry counts and sums against the entries', () => {
    const good = runParser(camt053, 's.xml', utf8(withSummary('8.85')));
    expect(good.rejects).toEqual([]);
    expect(good.checks.map((c) => [c.name, c.declared, c.computed, c.line, c.unit])).toEqual([
      ['TxsSummry/TtlNtries/NbOfNtries (statement 253EURNL26VAYB8060476890): entries', 1, 1, 66, 'count'],
      ['TxsSummry/TtlNtries/Sum (statement 253EURNL26VAYB8060476890): entries sum', 885, 885, 66, undefined],
      ['TxsSummry/TtlCdtNtries/NbOfNtries (statement 253EURNL26VAYB8060476890): credit entries', 1, 1, 66, 'count'],
      ['TxsSummry/TtlCdtNtries/Sum (statement 253EURNL26VAYB8060476890): credit entries sum', 885, 885, 66, undefined],
      ['TxsSummry/TtlDbtNtries/NbOfNtries (statement 253EURNL26VAYB8060476890): debit entries', 0, 0, 66, 'count'],
      ['TxsSummry/TtlDbtNtries/Sum (statement 253EURNL26VAYB8060476890): debit entries sum', 0, 0, 66, undefined],
      ['CLBD closing balance = OPBD + credits − debits (statement 253EURNL26VAYB8060476890)', 2700, 2700, 54, undefined],
      ['CLBD closing balance = OPBD + credits − debits (statement 254EURNL26VAYB8060476890)', 2000, 2000, 134, undefined],
    ]);
    expect(good.bank.map((b) => b.source.line)).toEqual([67, 146]);
    const bad = runParser(camt053, 's.xml', utf8(withSummary('9.85')));
    expect(bad.checks.filter((c) => c.declared !== c.computed).map((c) => [c.file, c.name, c.declared, c.computed, c.line])).toEqual([
      ['s.xml', 'TxsSummry/TtlCdtNtries/Sum (statement 253EURNL26VAYB8060476890): credit entries sum', 985, 885, 66],
    ]);
  });

  it('rejects an entry with a bad amount by the line of its <Ntry>, keeps the others, and the balance check shows the loss', () => {
    const xml = text('camt053.v2.multi.statement.xml').replace('<Amt Ccy="EUR">7.00</Amt>', '<Amt Ccy="EUR">7.0O</Amt>');
    const p = runParser(camt053, 'bad.xml', utf8(xml));
    expect(p.bank.map((b) => b.source.line)).toEqual([66]);
    expect(p.rejects).toHaveLength(1);
    expect(p.rejects[0]).toMatchObject({ file: 'bad.xml', line: 145, reason: 'Amt: expected a decimal, got "7.0O"' });
    expect(p.rejects[0]!.raw).toMatch(/^<Ntry> <Amt Ccy="EUR">7\.0O<\/Amt> <CdtDbtInd>DBIT<\/CdtDbtInd>.*<\/Ntry>$/);
    expect(checks(p)).toEqual([
      [2700, 2700, 54],
      [2000, 2700, 133],
    ]);
    expect(p.bank.length + p.rejects.length).toBe(infoOf(p).units);
  });

  it.each([
    ['<CdtDbtInd>DBIT</CdtDbtInd>', '<CdtDbtInd>DEBIT</CdtDbtInd>', 'CdtDbtInd: expected CRDT or DBIT, got "DEBIT"'],
    ['<Amt Ccy="EUR">7.00</Amt>', '<Amt Ccy="EUR">-7.00</Amt>', 'Amt: expected an unsigned amount, got "-7.00"'],
    ['<Amt Ccy="EUR">7.00</Amt>', '<Amt Ccy="EUR">7.001</Amt>', 'Amt: more than 2 decimals in "7.001"'],
    ['<Amt Ccy="EUR">7.00</Amt>', '<Amt>7.00</Amt>', 'Amt@Ccy: expected a currency code, got ""'],
  ])('rejects %s changed to %s', (from, to, reason) => {
    const xml = text('camt053.v2.multi.statement.xml');
    const at = xml.indexOf(from, xml.indexOf('<Ntry>', xml.indexOf('254EURNL')));
    const p = runParser(camt053, 'bad.xml', utf8(xml.slice(0, at) + to + xml.slice(at + from.length)));
    expect(p.rejects.map((r) => [r.line, r.reason])).toEqual([[145, reason]]);
    expect(p.bank).toHaveLength(1);
  });

  it('reads a file cut short up to the cut, rejects the cut entry, and still checks what it declared', () => {
    const xml = text('camt053.v2.multi.statement.xml');
    const cut = xml.slice(0, xml.indexOf('<ValDt>', xml.indexOf('254EURNL')));
    const p = runParser(camt053, 'cut.xml', utf8(cut));
    expect(p.bank.map((b) => b.source.line)).toEqual([66]);
    expect(p.rejects).toHaveLength(1);
    expect(p.rejects[0]).toMatchObject({ file: 'cut.xml', line: 145 });
    expect(p.rejects[0]!.reason).toMatch(/^entry not complete \(XML not well-formed at line \d+: .*\); the file is cut short or damaged$/);
    expect(checks(p)).toEqual([
      [2700, 2700, 54],
      [2000, 2700, 133],
    ]);
    expect(infoOf(p)).toMatchObject({ units: 2, nonDataUnits: 0 });
  });

  it('keeps a reversal, marks it, and takes the original payer as the counterparty', () => {
    const xml = text('camt053.v2.minimal.xml')
      .replace('<CdtDbtInd>CRDT</CdtDbtInd>\n                <RvslInd>false</RvslInd>', '<CdtDbtInd>DBIT</CdtDbtInd>\n                <RvslInd>true</RvslInd>');
    const p = runParser(camt053, 'rev.xml', utf8(xml));
    expect(p.bank).toHaveLength(1);
    expect(p.bank[0]).toMatchObject({ direction: 'debit', amountMinor: 885, counterpartyName: 'NAME NAME', description: '[reversal]' });
  });

  /** A camt.053.001.08 document with `n` entries, a TxsSummry and balances that add up. */
  function bigStatement(n: number, prefix = '', encoding = 'UTF-8', name = 'Settlement Payer'): string {
    const p = prefix ? `${prefix}:` : '';
    const entries: string[] = [];
    for (let i = 0; i < n; i++) {
      const credit = i % 3 !== 0;
      entries.push(
        `<${p}Ntry><${p}Amt Ccy="CNY">${(i % 1000) + 1}.${String(i % 100).padStart(2, '0')}</${p}Amt><${p}CdtDbtInd>${credit ? 'CRDT' : 'DBIT'}</${p}CdtDbtInd>` +
          `<${p}Sts><${p}Cd>BOOK</${p}Cd></${p}Sts><${p}BookgDt><${p}Dt>2026-11-21</${p}Dt></${p}BookgDt><${p}AcctSvcrRef>R${i}</${p}AcctSvcrRef>` +
          `<${p}NtryDtls><${p}TxDtls><${p}RltdPties><${p}Dbtr><${p}Pty><${p}Nm>${name}</${p}Nm></${p}Pty></${p}Dbtr></${p}RltdPties>` +
          `<${p}RmtInf><${p}Ustrd>batch ${i}</${p}Ustrd></${p}RmtInf></${p}TxDtls></${p}NtryDtls></${p}Ntry>`,
      );
    }
    const amounts = Array.from({ length: n }, (_, i) => ((i % 1000) + 1) * 100 + (i % 100));
    const cr = amounts.filter((_, i) => i % 3 !== 0);
    const db = amounts.filter((_, i) => i % 3 === 0);
    const dec = (m: number) => `${Math.trunc(m / 100)}.${String(m % 100).padStart(2, '0')}`;
    const close = 100000 + sum(cr) - sum(db);
    const ns = prefix ? `xmlns:${prefix}` : 'xmlns';
    return [
      `<?xml version="1.0" encoding="${encoding}"?>`,
      `<${p}Document ${ns}="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><${p}BkToCstmrStmt><${p}Stmt><${p}Id>S1</${p}Id>`,
      `<${p}Acct><${p}Id><${p}Othr><${p}Id>6222021001112223334</${p}Id></${p}Othr></${p}Id><${p}Ccy>CNY</${p}Ccy></${p}Acct>`,
      `<${p}Bal><${p}Tp><${p}CdOrPrtry><${p}Cd>PRCD</${p}Cd></${p}CdOrPrtry></${p}Tp><${p}Amt Ccy="CNY">1000.00</${p}Amt><${p}CdtDbtInd>CRDT</${p}CdtDbtInd><${p}Dt><${p}Dt>2026-11-20</${p}Dt></${p}Dt></${p}Bal>`,
      `<${p}Bal><${p}Tp><${p}CdOrPrtry><${p}Cd>CLBD</${p}Cd></${p}CdOrPrtry></${p}Tp><${p}Amt Ccy="CNY">${dec(Math.abs(close))}</${p}Amt><${p}CdtDbtInd>${close < 0 ? 'DBIT' : 'CRDT'}</${p}CdtDbtInd><${p}Dt><${p}Dt>2026-11-21</${p}Dt></${p}Dt></${p}Bal>`,
      `<${p}TxsSummry><${p}TtlCdtNtries><${p}NbOfNtries>${cr.length}</${p}NbOfNtries><${p}Sum>${dec(sum(cr))}</${p}Sum></${p}TtlCdtNtries><${p}TtlDbtNtries><${p}NbOfNtries>${db.length}</${p}NbOfNtries><${p}Sum>${dec(sum(db))}</${p}Sum></${p}TtlDbtNtries></${p}TxsSummry>`,
      ...entries,
      `</${p}Stmt></${p}BkToCstmrStmt></${p}Document>`,
    ].join('\n');
  }

  it('streams a large statement across many parser chunks, every entry on its own line', () => {
    const n = 20000;
    const xml = bigStatement(n);
    expect(xml.length).toBeGreaterThan(8 * 65536);
    const p = runParser(camt053, 'big.xml', utf8(xml));
    expect(p.rejects).toEqual([]);
    expect(p.bank).toHaveLength(n);
    expect(p.bank[0]).toMatchObject({ source: { line: 7 }, direction: 'debit', amountMinor: 100, reference: 'R0', description: 'batch 0' });
    expect(p.bank[1]).toMatchObject({ source: { line: 8 }, direction: 'credit', amountMinor: 201, counterpartyName: 'Settlement Payer' });
    expect(p.bank[n - 1]!.source.line).toBe(n + 6);
    expect(p.checks).toHaveLength(5);
    expect(p.checks.every((c) => c.declared === c.computed)).toBe(true);
    expect(p.checks.find((c) => c.name.startsWith('CLBD'))!.name).toContain('= PRCD + credits');
    expect(infoOf(p)).toEqual({ units: n, nonDataUnits: 0, accountNumber: '6222021001112223334', variant: 'camt.053.001.08' });
  });

  it('reads prefixed element names and the encoding the XML declaration names', () => {
    const xml = bigStatement(3, 'ns2', 'ISO-8859-1', 'Müller GmbH');
    const bytes = new Uint8Array(iconv.encode(xml, 'latin1'));
    expect(camt053.sniff(bytes, 'l1.xml')).toBe(0.9);
    const p = runParser(camt053, 'l1.xml', bytes);
    expect(p.bank.map((b) => [b.direction, b.amountMinor, b.counterpartyName])).toEqual([
      ['debit', 100, undefined],
      ['credit', 201, 'Müller GmbH'],
      ['credit', 302, 'Müller GmbH'],
    ]);
    expect(p.checks.every((c) => c.declared === c.computed)).toBe(true);
  });
});
