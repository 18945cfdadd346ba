import { CHINAUMS_CODES, cardKindFromText, txnTypeFromText } from '../model/txn-types.js';
import type { AcquirerTxn } from '../model/records.js';
import { headerScore, mapHeaders } from './_headers.js';
import { MappedRow, describeSynonyms, explicitHeaders, headerlessEvents, missingColumns, resolveMap, tableHousekeeping } from './_mapped.js';
import { readTabular, type TabularFile } from './_tabular.js';
import { parseAmount } from '../model/money.js';
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
    const table = readTabular(input.bytes, input.encoding, explicitHeaders(input, ID));
    if (!('headers' in table)) {
      yield* headerlessEvents(table.lines, input, ID);
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
    let count = 0;
    let grossMinor = 0;
    let currency = input.options.currency;
    for (const row of table.rows) {
      const event = toTxn(new MappedRow(row, map, input.options.timezone), input);
      if (event.kind === 'record' && event.role === 'acquirer') {
        count++;
        grossMinor += event.record.netMinor < 0 ? -event.record.amountMinor : event.record.amountMinor;
        currency = event.record.currency;
      }
      yield event;
    }
    yield* footerChecks(table, map.amount, input, { count, grossMinor, currency });
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
  const issuerFee = r.amount('issuerFee', false);
  const networkFee = r.amount('networkFee', false);
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
    // Every optional field is in the literal, `undefined` when the file has no value (JSON leaves
    // such keys out): one object of one shape per record. Added one by one, they went to a
    // separate property store, grown as they came, and a monthly file keeps a merchant's
    // records alive until its rules have run: parsing 5 000-row merchants took 10–30 % longer.
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
    // Itemised regulated fees, where the export shows them, for fee-above-regulation.
    feeParts: issuerFee !== undefined || networkFee !== undefined ? assignOptional({}, { issuerMinor: issuerFee, networkMinor: networkFee }) : undefined,
  };
  return { kind: 'record', role: 'acquirer', record: txn };
}

/**
 * A `合计` footer (`合计,3笔,…,4906.00`) states the row count and the amount total: both are
 * checked against the rows read. Refunds count negative, as acquirers' totals net them.
 */
function* footerChecks(
  table: TabularFile,
  amountColumn: number | undefined,
  input: ParserInput,
  computed: { count: number; grossMinor: number; currency: string },
): Generator<ParseEvent> {
  for (const f of table.footer) {
    const countCell = f.cells.map((c) => /^(?:共)?(\d+)\s*笔$/.exec(c)?.[1]).find((c) => c !== undefined);
    if (countCell !== undefined) {
      yield check(input, f.line, '合计笔数', computed.currency, Number(countCell), computed.count + table.broken.length, 'count');
    }
    const amountCell = amountColumn === undefined ? undefined : f.cells[amountColumn];
    const amount = amountCell ? parseAmount(amountCell) : undefined;
    if (amount?.ok) yield check(input, f.line, '合计金额', computed.currency, amount.minor, computed.grossMinor);
  }
}

function check(input: ParserInput, line: number, name: string, currency: string, declared: number, computed: number, unit?: 'count'): ParseEvent {
  return { kind: 'check', check: { file: input.file, line, name, currency, declared, computed, ...(unit ? { unit } : {}) } };
}

/** Sets only the fields that have a value, so records carry no `undefined` keys into JSON. */
export function assignOptional<T extends object>(target: T, values: Partial<T>): T {
  // for…in rather than Object.entries: no array of pairs per record (it runs for every row).
  for (const k in values) {
    const v = values[k];
    if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  }
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
