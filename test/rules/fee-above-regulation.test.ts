import { describe, expect, it } from 'vitest';
import type { CardKind, FeeParts } from '../../src/model/records.js';
import { feeAboveRegulation } from '../../src/rules/fee-above-regulation.js';
import { ACQ_FILE, contract, ev, scenario } from './_fixtures.js';

interface Case {
  name: string;
  cardKind: CardKind;
  amount: number;
  parts: FeeParts;
  date?: string;
  standard?: boolean;
  expected?: { expectedMinor: number; actualMinor: number; differenceMinor: number; text: string };
}

describe('fee-above-regulation', () => {
  it.each<Case>([
    // Debit issuer fee ≤ 0.35%, cap 13 元: 1,000 元 → 3.50 元.
    { name: 'debit issuer fee at the ceiling', cardKind: 'debit', amount: 100_000, parts: { issuerMinor: 350 } },
    { name: 'debit issuer fee 1 fen above (the tolerance)', cardKind: 'debit', amount: 100_000, parts: { issuerMinor: 351 } },
    {
      name: 'debit issuer fee 2 fen above',
      cardKind: 'debit',
      amount: 100_000,
      parts: { issuerMinor: 352 },
      expected: { expectedMinor: 350, actualMinor: 352, differenceMinor: 2, text: '发卡行服务费 3.52 元 超过上限（0.35%，封顶 13 元）3.50 元' },
    },
    { name: 'debit issuer fee on 10,000 元 at the 13 元 cap', cardKind: 'debit', amount: 1_000_000, parts: { issuerMinor: 1_300 } },
    {
      name: 'debit issuer fee on 10,000 元 uncapped',
      cardKind: 'debit',
      amount: 1_000_000,
      parts: { issuerMinor: 3_500 },
      expected: { expectedMinor: 1_300, actualMinor: 3_500, differenceMinor: 2_200, text: '发卡行服务费 35.00 元 超过上限（0.35%，封顶 13 元）13.00 元' },
    },
    // Credit issuer fee ≤ 0.45%, no cap.
    { name: 'credit issuer fee of 45 元 on 10,000 元 (no cap)', cardKind: 'credit', amount: 1_000_000, parts: { issuerMinor: 4_500 } },
    {
      name: 'credit issuer fee at 0.46%',
      cardKind: 'credit',
      amount: 100_000,
      parts: { issuerMinor: 460 },
      expected: { expectedMinor: 450, actualMinor: 460, differenceMinor: 10, text: '发卡行服务费 4.60 元 超过上限（0.45%）4.50 元' },
    },
    // Network fee ≤ 0.0325%, cap 3.25 元, debit and credit alike.
    { name: 'network fee at its 3.25 元 cap', cardKind: 'credit', amount: 5_000_000, parts: { networkMinor: 325 } },
    { name: 'network fee 1 fen above its cap', cardKind: 'credit', amount: 5_000_000, parts: { networkMinor: 326 } },
    {
      name: 'network fee 2 fen above its cap',
      cardKind: 'credit',
      amount: 5_000_000,
      parts: { networkMinor: 327 },
      expected: { expectedMinor: 325, actualMinor: 327, differenceMinor: 2, text: '网络服务费 3.27 元 超过上限（0.0325%，封顶 3.25 元）3.25 元' },
    },
    {
      name: 'both parts above on one sale: one finding',
      cardKind: 'debit',
      amount: 100_000,
      parts: { issuerMinor: 400, networkMinor: 40, acquirerMinor: 5_000 },
      // network 1,000 元 × 0.0325% = 32.5 fen → 33.
      expected: { expectedMinor: 383, actualMinor: 440, differenceMinor: 57, text: '发卡行服务费 4.00 元 超过上限（0.35%，封顶 13 元）3.50 元；网络服务费 0.40 元 超过上限（0.0325%，封顶 3.25 元）0.33 元' },
    },
    // Standard-class merchants, 银发〔2021〕169号: debit issuer ≤ 0.315%, network ≤ 0.02925%, 2021-09-30 for three years.
    {
      name: 'standard class, last day of the 9折 ceilings',
      cardKind: 'debit',
      amount: 100_000,
      parts: { issuerMinor: 350, networkMinor: 33 },
      date: '2024-09-29',
      standard: true,
      expected: {
        expectedMinor: 315 + 29,
        actualMinor: 383,
        differenceMinor: 39,
        text: '发卡行服务费 3.50 元 超过上限（标准类商户 0.315%，封顶 13 元）3.15 元；网络服务费 0.33 元 超过上限（标准类商户 0.02925%，封顶 3.25 元）0.29 元',
      },
    },
    { name: 'standard class, the day after the three years', cardKind: 'debit', amount: 100_000, parts: { issuerMinor: 350, networkMinor: 33 }, date: '2024-09-30', standard: true },
    { name: 'not standard class, in the 9折 years', cardKind: 'debit', amount: 100_000, parts: { issuerMinor: 350, networkMinor: 33 }, date: '2024-09-29' },
    { name: 'standard class, credit card (unchanged)', cardKind: 'credit', amount: 100_000, parts: { issuerMinor: 450 }, date: '2024-09-29', standard: true },
    // No ceilings for QR payments; an unknown card gets the more permissive credit ceilings.
    { name: 'a QR payment', cardKind: 'qr', amount: 100_000, parts: { issuerMinor: 900 } },
    { name: 'an unknown card at 0.45%', cardKind: 'unknown', amount: 100_000, parts: { issuerMinor: 450 } },
  ])('$name', ({ cardKind, amount, parts, date, standard, expected }) => {
    const s = scenario(contract({ merchant: { standardClass: standard ?? false, pricing: [{ from: '2020-01-01', card: 'any', rate: '0.60%' }] } }));
    s.acq({ at: `${date ?? '2026-11-20'} 10:11:12`, cardKind, amountMinor: amount, feeParts: parts, reference: '632010000001' });
    const { findings } = s.run(feeAboveRegulation);
    if (!expected) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toMatchObject([
      {
        rule: 'fee-above-regulation',
        severity: 'high',
        reference: '632010000001',
        amountMinor: amount,
        expectedMinor: expected.expectedMinor,
        actualMinor: expected.actualMinor,
        differenceMinor: expected.differenceMinor,
        evidence: ev(ACQ_FILE, 2),
      },
    ]);
    expect(findings[0]?.message).toContain(expected.text);
  });

  it('does not check refunds or records without itemised fees', () => {
    const s = scenario();
    s.acq({ txnType: 'refund', amountMinor: 100_000, feeParts: { issuerMinor: 900 } });
    s.acq({ amountMinor: 100_000, feeMinor: 5_000 });
    expect(s.run(feeAboveRegulation).findings).toEqual([]);
  });
});
