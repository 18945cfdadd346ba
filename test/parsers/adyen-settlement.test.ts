import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AcquirerTxn } from '../../src/model/records.js';
import { adyenSettlement } from '../../src/parsers/adyen-settlement.js';
import type { FileInfo, ParseEvent, ParseOptions } from '../../src/parsers/types.js';
import { ADYEN_HEADER, BATCH_42, adyenFile, adyenLine, type AdyenRow } from './_adyen-fixture.js';
import { STRIPE_HEADER } from './_stripe-fixture.js';

const FILE = 'settlement_detail_report_batch_42.csv';
const SHANGHAI: ParseOptions = { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} };
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function run(text: string, options: ParseOptions = SHANGHAI, file = FILE, lineNumbers?: Uint32Array) {
  const events: ParseEvent[] = [
    ...adyenSettlement.parse({ file, bytes: utf8(text), encoding: 'utf-8', options, companions: new Map(), ...(lineNumbers && { lineNumbers }) }),
  ];
  const records = events.flatMap((e) => (e.kind === 'record' && e.role === 'acquirer' ? [e.record] : []));
  const rejects = events.flatMap((e) => (e.kind === 'reject' ? [e.reject] : []));
  const checks = events.flatMap((e) => (e.kind === 'check' ? [e.check] : []));
  const infos = events.flatMap((e) => (e.kind === 'info' ? [e.info] : []));
  expect(infos).toHaveLength(1);
  const info = infos[0] as FileInfo;
  // Every physical line is a record, a reject or a non-data line (header, payout, blank).
  expect(records.length + rejects.length + info.nonDataUnits).toBe(info.units);
  return { records, rejects, checks, info };
}

const total = (rs: AcquirerTxn[], k: 'amountMinor' | 'feeMinor' | 'netMinor') => rs.reduce((a, r) => a + r[k], 0);
const withRow = (i: number, change: AdyenRow) => BATCH_42.map((r, j) => (j === i ? { ...r, ...change } : r));

