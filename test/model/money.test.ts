import { describe, expect, it } from 'vitest';
import { applyRate, formatDecimal, formatGrouped, parseAmount, parseRate } from '../../src/model/money.js';

describe('parseAmount', () => {
  it.each([
    ['1,234.50', 123450],
    ['1234.5', 123450],
    ['0.01', 1],
    ['-13.40', -1340],
    ['+8.00', 800],
    ['13.40-', -1340],
    ['(13.40)', -1340],
    ['¥1,000.00', 100000],
    ['`12.34', 1234],
    ['１２.３４', 1234],
    ['  88  ', 8800],
    ['0.10000', 10],
    ['90071992547409.91', 9007199254740991],
    // The plain shapes read without regular expressions, and their edges.
    ['219.78', 21978],
    ['12.', 1200],
    ['-0.00', 0],
    ['007.5', 750],
    ['1234567890123.45', 123456789012345],
    ['12345678901234.56', 1234567890123456],
    ['1.230', 123],
  ])('%s → %i fen', (text, minor) => {
    expect(parseAmount(text)).toEqual({ ok: true, minor });
  });

  it.each([
    ['12,3a', 'expected a decimal'],
    ['', 'empty amount'],
    ['1.234', 'more than 2 decimals'],
    ['12O.00', 'expected a decimal'],
    ['1,23,4.00', 'expected a decimal'],
    ['900719925474099.12', 'out of range'],
    ['.50', 'expected a decimal'],
    ['-', 'expected a decimal'],
    ['1.2.3', 'expected a decimal'],
    ['1.235', 'more than 2 decimals'],
  ])('refuses %s', (text, reason) => {
    const parsed = parseAmount(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('never goes through a float: 0.1 + 0.2 style sums stay exact', () => {
    const parts = ['0.10', '0.20', '1,099.99', '0.01'].map((t) => {
      const p = parseAmount(t);
      if (!p.ok) throw new Error(p.reason);
      return p.minor;
    });
    expect(parts.reduce((a, b) => a + b, 0)).toBe(110030);
  });

  it('reads five decimals when asked (WeChat fees), and whole units for a currency without decimals', () => {
    expect(parseAmount('0.12345', 5)).toEqual({ ok: true, minor: 12345 });
    expect(parseAmount('1.5', 5)).toEqual({ ok: true, minor: 150000 });
    expect(parseAmount('1200', 0)).toEqual({ ok: true, minor: 1200 });
    expect(parseAmount('1200.0', 0)).toEqual({ ok: true, minor: 1200 });
    expect(parseAmount('1200.5', 0).ok).toBe(false);
  });
});

describe('rates and fees', () => {
  it.each([
    ['0.55%', 5500],
    ['0.0325%', 325],
    ['0.6%', 6000],
    ['0.0055', 5500],
    ['38bp', 3800],
  ])('parseRate(%s) = %i ppm', (text, ppm) => expect(parseRate(text)).toEqual({ ok: true, ppm }));

  it.each([
    // 4768.00 × 0.55% = 26.224 → 26.22
    [476800, 5500, 2622],
    // 100.91 × 0.55% = 0.555005 → 0.56 (half up)
    [10091, 5500, 56],
    // exactly half a fen rounds up: 1.00 × 0.5% = 0.005 → 0.01
    [100, 5000, 1],
    [-476800, 5500, -2622],
    // large amounts stay exact: 90 trillion fen × 0.6%
    [9_000_000_000_000_00, 6000, 5_400_000_000_000],
  ])('applyRate(%i, %i) = %i', (amount, ppm, fee) => expect(applyRate(amount, ppm)).toBe(fee));

  it('prices in plain integers exactly as in BigInt, up to where they stop being exact and past it', () => {
    const bigint = (amount: number, ppm: number) => {
      const r = Number((BigInt(Math.abs(amount)) * BigInt(ppm) + 500_000n) / 1_000_000n);
      return amount < 0 ? -r : r;
    };
    // Half-fen boundaries (x.5 fen and just below), and products on both sides of 2^53.
    const amounts = [1, 99, 100, 199, 999_999, 1_000_001, 123_456_789, 4_503_599_627, 9_007_199_254, 90_071_992_547, 900_719_925_474];
    const rates = [0, 1, 3800, 5000, 5500, 6000, 999_999, 1_000_000];
    for (const amount of amounts) {
      for (const ppm of rates) {
        for (const a of [amount, -amount, amount + 1]) expect(applyRate(a, ppm), `${a} × ${ppm}`).toBe(bigint(a, ppm));
      }
    }
  });

  it('formats yuan', () => {
    expect(formatDecimal(123450)).toBe('1234.50');
    expect(formatDecimal(-5)).toBe('-0.05');
    expect(formatGrouped(123456789)).toBe('1,234,567.89');
    expect(formatGrouped(-100000)).toBe('-1,000.00');
  });
});
