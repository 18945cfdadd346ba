import type { CardKind, TxnType } from './records.js';
import { remember } from './remember.js';

/**
 * Transaction types from each format's words and codes (DESIGN.md section 8).
 * Order matters: 预授权完成撤销 must be tested before 预授权完成 and 撤销.
 */
const TEXT_RULES: readonly [RegExp, TxnType][] = [
  [/预授权完成撤销|预授权完成撤消|完成撤销/, 'preauth-complete-void'],
  [/预授权撤销|预授权撤消/, 'preauth-void'],
  [/预授权完成|授权完成|pre-?auth(orisation|orization)? ?complet/i, 'preauth-complete'],
  [/冲正|reversal|自动冲正|超时冲正/i, 'reversal'],
  [/撤销|撤消|void|cancel/i, 'void'],
  [/退货|退款|refund/i, 'refund'],
  [/消费|支付|收款|销售|付款|sale|purchase|payment|capture|settled|charge/i, 'sale'],
  [/调整|差错|adjust/i, 'adjustment'],
];

/** UnionPay 全渠道 (ACP) txnType codes. */
export const UNIONPAY_ACP_CODES: Readonly<Record<string, TxnType>> = {
  '01': 'sale',
  '03': 'preauth-complete',
  '04': 'refund',
  '31': 'void',
  '32': 'preauth-void',
  '33': 'preauth-complete-void',
};

/** 银联商务 (ChinaUMS) transaction codes. */
export const CHINAUMS_CODES: Readonly<Record<string, TxnType>> = {
  '00': 'sale',
  '01': 'void',
  '02': 'refund',
  '23': 'preauth-complete',
};

/** Maps a transaction-type cell (words or a code) to a type, or undefined when it names none. */
export function txnTypeFromText(text: string, codes: Readonly<Record<string, TxnType>> = CHINAUMS_CODES): TxnType | undefined {
  // A file has a handful of distinct type cells and millions of rows: remember the answers.
  let typeOfText = typeCache.get(codes);
  if (!typeOfText) typeCache.set(codes, (typeOfText = remember(1000, (t) => typeOf(t, codes))));
  return typeOfText(text);
}

const typeCache = new WeakMap<Readonly<Record<string, TxnType>>, (text: string) => TxnType | undefined>();

function typeOf(text: string, codes: Readonly<Record<string, TxnType>>): TxnType | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d{2}$/.test(s)) return codes[s];
  if (/^0400$/.test(s)) return 'reversal';
  for (const [re, type] of TEXT_RULES) if (re.test(s)) return type;
  return undefined;
}

/** Maps a card-type or payment-method cell to a card kind. */
export function cardKindFromText(text: string | undefined): CardKind {
  if (text === undefined) return 'unknown';
  // As for types: few distinct cells, millions of rows.
  return cardKindOfText(text);
}

const cardKindOfText = remember(1000, cardKindOf);

function cardKindOf(text: string): CardKind {
  const s = text.trim();
  if (s === '') return 'unknown';
  if (/借记|debit|储蓄|^d$|^01$/i.test(s)) return 'debit';
  if (/贷记|信用|credit|准贷记|^c$|^02$/i.test(s)) return 'credit';
  if (/扫码|二维码|微信|支付宝|云闪付|qr|wechat|alipay|条码|付款码/i.test(s)) return 'qr';
  return 'unknown';
}
