import { formatGrouped, formatRate, applyRate } from '../model/money.js';
import { pricingFor, type MerchantContract, type PricingRow } from '../model/contract.js';
import { isSale, type AcquirerTxn, type SourceRef } from '../model/records.js';
import { perMerchant } from './_memo.js';

/** Yuan for messages: 123450 → "1,234.50 元". */
export const yuan = (minor: number): string => `${formatGrouped(minor)} 元`;

export const evidence = (...records: ({ source: SourceRef } | undefined)[]): SourceRef[] =>
  records.filter((r): r is { source: SourceRef } => r !== undefined).map((r) => ({ file: r.source.file, line: r.source.line }));

export const dateOf = (iso: string): string => iso.slice(0, 10);

/**
 * A file's own name, without the folder or archive it was read from (`in/a.zip!INN26112088ZM_…` →
 * `INN26112088ZM_…`): the one part of a path that stays the same when the scheduler moves the
 * file from inbox to archive or a re-delivery wraps it in another zip, for the keys of file-level
 * findings, whose file is what they are about.
 */
export const baseName = (file: string): string => file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'), file.lastIndexOf('!')) + 1);

/** Local date-time for messages: `2026-11-20 10:11`. */
export const clock = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

export interface ExpectedFee {
  expectedMinor: number;
  /** The percentage part before the cap, for telling a cap breach from a rate breach. */
  uncappedMinor: number;
  rate: number;
  capMinor: number | undefined;
  fixedMinor: number;
}

/**
 * The contracted fee of a sale: round-half-up(amount × rate), capped, plus the contracted fixed fee
 * (DESIGN.md section 5, fee-overcharge). Undefined when the contract has no price for the card kind.
 */
export function expectedFee(merchant: MerchantContract, txn: AcquirerTxn, channel?: string): ExpectedFee | undefined {
  const row = pricingFor(merchant, txn.cardKind, dateOf(txn.txnTime), channel);
  return row && feeByRow(merchant, row, txn.amountMinor);
}

/** The contracted fee of an amount under one of the merchant's pricing rows ({@link pricingFor}). */
export function feeByRow(merchant: MerchantContract, row: PricingRow, amountMinor: number): ExpectedFee {
  const uncapped = applyRate(amountMinor, row.rate);
  const capped = row.cap !== undefined ? Math.min(uncapped, row.cap) : uncapped;
  return {
    expectedMinor: capped + merchant.fixedFee,
    uncappedMinor: uncapped,
    rate: row.rate,
    capMinor: row.cap,
    fixedMinor: merchant.fixedFee,
  };
}

/** An acquirer sale with its contracted fee. */
export interface PricedSale {
  txn: AcquirerTxn;
  fee: ExpectedFee;
}

/**
 * The merchant's acquirer sales that the contract prices, in file order, each with its contracted
 * fee ({@link expectedFee}): worked out once for the four fee rules that read it.
 */
export const pricedSales = perMerchant((data): readonly PricedSale[] => {
  const out: PricedSale[] = [];
  for (const txn of data.acquirer) {
    if (!isSale(txn.txnType)) continue;
    const fee = expectedFee(data.merchant, txn);
    if (fee) out.push({ txn, fee });
  }
  return out;
});

export { formatRate };