describe('adyen-settlement: batch 42, figures worked out by hand (see _adyen-fixture.ts)', () => {
  const { records, rejects, checks, info } = run(adyenFile(BATCH_42));

  it('reads every payment and booking line, and counts the header and the payout as non-data', () => {
    expect(rejects).toEqual([]);
    expect(records.map((r) => r.source.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(records.map((r) => r.txnType)).toEqual(['sale', 'sale', 'refund', 'adjustment', 'sale', 'adjustment', 'adjustment']);
    expect(info).toEqual({ units: 9, nonDataUnits: 2, variant: 'batch 42', merchantId: 'WeidaoShanghaiECOM' });
  });

  it('totals: sales 396.00 gross, 6.35 costs, 389.65 net; the batch nets 282.03', () => {
    const sales = records.filter((r) => r.txnType === 'sale');
    expect(total(sales, 'amountMinor')).toBe(10000 + 25000 + 4600);
    expect(total(sales, 'feeMinor')).toBe(145 + 370 + 120);
    expect(total(sales, 'netMinor')).toBe(9855 + 24630 + 4480);
    expect(total(records, 'netMinor')).toBe(28203);
    expect(records.every((r) => r.currency === 'EUR')).toBe(true);
  });

  it('checks the MerchantPayout against the nets of its batch, and finds them equal', () => {
    expect(checks).toEqual([
      { file: FILE, line: 9, name: 'MerchantPayout WeidaoShanghaiECOM batch 42', currency: 'EUR', declared: 28203, computed: 28203 },
    ]);
  });

  it('maps a Settled line with its itemised costs and the CET time converted to the contract zone', () => {
    expect(records[0]).toEqual({
      source: { file: FILE, line: 2 },
      format: 'adyen-settlement',
      merchantId: 'WeidaoShanghaiECOM',
      txnType: 'sale',
      // 23:30 CET (UTC+1) is 06:30 the next morning in Shanghai.
      txnTime: '2026-03-28T06:30:00+08:00',
      // The batch was paid out at 20:30 CEST on 31 March, 02:30 on 1 April in Shanghai.
      settleDate: '2026-04-01',
      currency: 'EUR',
      amountMinor: 10000,
      feeMinor: 145,
      netMinor: 9855,
      reference: '8816100000000001',
      orderId: 'ORDER-1001',
      batch: '42',
      cardKind: 'debit',
      feeParts: { markupMinor: 30, schemeMinor: 15, interchangeMinor: 100 },
    });
  });

  it('reads CEST as UTC+2 on the day summer time starts', () => {
    expect(records[1]).toMatchObject({ txnTime: '2026-03-29T16:15:00+08:00', cardKind: 'credit', feeParts: { commissionMinor: 370 } });
  });

  it('keys a refund by its own PSP reference and links it to the payment', () => {
    expect(records[2]).toMatchObject({
      txnType: 'refund',
      amountMinor: 4000,
      feeMinor: 12,
      netMinor: -4012,
      reference: '8816100000000201',
      originalReference: '8816100000000001',
      orderId: 'REFUND-1001-1',
      originalOrderId: 'ORDER-1001',
    });
  });

  it('takes a chargeback as an adjustment (not a refund the merchant made), with its 15.00 fee', () => {
    expect(records[3]).toMatchObject({
      txnType: 'adjustment',
      amountMinor: 6000,
      feeMinor: 1500,
      netMinor: -7500,
      reference: '8816100000000301',
      originalReference: '8816100000000003',
      originalOrderId: 'ORDER-1003',
      description: 'Chargeback',
      cardKind: 'unknown',
    });
  });

  it('keeps a USD payment in the EUR it was settled in: 44.80 net + 1.20 commission = 46.00', () => {
    expect(records[4]).toMatchObject({
      currency: 'EUR',
      amountMinor: 4600,
      feeMinor: 120,
      netMinor: 4480,
      description: 'gross USD 50.00 at 0.92, settled in EUR 46.00',
    });
  });

  it('books batch fees and deposit corrections as adjustments named by their Modification Reference', () => {
    expect(records[5]).toMatchObject({ txnType: 'adjustment', amountMinor: 1250, feeMinor: 0, netMinor: -1250, description: 'Fee: Transaction Fees March 2026' });
    expect(records[6]).toMatchObject({ txnType: 'adjustment', amountMinor: 2000, netMinor: 2000, description: 'DepositCorrection: Deposit Correction' });
    expect(records[5]).not.toHaveProperty('reference');
  });

  it('dates the batch by its payout in the contract zone (Amsterdam: still 31 March)', () => {
    const amsterdam = run(adyenFile(BATCH_42), { ...SHANGHAI, timezone: 'Europe/Amsterdam' });
    expect(new Set(amsterdam.records.map((r) => r.settleDate))).toEqual(new Set(['2026-03-31']));
    expect(amsterdam.records[0]?.txnTime).toBe('2026-03-27T23:30:00+01:00');
  });
});

describe('adyen-settlement: damaged copies are rejected or fail the payout check, naming file and line', () => {
  const cut = (line: number) => {
    const lines = adyenFile(BATCH_42).split('\n');
    lines[line - 1] = (lines[line - 1] ?? '').slice(0, 60);
    return lines.join('\n');
  };

  it.each([
    {
      what: 'a truncated row',
      text: cut(3),
      line: 3,
      reason: /expected 30 cells, got \d+ \(row cut short/,
      lostNet: 24630,
    },
    {
      what: 'a bad net amount',
      text: adyenFile(withRow(4, { 'Net Credit (NC)': '44,8O' })),
      line: 6,
      reason: /^Net Credit \(NC\): expected a decimal, got "44,8O"$/,
      lostNet: 4480,
    },
    {
      what: 'a Creation Date Excel rewrote',
      text: adyenFile(withRow(2, { 'Creation Date': '30/03/2026 09:00' })),
      line: 4,
      reason: /^Creation Date: expected YYYY-MM-DD HH:MM:SS, got "30\/03\/2026 09:00"$/,
      lostNet: -4012,
    },
    {
      what: 'an unknown time zone',
      text: adyenFile(withRow(0, { TimeZone: 'Mars' })),
      line: 2,
      reason: /^TimeZone: expected a zone such as CET/,
      lostNet: 9855,
    },
    {
      what: 'a payment line with no gross',
      text: adyenFile(withRow(1, { 'Gross Credit (GC)': '' })),
      line: 3,
      reason: /^Gross Debit \(GC\)\/Gross Credit \(GC\): both empty/,
      lostNet: 24630,
    },
    {
      what: 'a line with no net',
      text: adyenFile(withRow(5, { 'Net Debit (NC)': '' })),
      line: 7,
      reason: /^Net Debit \(NC\)\/Net Credit \(NC\): both empty/,
      lostNet: -1250,
    },
  ])('$what: reject at its line, other rows read, payout check short by the lost net', ({ text, line, reason, lostNet }) => {
    const { records, rejects, checks } = run(text);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ file: FILE, line });
    expect(rejects[0]?.reason).toMatch(reason);
    expect(records).toHaveLength(6);
    expect(records.map((r) => r.source.line)).not.toContain(line);
    const payout = checks.find((c) => c.name.startsWith('MerchantPayout'));
    expect(payout).toMatchObject({ file: FILE, line: 9, declared: 28203, computed: 28203 - lostNet });
  });

  it('a MerchantPayout that disagrees with its rows is a mismatch at the payout line', () => {
    const { records, rejects, checks } = run(adyenFile(withRow(7, { 'Net Debit (NC)': '282.30' })));
    expect(rejects).toEqual([]);
    expect(records).toHaveLength(7);
    expect(checks).toEqual([
      { file: FILE, line: 9, name: 'MerchantPayout WeidaoShanghaiECOM batch 42', currency: 'EUR', declared: 28230, computed: 28203 },
    ]);
  });

  it('a line whose net is not gross − costs is a mismatch at that line; the record keeps what was withheld', () => {
    const { records, checks } = run(adyenFile(withRow(0, { 'Net Credit (NC)': '98.50' })));
    expect(checks).toContainEqual({
      file: FILE,
      line: 2,
      name: 'net = gross − costs (8816100000000001)',
      currency: 'EUR',
      declared: 9850,
      computed: 9855,
    });
    expect(records[0]).toMatchObject({ amountMinor: 10000, feeMinor: 150, netMinor: 9850 });
    expect(checks.find((c) => c.line === 9)).toMatchObject({ declared: 28203, computed: 28198 });
  });

  it('a file cut before its MerchantPayout has no payout check, and each line keeps its own date', () => {
    const { records, checks, info } = run(adyenFile(BATCH_42.slice(0, 7)));
    expect(checks).toEqual([]);
    expect(records.map((r) => r.settleDate)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30', '2026-03-30', '2026-03-31', '2026-04-01', '2026-04-01']);
    expect(info.variant).toBe('batch 42');
  });

  it('a header without a required column rejects every row, naming the column', () => {
    const header = ADYEN_HEADER.filter((h) => h !== 'TimeZone');
    const { records, rejects, info } = run(adyenFile(BATCH_42, header));
    expect(records).toEqual([]);
    expect(rejects).toHaveLength(8);
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'no column "TimeZone" in the header' });
    expect(info.nonDataUnits).toBe(1);
  });

  it('a file that is not this report is rejected line by line', () => {
    const { records, rejects, info } = run('a,b,c\n1,2,3\n');
    expect(records).toEqual([]);
    expect(rejects.map((r) => r.line)).toEqual([1, 2]);
    expect(info.variant).toBe('no-header');
  });
});

