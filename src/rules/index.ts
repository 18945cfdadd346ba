import { chargedWithoutSale } from './charged-without-sale.js';
import { debitCapExceeded } from './debit-cap-exceeded.js';
import { duplicateCharge } from './duplicate-charge.js';
import { feeAboveRegulation } from './fee-above-regulation.js';
import { feeOvercharge } from './fee-overcharge.js';
import { feeRateCreep } from './fee-rate-creep.js';
import { fileTotalsMismatch } from './file-totals-mismatch.js';
import { hiddenSurcharge } from './hidden-surcharge.js';
import { mccMismatch } from './mcc-mismatch.js';
import { merchantIdentityDrift } from './merchant-identity-drift.js';
import { overRefund } from './over-refund.js';
import { refundNotHonoured } from './refund-not-honoured.js';
import { refundWithoutRequest } from './refund-without-request.js';
import { reversalStillSettled } from './reversal-still-settled.js';
import { saleNotSettled } from './sale-not-settled.js';
import { settlementLate } from './settlement-late.js';
import { settlementNotReceived } from './settlement-not-received.js';
import { settlementShort } from './settlement-short.js';
import { unexpectedDeduction } from './unexpected-deduction.js';
import { unlicensedPayer } from './unlicensed-payer.js';
import { unparseableRow } from './unparseable-row.js';
import { voidStillSettled } from './void-still-settled.js';
import type { Rule } from './types.js';

/**
 * The rule catalog (DESIGN.md section 5), in the design's order. To add a rule: write
 * `src/rules/<rule-id>.ts` with `defineRule`, and list it here.
 */
export const RULES: readonly Rule[] = [
  chargedWithoutSale,
  saleNotSettled,
  settlementNotReceived,
  settlementShort,
  settlementLate,
  duplicateCharge,
  voidStillSettled,
  reversalStillSettled,
  refundNotHonoured,
  overRefund,
  refundWithoutRequest,
  feeOvercharge,
  debitCapExceeded,
  feeAboveRegulation,
  hiddenSurcharge,
  feeRateCreep,
  unexpectedDeduction,
  mccMismatch,
  merchantIdentityDrift,
  unlicensedPayer,
  fileTotalsMismatch,
  unparseableRow,
];

/** A rule by its id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

export type { Rule } from './types.js';
