import { describe, expect, it } from 'vitest';
import { duplicateSales, salesInTimeOrder } from '../../src/matching/duplicates.js';
import { randomMerchant, where } from './_random.js';
import { duplicateSalesByScan } from './_scan-reference.js';

const pairs = (m: ReadonlyMap<{ source: { file: string; line: number } }, { source: { file: string; line: number } }>) =>
  [...m].map(([repeat, first]) => `${where(repeat)} repeats ${where(first)}`);

describe('duplicateSales', () => {
  it.each(Array.from({ length: 30 }, (_, i) => ({ seed: 100 + i, n: 5 + ((i * 11) % 80) })))('matches the code it replaced: seed $seed, $n records', ({ seed, n }) => {
    const { acquirer } = randomMerchant(seed, n);
    const expected = pairs(duplicateSalesByScan(acquirer));
    expect(pairs(duplicateSales(acquirer))).toEqual(expected);
    expect(pairs(duplicateSales(acquirer, salesInTimeOrder(acquirer)))).toEqual(expected);
  });
});
