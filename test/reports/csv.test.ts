import { parseString } from 'fast-csv';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { FINDING_COLUMNS, findingsCsv, rejectsCsv } from '../../src/reports/csv.js';

/** Reads CSV text back the way a spreadsheet import does: one array of cells per row. */
function readCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text, { headers: false })
      .on('data', (row: string[]) => rows.push(row))
      .on('error', reject)
      .on('end', () => resolve(rows));
  });
}

const finding: Finding = {
  id: 'f1',
  rule: 'fee-overcharge',
  severity: 'high',
  merchantId: '898310048990001',
  terminalId: '10078087',
  reference: '201509061122',
  txnTime: '2026-11-20T10:11:12+08:00',
  currency: 'CNY',
  amountMinor: 476800,
  expectedMinor: 2622,
  actualMinor: 2861,
  differenceMinor: 239,
  message: '手续费 28.61 元高于合同费率 0.55% 应收的 26.22 元，多收 2.39 元，"引号"与逗号,也保留。',
  evidence: [
    { file: 'acquirer/银联商务_898310048990001_202611.csv', line: 12 },
    { file: 'pos.csv', line: 3 },
  ],
};

describe('findings.csv', () => {
  it('opens in Excel with Chinese intact (UTF-8 BOM) and one column per field, amounts in yuan', async () => {
    const bytes = await findingsCsv([finding, { ...finding, id: 'f2', differenceMinor: -5, terminalId: undefined }]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = await readCsv(bytes.subarray(3).toString('utf8'));
    expect(rows[0]).toEqual([...FINDING_COLUMNS]);
    expect(rows.every((r) => r.length === FINDING_COLUMNS.length)).toBe(true);
    const row = Object.fromEntries(FINDING_COLUMNS.map((c, i) => [c, rows[1]![i]]));
    expect(row).toMatchObject({
      rule: 'fee-overcharge',
      merchantId: '898310048990001',
      amount: '4768.00',
      expected: '26.22',
      actual: '28.61',
      difference: '2.39',
      message: finding.message,
      evidence: 'acquirer/银联商务_898310048990001_202611.csv:12; pos.csv:3',
    });
    // A negative amount stays a number a spreadsheet can add up, not text.
    expect(rows[2]![FINDING_COLUMNS.indexOf('difference')]).toBe('-0.05');
    expect(rows[2]![FINDING_COLUMNS.indexOf('terminalId')]).toBe('');
  });

  it('writes a header-only file when there is nothing to report', async () => {
    const rows = await readCsv((await findingsCsv([])).subarray(3).toString('utf8'));
    expect(rows).toEqual([[...FINDING_COLUMNS]]);
  });
});

describe('rejects.csv', () => {
  it('keeps file, line, reason and the raw text, commas and quotes included', async () => {
    const raw = '898310048990001,上海味道,"12,3a",R1';
    const bytes = await rejectsCsv([{ file: 'a.csv', line: 7, reason: 'amount: expected a decimal, got "12,3a"', raw }]);
    const rows = await readCsv(bytes.subarray(3).toString('utf8'));
    expect(rows).toEqual([
      ['file', 'line', 'reason', 'raw'],
      ['a.csv', '7', 'amount: expected a decimal, got "12,3a"', raw],
    ]);
  });
});
