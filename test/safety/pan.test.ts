import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPan, luhnValid, maskPans, maskPansDeep } from '../../src/model/pan.js';
import { maskCard } from '../../src/parsers/_text.js';

/**
 * maskPans: the last line of defence between a card number in an input and an output. Test card
 * numbers are the schemes' published ones (Visa 4111…, Mastercard 5555…4444 and 2221…, Amex
 * 378282246310005, UnionPay 6212…); the Luhn check digit of the invented ones is computed below.
 */

/** Appends the Luhn check digit to a number's body. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${body}${d}`)) return `${body}${d}`;
  throw new Error('unreachable');
}

const UNIONPAY_19 = withCheckDigit('622202100111222333');

describe('maskPans', () => {
  it.each([
    ['a bare Visa number', 'card 4111111111111111 ok', 'card 411111******1111 ok'],
    ['Mastercard', '5555555555554444', '555555******4444'],
    ['Mastercard 2-series', '2221000000000009', '222100******0009'],
    ['Amex, 15 digits', 'x378282246310005y', 'x378282*****0005y'],
    ['Amex written 4-6-5', 'Amex 3782 822463 10005.', 'Amex 378282*****0005.'],
    ['a 19-digit UnionPay debit card', `卡号${UNIONPAY_19}，`, `卡号${maskCard(UNIONPAY_19)}，`],
    ['groups of four with spaces', 'PAN 4111 1111 1111 1111', 'PAN 411111******1111'],
    ['groups of four with dashes', '4111-1111-1111-1111', '411111******1111'],
    ['a card followed by a year in the same grouping', '4111 1111 1111 1111 2026', '411111******1111 2026'],
    ['a card preceded by a year in the same grouping', '2026-4111-1111-1111-1111', '2026-411111******1111'],
    ['letters glued to the number', 'CARD4111111111111111,', 'CARD411111******1111,'],
    ['in a CSV row', '"x",`4111111111111111\t,5.00', '"x",`411111******1111\t,5.00'],
    ['two cards in one text', '4111111111111111 / 5555555555554444', '411111******1111 / 555555******4444'],
  ])('masks %s', (_what, text, masked) => {
    expect(maskPans(text)).toBe(masked);
  });

  it.each([
    ['a UnionPay merchant id (15 digits, starts with 8)', '898310048990001'],
    ['an 8-prefixed number that passes Luhn', withCheckDigit('89831004899000')],
    ['a 9-prefixed number that passes Luhn', withCheckDigit('923456789012345')],
    ['an Alipay partner id (2088…)', withCheckDigit('208812345678901')],
    ['a timestamp', '20261120101112'],
    ['a 28-digit WeChat transaction id', '4200001234202611201234567890'],
    ['a 20-digit run (longer than any card)', withCheckDigit('4111111111111111111')],
    ['a 12-digit reference', '411111111111'],
    ['a 16-digit number failing Luhn', '4111111111111112'],
    ['an already masked card', '622202******0123'],
    ['an amount', '-1234567.89'],
    ['an ISO time', '2026-11-20T10:11:12+08:00'],
    ['a phone number', '+86 138-0013-8000'],
  ])('leaves %s alone', (_what, text) => {
    expect(maskPans(text)).toBe(text);
  });

  it('is idempotent and agrees with maskCard on records', () => {
    const once = maskPans(`a ${UNIONPAY_19} b 4111-1111-1111-1111`);
    expect(maskPans(once)).toBe(once);
    expect(once).toBe(`a ${maskCard(UNIONPAY_19)} b ${maskCard('4111111111111111')}`);
  });

  it('property: any card number, in any text, comes out as first 6 + stars + last 4, and the text around it is kept', () => {
    const digit = fc.constantFrom(...'0123456789');
    const pan = fc
      .tuple(fc.constantFrom('3', '4', '5', '6', '2221', '2720', '62'), fc.integer({ min: 13, max: 19 }), fc.array(digit, { minLength: 19, maxLength: 19 }))
      .map(([prefix, length, rest]) => withCheckDigit(`${prefix}${rest.join('')}`.slice(0, length - 1)));
    // Text around the card that cannot itself extend the digit run.
    const around = fc.string({ maxLength: 20 }).map((s) => s.replace(/\d/g, 'x'));
    fc.assert(
      fc.property(around, pan, around, fc.constantFrom('', ' ', '-'), (before, card, after, sep) => {
        const written = sep === '' ? card : (card.match(/.{1,4}/g) ?? []).join(sep);
        const out = maskPans(`${before}${written}${after}`);
        expect(out).toBe(`${before}${maskCard(card)}${after}`);
        expect(isPan(card)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('maskPansDeep masks every string but the kept keys, and copies', () => {
    const value = { id: '4111111111111111', message: 'card 4111111111111111', list: [{ raw: '5555555555554444' }], n: 4111111111111111 };
    const out = maskPansDeep(value, new Set(['id']));
    expect(out).toEqual({ id: '4111111111111111', message: 'card 411111******1111', list: [{ raw: '555555******4444' }], n: 4111111111111111 });
    expect(value.message).toBe('card 4111111111111111');
  });
});
