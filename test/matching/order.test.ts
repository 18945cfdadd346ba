import { describe, expect, it } from 'vitest';
import { byTimeThenLine, localeOrder } from '../../src/matching/order.js';
import { picker, seeded } from './_random.js';

const sign = (n: number): number => Math.sign(n);

/**
 * Strings the rules order: ISO times of one zone and of others (code-unit order and collation
 * agree where two differ first in a digit, even across offsets), and the cases where they part:
 * `Z` against an offset, milliseconds against none, letters of both cases, punctuation, CJK, prefixes.
 */
const STRINGS = [
  '2026-10-05T10:11:00+08:00',
  '2026-10-05T10:11:01+08:00',
  '2026-10-05T03:11:00+01:00',
  '2026-10-05T02:11:00+00:00',
  '2026-10-05T02:11:00Z',
  '2026-10-05T02:11:00.500Z',
  '2026-10-05T10:11:00.123+08:00',
  '2026-10-05T10:11:00-05:00',
  '2026-10-05',
  '2026-10-5',
  '2026-1-05',
  '2026-10',
  '2026-09',
  '2026-10-05 10:11',
  'a2026',
  'B2026',
  'b2026',
  'credit',
  'debit',
  'Debit',
  'qr',
  '上海味道餐饮有限公司',
  '上海味道超市有限公司',
  '10078087',
  '1007808',
  '10078087A',
  '',
  '2026-10-05T10:11:00+08:00\u0301',
  '1\u0301',
  '1',
  '2',
];

describe('localeOrder', () => {
  it('orders every pair of the tricky strings as localeCompare does', () => {
    for (const x of STRINGS) for (const y of STRINGS) expect([x, y, sign(localeOrder(x, y))]).toEqual([x, y, sign(x.localeCompare(y))]);
  });

  it('orders random times of mixed offsets and layouts as localeCompare does', () => {
    const random = seeded(7);
    const pick = picker(random);
    const two = (n: number) => String(n).padStart(2, '0');
    const time = () =>
      `2026-${two(1 + Math.floor(random() * 12))}-${two(1 + Math.floor(random() * 28))}T${two(Math.floor(random() * 24))}:${two(Math.floor(random() * 60))}:00` +
      pick(['', '.250', '.5']) +
      pick(['+08:00', '+08:00', '+00:00', 'Z', '-05:00', '+0800']);
    for (let i = 0; i < 20_000; i++) {
      const x = time();
      const y = random() < 0.2 ? x : time();
      expect(sign(localeOrder(x, y))).toBe(sign(x.localeCompare(y)));
    }
  });

  it('sorts records by time, then by line', () => {
    const r = (txnTime: string, line: number) => ({ txnTime, source: { line } });
    const sorted = [r('2026-10-05T10:11:00+08:00', 9), r('2026-10-05T10:11:00+08:00', 3), r('2026-10-04T23:00:00+08:00', 5)].sort(byTimeThenLine);
    expect(sorted.map((x) => x.source.line)).toEqual([5, 3, 9]);
  });
});
