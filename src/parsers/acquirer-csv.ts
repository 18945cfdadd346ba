import { CHINAUMS_CODES, cardKindFromText, txnTypeFromText } from '../model/txn-types.js';
import type { AcquirerTxn } from '../model/records.js';
import { headerScore, mapHeaders } from './_headers.js';
import { MappedRow, describeSynonyms, missingColumns, resolveMap, tableHousekeeping } from './_mapped.js';
import { readTabular } from './_tabular.js';
import { cleanCell, decode, detectEncoding, guessDelimiter, maskCard, splitCsvLine, splitLines } from './_text.js';
import { defineParser, type ParseEvent, type ParserInput } from './types.js';

const ID = 'acquirer-csv';

/**
 * Any acquirer's per-transaction export (拉卡拉, 银联商务, 通联, …), columns found by header
 * synonyms or by the config's `columnMaps["acquirer-csv"]`. A fee column is what tells it from a
 * POS journal.
 */
export const acquirerCsv = defineParser({
  id: ID,
  role: 'acquirer',
  description: 'Acquirer transaction export (CSV/TSV, UTF-8 or GBK), columns by header synonyms or config map',
  sniff(head, name) {
    const map = headMap(head);
    if (!map) return 0;
    if (map.amount === undefined || map.merchantId === undefined) return 0;
    const hasFee = map.fee !== undefined || map.net !== undefined;
    const posHint = /pos|journal|收银|流水/i.test(name);
    return hasFee && !posHint ? 0.5 : 0.1;
  },
  *parse(input) {
    const table = readTabular(input.bytes, input.encoding);
    if (!table) {
      yield reject(input, 1, 'no header row with known column names found in the first 40 lines', '');
      yield { kind: 'info', info: { units: 0, nonDataUnits: 0 } };
      return;
    }
    const map = resolveMap(table, input, ID);
    const missing = missingColumns(map, ['merchantId', 'amount']);
    if (missing.length > 0) {
      for (const row of table.rows) {
        yield reject(input, row.line, `no column for ${missing.map((f) => `${f} (${describeSynonyms(f)})`).join(', ')}`, row.raw);
      }
      yield* tableHousekeeping(table, input, 'unmapped');
      return;
    }
    for (const row of table.rows) {
      const r = new MappedRow(row, map, input.options.timezone);
      const event = toTxn(r, input);
      yield event;
    }
    yield* tableHousekeeping(table, input, 'header-mapped');
  },
});

function toTxn(r: MappedRow, input: ParserInput): ParseEvent {
  const merchantId = r.required('merchantId');
  const txnTime = r.time();
  const typeText = r.text('txnType') ?? r.text('txnCode') ?? '消费';
  const txnType = txnTypeFromText(typeText, CHINAUMS_CODES);
  if (!txnType) r.problems.push(`txnType: unknown transaction type "${typeText}"`);
  const amount = r.amount('amount', true);
  const fee = r.amount('fee', false) ?? 0;
  const netText = r.amount('net', false);
  const settleDate = r.date('settleDate') ?? txnTime.slice(0, 10);
  if (r.problems.length > 0 || amount === undefined || !txnType) {
    return reject(input, r.row.line, r.problems.join('; '), r.row.raw);
  }
  const abs = Math.abs(amount);
  const outgoing = txnType === 'refund' || txnType === 'void' || txnType === 'reversal' || txnType.endsWith('-void');
  // Files disagree on signs: some write refunds negative, some positive with the type saying so.
  const gross = outgoing ? -abs : abs;
  const net = netText ?? gross - fee;
  const card = r.text('card');
  const txn: AcquirerTxn = {
    source: { file: input.file, line: r.row.line },
    format: ID,
    merchantId,
    txnType,
    txnTime,
    settleDate,
    currency: r.text('currency') ?? input.options.currency,
    amountMinor: abs,
    feeMinor: fee,
    netMinor: net,
    cardKind: cardKindFromText(r.text('cardKind')),
  };
  assignOptional(txn, {
    merchantName: r.text('merchantName'),
    terminalId: r.text('terminalId'),
    reference: r.text('reference'),
    batch: r.text('batch'),
    trace: r.text('trace'),
    orderId: r.text('orderId'),
    originalReference: r.text('originalReference'),
    originalTrace: r.text('originalTrace'),
    originalOrderId: r.text('originalOrderId'),
    cardMasked: card ? maskCard(card) : undefined,
    mcc: r.text('mcc'),
    payerName: r.text('payerName'),
  });
  return { kind: 'record', role: 'acquirer', record: txn };
}

/** Sets only the fields that have a value, so records carry no `undefined` keys into JSON. */
export function assignOptional<T extends object>(target: T, values: Partial<T>): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  return target;
}

function reject(input: ParserInput, line: number, reason: string, raw: string): ParseEvent {
  return { kind: 'reject', reject: { file: input.file, line, reason, raw } };
}

/** Header map of the first line that looks like a header, for sniffing. */
export function headMap(head: Uint8Array) {
  const encoding = detectEncoding(head);
  if (encoding === 'binary') return null;
  const text = decode(head, encoding);
  const lines = splitLines(text).slice(0, 40);
  for (const line of lines) {
    const cells = (splitCsvLine(line, guessDelimiter(line)) ?? []).map(cleanCell);
    if (headerScore(cells) >= 3) return mapHeaders(cells);
  }
  return null;
}
