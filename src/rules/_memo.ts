import type { ContractConfig } from '../model/contract.js';
import type { MerchantData } from './types.js';

/**
 * Makes a derivation of one merchant's data that several rules share (how each sale was undone,
 * the duplicate charges, the contracted fees, the hidden surcharge…) computed once per
 * MerchantData object: every rule deriving it again was most of the rules' time. The memo is
 * held weakly, so it goes when the data goes, and a copy of the data (the reports' masked view)
 * starts afresh.
 *
 * Only for what buildMerchantData settles once and nothing changes afterwards: the merchant, its
 * records and `posMatch`. `days` and `bankMatch` are replaced when carried days join
 * (joinCarriedDays), so nothing derived from them is memoised. The value is shared by every
 * caller: none may change it.
 */
export function perMerchant<T>(derive: (data: MerchantData) => T): (data: MerchantData) => T {
  const memo = new WeakMap<MerchantData, { value: T }>();
  return (data) => {
    let hit = memo.get(data);
    if (!hit) {
      hit = { value: derive(data) };
      memo.set(data, hit);
    }
    return hit.value;
  };
}

/** {@link perMerchant} for a derivation that also reads the run's configuration (its tolerances). */
export function perMerchantAndConfig<T>(derive: (data: MerchantData, config: ContractConfig) => T): (data: MerchantData, config: ContractConfig) => T {
  const byConfig = new WeakMap<ContractConfig, (data: MerchantData) => T>();
  return (data, config) => {
    let forConfig = byConfig.get(config);
    if (!forConfig) {
      forConfig = perMerchant((d) => derive(d, config));
      byConfig.set(config, forConfig);
    }
    return forConfig(data);
  };
}
