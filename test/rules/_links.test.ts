import { describe, expect, it } from 'vitest';
import { chinaCalendar } from '../../src/model/calendar.js';
import type { AcquirerTxn } from '../../src/model/records.js';
import { buildMerchantData } from '../../src/pipeline/merchant-data.js';
import { acquirerUndo, originalsFinder } from '../../src/rules/_links.js';
import { perMerchant, perMerchantAndConfig } from '../../src/rules/_memo.js';
import type { MerchantData } from '../../src/rules/types.js';
import { randomMerchant, where } from '../matching/_random.js';
import { acquirerUndoByScan, originalCandidatesByScan } from '../matching/_scan-reference.js';
import { contract, scenario } from './_fixtures.js';

const merchantOf = (records: { acquirer: AcquirerTxn[]; pos: MerchantData['pos'] }): MerchantData => {
  const [data] = buildMerchantData({ ...records, bank: [], statements: [] }, contract(), chinaCalendar).merchants;
  if (!data) throw new Error('no merchant');
  return data;
};

describe('originalsFinder', () => {
  const s = scenario();
  const first = s.acq({ at: '2026-11-20 10:00', reference: '632010000001', orderId: 'WX1', trace: '000007' });
  const second = s.acq({ at: '2026-11-20 11:00', reference: '632010000001', trace: '000008' });
  const byOrder = s.acq({ at: '2026-11-20 12:00', reference: '632010000002', orderId: 'WX2', trace: '000007', terminalId: '10078088' });
  const originalsOf = originalsFinder([first, second, byOrder]);
  const lines = (r: Parameters<typeof originalsOf>[0]) => originalsOf(r).map(where);

  it.each([
    { name: 'an original reference two sales carry: both, in the order given', r: { originalReference: '632010000001', originalOrderId: 'WX2' }, found: [first, second] },
    { name: 'a reference no sale carries: the order id instead', r: { originalReference: '632010009999', originalOrderId: 'WX2' }, found: [byOrder] },
    { name: 'the trace, on the refund’s terminal', r: { originalTrace: '000007', terminalId: '10078087' }, found: [first] },
    { name: 'the trace, the refund naming no terminal', r: { originalTrace: '000007' }, found: [first, byOrder] },
    { name: 'an order id and a trace that fit nothing', r: { originalOrderId: 'WX9', originalTrace: '000009' }, found: [] },
    { name: 'nothing named', r: {}, found: [] },
  ])('$name', ({ r, found }) => {
    expect(lines(r)).toEqual(found.map(where));
    expect(lines(r)).toEqual(originalCandidatesByScan(r, [first, second, byOrder]).map(where));
  });

  it.each(Array.from({ length: 20 }, (_, i) => ({ seed: 200 + i })))('matches the scan it replaced on random records: seed $seed', ({ seed }) => {
    const { acquirer, pos } = randomMerchant(seed, 60);
    for (const records of [acquirer, pos] as const) {
      const sales = (records as readonly (AcquirerTxn | MerchantData['pos'][number])[]).filter((r) => r.txnType === 'sale');
      const find = originalsFinder(sales);
      for (const r of records) expect(find(r).map(where)).toEqual(originalCandidatesByScan(r, sales).map(where));
    }
  });
});

describe('acquirerUndo', () => {
  it.each(Array.from({ length: 30 }, (_, i) => ({ seed: 300 + i, n: 10 + ((i * 13) % 70) })))(
    'ties cancels and refunds as the scan it replaced did, keeping only the sales something undid: seed $seed',
    ({ seed, n }) => {
      const data = merchantOf(randomMerchant(seed, n));
      const show = (m: ReadonlyMap<AcquirerTxn, { cancels: AcquirerTxn[]; refunds: AcquirerTxn[]; undoneMinor: number; feeBackMinor: number }>) =>
        [...m]
          .filter(([, u]) => u.cancels.length + u.refunds.length > 0)
          .map(([sale, u]) => ({ sale: where(sale), cancels: u.cancels.map(where), refunds: u.refunds.map(where), undone: u.undoneMinor, feeBack: u.feeBackMinor }));
      const undo = acquirerUndo(data);
      expect(show(undo)).toEqual(show(acquirerUndoByScan(data)));
      expect(show(undo)).toHaveLength(undo.size);
    },
  );
});

describe('perMerchant', () => {
  it('derives once per MerchantData object, afresh for a copy', () => {
    let calls = 0;
    const derive = perMerchant((data) => ({ calls: ++calls, sales: data.acquirer.length }));
    const data = merchantOf(randomMerchant(1, 10));
    expect(derive(data)).toBe(derive(data));
    expect(derive({ ...data })).toEqual({ calls: 2, sales: 10 });
    expect(acquirerUndo(data)).toBe(acquirerUndo(data));
  });

  it('keeps one value per configuration', () => {
    const derive = perMerchantAndConfig((_data, config) => config.tolerances.feeFen);
    const data = merchantOf(randomMerchant(2, 10));
    expect(derive(data, contract({ tolerances: { feeFen: 1 } }))).toBe(1);
    expect(derive(data, contract({ tolerances: { feeFen: 3 } }))).toBe(3);
  });
});
