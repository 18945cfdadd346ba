import type { ContractConfig } from '../model/contract.js';
import { makeFinding, type Finding } from '../model/finding.js';
import { formatRate, applyRate } from '../model/money.js';
import type { AcquirerTxn, CardKind } from '../model/records.js';
import { dateOf, evidence, pricedSales, yuan } from './_shared.js';
import { hiddenSurchargeOf } from './hidden-surcharge.js';
import { defineRule, type MerchantData, type RateHistory } from './types.js';

const ID = 'fee-rate-creep';

/** Fewer sales than this in a month and card kind say nothing about a rate. */
const MIN_SALES = 5;
/** The trailing median looks back this many months (DESIGN.md section 5). */
const TRAILING_MONTHS = 3;

/** One month and card kind of a merchant's fees. */
export interface MonthlyRate {
  month: string;
  cardKind: CardKind;
  sales: AcquirerTxn[];
  amountMinor: number;
  feeMinor: number;
  /** The contracted fees of the same sales (rate, rounding, cap and fixed fee as the contract applies them). */
  expectedMinor: number;
  /** Effective rate fee ÷ amount in ppm, rounded: what the state store keeps for the trailing median. */
  ppm: number;
}

/**
 * Effective fee rates per calendar month (of the transaction date) and card kind, over the sales
 * no other fee rule speaks for: capped debit sales (their rate is not the contract rate), and sales
 * above their contracted fee by more than the tolerance (fee-overcharge, debit-cap-exceeded) or
 * carrying the hidden surcharge are left out, so that one finding describes one problem.
 * Exported for the state store, which keeps `ppm` as the history the next months compare with.
 */
export function monthlyRates(data: MerchantData, config: ContractConfig): MonthlyRate[] {
  const tolerance = config.tolerances.feeFen;
  const surcharged = new Set(hiddenSurchargeOf(data, config)?.sales ?? []);
  const groups = new Map<string, MonthlyRate>();
  for (const { txn: a, fee } of pricedSales(data)) {
    if (a.amountMinor <= 0 || surcharged.has(a)) continue;
    if (a.cardKind === 'debit' && fee.capMinor !== undefined && fee.uncappedMinor >= fee.capMinor) continue;
    if (a.feeMinor - fee.expectedMinor > tolerance) continue;
    const month = dateOf(a.txnTime).slice(0, 7);
    const key = `${month}|${a.cardKind}|${a.currency}`;
    let g = groups.get(key);
    if (!g) {
      g = { month, cardKind: a.cardKind, sales: [], amountMinor: 0, feeMinor: 0, expectedMinor: 0, ppm: 0 };
      groups.set(key, g);
    }
    g.sales.push(a);
    g.amountMinor += a.amountMinor;
    g.feeMinor += a.feeMinor;
    g.expectedMinor += fee.expectedMinor;
  }
  const out = [...groups.values()];
  for (const g of out) g.ppm = Math.round((g.feeMinor * 1_000_000) / g.amountMinor);
  return out.sort((x, y) => x.month.localeCompare(y.month) || x.cardKind.localeCompare(y.cardKind));
}

/** Twice the median (an integer even for two values), so the comparison stays exact. */
function twiceMedian(values: readonly number[]): number | undefined {
  const v = [...values].sort((x, y) => x - y);
  const n = v.length;
  if (n === 0) return undefined;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? 2 * (v[mid] ?? 0) : (v[mid - 1] ?? 0) + (v[mid] ?? 0);
}

/** One month and card kind of a merchant's sales, added up: what the creep test reads of them. */
export interface RateSums {
  month: string;
  cardKind: CardKind;
  /** Sales counted. */
  count: number;
  amountMinor: number;
  feeMinor: number;
  expectedMinor: number;
}

/** Why a month's rate creeps: above the contract, or else above the trailing median (twice it, `median2`) of `previous`. */
export interface Creep {
  aboveContract: boolean;
  previous: number[];
  median2: number | undefined;
}

/**
 * The creep test of one month and card kind, or undefined when its rate does not creep or it has
 * too few sales to say. Shared with the bulk path's screen (pipeline/bulk/screen.ts), which adds up
 * the same sums from a merchant's bytes and must come to the same answer as this rule.
 */
export function creepOf(g: RateSums, merchantId: string, history: RateHistory, config: ContractConfig): Creep | undefined {
  if (g.count < MIN_SALES) return undefined;
  const creep = BigInt(config.tolerances.rateCreepPpm);
  const fee = BigInt(g.feeMinor) * 1_000_000n;
  const amount = BigInt(g.amountMinor);
  // (Σfee − Σcontracted) ÷ Σamount ≥ creep, in integers.
  const aboveContract = fee - BigInt(g.expectedMinor) * 1_000_000n >= amount * creep;
  const previous = history.previous(merchantId, g.cardKind, g.month).slice(0, TRAILING_MONTHS);
  const median2 = twiceMedian(previous);
  // Σfee ÷ Σamount ≥ median + creep, doubled on both sides.
  const aboveTrend = median2 !== undefined && 2n * fee >= amount * (BigInt(median2) + 2n * creep);
  return aboveContract || aboveTrend ? { aboveContract, previous, median2 } : undefined;
}

const KIND: Record<CardKind, string> = { debit: '借记卡', credit: '贷记卡', qr: '扫码', unknown: '未知卡种' };

/**
 * 费率悄涨: a month's effective rate for a card kind at or above the contract by the creep tolerance
 * (0.05 percentage points by default), or at or above the trailing 3-month median by as much →
 * medium (DESIGN.md section 5). The contract side is the sum of each sale's contracted fee, so
 * honest half-up rounding on small tickets is not creep, while every fee rounded up (each within
 * the 1-fen tolerance) adds up to it.
 */
export const feeRateCreep = defineRule({
  id: ID,
  severity: 'medium',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '有效费率上升',
  description: 'Monthly effective fee rate per card kind above the contract or the trailing 3-month median by the creep tolerance.',
  check({ data, config, history }) {
    const findings: Finding[] = [];
    for (const g of monthlyRates(data, config)) {
      const creep = creepOf({ ...g, count: g.sales.length }, data.merchant.id, history, config);
      if (!creep) continue;
      const { aboveContract, previous, median2 } = creep;
      const contractPpm = Math.round((g.expectedMinor * 1_000_000) / g.amountMinor);
      const first = g.sales[0];
      const baseline = aboveContract ? g.expectedMinor : applyRate(g.amountMinor, Math.round((median2 ?? 0) / 2));
      const against = aboveContract
        ? `合同费率折算 ${formatRate(contractPpm)}（应收 ${yuan(g.expectedMinor)}）`
        : `前 ${previous.length} 个月有效费率中位数 ${formatRate(Math.round((median2 ?? 0) / 2))}`;
      findings.push(
        makeFinding(ID, 'medium', {
          merchantId: data.merchant.id,
          date: first ? dateOf(first.txnTime) : undefined,
          currency: first?.currency ?? config.currency,
          amountMinor: g.amountMinor,
          expectedMinor: baseline,
          actualMinor: g.feeMinor,
          differenceMinor: g.feeMinor - baseline,
          message: `${g.month} ${KIND[g.cardKind]} ${g.sales.length} 笔交易合计 ${yuan(g.amountMinor)}，手续费 ${yuan(g.feeMinor)}，有效费率 ${formatRate(g.ppm)}，高于${against}达 ${formatRate(config.tolerances.rateCreepPpm).replace('%', '')} 个百分点以上。`,
          evidence: evidence(...g.sales),
          keys: [g.month, g.cardKind, first?.currency],
        }),
      );
    }
    return findings;
  },
});
