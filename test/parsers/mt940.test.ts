import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { mt940 } from '../../src/parsers/mt940.js';
import type { FileInfo } from '../../src/parsers/types.js';
import { runParser, sum, utf8, type Parsed } from './_helpers.js';

const DIR = 'samples/public/swift-mt940';
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}/${name}`));
const text = (name: string): string => readFileSync(`${DIR}/${name}`, 'utf8');
const infoOf = (p: Parsed): FileInfo => {
  const e = p.events.find((x) => x.kind === 'info');
  if (e?.kind !== 'info') throw new Error('no info event');
  return e.info;
};
const totals = (p: Parsed) => {
  const c = p.bank.filter((b) => b.direction === 'credit');
  const d = p.bank.filter((b) => b.direction === 'debit');
  return [c.length, sum(c.map((b) => b.amountMinor)), d.length, sum(d.map((b) => b.amountMinor))];
};

/**
 * Added up by hand from the files (minor units). Three of the library test files do not balance:
 * jejik_abnamro (3236,28 − 321,44 ≠ 876,84; 2876,84 − 24,49 ≠ 1849,75), jejik_ing (0 + 4,68 − 50,27
 * ≠ 3,47) and the second statement of betterplace (−1970431,87 + 1070651,81 − 3572569,11 =
 * −4472349,17 ≠ −4472049,09). The parser must report exactly those.
 */
const GOLDEN = [
  {
    file: 'betterplace_sepa_snippet.sta',
    totals: [8, 143074572, 3, 357406911],
    checks: [
      [112525040, 112525040, 22],
      [-447204909, -447234917, 55],
    ],
    units: 57,
    account: '50880050/0194787400888',
  },
  {
    file: 'cmxl_mt940.sta',
    totals: [7, 7243674, 9, 6010944],
    checks: [
      [8443704, 8443704, 27],
      [438795, 438795, 45],
      [5004000, 5004000, 73],
    ],
    units: 75,
    account: '45050050/76198810',
  },
  {
    file: 'jejik_abnamro.sta',
    totals: [0, 0, 10, 34593],
    checks: [
      [87684, 291484, 27],
      [184975, 285235, 40],
    ],
    units: 41,
    account: '517852257',
  },
  { file: 'jejik_ing.sta', totals: [2, 468, 5, 5027], checks: [[347, -4559, 26]], units: 28, account: '0001234567' },
  {
    file: 'jejik_rabobank-iban.sta',
    totals: [0, 0, 4, 7000],
    checks: [
      [96500, 96500, 13],
      [93000, 93000, 25],
    ],
    units: 25,
    account: 'NL71RABO0123456789',
  },
  { file: 'mBank_mt940.sta', totals: [3, 3, 0, 0], checks: [[43, 43, 24]], units: 26, account: 'PL29114010810000267002001002' },
] as const;

describe('mt940', () => {
  it.each(GOLDEN)('$file: entries, sums, opening + lines = closing per statement', (g) => {
    expect(mt940.sniff(read(g.file), g.file)).toBe(0.9);
    const p = runParser(mt940, g.file, read(g.file));
    expect(p.rejects).toEqual([]);
    expect(totals(p)).toEqual(g.totals);
    expect(p.checks.map((c) => [c.declared, c.computed, c.line])).toEqual(g.checks);
    expect(p.checks.every((c) => c.file === g.file && /^:62[FM]: closing balance = opening \+ credits − debits \(statement /.test(c.name))).toBe(true);
    expect(p.bank.every((b) => b.format === 'mt940' && /^:61:/.test(text(g.file).split('\n')[b.source.line - 1] ?? ''))).toBe(true);
    const info = infoOf(p);
    expect(info).toMatchObject({ units: g.units, accountNumber: g.account });
    expect(p.bank.length + p.rejects.length + info.nonDataUnits).toBe(info.units);
  });

  it('reads the :61: subfields and the wrapped :86: text', () => {
    const bp = runParser(mt940, 'bp.sta', read('betterplace_sepa_snippet.sta'));
    // :61:0709070904CR50990,05NTRFNONREF//0724710333343453 — value 07-09-07, entry 09-04, funds code R.
    expect(bp.bank[0]).toMatchObject({
      source: { file: 'bp.sta', line: 5 },
      valueDate: '2007-09-07',
      bookingDate: '2007-09-04',
      direction: 'credit',
      amountMinor: 5099005,
      currency: 'EUR',
      reference: '0724710333343453',
      // ?32KARL?33        KAUFMANN, ?31 the payer's IBAN, wrapped across three lines.
      counterpartyName: 'KARL KAUFMANN',
      counterpartyAccount: 'DE14508800500194785000',
    });
    expect(bp.bank[0]!.description).toBe('NTRF / GUTSCHRIFT / EREF+EndToEndId TFNR 22 004 00001SVWZ+Verw CTSc-01 BC-PPP TFNr 22 004');
    // A name that runs over the 65-character line: "…Fuellzeichen xxxxxxxx".
    expect(bp.bank.find((b) => b.source.line === 38)!.counterpartyName).toBe('Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx');
    const rabo = runParser(mt940, 'rabo.sta', read('jejik_rabobank-iban.sta'));
    // The counterparty IBAN on the :61: supplementary line, the name in /NAME/.
    expect(rabo.bank[0]).toMatchObject({ counterpartyName: 'CONTRA ACCOUNT HOLDER', counterpartyAccount: 'NL70ABNA0987654321' });
    expect(rabo.bank[1]).toMatchObject({ counterpartyName: 'JOHN DOE', description: 'N154 / P001234567 / Reference 201301234' });
    const ing = runParser(mt940, 'ing.sta', read('jejik_ing.sta'));
    expect(ing.bank[0]!.description).toBe('NTRF / RC AFREKENING BETALINGSVERKEER BETREFT REKENING 4715589 PERIODE: 01-10-2010 / 31-12-2010 ING Bank N.V. tarifering ING');
  });

  it('reads Latin-1 with CRLF the same as UTF-8, accents kept', () => {
    const source = text('betterplace_sepa_snippet.sta').replace(/Fuellzeichen/g, 'Füllzeichen');
    const latin1 = new Uint8Array(iconv.encode(source.replace(/\n/g, '\r\n'), 'latin1'));
    const a = runParser(mt940, 'x.sta', latin1);
    const b = runParser(mt940, 'x.sta', utf8(source));
    expect(a.bank).toEqual(b.bank);
    expect(a.checks).toEqual(b.checks);
    expect(a.bank.find((e) => e.source.line === 38)!.counterpartyName).toBe('Richter Renate 70 Zeichen Beginn Füllzeichen xxxxxxxx');
  });

  it('reads a statement inside a SWIFT envelope', () => {
    const wrapped = `{1:F01BREXPLPWAXXX0000000000}{2:O9401200170119BREXPLPWAXXX00000000001701191200N}{4:\r\n${text('mBank_mt940.sta').trim().replace(/\n/g, '\r\n')}}\r\n`;
    const p = runParser(mt940, 'env.fin', utf8(wrapped));
    expect(p.rejects).toEqual([]);
    expect(totals(p)).toEqual([3, 3, 0, 0]);
    expect(p.checks.map((c) => [c.declared, c.computed])).toEqual([[43, 43]]);
  });

  it.each([
    ['CR50990,05NTRF', 'CR5O990,05NTRF', ':61: expected value date YYMMDD, [entry date MMDD], mark C/D/RC/RD, amount, type code (e.g. NTRF), reference; got "0709070904CR5O990,05NTRFNONREF//0724710333343453"'],
    ['CR50990,05NTRF', 'CR50990,0,5NTRF', ':61: amount: expected digits with one decimal comma, got "50990,0,5"'],
    ['0709070904CR', '0709320904CR', ':61: value date: expected YYMMDD, got "070932"'],
  ])('rejects a bad statement line (%s → %s), reads the others, and the closing balance check shows it', (from, to, reason) => {
    const source = text('betterplace_sepa_snippet.sta').replace(from, to);
    const p = runParser(mt940, 'bad.sta', utf8(source));
    expect(p.rejects.map((r) => [r.file, r.line, r.reason])).toEqual([['bad.sta', 5, reason]]);
    expect(p.rejects[0]!.raw.split('\n')[0]).toBe(source.split('\n')[4]);
    expect(p.bank).toHaveLength(10);
    expect(p.checks.map((c) => [c.declared, c.computed, c.line])[0]).toEqual([112525040, 112525040 - 5099005, 22]);
  });

  it('reports a closing balance that disagrees with the lines, naming file and line', () => {
    const p = runParser(mt940, 'mb.sta', utf8(text('mBank_mt940.sta').replace(':62F:C170119PLN0,43', ':62F:C170119PLN0,44')));
    expect(p.checks.map((c) => [c.file, c.line, c.currency, c.declared, c.computed])).toEqual([['mb.sta', 24, 'PLN', 44, 43]]);
    expect(p.bank).toHaveLength(3);
  });

  it('rejects a statement cut short before its closing balance, keeping the lines read', () => {
    const lines = text('betterplace_sepa_snippet.sta').split('\n');
    const p = runParser(mt940, 'cut.sta', utf8(lines.slice(0, 40).join('\n')));
    expect(p.bank.map((b) => b.source.line)).toEqual([5, 10, 15, 19, 29, 32, 35, 38]);
    expect(p.rejects).toEqual([
      {
        file: 'cut.sta',
        line: 25,
        reason: 'statement T089414096000001 00004/00001 has no closing balance (:62F:/:62M:): the file is cut short or damaged',
        raw: ':20:T089414096000001',
      },
    ]);
    expect(p.checks).toHaveLength(1);
    const info = infoOf(p);
    expect(p.bank.length + p.rejects.length + info.nonDataUnits).toBe(info.units);
  });

  it('rejects an opening balance it cannot read', () => {
    const p = runParser(mt940, 'ob.sta', utf8(text('mBank_mt940.sta').replace(':60F:C170119PLN0,40', ':60F:C170119PLN0.40')));
    expect(p.rejects.map((r) => [r.line, r.reason])).toEqual([
      [5, ':60F: expected D/C mark, YYMMDD, currency and amount (e.g. C070903EUR766656,49), got "C170119PLN0.40"'],
    ]);
    expect(p.bank).toHaveLength(3);
    expect(p.checks).toEqual([]);
  });

  it('books reversals the right way and dates entries across a year end', () => {
    const sta = [
      ':20:REV',
      ':25:CN12345678',
      ':28C:1/1',
      ':60F:C261231CNY1000,00',
      ':61:2612310102RC100,00NTRFNONREF//B1',
      ':86:reversal of a credit',
      ':61:2701021231RD25,50NTRFNONREF//B2',
      ':61:2612311231D0,50NCHGNONREF//B3',
      ':62F:C270102CNY925,00',
      '-',
    ].join('\n');
    const p = runParser(mt940, 'rev.sta', utf8(sta));
    expect(p.bank.map((b) => [b.direction, b.amountMinor, b.valueDate, b.bookingDate, b.description, b.reference])).toEqual([
      ['debit', 10000, '2026-12-31', '2027-01-02', '[reversal] / NTRF / reversal of a credit', 'B1'],
      ['credit', 2550, '2027-01-02', '2026-12-31', '[reversal] / NTRF', 'B2'],
      ['debit', 50, '2026-12-31', '2026-12-31', 'NCHG', 'B3'],
    ]);
    expect(p.checks.map((c) => [c.currency, c.declared, c.computed])).toEqual([['CNY', 92500, 100000 - 10000 + 2550 - 50]]);
  });

  it('rejects a statement line that belongs to no statement', () => {
    const p = runParser(mt940, 'o.sta', utf8(`:61:2612311231D0,50NCHGNONREF//B3\n${text('mBank_mt940.sta')}`));
    expect(p.rejects.map((r) => [r.line, r.reason])).toEqual([[1, ':61: statement line outside a statement (no :20: before it)']]);
    expect(p.bank).toHaveLength(3);
  });

  it.each([
    ['cn-bank-statements/icbc-debit-v1.csv'],
    ['iso20022-camt053/camt053.v8.xml'],
    ['bai2/moov-sample1.txt'],
    ['wechatpay-merchant-bill/extracted_wxjava_bill_ALL.csv'],
  ])('does not claim %s', (path) => {
    expect(mt940.sniff(new Uint8Array(readFileSync(`samples/public/${path}`)), path)).toBe(0);
  });

  it('does not claim an MT942 interim report (no :60F: opening balance)', () => {
    expect(mt940.sniff(utf8(':20:X\n:25:NL71RABO0123456789\n:28C:1\n:34F:EUR0,\n:13D:1301011200+0100\n:61:130101D10,00NTRFNONREF\n'), 'x.sta')).toBe(0);
  });
});
