import { CHINAUMS_CODES, cardKindFromText, txnTypeFromText } from '../model/txn-types.js';
import type { PosSale } from '../model/records.js';
import { MappedRow, describeSynonyms, explicitHeaders, headerlessEvents, missingColumns, resolveMap, tableHousekeeping } from './_mapped.js';
import { readTabular } from './_tabular.js';
import { lastFour } from './_text.js';
import { headMap } from './acquirer-csv.js';
import { defineParser, type ParseEvent, type ParserInput } from './types.js';

const ID = 'pos-journal';

/** Statuses that mean the sale did not go through. */
const DECLINED = /失败|拒绝|未支付|关闭|取消|declin|fail|reject|closed/i;

/** Whether a POS record with this status cell (`''` when empty) went through. */
export const approvedStatus = (status: string): boolean => !DECLINED.test(status);

/**
 * The merchant's own POS or order-system export: what was sold. Same header synonyms as
 * acquirer-csv (config `columnMaps["pos-journal"]`); no fee column, and usually a status.
 */
export const posJournal = defineParser({
  id: ID,
  role: 'pos',
  description: "Merchant POS / order journal (CSV/TSV, UTF-8 or GBK), columns by header synonyms or config map",
  sniff(head, name) {
    const map = headMap(head);
    if (!map || map.amount === undefined) return 0;
    const posHint = /pos|journal|收银|流水|订单/i.test(name);
    const hasFee = map.fee !== undefined || map.net !== undefined;
    if (posHint) return 0.6;
    return hasFee ? 0.05 : 0.4;
  },
  *parse(input) {
    const table = readTabular(input.bytes, input.encoding, explicitHeaders(input, ID));
    if (!('headers' in table)) {
      yield* headerlessEvents(table.lines, input, ID);
      return;
    }
    const map = resolveMap(table, input, ID);
    const missing = missingColumns(map, ['merchantId', 'amount']);
    for (const row of table.rows) {
      if (missing.length > 0) {
        yield reject(input, row.line, `no column for ${missing.map((f) => `${f} (${describeSynonyms(f)})`).join(', ')}`, row.raw);
        continue;
      }
      yield toSale(new MappedRow(row, map, input.options.timezone), input);
    }
    yield* tableHousekeeping(table, input, missing.length > 0 ? 'unmapped' : 'header-mapped');
  },
});

function toSale(r: MappedRow, input: ParserInput): ParseEvent {
  const merchantId = r.required('merchantId');
  const txnTime = r.time();
  const typeText = r.text('txnType') ?? r.text('txnCode') ?? '消费';
  const txnType = txnTypeFromText(typeText, CHINAUMS_CODES);
  if (!txnType) r.problems.push(`txnType: unknown transaction type "${typeText}"`);
  const amount = r.amount('amount', true);
  if (r.problems.length > 0 || amount === undefined || !txnType) {
    return { kind: 'reject', reject: { file: input.file, line: r.row.line, reason: r.problems.join('; '), raw: r.row.raw } };
  }
  const status = r.text('status') ?? '';
  const sale: PosSale = {
    source: { file: input.file, line: r.row.line },
    format: ID,
    merchantId,
    txnType,
    txnTime,
    currency: r.text('currency') ?? input.options.currency,
    amountMinor: Math.abs(amount),
    approved: approvedStatus(status),
    cardKind: cardKindFromText(r.text('cardKind')),
    // Every optional field in the literal, as acquirer-csv's records: one object of one shape.
    terminalId: r.text('terminalId'),
    reference: r.text('reference'),
    batch: r.text('batch'),
    trace: r.text('trace'),
    orderId: r.text('orderId'),
    originalReference: r.text('originalReference'),
    originalTrace: r.text('originalTrace'),
    originalOrderId: r.text('originalOrderId'),
    cardLast4: r.text('cardLast4') ?? lastFour(r.text('card')),
  };
  return { kind: 'record', role: 'pos', record: sale };
}

function reject(input: ParserInput, line: number, reason: string, raw: string): ParseEvent {
  return { kind: 'reject', reject: { file: input.file, line, reason, raw } };
}
