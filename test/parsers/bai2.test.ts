import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bai2 } from '../../src/parsers/bai2.js';
import type { FileInfo } from '../../src/parsers/types.js';
import { runParser, sum, utf8, type Parsed } from './_helpers.js';

const DIR = 'samples/public/bai2';
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
 * 16 records summed by hand and by a separate script (type < 400 credit): sample1 has five 108
 * credits (2035.00 + 25.00 + 25.00 + 115.00 + 1000.00) and twelve 409 debits (2085.00 + 1115.00).
 * Checks: two per account (49), three per group (98), three for the file (99). Units are logical
 * records, which the 99 trailer also counts.
 */
const GOLDEN = [
  { file: 'moov-sample1.txt', totals: [5, 320000, 12, 320000], units: 27, checks: 10, currency: 'CAD', account: '10200123456' },
  { file: 'moov-sample2.txt', totals: [4, 30950000, 0, 0], units: 31, checks: 25, currency: 'USD', account: '0123456789' },
  { file: 'moov-sample3.txt', totals: [13, 39713, 13, 59418], units: 74, checks: 36, currency: 'USD', account: '1111111' },
] as const;

describe('bai2', () => {
  it.each(GOLDEN)('$file: details by type code, 49/98/99 control totals and record counts all agree', (g) => {
    expect(bai2.sniff(read(g.file), g.file)).toBe(0.9);
    const p = runParser(bai2, g.file, read(g.file));
    expect(p.rejects).toEqual([]);
    expect(totals(p)).toEqual(g.totals);
    expect(p.checks).toHaveLength(g.checks);
    expect(p.checks.filter((c) => c.declared !== c.computed)).toEqual([]);
    expect(p.bank.every((b) => b.currency === g.currency && b.format === 'bai2')).toBe(true);
    const info = infoOf(p);
    expect(info.units).toBe(g.units);
    expect(info.accountNumber).toBe(g.account);
    expect(p.bank.length + p.rejects.length + info.nonDataUnits).toBe(info.units);
    const fileCount = p.checks.find((c) => c.name === '99 file record count')!;
    expect(fileCount.declared).toBe(g.units);
  });

  it('reads the detail fields: as-of date, value date of funds type V, references, 88 text', () => {
    const s1 = runParser(bai2, 's1.txt', read('moov-sample1.txt'));
    expect(s1.bank[0]).toEqual({
      source: { file: 's1.txt', line: 5 },
      format: 'bai2',
      bookingDate: '2006-03-17',
      valueDate: '2006-03-16',
      direction: 'debit',
      amountMinor: 2500,
      currency: 'CAD',
      accountNumber: '10200123456',
      description: '409 RETURNED CHEQUE',
    });
    const s2 = runParser(bai2, 's2.txt', read('moov-sample2.txt'));
    expect(s2.bank.find((b) => b.source.line === 16)).toMatchObject({
      direction: 'credit',
      amountMinor: 20000000,
      valueDate: '2004-06-22',
      reference: 'SP4738',
      description: '218 PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO',
    });
    // Several records on one line, and a record's text wrapped onto a line of its own.
    const s3 = runParser(bai2, 's3.txt', read('moov-sample3.txt'));
    expect(s3.bank.filter((b) => b.source.line === 3).map((b) => b.amountMinor)).toEqual([2500, 500]);
    expect(s3.bank.find((b) => b.source.line === 18)!.description).toBe('142 111111 ACH_SETL 1111111111 111111111111111 1111111111');
  });

  it('reports the moov continuation sample, whose trailers do not describe its records', () => {
    const file = 'moov-sample4-continuations-newline-delimited.txt';
    const p = runParser(bai2, file, read(file));
    expect(p.rejects).toEqual([]);
    expect(totals(p)).toEqual([9, 600731, 8, 31349055]);
    expect(p.bank[0]!.description).toBe(
      '447 ACH Credit Payment,Entry Description: EXP; -, SEC: CCD, Client Ref ID: 1111, GS ID: SPB2322984714570 EREF: 1111 DBNM: TEST INC CACT: ACHCONTROLOUTUSD01',
    );
    expect(p.checks.filter((c) => c.declared !== c.computed).map((c) => [c.name, c.line])).toEqual([
      ['49 account control total (account 107049932)', 22],
      ['49 account record count (account 107049932)', 22],
      ['49 account control total (account 104108339)', 110],
      ['49 account record count (account 104108339)', 110],
      ['98 group control total', 115],
      ['98 number of accounts', 115],
      ['98 group record count', 115],
      ['99 file control total', 116],
      ['99 file record count', 116],
    ]);
    // Account 107049932: 03 amounts 68,658.98 + 19.12, details 600.00 + 1,435.00 + 9,286.50.
    expect(p.checks.find((c) => c.name === '49 account control total (account 107049932)')!.computed).toBe(6865898 + 1912 + 60000 + 143500 + 928650);
  });

  it('rejects a bad detail amount by its line, reads the rest, and the control totals show the loss', () => {
    const source = text('moov-sample1.txt').replace('16,409,000000000002500,V,060316,,,,RETURNED CHEQUE', '16,409,00000000000250O,V,060316,,,,RETURNED CHEQUE');
    const p = runParser(bai2, 'bad.txt', utf8(source));
    expect(p.rejects.map((r) => [r.file, r.line, r.reason])).toEqual([['bad.txt', 5, '16: amount: expected digits, got "00000000000250O"']]);
    expect(p.bank).toHaveLength(16);
    expect(p.checks.filter((c) => c.declared !== c.computed).map((c) => [c.name, c.declared, c.computed, c.line])).toEqual([
      ['49 account control total (account 10200123456)', 834000, 831500, 16],
      ['98 group control total', 1280000, 1277500, 26],
      ['99 file control total', 1280000, 1277500, 27],
    ]);
  });

  it('reports a missing detail record through the record count and the total', () => {
    const lines = text('moov-sample1.txt').split('\n');
    lines.splice(5, 1);
    const p = runParser(bai2, 'gone.txt', utf8(lines.join('\n')));
    expect(p.rejects).toEqual([]);
    const wrong = p.checks.filter((c) => c.declared !== c.computed);
    expect(wrong.map((c) => [c.name, c.declared, c.computed])).toEqual([
      ['49 account control total (account 10200123456)', 834000, 834000 - 90000],
      ['49 account record count (account 10200123456)', 14, 13],
      ['98 group control total', 1280000, 1280000 - 90000],
      ['98 group record count', 25, 24],
      ['99 file control total', 1280000, 1280000 - 90000],
      ['99 file record count', 27, 26],
    ]);
  });

  it('rejects the headers of a file cut short before its trailers, keeping the details read', () => {
    const lines = text('moov-sample1.txt').split('\n');
    const p = runParser(bai2, 'cut.txt', utf8(lines.slice(0, 24).join('\n')));
    expect(p.bank).toHaveLength(11 + 6);
    expect(p.rejects.map((r) => [r.line, r.reason])).toEqual([
      [17, '03 account 10200123456: account has no 49 trailer: the file is cut short or damaged'],
      [2, '02 group: group has no 98 trailer: the file is cut short or damaged'],
      [1, '01 file header: file has no 99 trailer: the file is cut short or damaged'],
    ]);
    const info = infoOf(p);
    expect(p.bank.length + p.rejects.length + info.nonDataUnits).toBe(info.units);
  });

  it('rejects a detail type code that is neither a credit nor a debit', () => {
    const p = runParser(bai2, 't.txt', utf8(text('moov-sample1.txt').replace('16,108,000000000002500,V,060316,,,,MACLEOD MALL', '16,890,000000000002500,V,060316,,,,MACLEOD MALL')));
    expect(p.rejects.map((r) => [r.line, r.reason])).toEqual([[9, '16: type code: expected a credit (100–399) or debit (400–699) detail, got "890"']]);
  });

  it.each([['swift-mt940/jejik_ing.sta'], ['iso20022-camt053/camt053.v8.xml'], ['cn-bank-statements/cmb-debit.csv'], ['bai2/SOURCES.txt']])(
    'does not claim %s',
    (path) => {
      expect(bai2.sniff(new Uint8Array(readFileSync(`samples/public/${path}`)), path)).toBe(0);
    },
  );
});
