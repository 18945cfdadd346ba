/**
 * A small Adyen Settlement details report, written after the column list and the example lines of
 * docs.adyen.com (Settlement details report; Settlement detail report structure): 23 standard
 * columns and the Reserved4…Reserved10 placeholders, `Settled` with its costs in Markup / Scheme
 * Fees / Interchange (the docs' `…,GBP,,5.00,1,GBP,,4.88,,0.04,0.01,0.07,visaclassic` line), a
 * `Chargeback` whose net debit is gross + commission (`EUR,349.99,,1,EUR,357.49,,7.5`), batch-level
 * `Fee` and `DepositCorrection` lines with only a net amount, and the closing `MerchantPayout` whose
 * Net Debit is the amount sent to the bank. No public sample file is bundled: this is the fixture.
 */

export const ADYEN_HEADER = [
  'Company Account',
  'Merchant Account',
  'Psp Reference',
  'Merchant Reference',
  'Payment Method',
  'Creation Date',
  'TimeZone',
  'Type',
  'Modification Reference',
  'Gross Currency',
  'Gross Debit (GC)',
  'Gross Credit (GC)',
  'Exchange Rate',
  'Net Currency',
  'Net Debit (NC)',
  'Net Credit (NC)',
  'Commission (NC)',
  'Markup (NC)',
  'Scheme Fees (NC)',
  'Interchange (NC)',
  'Payment Method Variant',
  'Modification Merchant Reference',
  'Batch Number',
  'Reserved4',
  'Reserved5',
  'Reserved6',
  'Reserved7',
  'Reserved8',
  'Reserved9',
  'Reserved10',
] as const;

export type AdyenColumn = (typeof ADYEN_HEADER)[number];
export type AdyenRow = Partial<Record<AdyenColumn, string>>;

const quote = (v: string): string => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One CSV line in the order of `header`; absent cells are empty, as Adyen writes them. */
export function adyenLine(row: AdyenRow, header: readonly string[] = ADYEN_HEADER): string {
  return header.map((h) => quote(row[h as AdyenColumn] ?? '')).join(',');
}

export function adyenFile(rows: readonly AdyenRow[], header: readonly string[] = ADYEN_HEADER): string {
  return `${[header.join(','), ...rows.map((r) => adyenLine(r, header))].join('\n')}\n`;
}

const base = { 'Company Account': 'WeidaoGroup', 'Merchant Account': 'WeidaoShanghaiECOM', 'Batch Number': '42' } as const;

/**
 * Batch 42, one line per entry (file line = index + 2). Hand arithmetic, in cents of EUR:
 *
 * | line | type              | gross       | costs                                 | net     |
 * |------|-------------------|-------------|---------------------------------------|---------|
 * | 2    | Settled           | +100.00     | markup .30 + scheme .15 + ic 1.00     | +98.55  |
 * | 3    | Settled           | +250.00     | commission 3.70                       | +246.30 |
 * | 4    | Refunded          | −40.00      | commission 0.12                       | −40.12  |
 * | 5    | Chargeback        | −60.00      | commission 15.00                      | −75.00  |
 * | 6    | Settled (USD→EUR) | USD +50.00 × 0.92 = EUR 46.00 | commission 1.20     | +44.80  |
 * | 7    | Fee               |             |                                       | −12.50  |
 * | 8    | DepositCorrection |             |                                       | +20.00  |
 * | 9    | MerchantPayout    |             |                                       | 282.03 paid out |
 *
 * 98.55 + 246.30 − 40.12 − 75.00 + 44.80 − 12.50 + 20.00 = 282.03.
 */
