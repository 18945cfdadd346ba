import { merchantIndex, type ContractConfig, type MerchantContract } from '../../model/contract.js';
import type { ParseOptions } from '../../parsers/types.js';
import { rateHistoryOf, type RateHistory, type RateMonth } from '../../rules/types.js';

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
}

export function bulkContext(config: ContractConfig, history: readonly RateMonth[] = []): BulkContext {
  const index = merchantIndex(config);
  return {
    config,
    index,
    order: new Map(config.merchants.map((m, i) => [m, i])),
    parseOptions: { timezone: config.timezone, currency: config.currency, columnMaps: config.columnMaps },
    history: rateHistoryOf(history),
    keyOf: (cell) => index.get(cell)?.id ?? cell,
  };
}
