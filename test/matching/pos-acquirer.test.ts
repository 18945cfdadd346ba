import { describe, expect, it } from 'vitest';
import { linkCancels, matchPosAcquirer, type PosAcquirerMatch } from '../../src/matching/pos-acquirer.js';
import type { AcquirerTxn, PosSale } from '../../src/model/records.js';
import { randomMerchant, where } from './_random.js';
import { linkCancelsByScan, matchPosAcquirerByScan } from './_scan-reference.js';

/** A match as record positions, so that a difference reads. */
function shape(m: PosAcquirerMatch) {
  const pairs = (ps: PosAcquirerMatch['sales']) => ps.map((p) => `${where(p.pos)} ${where(p.acquirer)} ${p.key}`);
  const links = (ls: { cancel: PosSale | AcquirerTxn; original: PosSale | AcquirerTxn | undefined }[]) => ls.map((l) => `${where(l.cancel)} ${where(l.original)}`);
  return {
    sales: pairs(m.sales),
    refunds: pairs(m.refunds),
    unmatchedPosSales: m.unmatchedPosSales.map(where),
    unmatchedAcquirerSales: m.unmatchedAcquirerSales.map(where),
    unmatchedPosRefunds: m.unmatchedPosRefunds.map(where),
    unmatchedAcquirerRefunds: m.unmatchedAcquirerRefunds.map(where),
    posCancels: links(m.posCancels),
    acquirerCancels: links(m.acquirerCancels),
  };
}

const sale = (line: number, o: Partial<AcquirerTxn>): AcquirerTxn => ({
  source: { file: 'acquirer.csv', line },
  format: 'acquirer-csv',
  merchantId: 'M',
  terminalId: 'T1',
  txnType: 'sale',
  txnTime: '2026-11-20T10:00:00+08:00',
  settleDate: '2026-11-20',
  currency: 'CNY',
  amountMinor: 1_000,
  feeMinor: 6,
  netMinor: 994,
  cardKind: 'credit',
  ...o,
});

describe('matchPosAcquirer: the indexed matcher against the plain scan it replaced', () => {
  it.each(Array.from({ length: 40 }, (_, i) => ({ seed: i + 1, n: 5 + ((i * 7) % 60) })))('seed $seed, $n records a side', ({ seed, n }) => {
    const { acquirer, pos } = randomMerchant(seed, n);
    expect(shape(matchPosAcquirer(pos, acquirer, 10))).toEqual(shape(matchPosAcquirerByScan(pos, acquirer, 10)));
  });
});

describe('linkCancels', () => {
  it('prefers the original reference, then trace on the terminal, order id, own reference, the latest earlier sale', () => {
    const sales = [
      sale(2, { reference: 'R1', trace: '001', orderId: 'O1', txnTime: '2026-11-20T09:00:00+08:00' }),
      sale(3, { reference: 'R2', trace: '002', terminalId: 'T2', txnTime: '2026-11-20T09:30:00+08:00' }),
      sale(4, { reference: 'R3', trace: '002', orderId: 'O3', txnTime: '2026-11-20T09:45:00+08:00' }),
      sale(5, { reference: 'R4', txnTime: '2026-11-20T09:50:00+08:00' }),
      sale(6, { reference: 'R5', txnTime: '2026-11-20T09:50:00+08:00' }),
    ];
    const cancels = [
      sale(10, { txnType: 'void', originalReference: 'R1', originalTrace: '002' }),
      // R1 is taken: the trace on the cancel's own terminal (T1) is line 4's, not line 3's on T2.
      sale(11, { txnType: 'void', originalReference: 'R1', originalTrace: '002' }),
      sale(12, { txnType: 'reversal', originalOrderId: 'O1', reference: 'R2' }),
      // No key: the latest earlier sale of the day on the terminal for the amount, the first of a tie.
      sale(13, { txnType: 'void', txnTime: '2026-11-20T09:55:00+08:00' }),
      sale(14, { txnType: 'preauth-void', reference: 'R5' }),
    ];
    const linked = linkCancels(cancels, sales).map((l) => `${where(l.cancel)} ${where(l.original)}`);
    expect(linked).toEqual(['acquirer.csv:10 acquirer.csv:2', 'acquirer.csv:11 acquirer.csv:4', 'acquirer.csv:12 acquirer.csv:3', 'acquirer.csv:13 acquirer.csv:5', 'acquirer.csv:14 -']);
    expect(linked).toEqual(linkCancelsByScan(cancels, sales).map((l) => `${where(l.cancel)} ${where(l.original)}`));
  });

  it('orders candidate times as the scan did, when offsets and layouts differ', () => {
    const sales = [
      sale(2, { txnTime: '2026-11-20T02:10:00Z' }),
      sale(3, { txnTime: '2026-11-20T02:10:00+00:00' }),
      sale(4, { txnTime: '2026-11-20T02:10:00.500+00:00' }),
    ];
    const cancels = [sale(10, { txnType: 'void', txnTime: '2026-11-20T10:00:00+08:00' }), sale(11, { txnType: 'void', txnTime: '2026-11-20T10:00:00+08:00' })];
    expect(linkCancels(cancels, sales).map((l) => where(l.original))).toEqual(linkCancelsByScan(cancels, sales).map((l) => where(l.original)));
  });
});
