import { describe, expect, it } from 'vitest';
import type { Reject } from '../../src/model/records.js';
import { unparseableRow } from '../../src/rules/unparseable-row.js';
import { scenario } from './_fixtures.js';

const reject = (o: Partial<Reject> = {}): Reject => ({
  file: 'inbox/pos_898310048990003_202611.csv',
  line: 118,
  reason: 'amount: expected a decimal, got "12O.00"',
  raw: '2026-11-20 10:11:12,10078087,12O.00',
  ...o,
});

describe('unparseable-row', () => {
  it('turns every reject into a high finding naming the file, the line and the reason', () => {
    const findings = scenario().runAll(unparseableRow, {
      rejects: [reject(), reject({ file: 'other.csv', line: 7, reason: 'txnTime: missing', raw: ',,1.00' })],
      fileMerchant: { 'inbox/pos_898310048990003_202611.csv': '898310048990003' },
    });
    expect(findings).toMatchObject([
      {
        rule: 'unparseable-row',
        severity: 'high',
        merchantId: '898310048990003',
        currency: 'CNY',
        evidence: [{ file: 'inbox/pos_898310048990003_202611.csv', line: 118 }],
        message: 'inbox/pos_898310048990003_202611.csv 第 118 行无法解析：amount: expected a decimal, got "12O.00"',
      },
      { merchantId: '', evidence: [{ file: 'other.csv', line: 7 }], message: 'other.csv 第 7 行无法解析：txnTime: missing' },
    ]);
  });

  it.each([
    { name: 'the same row read from another folder', other: reject({ file: 'archive/2026-11-21/pos_898310048990003_202611.csv' }), same: true },
    { name: 'the same text on another line', other: reject({ line: 119 }), same: false },
    { name: 'another row on the same line of another file', other: reject({ file: 'inbox/pos_898310048990003_202612.csv' }), same: false },
  ])('id: $name', ({ other, same }) => {
    const [a, b] = scenario().runAll(unparseableRow, { rejects: [reject(), other] });
    expect(a?.id === b?.id).toBe(same);
  });

  it('is silent when nothing was rejected', () => {
    expect(scenario().runAll(unparseableRow)).toEqual([]);
  });
});