export const BATCH_42: readonly AdyenRow[] = [
  {
    ...base,
    'Psp Reference': '8816100000000001',
    'Merchant Reference': 'ORDER-1001',
    'Payment Method': 'visa',
    'Creation Date': '2026-03-27 23:30:00',
    TimeZone: 'CET',
    Type: 'Settled',
    'Modification Reference': '8816100000000101',
    'Gross Currency': 'EUR',
    'Gross Credit (GC)': '100.00',
    'Exchange Rate': '1',
    'Net Currency': 'EUR',
    'Net Credit (NC)': '98.55',
    'Markup (NC)': '0.30',
    'Scheme Fees (NC)': '0.15',
    'Interchange (NC)': '1.00',
    'Payment Method Variant': 'visadebit',
  },
  {
    ...base,
    'Psp Reference': '8816100000000002',
    'Merchant Reference': 'ORDER-1002',
    'Payment Method': 'mc',
    // 2026-03-29: central Europe moved to summer time at 02:00, and the column says so.
    'Creation Date': '2026-03-29 10:15:00',
    TimeZone: 'CEST',
    Type: 'Settled',
    'Modification Reference': '8816100000000102',
    'Gross Currency': 'EUR',
    'Gross Credit (GC)': '250.00',
    'Exchange Rate': '1',
    'Net Currency': 'EUR',
    'Net Credit (NC)': '246.30',
    'Commission (NC)': '3.70',
    'Payment Method Variant': 'mccredit',
  },
  {
    ...base,
    'Psp Reference': '8816100000000001',
    'Merchant Reference': 'ORDER-1001',
    'Payment Method': 'visa',
    'Creation Date': '2026-03-30 09:00:00',
    TimeZone: 'CEST',
    Type: 'Refunded',
    'Modification Reference': '8816100000000201',
    'Gross Currency': 'EUR',
    'Gross Debit (GC)': '40.00',
    'Exchange Rate': '1',
    'Net Currency': 'EUR',
    'Net Debit (NC)': '40.12',
    'Commission (NC)': '0.12',
    'Payment Method Variant': 'visadebit',
    'Modification Merchant Reference': 'REFUND-1001-1',
  },
  {
    ...base,
    'Psp Reference': '8816100000000003',
    'Merchant Reference': 'ORDER-1003',
    'Payment Method': 'visa',
    'Creation Date': '2026-03-30 11:00:00',
    TimeZone: 'CEST',
    Type: 'Chargeback',
    'Modification Reference': '8816100000000301',
    'Gross Currency': 'EUR',
    'Gross Debit (GC)': '60.00',
    'Exchange Rate': '1',
    'Net Currency': 'EUR',
    'Net Debit (NC)': '75.00',
    'Commission (NC)': '15.00',
    'Payment Method Variant': 'visaclassic',
  },
  {
    ...base,
    'Psp Reference': '8816100000000004',
    'Merchant Reference': 'ORDER-1004',
    'Payment Method': 'amex',
    'Creation Date': '2026-03-31 08:00:00',
    TimeZone: 'CEST',
    Type: 'Settled',
    'Modification Reference': '8816100000000104',
    'Gross Currency': 'USD',
    'Gross Credit (GC)': '50.00',
    'Exchange Rate': '0.92',
    'Net Currency': 'EUR',
    'Net Credit (NC)': '44.80',
    'Commission (NC)': '1.20',
    'Payment Method Variant': 'amex',
  },
  {
    ...base,
    'Creation Date': '2026-03-31 20:00:00',
    TimeZone: 'CEST',
    Type: 'Fee',
    'Modification Reference': 'Transaction Fees March 2026',
    'Gross Currency': 'EUR',
    'Net Currency': 'EUR',
    'Net Debit (NC)': '12.50',
  },
  {
    ...base,
    'Creation Date': '2026-03-31 20:00:30',
    TimeZone: 'CEST',
    Type: 'DepositCorrection',
    'Modification Reference': 'Deposit Correction',
    'Gross Currency': 'EUR',
    'Net Currency': 'EUR',
    'Net Credit (NC)': '20.00',
  },
  {
    ...base,
    'Creation Date': '2026-03-31 20:30:00',
    TimeZone: 'CEST',
    Type: 'MerchantPayout',
    'Modification Reference': 'TX4242424242XT batch 42, WeidaoShanghaiECOM',
    'Net Currency': 'EUR',
    'Net Debit (NC)': '282.03',
  },
];
