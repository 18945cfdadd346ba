/**
 * Money is an integer count of the currency's minor unit, always with its currency.
 * Amounts are parsed from decimal text digit by digit: never through a float.
 */

/** Minor units per major unit. Currencies not listed have two decimals. */
const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, BHD: 3, KWD: 3 };

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

export type ParsedAmount = { ok: true; minor: number } | { ok: false; reason: string };

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * Parses a decimal amount as written in settlement files into minor units.
 * Accepts thousands separators (`1,234.50`), full-width digits, a leading `+`/`-`, a trailing `-`
 * (some bank exports), parentheses for negatives, a `¥`/`￥`/`元` decoration and surrounding
 * padding or backticks. More decimals than the currency has are refused unless they are zeros,
 * so a fee of `0.12345` is refused at scale 2 but accepted at scale 5 by the caller that asks for it.
 */
export function parseAmount(text: string, digits = 2): ParsedAmount {
  const plain = plainDecimal(text, digits);
  if (plain !== undefined) return { ok: true, minor: plain };
  let s = normaliseDigits(text).trim().replace(/^`+/, '').replace(/[¥￥元\s]/g, '');
  if (s === '') return { ok: false, reason: 'empty amount' };
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1);
  }
  if (s.endsWith('-') && !s.startsWith('-')) {
    negative = true;
    s = s.slice(0, -1);
  }
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) s = s.replace(/,/g, '');
  const m = DECIMAL.exec(s);
  if (!m) return { ok: false, reason: `expected a decimal, got "${text}"` };
  const [, sign, whole = '', frac = ''] = m;
  if (sign === '-') negative = !negative;
  let fraction = frac;
  if (fraction.length > digits) {
    if (!/^0*$/.test(fraction.slice(digits))) {
      return { ok: false, reason: `more than ${digits} decimals in "${text}"` };
    }
    fraction = fraction.slice(0, digits);
  }
  fraction = fraction.padEnd(digits, '0');
  const minor = Number(whole + fraction);
  if (!Number.isSafeInteger(minor)) return { ok: false, reason: `amount out of range: "${text}"` };
  return { ok: true, minor: negative && minor !== 0 ? -minor : minor };
}

/**
 * The common case of a monthly file's millions of amounts, read without regular expressions or
 * substrings: `-?digits` or `-?digits.d…` with at most `digits` decimals and at most 15 digits in
 * all (so the integer is exact). Anything else (padding, separators, signs elsewhere, more
 * decimals, long numbers) gives `undefined` and takes parseAmount's general path, which gives the
 * same result for these inputs.
 */
function plainDecimal(text: string, digits: number): number | undefined {
  const n = text.length;
  let i = text.charCodeAt(0) === 0x2d ? 1 : 0;
  const negative = i === 1;
  if (i >= n) return undefined;
  let minor = 0;
  let count = 0;
  let decimals = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      minor = minor * 10 + (c - 0x30);
      count++;
      if (decimals >= 0) decimals++;
    } else if (c === 0x2e && decimals < 0 && count > 0) {
      decimals = 0;
    } else {
      return undefined;
    }
  }
  if (count === 0 || count > 15 || decimals > digits) return undefined;
  for (let d = decimals < 0 ? 0 : decimals; d < digits; d++) minor *= 10;
  if (minor > Number.MAX_SAFE_INTEGER) return undefined;
  return negative && minor !== 0 ? -minor : minor;
}

/** Parses an amount already in minor units (UnionPay and ISO 8583 carry fen as digits). */
export function parseMinorDigits(text: string): ParsedAmount {
  const s = text.trim();
  if (!/^[+-]?\d+$/.test(s)) return { ok: false, reason: `expected digits, got "${text}"` };
  const minor = Number(s);
  if (!Number.isSafeInteger(minor)) return { ok: false, reason: `amount out of range: "${text}"` };
  return { ok: true, minor: minor === 0 ? 0 : minor };
}

function normaliseDigits(text: string): string {
  // Full-width digits and punctuation appear in hand-edited Chinese exports.
  return text.replace(/[\uFF10-\uFF19\uFF0C\uFF0E\uFF0B\uFF0D]/g, (c) =>
    String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

/** Formats minor units as a plain decimal: 123450 → "1234.50". */
export function formatDecimal(minor: number, digits = 2): string {
  const negative = minor < 0;
  const abs = Math.abs(minor).toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? abs : abs.slice(0, -digits);
  const frac = digits === 0 ? '' : `.${abs.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${frac}`;
}

/** Formats minor units with thousands separators: 123450000 → "1,234,500.00". */
export function formatGrouped(minor: number, digits = 2): string {
  const plain = formatDecimal(minor, digits);
  const [whole = '', frac] = plain.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digitsOnly = sign ? whole.slice(1) : whole;
  const grouped = digitsOnly.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/** A rate in parts per million of the amount: 0.55% = 5500 ppm. Exact for four decimals of a percent. */
export type RatePpm = number;

/** Parses `"0.55%"`, `"0.0055"` or `"55bp"` into parts per million, exactly. */
export function parseRate(text: string): { ok: true; ppm: RatePpm } | { ok: false; reason: string } {
  const s = text.trim();
  let m = /^(\d+)(?:\.(\d+))?\s*%$/.exec(s);
  if (m) return fromScaled(m[1] ?? '0', m[2] ?? '', 4, text);
  m = /^(\d+)(?:\.(\d+))?\s*bp$/i.exec(s);
  if (m) return fromScaled(m[1] ?? '0', m[2] ?? '', 2, text);
  m = /^(0|1)(?:\.(\d+))?$/.exec(s);
  if (m) return fromScaled(m[1] ?? '0', m[2] ?? '', 6, text);
  return { ok: false, reason: `expected a rate like "0.55%", got "${text}"` };
}

function fromScaled(whole: string, frac: string, scale: number, text: string) {
  if (frac.length > scale && !/^0*$/.test(frac.slice(scale))) {
    return { ok: false as const, reason: `rate "${text}" is finer than one part per million` };
  }
  const ppm = Number(whole + frac.slice(0, scale).padEnd(scale, '0'));
  return { ok: true as const, ppm };
}

/** Formats ppm as a percent: 5500 → "0.55%". */
export function formatRate(ppm: RatePpm): string {
  const s = (ppm / 10000).toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  return `${s}%`;
}

/**
 * amount × rate, rounded half up to the minor unit, computed in BigInt so that a large
 * amount times a rate never loses a fen to float precision.
 */
export function applyRate(amountMinor: number, ppm: RatePpm): number {
  // The same in plain integers while they stay exact (below 2^53: any amount under 90 million
  // yuan at a rate up to 100 %), which every fee of a monthly file is: BigInt costs more than
  // the rest of pricing a sale.
  const abs = Math.abs(amountMinor);
  const half = abs * ppm + 500_000;
  if (ppm >= 0 && Number.isInteger(ppm) && half <= Number.MAX_SAFE_INTEGER) {
    const result = (half - (half % 1_000_000)) / 1_000_000;
    return amountMinor < 0 ? -result : result;
  }
  const product = BigInt(abs) * BigInt(ppm);
  const rounded = (product + 500_000n) / 1_000_000n;
  const result = Number(rounded);
  return amountMinor < 0 ? -result : result;
}
