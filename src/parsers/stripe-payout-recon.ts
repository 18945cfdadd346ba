import { DateTime } from 'luxon';
import { minorDigits, parseAmount } from '../model/money.js';
import type { AcquirerTxn, CardKind, ControlCheck, TxnType } from '../model/records.js';
import { assignOptional } from './acquirer-csv.js';
import { decode, detectEncoding, ownValue, splitCsvLine, splitLines } from './_text.js';
import { defineParser, type FileInfo, type ParseEvent } from './types.js';

const ID = 'stripe-payout-recon';

/**
 * Stripe itemized Payout reconciliation report (Reports API `payout_reconciliation.itemized.N`,
 * and `connected_account_payout_reconciliation.itemized.N` for a Connect account; docs.stripe.com,
 * Reporting › Reports API › Payout reconciliation report type): one line per balance transaction
 * settled by an automatic payout, with `gross`, `fee` and `net` in MAJOR units of `currency`
 * ("Expressed in major units of the currency (e.g. dollars for USD, yen for JPY)"), the
 * `reporting_category` (charge, refund, dispute, fee, …) and the `automatic_payout_id` /
 * `automatic_payout_effective_at` of the payout that paid it out. Columns are chosen when the
 * report is run, so every column is found by its header name. The same layout without the payout
 * columns (`balance_change_from_activity.itemized.N`) is read too, dated by `available_on`.
 *
 * A direct Stripe account's report names no merchant: a file whose rows name one
 * `connected_account` is that account's; any other file is given the merchant id `stripe`, which
 * the contract names through its merchant `aliases`. The `statement_descriptor` is not used as an
 * id: it is per charge (dynamic suffixes) and empty on fee lines, so it would split one payout
 * between several "merchants".
 */

const COL = {
  id: 'balance_transaction_id',
  createdUtc: 'created_utc',
  created: 'created',
  availableOnUtc: 'available_on_utc',
  availableOn: 'available_on',
  currency: 'currency',
  gross: 'gross',
  fee: 'fee',
  net: 'net',
  category: 'reporting_category',
  source: 'source_id',
  description: 'description',
  chargeId: 'charge_id',
  paymentIntent: 'payment_intent_id',
  paymentMethod: 'payment_method_type',
  cardBrand: 'card_brand',
  cardFunding: 'card_funding',
  payoutId: 'automatic_payout_id',
  payoutAt: 'automatic_payout_effective_at',
  payoutAtUtc: 'automatic_payout_effective_at_utc',
  account: 'connected_account',
  accountName: 'connected_account_name',
} as const;
type Column = keyof typeof COL;

const REQUIRED: readonly Column[] = ['id', 'currency', 'gross', 'fee', 'net', 'category'];

/** reporting_category values that are a sale or a refund; every other category is an adjustment. */
const CATEGORIES: Readonly<Record<string, TxnType>> = {
  charge: 'sale',
  payment: 'sale',
  refund: 'refund',
  payment_refund: 'refund',
};

/**
 * The payout's own balance transaction. The itemized payout reconciliation report lists what a
 * payout settles, not the payout itself; where a file does carry it (a balance-change export, a
 * hand-assembled file), it is the payout's declared amount and is checked, not counted as a row.
 */
const PAYOUT_CATEGORY = 'payout';

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function cardKindOf(funding: string | undefined, method: string | undefined): CardKind {
  const f = (funding ?? '').trim().toLowerCase();
  if (f === 'credit') return 'credit';
  if (f === 'debit') return 'debit';
  // Prepaid cards are neither in the contracts' pricing rows: unknown rather than a guess.
  if (/wechat_pay|alipay|qr/i.test(method ?? '')) return 'qr';
  return 'unknown';
}

class Row {
  readonly problems: string[] = [];
  constructor(
    private readonly index: ReadonlyMap<Column, number>,
    private readonly cells: readonly string[],
  ) {}

