import { acquirerCsv } from './acquirer-csv.js';
import { adyenSettlement } from './adyen-settlement.js';
import { alipayBill } from './alipay-bill.js';
import { bai2 } from './bai2.js';
import { bankStatementCn } from './bank-statement-cn.js';
import { camt053 } from './camt053.js';
import { mt940 } from './mt940.js';
import { posJournal } from './pos-journal.js';
import { stripePayoutRecon } from './stripe-payout-recon.js';
import { unionpayAcpZm } from './unionpay-acp-zm.js';
import { wechatTradeBill } from './wechat-trade-bill.js';
import type { Parser } from './types.js';

/**
 * The registry of input formats. To add one: write `src/parsers/<format-id>.ts` with
 * `defineParser`, and list it here. Order breaks ties in sniffing: specific formats first.
 */
export const PARSERS: readonly Parser[] = [
  unionpayAcpZm,
  wechatTradeBill,
  alipayBill,
  bankStatementCn,
  camt053,
  mt940,
  bai2,
  adyenSettlement,
  stripePayoutRecon,
  acquirerCsv,
  posJournal,
];

export function parserById(id: string): Parser | undefined {
  return PARSERS.find((p) => p.id === id);
}

export type { Parser } from './types.js';
