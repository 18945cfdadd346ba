import { acquirerCsv } from './acquirer-csv.js';
import { alipayBill } from './alipay-bill.js';
import { posJournal } from './pos-journal.js';
import { unionpayAcpZm } from './unionpay-acp-zm.js';
import { wechatTradeBill } from './wechat-trade-bill.js';
import type { Parser } from './types.js';

/**
 * The registry of input formats. To add one: write `src/parsers/<format-id>.ts` with
 * `defineParser`, and list it here. Order breaks ties in sniffing: specific formats first.
 */
export const PARSERS: readonly Parser[] = [unionpayAcpZm, wechatTradeBill, alipayBill, acquirerCsv, posJournal];

export function parserById(id: string): Parser | undefined {
  return PARSERS.find((p) => p.id === id);
}

export type { Parser } from './types.js';
