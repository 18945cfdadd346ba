import { describe, expect, it } from 'vitest';
import type { AcquirerTxn } from '../../src/model/records.js';
import { stripePayoutRecon } from '../../src/parsers/stripe-payout-recon.js';
import type { FileInfo, ParseEvent, ParseOptions } from '../../src/parsers/types.js';
import { ADYEN_HEADER, BATCH_42, adyenFile } from './_adyen-fixture.js';
import { PAYOUT_A, PAYOUT_A_LINE, PAYOUT_B, STRIPE_HEADER, TWO_PAYOUTS, stripeFile, stripeLine, type StripeRow } from './_stripe-fixture.js';

const FILE = 'payout_reconciliation_itemized_5.csv';
const SHANGHAI: ParseOptions = { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} };
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function run(text: string, options: ParseOptions = SHANGHAI) {
  const events: ParseEvent[] = [...stripePayoutRecon.parse({ file: FILE, bytes: utf8(text), encoding: 'utf-8', options, companions: new Map() })];
  const records = events.flatMap((e) => (e.kind === 'record' && e.role === 'acquirer' ? [e.record] : []));
  const rejects = events.flatMap((e) => (e.kind === 'reject' ? [e.reject] : []));
  const checks = events.flatMap((e) => (e.kind === 'check' ? [e.check] : []));
  const infos = events.flatMap((e) => (e.kind === 'info' ? [e.info] : []));
  expect(infos).toHaveLength(1);
  const info = infos[0] as FileInfo;
  expect(records.length + rejects.length + info.nonDataUnits).toBe(info.units);
  return { records, rejects, checks, info };
}

const total = (rs: AcquirerTxn[], k: 'amountMinor' | 'feeMinor' | 'netMinor') => rs.reduce((a, r) => a + r[k], 0);
const withRow = (i: number, change: StripeRow) => TWO_PAYOUTS.map((r, j) => (j === i ? { ...r, ...change } : r));
const netOf = (rs: AcquirerTxn[], payout: string) => total(rs.filter((r) => r.batch === payout), 'netMinor');

