/**
 * A small Stripe itemized payout reconciliation report (`payout_reconciliation.itemized.5`), written
 * after the report type's column reference on docs.stripe.com (Reporting › Reports API › Payout
 * reconciliation report type): lower_snake_case headers in the documented order, amounts in major
 * units, lowercase currency, `created_utc` in UTC and `created` / `available_on` /
 * `automatic_payout_effective_at` in the zone the report was run in (Asia/Shanghai here). The charge,
 * refund and dispute figures follow Stripe's arithmetic: net = gross − fee, a refund returns the
 * gross and keeps the fee, a dispute withdraws the gross and charges a 15.00 dispute fee. No public
 * sample file is bundled: this is the fixture.
 */

export const STRIPE_HEADER = [
  'automatic_payout_id',
  'automatic_payout_effective_at',
  'balance_transaction_id',
  'created_utc',
  'created',
  'available_on_utc',
  'available_on',
  'currency',
  'gross',
  'fee',
  'net',
  'reporting_category',
  'source_id',
  'description',
  'customer_facing_amount',
  'customer_facing_currency',
  'charge_id',
  'payment_intent_id',
  'payment_method_type',
  'card_brand',
  'card_funding',
  'card_country',
  'statement_descriptor',
  'connected_account',
] as const;

export type StripeColumn = (typeof STRIPE_HEADER)[number];
export type StripeRow = Partial<Record<StripeColumn, string>>;

const quote = (v: string): string => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function stripeLine(row: StripeRow, header: readonly string[] = STRIPE_HEADER): string {
  return header.map((h) => quote(row[h as StripeColumn] ?? '')).join(',');
}

export function stripeFile(rows: readonly StripeRow[], header: readonly string[] = STRIPE_HEADER): string {
  return `${[header.join(','), ...rows.map((r) => stripeLine(r, header))].join('\n')}\n`;
}

export const PAYOUT_A = 'po_1PayoutA0000000001';
export const PAYOUT_B = 'po_1PayoutB0000000002';

const inA = { automatic_payout_id: PAYOUT_A, automatic_payout_effective_at: '2026-05-04 08:00:00', currency: 'usd' } as const;
const inB = { automatic_payout_id: PAYOUT_B, automatic_payout_effective_at: '2026-05-05 08:00:00', currency: 'usd' } as const;

/**
 * Two payouts (file line = index + 2). Hand arithmetic, in cents:
 *
 * | line | payout | category | gross   | fee   | net     |
 * |------|--------|----------|---------|-------|---------|
 * | 2    | A      | charge   | 120.00  | 3.78  | 116.22  |
 * | 3    | A      | charge   | 45.50   | 1.62  | 43.88   |
 * | 4    | A      | refund   | −20.00  | 0.00  | −20.00  |
 * | 5    | A      | dispute  | −45.50  | 15.00 | −60.50  |
 * | 6    | A      | fee      | −0.07   | 0.00  | −0.07   |
 * | 7    | B      | charge   | 300.00  | 9.00  | 291.00  |
 * | 8    | B      | charge   | 19.99   | 0.88  | 19.11   |
 *
 * Payout A: 116.22 + 43.88 − 20.00 − 60.50 − 0.07 = 79.53; payout B: 291.00 + 19.11 = 310.11.
 */
