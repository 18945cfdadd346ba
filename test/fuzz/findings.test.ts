import { describe, expect, it } from 'vitest';
import { PARSERS } from '../../src/parsers/index.js';
import type { Parser } from '../../src/parsers/types.js';
import { checkParse, SEEDS, type Seed } from './_harness.js';
import { mutate, type Mutation } from './_mutate.js';

/**
 * What the fuzz harness found in the parsers, replayed as fixed cases so each fix stays fixed.
 * Each is the shrunk counterexample fast-check reported: a seed file and the edits made to it.
 * (The spreadsheet-library findings are in test/safety/preflight.test.ts: the fix is there.)
 */

const parser = (id: string): Parser => PARSERS.find((p) => p.id === id)!;
const seed = (name: string): Seed => SEEDS.find((s) => s.name === name)!;

describe('fuzz findings, replayed', () => {
  it.each<[string, string, string, Mutation[]]>([
    // An empty file: a reject at line 1 but 0 units, so a run would stop with ACCOUNTING_UNBALANCED.
    ['wechat-trade-bill', 'an empty bill', 'extracted_wxjava_bill_ALL.csv', [{ op: 'truncate', at: 0 }]],
    ['alipay-bill', 'an empty bill', '20881234567890120156_20261120_业务明细.csv', [{ op: 'truncate', at: 0 }]],
    ['unionpay-acp-zm', 'an empty RD summary', 'RD201015090501_802310048993424', [{ op: 'truncate', at: 0 }]],
    // A workbook the spreadsheet library rejects: one reject, and it had 0 units.
    ['bank-statement-cn', 'a workbook that cannot be opened', 'spdb-debit.xls', [{ op: 'dropLine', line: 77067393 }]],
    // 收入笔数 of 29 digits: a count past 2^53 was taken as a float.
    ['wechat-trade-bill', 'a fund bill whose summary lines are swapped into the count', 'sandbox_downloadfundflow_Basic.csv', [{ op: 'swapLines', a: 394043005, b: 580882602 }]],
  ])('%s: %s', (id, _what, name, mutations) => {
    const s = seed(name);
    expect(checkParse(parser(id), s, mutate(s.bytes, mutations))).toBeUndefined();
  });

  it('bai2: a negative distributed-availability count does not walk the summary loop backwards (a hang)', () => {
    const s = seed('moov-sample2.txt');
    const text = Buffer.from(s.bytes).toString('latin1');
    // 03 account summary with funds type D and a damaged count: before the fix, the loop index went
    // back by twice the count and crept forward 4 at a time (1 s for -1437588; ten times that for this one, past the hang bound).
    const damaged = text.replace(/^03,9876543210,.*$/m, '03,9876543210,,010,-500000,,D,-14375880,0,1,400,2000000,,,190/');
    expect(damaged).not.toBe(text);
    const bytes = new Uint8Array(Buffer.from(damaged, 'latin1'));
    expect(checkParse(parser('bai2'), s, bytes)).toBeUndefined();
  });
});
