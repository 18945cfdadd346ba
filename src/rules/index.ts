import { chargedWithoutSale } from './charged-without-sale.js';
import { feeOvercharge } from './fee-overcharge.js';
import { fileTotalsMismatch } from './file-totals-mismatch.js';
import { hiddenSurcharge } from './hidden-surcharge.js';
import { saleNotSettled } from './sale-not-settled.js';
import { settlementNotReceived } from './settlement-not-received.js';
import { settlementShort } from './settlement-short.js';
import { unparseableRow } from './unparseable-row.js';
import type { Rule } from './types.js';

/**
 * The rule catalog (DESIGN.md section 5). To add a rule: write `src/rules/<rule-id>.ts` with
 * `defineRule`, and list it here.
 */
export const RULES: readonly Rule[] = [
  chargedWithoutSale,
  saleNotSettled,
  settlementNotReceived,
  settlementShort,
  feeOvercharge,
  hiddenSurcharge,
  fileTotalsMismatch,
  unparseableRow,
];

export type { Rule } from './types.js';