export const TWO_PAYOUTS: readonly StripeRow[] = [
  {
    ...inA,
    balance_transaction_id: 'txn_1A',
    created_utc: '2026-05-01 15:30:00',
    created: '2026-05-01 23:30:00',
    available_on_utc: '2026-05-03 00:00:00',
    available_on: '2026-05-03 08:00:00',
    gross: '120.00',
    fee: '3.78',
    net: '116.22',
    reporting_category: 'charge',
    source_id: 'ch_1A',
    description: 'Order 5001',
    customer_facing_amount: '120.00',
    customer_facing_currency: 'usd',
    charge_id: 'ch_1A',
    payment_intent_id: 'pi_1A',
    payment_method_type: 'card',
    card_brand: 'visa',
    card_funding: 'credit',
    card_country: 'US',
    statement_descriptor: 'WEIDAO SHOP',
  },
  {
    ...inA,
    balance_transaction_id: 'txn_2A',
    // 17:00 UTC is 01:00 the next day in Shanghai.
    created_utc: '2026-05-01 17:00:00',
    created: '2026-05-02 01:00:00',
    available_on_utc: '2026-05-03 00:00:00',
    available_on: '2026-05-03 08:00:00',
    gross: '45.50',
    fee: '1.62',
    net: '43.88',
    reporting_category: 'charge',
    source_id: 'ch_2A',
    description: 'Order 5002',
    customer_facing_amount: '45.50',
    customer_facing_currency: 'usd',
    charge_id: 'ch_2A',
    payment_intent_id: 'pi_2A',
    payment_method_type: 'card',
    card_brand: 'mastercard',
    card_funding: 'debit',
    card_country: 'US',
    statement_descriptor: 'WEIDAO SHOP',
  },
  {
    ...inA,
    balance_transaction_id: 'txn_3A',
    created_utc: '2026-05-02 02:00:00',
    created: '2026-05-02 10:00:00',
    available_on_utc: '2026-05-02 02:00:00',
    available_on: '2026-05-02 10:00:00',
    gross: '-20.00',
    fee: '0.00',
    net: '-20.00',
    reporting_category: 'refund',
    source_id: 're_3A',
    description: 'REFUND FOR CHARGE (Order 5001)',
    customer_facing_amount: '20.00',
    customer_facing_currency: 'usd',
    charge_id: 'ch_1A',
    payment_intent_id: 'pi_1A',
    payment_method_type: 'card',
    card_brand: 'visa',
    card_funding: 'credit',
    card_country: 'US',
  },
  {
    ...inA,
    balance_transaction_id: 'txn_4A',
    created_utc: '2026-05-02 03:00:00',
    created: '2026-05-02 11:00:00',
    available_on_utc: '2026-05-02 03:00:00',
    available_on: '2026-05-02 11:00:00',
    gross: '-45.50',
    fee: '15.00',
    net: '-60.50',
    reporting_category: 'dispute',
    source_id: 'du_4A',
    description: 'Chargeback withdrawal for ch_2A',
    customer_facing_amount: '45.50',
    customer_facing_currency: 'usd',
    charge_id: 'ch_2A',
    payment_intent_id: 'pi_2A',
    payment_method_type: 'card',
    card_brand: 'mastercard',
    card_funding: 'debit',
    card_country: 'US',
  },
  {
    ...inA,
    balance_transaction_id: 'txn_5A',
    created_utc: '2026-05-02 04:00:00',
    created: '2026-05-02 12:00:00',
    available_on_utc: '2026-05-02 04:00:00',
    available_on: '2026-05-02 12:00:00',
    gross: '-0.07',
    fee: '0.00',
    net: '-0.07',
    reporting_category: 'fee',
    description: 'Radar (2026-05-01): Radar for Fraud Teams',
  },
  {
    ...inB,
    balance_transaction_id: 'txn_6B',
    created_utc: '2026-05-02 10:00:00',
    created: '2026-05-02 18:00:00',
    available_on_utc: '2026-05-04 00:00:00',
    available_on: '2026-05-04 08:00:00',
    gross: '300.00',
    fee: '9.00',
    net: '291.00',
    reporting_category: 'charge',
    source_id: 'py_6B',
    description: 'Order 5003',
    customer_facing_amount: '300.00',
    customer_facing_currency: 'usd',
    charge_id: 'py_6B',
    payment_intent_id: 'pi_6B',
    payment_method_type: 'wechat_pay',
  },
  {
    ...inB,
    balance_transaction_id: 'txn_7B',
    created_utc: '2026-05-03 12:00:00',
    created: '2026-05-03 20:00:00',
    available_on_utc: '2026-05-04 00:00:00',
    available_on: '2026-05-04 08:00:00',
    gross: '19.99',
    fee: '0.88',
    net: '19.11',
    reporting_category: 'charge',
    source_id: 'ch_7B',
    description: 'Order 5004',
    customer_facing_amount: '19.99',
    customer_facing_currency: 'usd',
    charge_id: 'ch_7B',
    payment_intent_id: 'pi_7B',
    payment_method_type: 'card',
    card_brand: 'amex',
    card_funding: 'prepaid',
    card_country: 'US',
  },
];

/** Payout A's own balance transaction, as a balance-change export carries it: 79.53 leaves the balance. */
export const PAYOUT_A_LINE: StripeRow = {
  balance_transaction_id: 'txn_po_A',
  created_utc: '2026-05-03 23:00:00',
  created: '2026-05-04 07:00:00',
  available_on_utc: '2026-05-04 00:00:00',
  available_on: '2026-05-04 08:00:00',
  currency: 'usd',
  gross: '-79.53',
  fee: '0.00',
  net: '-79.53',
  reporting_category: 'payout',
  source_id: PAYOUT_A,
  description: 'STRIPE PAYOUT',
};
