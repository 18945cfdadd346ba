import { merchantIndex, type ContractConfig, type MerchantContract } from '../../model/contract.js';
import type { ParseOptions } from '../../parsers/types.js';
import { rateHistoryOf, type RateHistory, type RateMonth } from '../../rules/types.js';
import { hashBucket } from './_lines.js';

/** What every bulk task derives from the contract once per thread. */
export interface BulkContext {
  config: ContractConfig;
  index: Map<string, MerchantContract>;
  /** A merchant's position in `config.merchants`: the order single-threaded results come in. */
  order: Map<MerchantContract, number>;
  parseOptions: ParseOptions;
  /** The state store's rate history, for fee-rate-creep; empty in a stateless run. */
  history: RateHistory;
  /**
   * A line's merchant key: the contract's id for a known id or alias (all of a merchant's lines
   * meet in one partition whatever id they carry), else the cell itself.
   */
  keyOf(cell: string): string;
  /**
   * A merchant key's bucket (of `buckets`), the same in every thread. The contract's merchants go
   * in turn, by their place in it: every bucket gets as many of them as the next, give or take one.
   * Hashed, their ids gave the fullest bucket 1.7 times the mean bucket's lines in the 5 M-row
   * month and 2.4 times in the 10 M-row month (whose merchants are twice as large), in turn 1.3
   * times in both; a stage-2 task's memory is its bucket's. Any other key is hashed (hashBucket).
   */
  bucketOf(key: string, buckets: number): number;
}

export function bulkContext(config: ContractConfig, history: readonly RateMonth[] = []): BulkContext {
  const index = merchantIndex(config);
  const order = new Map(config.merchants.map((m, i) => [m, i]));
  return {
    config,
    index,
    order,
    parseOptions: { timezone: config.timezone, currency: config.currency, columnMaps: config.columnMaps },
    history: rateHistoryOf(history),
    keyOf: (cell) => index.get(cell)?.id ?? cell,
    bucketOf: (key, buckets) => {
      const known = index.get(key);
      return known && known.id === key ? order.get(known)! % buckets : hashBucket(key, buckets);
    },
  };
}
