import { makeFinding } from '../model/finding.js';
import type { AcquirerTxn } from '../model/records.js';
import { perMerchantAndConfig } from './_memo.js';
import { evidence, pricedSales, yuan, type PricedSale } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'hidden-surcharge';

/** Fewer sales than this say nothing about a pattern. */
const MIN_SALES = 5;

export interface Surcharge {
  residualMinor: number;
  sales: AcquirerTxn[];
  totalMinor: number;
  share: number;
}

/** What a sale's fee carries beyond its contracted fee. */
const residualOf = ({ txn, fee }: PricedSale): number => txn.feeMinor - fee.expectedMinor;

/**
 * The "+3 元" / 秒到费 pattern: most of a merchant's sales carry the same residual fee beyond
 * amount × rate (±1 fen) although the contract allows no fixed fee. Shared with fee-overcharge,
 * which leaves those transactions to this rule.
 */
export const hiddenSurchargeOf = perMerchantAndConfig((data, config): Readonly<Surcharge> | undefined => {
  if (data.merchant.fixedFee !== 0) return undefined;
  const tolerance = config.tolerances.feeFen;
  const priced = pricedSales(data);
  if (priced.length < MIN_SALES) return undefined;
  const counts = new Map<number, number>();
  for (const p of priced) {
    const residual = residualOf(p);
    counts.set(residual, (counts.get(residual) ?? 0) + 1);
  }
  // The pattern is the residual with the most sales within ±tolerance of it (not merely the most
  // frequent exact value: 2.99/3.00/3.01 split evenly is one add-on, centred on 3.00). Counted over
  // the distinct residuals, a handful, rather than over every sale for each of them.
  const near = (center: number) => {
    let n = 0;
    for (const [residual, exact] of counts) if (Math.abs(residual - center) <= tolerance) n += exact;
    return n;
  };
  const [mode] =
    [...counts.entries()]
      .map(([residual, exact]) => [residual, near(residual), exact] as const)
      .sort((x, y) => y[1] - x[1] || y[2] - x[2] || y[0] - x[0])[0] ?? [0];
  if (mode <= tolerance) return undefined;
  const sharing = priced.filter((p) => Math.abs(residualOf(p) - mode) <= tolerance);
  const share = sharing.length / priced.length;
  if (share < config.tolerances.hiddenSurchargeShare) return undefined;
  return {
    residualMinor: mode,
    sales: sharing.map((p) => p.txn),
    totalMinor: sharing.reduce((s, p) => s + residualOf(p), 0),
    share,
  };
});

export const hiddenSurcharge = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '隐性附加费',
  description: 'A fixed per-transaction add-on, not in the contract, on most of the sales.',
  check({ data, config }) {
    const s = hiddenSurchargeOf(data, config);
    if (!s) return [];
    const first = s.sales[0];
    // One finding per month: a daily run that sees more of the month keeps the same id.
    const month = first?.settleDate.slice(0, 7);
    return [
      makeFinding(ID, 'high', {
        merchantId: data.merchant.id,
        date: first?.settleDate,
        currency: first?.currency ?? config.currency,
        amountMinor: s.sales.reduce((sum, a) => sum + a.amountMinor, 0),
        expectedMinor: 0,
        actualMinor: s.totalMinor,
        differenceMinor: s.totalMinor,
        message: `${s.sales.length} 笔交易（占 ${Math.round(s.share * 100)}%）在合同费率之外每笔多收约 ${yuan(s.residualMinor)}，合同未约定任何固定费用，合计 ${yuan(s.totalMinor)}。`,
        evidence: evidence(...s.sales),
        keys: [month, s.residualMinor],
      }),
    ];
  },
});