describe('adyen-settlement: layout and values', () => {
  it('finds columns by name when an account adds and reorders columns', () => {
    const header = ['Booking Date', ...ADYEN_HEADER].reverse();
    const rows = BATCH_42.map((r) => ({ ...r, 'Booking Date': '2026-04-01 08:00:00' }) as AdyenRow);
    const moved = run(`${[header.join(','), ...rows.map((r) => adyenLine(r, header))].join('\r\n')}\r\n`);
    const plain = run(adyenFile(BATCH_42));
    expect(moved.records).toEqual(plain.records);
    expect(moved.checks).toEqual(plain.checks);
  });

  it('keeps one payout check per merchant and batch in a multi-account report', () => {
    const other: AdyenRow[] = [
      {
        'Company Account': 'WeidaoGroup',
        'Merchant Account': 'WeidaoBeijingPOS',
        'Psp Reference': '9916100000000001',
        'Merchant Reference': 'BJ-1',
        'Payment Method': 'visa',
        'Creation Date': '2026-03-30 12:00:00',
        TimeZone: 'CEST',
        Type: 'Settled',
        'Gross Currency': 'EUR',
        'Gross Credit (GC)': '10.00',
        'Net Currency': 'EUR',
        'Net Credit (NC)': '9.80',
        'Commission (NC)': '0.20',
        'Batch Number': '7',
      },
      {
        'Company Account': 'WeidaoGroup',
        'Merchant Account': 'WeidaoBeijingPOS',
        'Creation Date': '2026-03-31 21:00:00',
        TimeZone: 'CEST',
        Type: 'MerchantPayout',
        'Net Currency': 'EUR',
        'Net Debit (NC)': '9.90',
        'Batch Number': '7',
      },
    ];
    const { records, checks, info } = run(adyenFile([...BATCH_42, ...other]));
    expect(records).toHaveLength(8);
    expect(checks.map((c) => [c.name, c.line, c.declared, c.computed])).toEqual([
      ['MerchantPayout WeidaoShanghaiECOM batch 42', 9, 28203, 28203],
      ['MerchantPayout WeidaoBeijingPOS batch 7', 11, 990, 980],
    ]);
    expect(info).not.toHaveProperty('merchantId');
  });

  it.each([
    ['CET', '2026-01-15 10:00:00', 'Asia/Shanghai', '2026-01-15T17:00:00+08:00'],
    ['CEST', '2026-07-15 10:00:00', 'Asia/Shanghai', '2026-07-15T16:00:00+08:00'],
    ['BST', '2026-07-15 10:00:00', 'Asia/Shanghai', '2026-07-15T17:00:00+08:00'],
    ['PDT', '2026-07-15 10:00:00', 'Asia/Shanghai', '2026-07-16T01:00:00+08:00'],
    ['+05:30', '2026-07-15 10:00:00', 'Asia/Shanghai', '2026-07-15T12:30:00+08:00'],
    ['GMT+8', '2026-07-15 10:00:00', 'Asia/Shanghai', '2026-07-15T10:00:00+08:00'],
    ['Europe/Amsterdam', '2026-01-15 10:00:00', 'Asia/Shanghai', '2026-01-15T17:00:00+08:00'],
    // CST is China Standard Time for a Shanghai contract, US Central for a Chicago one (in winter).
    ['CST', '2026-07-15 10:00:00', 'Asia/Shanghai', '2026-07-15T10:00:00+08:00'],
    ['CST', '2026-01-15 10:00:00', 'America/Chicago', '2026-01-15T10:00:00-06:00'],
  ])('TimeZone %s: %s is %s %s', (zone, created, contract, iso) => {
    const { records } = run(adyenFile([{ ...BATCH_42[0], TimeZone: zone, 'Creation Date': created }]), { ...SHANGHAI, timezone: contract });
    expect(records[0]?.txnTime).toBe(iso);
  });

  it('rejects CST when the contract zone is neither of its meanings', () => {
    const { rejects } = run(adyenFile([{ ...BATCH_42[0], TimeZone: 'CST' }]), { ...SHANGHAI, timezone: 'Europe/Paris' });
    expect(rejects[0]?.reason).toBe('TimeZone: "CST" may mean UTC+8 or UTC-6, and the contract zone Europe/Paris is neither');
  });

  it.each([
    ['visadebit', 'visa', 'debit'],
    ['mcstandarddebit', 'mc', 'debit'],
    ['maestro', 'maestro', 'debit'],
    ['mccredit', 'mc', 'credit'],
    ['visastandardcredit', 'visa', 'credit'],
    ['visaclassic', 'visa', 'unknown'],
    ['', 'alipay', 'qr'],
    ['', 'wechatpayQR', 'qr'],
  ])('Payment Method Variant %s (%s) is a %s card', (variant, method, kind) => {
    const { records } = run(adyenFile([{ ...BATCH_42[0], 'Payment Method Variant': variant, 'Payment Method': method }]));
    expect(records[0]?.cardKind).toBe(kind);
  });

  it('uses zero decimals for JPY', () => {
    const jpy: AdyenRow = { ...BATCH_42[1], 'Gross Currency': 'JPY', 'Gross Credit (GC)': '5000', 'Net Currency': 'JPY', 'Net Credit (NC)': '4850', 'Commission (NC)': '150' };
    const { records, checks } = run(adyenFile([jpy]));
    expect(records[0]).toMatchObject({ currency: 'JPY', amountMinor: 5000, feeMinor: 150, netMinor: 4850 });
    expect(checks).toEqual([]);
  });

  it('rejects costs whose sum would pass the safe-integer range instead of losing cents', () => {
    const huge = '90071992547409.91';
    const { records, rejects } = run(adyenFile([{ ...BATCH_42[0], 'Markup (NC)': huge, 'Scheme Fees (NC)': huge, 'Interchange (NC)': huge }]));
    expect(records).toEqual([]);
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'amounts out of range' });
  });

  it('drops a PSP reference Excel turned into scientific notation rather than carry a false key', () => {
    const { records } = run(adyenFile([{ ...BATCH_42[0], 'Psp Reference': '8.8161E+15' }]));
    expect(records[0]).not.toHaveProperty('reference');
    expect(records[0]?.orderId).toBe('ORDER-1001');
  });

  it('names the delivered line numbers when handed selected lines', () => {
    const text = adyenFile([BATCH_42[0] as AdyenRow, { ...BATCH_42[1], 'Net Credit (NC)': 'x' }]);
    const { records, rejects } = run(text, SHANGHAI, FILE, Uint32Array.from([1, 40, 41]));
    expect(records[0]?.source.line).toBe(40);
    expect(rejects[0]?.line).toBe(41);
  });
});

describe('adyen-settlement: sniff', () => {
  const wechat = readFileSync(path.join(import.meta.dirname, '../../samples/public/wechatpay-merchant-bill/extracted_wxjava_bill_ALL.csv'));
  it.each([
    ['the report', adyenFile(BATCH_42), 0.9],
    ['the report with a BOM', `\uFEFF${adyenFile(BATCH_42)}`, 0.9],
    ['a Stripe payout reconciliation', `${STRIPE_HEADER.join(',')}\n`, 0],
    [
      "Adyen's aggregate settlement report (no Psp Reference)",
      'Company Account,Merchant Account,Country Code,Store,Terminal ID,Batch Number,Batch Closed Date,Payment Method,Creation Date,TimeZone,Journal Type,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC)\n',
      0,
    ],
    ['a WeChat bill', wechat.toString('utf8'), 0],
  ])('%s → %s', (_what, text, score) => {
    expect(adyenSettlement.sniff(utf8(text), 'x.csv')).toBe(score);
  });
});