  text(c: Column): string | undefined {
    const i = this.index.get(c);
    const v = i === undefined ? undefined : this.cells[i]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  required(c: Column): string {
    const v = this.text(c);
    if (v === undefined) this.problems.push(`${COL[c]}: missing`);
    return v ?? '';
  }

  amount(c: Column, digits: number): number | undefined {
    const v = this.required(c);
    if (v === '') return undefined;
    const parsed = parseAmount(v, digits);
    if (!parsed.ok) {
      this.problems.push(`${COL[c]}: ${parsed.reason}`);
      return undefined;
    }
    return parsed.minor;
  }

  /** A date-time cell read in `zone` (an explicit offset or Z in the cell wins), as ISO in `to`. */
  time(c: Column, zone: string, to: string): string | undefined {
    const v = this.text(c);
    if (v === undefined) return undefined;
    const m = DATE_TIME.exec(v);
    const dt = m ? DateTime.fromISO(`${m[1]}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}${m[5] ?? ''}`, { zone, setZone: false }) : undefined;
    if (!dt?.isValid) {
      this.problems.push(`${COL[c]}: expected a date-time like 2026-05-01 15:30:00, got "${v}"`);
      return undefined;
    }
    return dt.setZone(to).toISO({ suppressMilliseconds: true }) ?? undefined;
  }

  /** The calendar date a date or date-time cell states, as written (it is already in the report's zone). */
  date(c: Column): string | undefined {
    const v = this.text(c);
    if (v === undefined) return undefined;
    const m = DATE_TIME.exec(v);
    if (!m || !DateTime.fromISO(m[1] ?? '').isValid) {
      this.problems.push(`${COL[c]}: expected a date like 2026-05-04, got "${v}"`);
      return undefined;
    }
    return m[1];
  }
}

interface Payout {
  readonly id: string;
  readonly line: number;
  readonly currency: string;
  readonly amount: number;
}

type LineResult = { problems: string[] } | { payout: Payout } | { txn: AcquirerTxn; check?: ControlCheck };

/**
 * Stripe itemized payout reconciliation: one acquirer record per balance transaction, dated by the
 * automatic payout that paid it out, with each line's gross − fee = net checked.
 */
export const stripePayoutRecon = defineParser({
  id: ID,
  role: 'acquirer',
  description: 'Stripe itemized payout reconciliation report (payout_reconciliation.itemized.N): gross/fee/net per balance transaction',
  sniff(head, _name) {
    const encoding = detectEncoding(head);
    if (encoding === 'binary') return 0;
    const first = splitLines(decode(head.subarray(0, 16 * 1024), encoding)).find((l) => l.trim() !== '');
    if (first === undefined) return 0;
    const cells = new Set((splitCsvLine(first) ?? []).map(normaliseHeader));
    if (!REQUIRED.every((c) => cells.has(COL[c]))) return 0;
    return cells.has(COL.payoutId) || cells.has(COL.payoutAt) || cells.has(COL.payoutAtUtc) ? 0.9 : 0.5;
  },
  *parse(input) {
    const zone = input.options.timezone;
    const lines = splitLines(decode(input.bytes, input.encoding === 'binary' ? 'utf-8' : input.encoding));
    const lineNo = (i: number) => input.lineNumbers?.[i] ?? i + 1;
    const reject = (line: number, reason: string, raw: string): ParseEvent => ({ kind: 'reject', reject: { file: input.file, line, reason, raw } });

    const headerAt = lines.findIndex((l, i) => i < 5 && (splitCsvLine(l) ?? []).map(normaliseHeader).includes(COL.id));
    if (headerAt < 0) {
      let blank = 0;
      for (const [i, raw] of lines.entries()) {
        if (raw.trim() === '') blank++;
        else yield reject(lineNo(i), `no Stripe report header (a "${COL.id}" column) in the first 5 lines`, raw);
      }
      yield { kind: 'info', info: { units: lines.length, nonDataUnits: blank, variant: 'no-header' } };
      return;
    }
    const headers = (splitCsvLine(lines[headerAt] ?? '') ?? []).map(normaliseHeader);
    let width = headers.length;
    while (width > 0 && headers[width - 1] === '') width--;
    const index = new Map<Column, number>();
    for (const [key, name] of Object.entries(COL) as [Column, string][]) {
      const i = headers.indexOf(name);
      if (i >= 0) index.set(key, i);
    }
    const missing = REQUIRED.filter((c) => !index.has(c));
    if (!index.has('createdUtc') && !index.has('created')) missing.push('createdUtc');
    const merchant = fileMerchant(lines, headerAt, index);

    const events: ParseEvent[] = [];
    const payouts: Payout[] = [];
    let nonData = headerAt + 1;
    for (let i = headerAt + 1; i < lines.length; i++) {
      const raw = lines[i] ?? '';
      const line = lineNo(i);
      if (raw.trim() === '' || /^[,\s]*$/.test(raw)) {
        nonData++;
        continue;
      }
      const cells = splitCsvLine(raw);
      if (cells === null) {
        events.push(reject(line, 'unterminated quote', raw));
        continue;
      }
      while (cells.length > width && (cells[cells.length - 1] ?? '').trim() === '') cells.pop();
      if (cells.length !== width) {
        const why = cells.length < width ? 'row cut short or misaligned' : 'a value holds a comma without quotes, or the row is misaligned';
        events.push(reject(line, `expected ${width} cells, got ${cells.length} (${why})`, raw));
        continue;
      }
      if (missing.length > 0) {
        events.push(reject(line, `no column ${missing.map((c) => `"${COL[c]}"`).join(', ')} in the header`, raw));
        continue;
      }
      const result = readLine(new Row(index, cells), { zone, merchant, file: input.file, line });
      if ('problems' in result) events.push(reject(line, result.problems.join('; '), raw));
      else if ('payout' in result) {
        payouts.push(result.payout);
        nonData++;
      } else {
        events.push({ kind: 'record', role: 'acquirer', record: result.txn });
        if (result.check) events.push({ kind: 'check', check: result.check });
      }
    }
    yield* events;
    yield* payoutChecks(payouts, events, input.file);
    const variant = index.has('payoutId') || index.has('payoutAt') || index.has('payoutAtUtc') ? 'payout-reconciliation' : 'balance-change';
    const info: FileInfo = { units: lines.length, nonDataUnits: nonData, variant, merchantId: merchant.id };
    yield { kind: 'info', info };
  },
});

const normaliseHeader = (h: string): string => h.replace(/^\uFEFF/, '').trim().toLowerCase();

/** One merchant per file: the connected account when every named one is the same, else `stripe`. */
function fileMerchant(lines: readonly string[], headerAt: number, index: ReadonlyMap<Column, number>): { id: string; name?: string } {
  const at = index.get('account');
  const nameAt = index.get('accountName');
  if (at === undefined) return { id: 'stripe' };
  const accounts = new Map<string, string | undefined>();
  for (let i = headerAt + 1; i < lines.length; i++) {
    const cells = splitCsvLine(lines[i] ?? '');
    const account = cells?.[at]?.trim();
    if (account) accounts.set(account, accounts.get(account) ?? (nameAt === undefined ? undefined : cells?.[nameAt]?.trim() || undefined));
  }
  const [only] = accounts;
  // A platform's own report names the connected account on its transfer lines: its payouts are the platform's.
  if (accounts.size !== 1 || !only) return { id: 'stripe' };
  const [id, name] = only;
  return name === undefined ? { id } : { id, name };
}

function readLine(row: Row, ctx: { zone: string; merchant: { id: string; name?: string }; file: string; line: number }): LineResult {
  const id = row.required('id');
  const currencyText = row.required('currency');
  if (currencyText !== '' && !/^[a-z]{3}$/i.test(currencyText)) row.problems.push(`currency: expected a three-letter ISO currency, got "${currencyText}"`);
  const currency = currencyText.toUpperCase();
  const digits = minorDigits(currency);
  const gross = row.amount('gross', digits);
  const fee = row.amount('fee', digits);
  const net = row.amount('net', digits);
  const category = row.required('category').toLowerCase();
  // created_utc is UTC by definition; `created` is in the zone the report was run in, which the file
  // does not state: it is read in the contract's zone, where a user downloading it would have set it.
  const txnTime = row.text('createdUtc') !== undefined ? row.time('createdUtc', 'UTC', ctx.zone) : row.time('created', ctx.zone, ctx.zone);
  if (txnTime === undefined && row.problems.length === 0) row.problems.push(`${COL.createdUtc}: missing`);
  const payoutId = row.text('payoutId');
  // The payout's arrival date is the settlement date, as Stripe states it (its zone is the report's).
  const settleDate = row.date('payoutAt') ?? row.date('payoutAtUtc') ?? row.date('availableOn') ?? row.date('availableOnUtc') ?? txnTime?.slice(0, 10);
  if (gross !== undefined && fee !== undefined && !Number.isSafeInteger(gross - fee)) row.problems.push('gross, fee: amounts out of range');
  if (row.problems.length > 0 || gross === undefined || fee === undefined || net === undefined || txnTime === undefined || settleDate === undefined) {
    return { problems: row.problems };
  }

  if (category === PAYOUT_CATEGORY) {
    const source = row.text('source');
    const payout = source?.startsWith('po_') ? source : payoutId;
    if (payout === undefined) return { problems: [`${COL.source}: a payout line names no payout (po_…)`] };
    return { payout: { id: payout, line: ctx.line, currency, amount: Math.abs(net) } };
  }

  const txnType: TxnType = ownValue(CATEGORIES, category) ?? 'adjustment';
  const txn: AcquirerTxn = {
    source: { file: ctx.file, line: ctx.line },
    format: ID,
    merchantId: ctx.merchant.id,
    txnType,
    txnTime,
    settleDate,
    currency,
    amountMinor: Math.abs(gross),
    feeMinor: fee,
    netMinor: net,
    cardKind: cardKindOf(row.text('cardFunding'), row.text('paymentMethod')),
  };
  const source = row.text('source');
  const charge = row.text('chargeId');
  const intent = row.text('paymentIntent');
  if (txnType === 'sale') {
    assignOptional(txn, { reference: charge ?? source, orderId: intent });
  } else {
    // A refund or dispute has its own object (re_…, du_…) in source_id; charge_id is the charge it acts on.
    const own = source ?? charge;
    assignOptional(txn, {
      reference: own,
      originalReference: charge !== undefined && charge !== own ? charge : undefined,
      orderId: txnType === 'refund' ? intent : undefined,
      originalOrderId: intent,
    });
  }
  const description = row.text('description');
  assignOptional(txn, {
    merchantName: ctx.merchant.name,
    batch: payoutId,
    description: txnType === 'adjustment' ? (description ? `${category}: ${description}` : category) : description,
  });
  const check: ControlCheck | undefined =
    gross - fee === net
      ? undefined
      : { file: ctx.file, line: ctx.line, name: `net = gross − fee (${id})`, currency, declared: net, computed: gross - fee };
  return { txn, ...(check && { check }) };
}

/**
 * Where the file carries a payout's own line, the payout's amount is checked against the sum of the
 * nets of the lines it paid out (automatic_payout_id). A rejected line is missing from the sum.
 */
function* payoutChecks(payouts: readonly Payout[], events: readonly ParseEvent[], file: string): Generator<ParseEvent> {
  const computed = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== 'record' || e.role !== 'acquirer' || e.record.batch === undefined) continue;
    computed.set(e.record.batch, (computed.get(e.record.batch) ?? 0) + e.record.netMinor);
  }
  for (const p of payouts) {
    const check: ControlCheck = { file, line: p.line, name: `payout ${p.id}`, currency: p.currency, declared: p.amount, computed: computed.get(p.id) ?? 0 };
    yield { kind: 'check', check };
  }
}
