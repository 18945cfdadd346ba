/**
 * The canonical records every parser produces, whatever the file looked like.
 * Amounts are integer minor units with their currency; times are ISO 8601 with the offset
 * of the contract's time zone; dates are `YYYY-MM-DD` in that zone.
 */

export const ROLES = ['acquirer', 'bank', 'pos'] as const;
export type Role = (typeof ROLES)[number];

/** Where a record came from: the file as the user named it (or `archive.zip!entry`) and its line. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/**
 * Transaction types, after each format's codes are mapped (DESIGN.md section 8).
 * `reversal` is a 冲正 (ISO 8583 0400), including a terminal's timeout auto-reversal.
 */
export const TXN_TYPES = [
  'sale',
  'void',
  'reversal',
  'refund',
  'preauth-complete',
  'preauth-void',
  'preauth-complete-void',
  'adjustment',
] as const;
export type TxnType = (typeof TXN_TYPES)[number];

export type CardKind = 'debit' | 'credit' | 'qr' | 'unknown';

/** Itemised fee components where a format shows them (UnionPay, Adyen, Stripe). */
export interface FeeParts {
  issuerMinor?: number;
  networkMinor?: number;
  acquirerMinor?: number;
  interchangeMinor?: number;
  schemeMinor?: number;
  markupMinor?: number;
  commissionMinor?: number;
}

/** One transaction as the acquirer (or wallet provider) settled it. */
export interface AcquirerTxn {
  readonly source: SourceRef;
  readonly format: string;
  merchantId: string;
  merchantName?: string;
  terminalId?: string;
  txnType: TxnType;
  /** ISO 8601 with offset. */
  txnTime: string;
  /** The acquirer's settlement (clearing) date, `YYYY-MM-DD`. */
  settleDate: string;
  currency: string;
  /** Transaction amount, always positive; the direction is in `txnType`. */
  amountMinor: number;
  /** Fee charged to the merchant for this transaction (negative when a fee is returned). */
  feeMinor: number;
  /** What the merchant is credited: positive for a sale, negative for a refund. */
  netMinor: number;
  reference?: string;
  batch?: string;
  trace?: string;
  orderId?: string;
  /** For voids, reversals and refunds: the original sale's reference, trace or order id. */
  originalReference?: string;
  originalTrace?: string;
  originalOrderId?: string;
  /** Masked card number: first 6 and last 4 at most. */
  cardMasked?: string;
  cardKind: CardKind;
  mcc?: string;
  feeParts?: FeeParts;
  /** The payer of the settlement when the file names one (a wallet, an acquirer, a sub-acquirer). */
  payerName?: string;
  /** The record's own remark (备注/摘要/说明), where the file has one: what an adjustment is for. */
  description?: string;
}

/** One line of a bank statement. */
export interface BankEntry {
  readonly source: SourceRef;
  readonly format: string;
  accountNumber?: string;
  accountName?: string;
  bookingDate: string;
  valueDate?: string;
  direction: 'credit' | 'debit';
  /** Always positive; the direction says which way it went. */
  amountMinor: number;
  currency: string;
  counterpartyName?: string;
  counterpartyAccount?: string;
  description?: string;
  reference?: string;
}

/** One line of the merchant's own POS or order journal. */
export interface PosSale {
  readonly source: SourceRef;
  readonly format: string;
  merchantId: string;
  terminalId?: string;
  txnType: TxnType;
  txnTime: string;
  currency: string;
  amountMinor: number;
  approved: boolean;
  reference?: string;
  batch?: string;
  trace?: string;
  orderId?: string;
  originalReference?: string;
  originalTrace?: string;
  originalOrderId?: string;
  cardLast4?: string;
  cardKind: CardKind;
}

export type CanonicalRecord =
  | { role: 'acquirer'; record: AcquirerTxn }
  | { role: 'bank'; record: BankEntry }
  | { role: 'pos'; record: PosSale };

/** A row that could not be parsed. It goes to rejects.csv and becomes an `unparseable-row` finding. */
export interface Reject {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
}

/**
 * A control total the file carries about itself (a WeChat summary line, an Alipay `#合计`,
 * a UnionPay RD line, a camt TxsSummry, MT940 balances, a bank footer), checked against the rows.
 */
export interface ControlCheck {
  readonly file: string;
  readonly line: number;
  /** What was compared, e.g. `交易总金额` or `closing balance`. */
  readonly name: string;
  readonly currency: string;
  readonly declared: number;
  readonly computed: number;
  /** Set for checks that count rows rather than money. */
  readonly unit?: 'count';
}

export const isSale = (t: TxnType): boolean => t === 'sale' || t === 'preauth-complete';
export const isCancellation = (t: TxnType): boolean =>
  t === 'void' || t === 'reversal' || t === 'preauth-void' || t === 'preauth-complete-void';
