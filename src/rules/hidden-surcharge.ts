import type { ContractConfig } from '../model/contract.js';
import { makeFinding } from '../model/finding.js';
import { isSale, type AcquirerTxn } from '../model/records.js';
import { evidence, expectedFee, yuan } from './_shared.js';
import { defineRule, type MerchantData } from './types.js';

const ID = 'hidden-surcharge';

/** Fewer sales than this say nothing about a pattern. */
const MIN_SALES = 5;

export interface Surcharge {
  residualMinor: number;
  sales: AcquirerTxn[];
  totalMinor: number;
  share: number;
}

/**
 * The "+3 元" / 秒到费 pattern: most of a merchant's sales carry the same residual fee beyond
 * amount × rate (±1 fen) although the contract allows no fixed fee. Shared with fee-overcharge,
 * which leaves those transactions to this rule.
 */
export function hiddenSurchargeOf(data: MerchantData, config: ContractConfig): Surcharge | undefined {
  if (data.merchant.fixedFee !== 0) return undefined;
  const tolerance = config.tolerances.feeFen;
  const residuals: { txn: AcquirerTxn; residual: number }[] = [];
  for (const a of data.acquirer) {
    if (!isSale(a.txnType)) continue;
    const fee = expectedFee(data.merchant, a);
    if (fee) residuals.push({ txn: a, residual: a.feeMinor - fee.expectedMinor });
  }
  if (residuals.length < MIN_SALES) return undefined;
  const counts = new Map<number, number>();
  for (const r of residuals) counts.set(r.residual, (counts.get(r.residual) ?? 0) + 1);
  // The pattern is the residual with the most sales within ±tolerance of it (not merely the most
  // frequent exact value: 2.99/3.00/3.01 split evenly is one add-on, centred on 3.00).
  const near = (center: number) => residuals.filter((r) => Math.abs(r.residual - center) <= tolerance).length;
  const [mode] =
    [...counts.entries()]
      .map(([residual, exact]) => [residual, near(residual), exact] as const)
      .sort((x, y) => y[1] - x[1] || y[2] - x[2] || y[0] - x[0])[0] ?? [0];
  if (mode <= tolerance) return undefined;
  const sharing = residuals.filter((r) => Math.abs(r.residual - mode) <= tolerance);
  const share = sharing.length / residuals.length;
  if (share < config.tolerances.hiddenSurchargeShare) return undefined;
  return {
    residualMinor: mode,
    sales: sharing.map((r) => r.txn),
    totalMinor: sharing.reduce((s, r) => s + r.residual, 0),
    share,
  };
}

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