describe('stripe-payout-recon: two payouts, figures worked out by hand (see _stripe-fixture.ts)', () => {
  const { records, rejects, checks, info } = run(stripeFile(TWO_PAYOUTS));

  it('reads one record per balance transaction', () => {
    expect(rejects).toEqual([]);
    expect(records.map((r) => r.source.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(records.map((r) => r.txnType)).toEqual(['sale', 'sale', 'refund', 'adjustment', 'adjustment', 'sale', 'sale']);
    expect(info).toEqual({ units: 8, nonDataUnits: 1, variant: 'payout-reconciliation', merchantId: 'stripe' });
  });

  it('totals: sales 485.49 gross, 15.28 fees, 470.21 net; payout A nets 79.53, payout B 310.11', () => {
    const sales = records.filter((r) => r.txnType === 'sale');
    expect(total(sales, 'amountMinor')).toBe(12000 + 4550 + 30000 + 1999);
    expect(total(sales, 'feeMinor')).toBe(378 + 162 + 900 + 88);
    expect(total(sales, 'netMinor')).toBe(11622 + 4388 + 29100 + 1911);
    expect(netOf(records, PAYOUT_A)).toBe(7953);
    expect(netOf(records, PAYOUT_B)).toBe(31011);
    expect(total(records, 'netMinor')).toBe(38964);
  });

  it('has no payout line to check against, and every line satisfies gross − fee = net: no checks', () => {
    expect(checks).toEqual([]);
  });

  it('maps a charge: UTC time to the contract zone, settled on the payout date as Stripe states it', () => {
    expect(records[0]).toEqual({
      source: { file: FILE, line: 2 },
      format: 'stripe-payout-recon',
      merchantId: 'stripe',
      txnType: 'sale',
      txnTime: '2026-05-01T23:30:00+08:00',
      settleDate: '2026-05-04',
      currency: 'USD',
      amountMinor: 12000,
      feeMinor: 378,
      netMinor: 11622,
      reference: 'ch_1A',
      orderId: 'pi_1A',
      batch: PAYOUT_A,
      cardKind: 'credit',
      description: 'Order 5001',
    });
    expect(records[1]).toMatchObject({ txnTime: '2026-05-02T01:00:00+08:00', cardKind: 'debit' });
  });

  it('keys a refund by its own object and links it to the charge and payment intent', () => {
    expect(records[2]).toMatchObject({
      txnType: 'refund',
      amountMinor: 2000,
      feeMinor: 0,
      netMinor: -2000,
      reference: 're_3A',
      originalReference: 'ch_1A',
      orderId: 'pi_1A',
      originalOrderId: 'pi_1A',
    });
  });

  it('takes a dispute as an adjustment carrying its 15.00 dispute fee, and a Stripe fee line as an adjustment', () => {
    expect(records[3]).toMatchObject({
      txnType: 'adjustment',
      amountMinor: 4550,
      feeMinor: 1500,
      netMinor: -6050,
      reference: 'du_4A',
      originalReference: 'ch_2A',
      description: 'dispute: Chargeback withdrawal for ch_2A',
    });
    expect(records[4]).toMatchObject({ txnType: 'adjustment', amountMinor: 7, netMinor: -7, description: 'fee: Radar (2026-05-01): Radar for Fraud Teams' });
    expect(records[4]).not.toHaveProperty('reference');
  });

  it('takes WeChat Pay as QR and a prepaid card as unknown', () => {
    expect(records[5]).toMatchObject({ cardKind: 'qr', settleDate: '2026-05-05', reference: 'py_6B' });
    expect(records[6]).toMatchObject({ cardKind: 'unknown' });
  });
});

describe("stripe-payout-recon: the payout's own line is checked against what it paid out", () => {
  it('agrees when the payout equals the nets of its lines', () => {
    const { records, checks, info } = run(stripeFile([...TWO_PAYOUTS, PAYOUT_A_LINE]));
    expect(records).toHaveLength(7);
    expect(info.nonDataUnits).toBe(2);
    expect(checks).toEqual([{ file: FILE, line: 9, name: `payout ${PAYOUT_A}`, currency: 'USD', declared: 7953, computed: 7953 }]);
  });

  it('a payout that disagrees with its lines is a mismatch at the payout line', () => {
    const { checks } = run(stripeFile([...TWO_PAYOUTS, { ...PAYOUT_A_LINE, gross: '-79.35', net: '-79.35' }]));
    expect(checks).toEqual([{ file: FILE, line: 9, name: `payout ${PAYOUT_A}`, currency: 'USD', declared: 7935, computed: 7953 }]);
  });
});

describe('stripe-payout-recon: damaged copies are rejected or fail a check, naming file and line', () => {
  const cut = (line: number, rows: readonly StripeRow[]) => {
    const lines = stripeFile(rows).split('\n');
    lines[line - 1] = (lines[line - 1] ?? '').slice(0, 50);
    return lines.join('\n');
  };

  it.each([
    { what: 'a truncated row', text: cut(3, [...TWO_PAYOUTS, PAYOUT_A_LINE]), line: 3, reason: /^expected 24 cells, got \d+ \(row cut short/, lostNet: 4388 },
    {
      what: 'a bad amount',
      text: stripeFile([...withRow(2, { net: '-20.0O' }), PAYOUT_A_LINE]),
      line: 4,
      reason: /^net: expected a decimal, got "-20\.0O"$/,
      lostNet: -2000,
    },
    {
      what: 'a missing category',
      text: stripeFile([...withRow(4, { reporting_category: '' }), PAYOUT_A_LINE]),
      line: 6,
      reason: /^reporting_category: missing$/,
      lostNet: -7,
    },
    {
      what: 'a bad creation time',
      text: stripeFile([...withRow(1, { created_utc: 'yesterday' }), PAYOUT_A_LINE]),
      line: 3,
      reason: /^created_utc: expected a date-time/,
      lostNet: 4388,
    },
  ])('$what: reject at its line, other rows read, the payout check short by the lost net', ({ text, line, reason, lostNet }) => {
    const { records, rejects, checks } = run(text);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ file: FILE, line });
    expect(rejects[0]?.reason).toMatch(reason);
    expect(records).toHaveLength(6);
    expect(checks).toEqual([{ file: FILE, line: 9, name: `payout ${PAYOUT_A}`, currency: 'USD', declared: 7953, computed: 7953 - lostNet }]);
  });

  it('a line whose net is not gross − fee is a mismatch at that line', () => {
    const { records, checks } = run(stripeFile(withRow(0, { net: '116.28' })));
    expect(checks).toEqual([{ file: FILE, line: 2, name: 'net = gross − fee (txn_1A)', currency: 'USD', declared: 11628, computed: 11622 }]);
    expect(records[0]).toMatchObject({ netMinor: 11628 });
  });

  it('a header without a required column rejects every row, naming the column', () => {
    const header = STRIPE_HEADER.filter((h) => h !== 'fee');
    const { records, rejects } = run(stripeFile(TWO_PAYOUTS, header));
    expect(records).toEqual([]);
    expect(rejects).toHaveLength(7);
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'no column "fee" in the header' });
  });
});

