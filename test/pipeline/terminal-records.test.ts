import { describe, expect, it } from 'vitest';
import type { AcquirerTxn } from '../../src/model/records.js';
import { recordsOf, terminalRecords } from '../../src/pipeline/bulk/_terminal-records.js';

/** A sale on terminal `terminal`, line `line` of a.csv, with `changes` made. */
function txn(line: number, terminal: string | undefined, changes: Partial<AcquirerTxn> = {}): AcquirerTxn {
  return {
    source: { file: 'in/a.csv', line },
    format: 'acquirer-csv',
    merchantId: '898310000014078',
    merchantName: '上海味道餐饮有限公司第0001店',
    ...(terminal !== undefined ? { terminalId: terminal } : {}),
    txnType: 'sale',
    txnTime: `2026-10-0${1 + (line % 9)}T10:00:0${line % 10}+08:00`,
    settleDate: '2026-10-02',
    currency: 'CNY',
    amountMinor: 1000 * line + 1,
    feeMinor: 6 * line,
    netMinor: 994 * line + 1,
    reference: `2610010000${line}`,
    batch: '000001',
    trace: String(line).padStart(6, '0'),
    cardMasked: '622848******1234',
    cardKind: 'debit',
    mcc: '5812',
    ...changes,
  };
}

/** What the columns keep of a record. */
const kept = ({ reference: _r, batch: _b, trace: _t, cardMasked: _c, orderId: _o, originalReference: _or, originalTrace: _ot, originalOrderId: _oo, feeParts: _f, payerName: _p, description: _d, ...rest }: AcquirerTxn) => rest;

describe('a drifting terminal’s records, sent in columns', () => {
  const records = [
    txn(2, 'T1'),
    txn(3, 'T2'),
    txn(4, 'T1', { merchantName: '上海味道餐饮 有限公司（第0001店）' }),
    txn(5, undefined),
    txn(6, 'T1', { mcc: '5411', txnType: 'refund', amountMinor: 500, feeMinor: -3, netMinor: -497 }),
    txn(7, 'T1', { merchantName: '' }),
    txn(8, 'T1', { merchantName: undefined, mcc: undefined }),
    txn(9, 'T1', { source: { file: 'in/b.csv', line: 9 }, currency: 'USD', amountMinor: 2 ** 40 + 1 }),
    txn(10, 'T1'),
  ];
  // The optional fields left out, as a parser leaves them out (not present as undefined).
  for (const r of records) for (const k of Object.keys(r) as (keyof AcquirerTxn)[]) if (r[k] === undefined) delete r[k];

  it('keeps each record of the asked terminals, in order, with every field the drift rule reads', () => {
    const columns = structuredClone(terminalRecords(records, new Set(['T1', 'T3'])));
    expect(recordsOf(columns)).toEqual(records.filter((r) => r.terminalId === 'T1').map(kept));
  });

  it('sends the values records repeat once', () => {
    const columns = terminalRecords(records, new Set(['T1']));
    // Lines 2 and 10 are alike but for their own line, time and amounts; the others each differ in a shared value.
    expect(columns.shapes).toHaveLength(6);
    expect(columns.shapeOf[0]).toBe(columns.shapeOf[6]);
    const back = recordsOf(columns);
    expect(back[6]!.source.file).toBe(back[0]!.source.file);
  });

  it('tells an absent name from an empty one', () => {
    const back = recordsOf(terminalRecords(records, new Set(['T1'])));
    expect(back.find((r) => r.source.line === 7)!.merchantName).toBe('');
    expect('merchantName' in back.find((r) => r.source.line === 8)!).toBe(false);
  });

  it('is empty for terminals no record is on', () => {
    const columns = terminalRecords(records, new Set(['T9']));
    expect(columns.lines).toHaveLength(0);
    expect(recordsOf(columns)).toEqual([]);
  });
});