describe('stripe-payout-recon: layout and values', () => {
  it('names the file by its one connected account (Connect report), and falls back to "stripe" for several', () => {
    const connected = TWO_PAYOUTS.map((r) => ({ ...r, connected_account: 'acct_1WeidaoSH' }));
    expect(run(stripeFile(connected)).records.every((r) => r.merchantId === 'acct_1WeidaoSH')).toBe(true);
    expect(run(stripeFile(connected)).info.merchantId).toBe('acct_1WeidaoSH');
    const mixed = connected.map((r, i) => (i === 0 ? { ...r, connected_account: 'acct_2Other' } : r));
    expect(new Set(run(stripeFile(mixed)).records.map((r) => r.merchantId))).toEqual(new Set(['stripe']));
  });

  it('finds columns by name in a report run with other columns, in another order', () => {
    const header = [...STRIPE_HEADER, 'payment_metadata[order_no]'].reverse();
    const moved = run(`${[header.join(','), ...TWO_PAYOUTS.map((r) => stripeLine(r, header))].join('\r\n')}\r\n`);
    expect(moved.records).toEqual(run(stripeFile(TWO_PAYOUTS)).records);
  });

  it('rejects a gross and fee whose difference would pass the safe-integer range', () => {
    const { records, rejects } = run(stripeFile([{ ...TWO_PAYOUTS[0], gross: '90071992547409.91', fee: '-90071992547409.91' }]));
    expect(records).toEqual([]);
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'gross, fee: amounts out of range' });
  });

  it('uses zero decimals for JPY', () => {
    const { records } = run(stripeFile([{ ...TWO_PAYOUTS[0], currency: 'jpy', gross: '12000', fee: '432', net: '11568' }]));
    expect(records[0]).toMatchObject({ currency: 'JPY', amountMinor: 12000, feeMinor: 432, netMinor: 11568 });
  });

  it('reads `created` in the contract zone when the report has no created_utc, and dates by available_on without payout columns', () => {
    const header = STRIPE_HEADER.filter((h) => !['created_utc', 'automatic_payout_id', 'automatic_payout_effective_at'].includes(h));
    const { records, info } = run(stripeFile(TWO_PAYOUTS, header));
    expect(records[0]).toMatchObject({ txnTime: '2026-05-01T23:30:00+08:00', settleDate: '2026-05-03' });
    expect(records[0]).not.toHaveProperty('batch');
    expect(info.variant).toBe('balance-change');
  });

  it('sniffs the payout report at 0.9, a balance-change itemized export at 0.5, and not an Adyen report', () => {
    expect(stripePayoutRecon.sniff(utf8(stripeFile(TWO_PAYOUTS)), FILE)).toBe(0.9);
    const header = STRIPE_HEADER.filter((h) => !h.startsWith('automatic_payout'));
    expect(stripePayoutRecon.sniff(utf8(`${header.join(',')}\n`), 'balance.csv')).toBe(0.5);
    expect(stripePayoutRecon.sniff(utf8(adyenFile(BATCH_42)), 'x.csv')).toBe(0);
    expect(stripePayoutRecon.sniff(utf8(`${ADYEN_HEADER.join(',')}\n`), 'x.csv')).toBe(0);
    expect(stripePayoutRecon.sniff(utf8('balance_transaction_id,amount\n'), 'x.csv')).toBe(0);
  });
});
