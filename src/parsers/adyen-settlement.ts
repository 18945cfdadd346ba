import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { formatDecimal, minorDigits, parseAmount } from '../model/money.js';
import type { AcquirerTxn, CardKind, ControlCheck, FeeParts, TxnType } from '../model/records.js';
import { assignOptional } from './acquirer-csv.js';
import { decode, detectEncoding, ownValue, splitCsvLine, splitLines } from './_text.js';
import { defineParser, type FileInfo, type ParseEvent } from './types.js';

const ID = 'adyen-settlement';

/**
 * Adyen "Settlement details report" (`settlement_detail_report_batch_N.csv`), the transaction-level
 * statement of one payout batch (docs.adyen.com, Reporting › Settlement reconciliation ›
 * Settlement details report, and its "report structure" page):
 *
 * - one header line, then one line per journal entry: payments (`Settled`, `Refunded`,
 *   `Chargeback`, `ChargebackReversed`, `RefundedReversed`, …), batch-level bookings (`Fee`,
 *   `MiscCosts`, `InvoiceDeduction`, `DepositCorrection`, `PaymentCost`, …) and the
 *   `MerchantPayout` that sends the batch's balance to the bank;
 * - debits and credits sit in separate columns, in the gross currency (GC, what the shopper paid)
 *   and in the net currency (NC, what is settled); the withheld costs are itemised in NC as
 *   Commission, Markup, Scheme Fees and Interchange;
 * - `Creation Date` is a wall-clock time in the zone named by the next column (`CET`, `CEST`,
 *   `BST`, `PDT`, …: the account's time-zone setting, with its summer-time state).
 *
 * Columns are found by header name: accounts can add columns (Booking Date, Metadata, Store, …)
 * and the position of the standard ones is not guaranteed. The `MerchantPayout` line is not a
 * transaction: it is the batch's own total, checked against the nets of the batch's rows.
 */

/** Header names of the standard columns this parser reads (matched case-insensitively). */
const COL = {
  merchant: 'Merchant Account',
  psp: 'Psp Reference',
  merchantRef: 'Merchant Reference',
  method: 'Payment Method',
  created: 'Creation Date',
  zone: 'TimeZone',
  type: 'Type',
  modRef: 'Modification Reference',
  grossCurrency: 'Gross Currency',
  grossDebit: 'Gross Debit (GC)',
  grossCredit: 'Gross Credit (GC)',
  rate: 'Exchange Rate',
  netCurrency: 'Net Currency',
  netDebit: 'Net Debit (NC)',
  netCredit: 'Net Credit (NC)',
  commission: 'Commission (NC)',
  markup: 'Markup (NC)',
  scheme: 'Scheme Fees (NC)',
  interchange: 'Interchange (NC)',
  variant: 'Payment Method Variant',
  modMerchantRef: 'Modification Merchant Reference',
  batch: 'Batch Number',
} as const;
type Column = keyof typeof COL;

/** Without these a line cannot be turned into money at a time for a merchant. */
const REQUIRED: readonly Column[] = ['merchant', 'created', 'zone', 'type', 'netCurrency', 'netDebit', 'netCredit'];

/** The header cells that tell this report from every other CSV (the aggregate report has no Psp Reference). */
const SIGNATURE = [COL.merchant, COL.psp, COL.type, COL.netDebit, COL.netCredit].map((h) => h.toLowerCase());

/**
 * Journal types that are a sale or a refund of a payment. Everything else is an adjustment, its
 * sign given by the net columns. Chargebacks are adjustments on purpose: the issuer takes the money
 * back on the cardholder's dispute, the merchant asked for nothing, so they must not count as
 * refunds the merchant made (refund-without-request, over-refund); the record keeps the payment's
 * Psp Reference as originalReference and the journal type as its description.
 */
const PAYMENT_TYPES: Readonly<Record<string, TxnType>> = {
  settled: 'sale',
  settledbulk: 'sale',
  refunded: 'refund',
  refundedbulk: 'refund',
  refundedexternally: 'refund',
};

const PAYOUT_TYPE = 'merchantpayout';

/** Adyen's 16-character PSP references (payments and modifications); other Modification References are text. */
const PSP_LIKE = /^[A-Z0-9]{16}$/i;

/** An id that Excel turned into `1.8137E+15` has lost its digits: it is not carried as a key. */
const SCIENTIFIC = /^\d(?:\.\d+)?E\+\d+$/i;

/**
 * Time-zone abbreviations Adyen writes in the TimeZone column, as UTC offsets in minutes. An
 * abbreviation names the summer-time state too (CET in winter, CEST in summer), so it maps to a fixed
 * offset rather than to a region. CST and IST name two zones each: the one that agrees with the
 * contract's zone at that moment is taken, otherwise the line is rejected as ambiguous.
 */
const ZONE_ABBREVIATIONS: Readonly<Record<string, readonly number[]>> = {
  UTC: [0], GMT: [0], Z: [0], WET: [0], WEST: [60], BST: [60], CET: [60], CEST: [120], MET: [60], MEST: [120],
  EET: [120], EEST: [180], MSK: [180], TRT: [180], GST: [240], PKT: [300], IST: [330, 60], ICT: [420], WIB: [420],
  HKT: [480], SGT: [480], AWST: [480], PHT: [480], CST: [480, -360], JST: [540], KST: [540], ACST: [570], ACDT: [630],
  AEST: [600], AEDT: [660], NZST: [720], NZDT: [780], AST: [-240], ADT: [-180], EST: [-300], EDT: [-240], CDT: [-300],
  MST: [-420], MDT: [-360], PST: [-480], PDT: [-420], AKST: [-540], AKDT: [-480], HST: [-600], BRT: [-180], ART: [-180],
  SAST: [120], WAT: [60], CAT: [120], EAT: [180],
};

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

type Fields = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** The zone a TimeZone cell names: an abbreviation, an offset (`+01:00`, `GMT+8`) or an IANA name. */
function zoneOf(cell: string, at: Fields, contractZone: string): { zone: Zone } | { problem: string } {
  const s = cell.trim();
  const offsets = ownValue(ZONE_ABBREVIATIONS, s.toUpperCase());
  if (offsets) {
    const [only] = offsets;
    if (offsets.length === 1 && only !== undefined) return { zone: FixedOffsetZone.instance(only) };
    const contractOffset = DateTime.fromObject(at, { zone: contractZone }).offset;
    const agreed = offsets.find((o) => o === contractOffset);
    if (agreed !== undefined) return { zone: FixedOffsetZone.instance(agreed) };
    const named = offsets.map((o) => FixedOffsetZone.instance(o).name).join(' or ');
    return { problem: `TimeZone: "${s}" may mean ${named}, and the contract zone ${contractZone} is neither` };
  }
  const offset = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(s);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
    if (minutes <= 14 * 60) return { zone: FixedOffsetZone.instance(offset[1] === '-' ? -minutes : minutes) };
  }
  if (s.includes('/') && IANAZone.isValidZone(s)) return { zone: IANAZone.create(s) };
  return { problem: `TimeZone: expected a zone such as CET, CEST, +01:00 or Europe/Amsterdam, got "${cell}"` };
}

/** Card kind from the Payment Method Variant (`visadebit`, `mccredit`, `maestro`) or the method (wallets are QR). */
function cardKindOf(variant: string | undefined, method: string | undefined): CardKind {
  const v = `${variant ?? ''} ${method ?? ''}`.toLowerCase();
  if (/debit|maestro|electron|vpay/.test(v)) return 'debit';
  if (/credit/.test(v)) return 'credit';
  if (/alipay|wechatpay|unionpay_?qr|_qr\b/.test(v)) return 'qr';
  return 'unknown';
}

const normaliseHeader = (h: string): string => h.replace(/^\uFEFF/, '').trim().replace(/\s+/g, ' ').toLowerCase();

/** One line's cells by column, with every problem collected as a reason. */
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

  id(c: Column): string | undefined {
    const v = this.text(c);
    return v === undefined || SCIENTIFIC.test(v) ? undefined : v;
  }

  required(c: Column): string {
    const v = this.text(c);
    if (v === undefined) this.problems.push(`${COL[c]}: missing`);
    return v ?? '';
  }

  amount(c: Column, digits: number): number | undefined {
    const v = this.text(c);
    if (v === undefined) return undefined;
    const parsed = parseAmount(v, digits);
    if (!parsed.ok) {
      this.problems.push(`${COL[c]}: ${parsed.reason}`);
      return undefined;
    }
    return parsed.minor;
  }

  currency(c: Column): string {
    const v = this.required(c);
    if (v !== '' && !/^[A-Z]{3}$/i.test(v)) this.problems.push(`${COL[c]}: expected a three-letter ISO currency, got "${v}"`);
    return v.toUpperCase();
  }

  /** Creation Date read in the row's TimeZone, as ISO 8601 with the contract zone's offset. */
  time(contractZone: string): string {
    const text = this.required('created');
    const zoneText = this.required('zone');
    if (text === '' || zoneText === '') return '';
    const m = WALL_CLOCK.exec(text);
    if (!m) {
      this.problems.push(`${COL.created}: expected YYYY-MM-DD HH:MM:SS, got "${text}"`);
      return '';
    }
    const at: Fields = { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +(m[6] ?? 0) };
    const zone = zoneOf(zoneText, at, contractZone);
    if ('problem' in zone) {
      this.problems.push(zone.problem);
      return '';
    }
    const dt = DateTime.fromObject(at, { zone: zone.zone });
    if (!dt.isValid) {
      this.problems.push(`${COL.created}: not a valid date-time: "${text}"`);
      return '';
    }
    return dt.setZone(contractZone).toISO({ suppressMilliseconds: true }) ?? '';
  }
}

/** The money of one line: signed net in NC (credit positive), and the gross and fees where given. */
interface Money {
  netCurrency: string;
  net: number;
  grossCurrency?: string;
  gross?: number;
  fees: number;
  parts: FeeParts;
}

function readMoney(row: Row, needsGross: boolean): Money | undefined {
  const netCurrency = row.currency('netCurrency');
  const nd = minorDigits(netCurrency);
  const netDebit = row.amount('netDebit', nd);
  const netCredit = row.amount('netCredit', nd);
  if (netDebit === undefined && netCredit === undefined && row.problems.every((p) => !p.startsWith('Net '))) {
    row.problems.push(`${COL.netDebit}/${COL.netCredit}: both empty, expected the line's net amount`);
  }
  const parts: FeeParts = {};
  assignOptional(parts, {
    commissionMinor: row.amount('commission', nd),
    markupMinor: row.amount('markup', nd),
    schemeMinor: row.amount('scheme', nd),
    interchangeMinor: row.amount('interchange', nd),
  });
  const fees = Object.values(parts).reduce((a: number, b) => a + (b ?? 0), 0);
  let gross: number | undefined;
  let grossCurrency: string | undefined;
  const hasGross = row.text('grossDebit') !== undefined || row.text('grossCredit') !== undefined;
  if (hasGross || needsGross) {
    grossCurrency = row.currency('grossCurrency');
    const gd = minorDigits(grossCurrency);
    const debit = row.amount('grossDebit', gd);
    const credit = row.amount('grossCredit', gd);
    if (debit === undefined && credit === undefined && !hasGross) {
      row.problems.push(`${COL.grossDebit}/${COL.grossCredit}: both empty, expected the payment's gross amount`);
    }
    gross = (credit ?? 0) - (debit ?? 0);
  }
  const net = (netCredit ?? 0) - (netDebit ?? 0);
  // Each cell is a safe integer; a sum of several near the limit is not, and would lose fen.
  if (![net, fees, gross ?? 0, net + fees, (gross ?? 0) - fees].every(Number.isSafeInteger)) row.problems.push('amounts out of range');
  if (row.problems.length > 0) return undefined;
  const money: Money = { netCurrency, net, fees, parts };
  return assignOptional(money, { gross, grossCurrency });
}

interface Pending {
  readonly event: ParseEvent;
  /** For records: the batch whose payout date becomes the settlement date. */
  readonly batchKey?: string;
}

interface Payout {
  readonly line: number;
  readonly merchant: string;
  readonly batch: string;
  readonly currency: string;
  /** What left the batch for the bank: Net Debit − Net Credit of the MerchantPayout line. */
  readonly amount: number;
  readonly date: string;
}

const batchKeyOf = (merchant: string, batch: string) => `${merchant}\u0000${batch}`;

/**
 * Adyen Settlement details report: payments with their itemised costs (commission, markup, scheme
 * fees, interchange), batch fees and corrections, and the MerchantPayout that is checked against the
 * nets of its batch.
 */
export const adyenSettlement = defineParser({
  id: ID,
  role: 'acquirer',
  description: 'Adyen Settlement details report (settlement_detail_report_batch_N.csv): gross/net, commission, markup, scheme fees, interchange',
  sniff(head, _name) {
    const encoding = detectEncoding(head);
    if (encoding === 'binary') return 0;
    const first = splitLines(decode(head.subarray(0, 16 * 1024), encoding)).find((l) => l.trim() !== '');
    if (first === undefined) return 0;
    const cells = new Set((splitCsvLine(first) ?? []).map(normaliseHeader));
    return SIGNATURE.every((h) => cells.has(h)) ? 0.9 : 0;
  },
  *parse(input) {
    const zone = input.options.timezone;
    const lines = splitLines(decode(input.bytes, input.encoding === 'binary' ? 'utf-8' : input.encoding));
    const lineNo = (i: number) => input.lineNumbers?.[i] ?? i + 1;
    const fileBatch = /batch_(\d+)/i.exec(input.file)?.[1] ?? '';
    const reject = (line: number, reason: string, raw: string): ParseEvent => ({ kind: 'reject', reject: { file: input.file, line, reason, raw } });

    const headerAt = lines.findIndex((l, i) => i < 5 && SIGNATURE.every((h) => (splitCsvLine(l) ?? []).map(normaliseHeader).includes(h)));
    if (headerAt < 0) {
      let blank = 0;
      for (const [i, raw] of lines.entries()) {
        if (raw.trim() === '') blank++;
        else yield reject(lineNo(i), `no Settlement details report header (${SIGNATURE.length} columns: ${[COL.merchant, COL.psp, COL.type, COL.netDebit, COL.netCredit].join(', ')}) in the first 5 lines`, raw);
      }
      yield { kind: 'info', info: { units: lines.length, nonDataUnits: blank, variant: 'no-header' } };
      return;
    }
    const headers = (splitCsvLine(lines[headerAt] ?? '') ?? []).map(normaliseHeader);
    let width = headers.length;
    while (width > 0 && headers[width - 1] === '') width--;
    const index = new Map<Column, number>();
    for (const [key, name] of Object.entries(COL) as [Column, string][]) {
      const i = headers.indexOf(name.toLowerCase());
      if (i >= 0) index.set(key, i);
    }
    const missing = REQUIRED.filter((c) => !index.has(c));

    const pending: Pending[] = [];
    const payouts: Payout[] = [];
    const merchants = new Set<string>();
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
        pending.push({ event: reject(line, 'unterminated quote', raw) });
        continue;
      }
      while (cells.length > width && (cells[cells.length - 1] ?? '').trim() === '') cells.pop();
      if (cells.length !== width) {
        const why = cells.length < width ? 'row cut short or misaligned' : 'a value holds a comma without quotes, or the row is misaligned';
        pending.push({ event: reject(line, `expected ${width} cells, got ${cells.length} (${why})`, raw) });
        continue;
      }
      if (missing.length > 0) {
        pending.push({ event: reject(line, `no column ${missing.map((c) => `"${COL[c]}"`).join(', ')} in the header`, raw) });
        continue;
      }
      const row = new Row(index, cells);
      const result = readLine(row, zone, fileBatch, line, input.file);
      if ('problems' in result) {
        pending.push({ event: reject(line, result.problems.join('; '), raw) });
      } else if ('payout' in result) {
        payouts.push(result.payout);
        nonData++;
      } else {
        merchants.add(result.txn.merchantId);
        pending.push({ event: { kind: 'record', role: 'acquirer', record: result.txn }, batchKey: result.batchKey });
        if (result.check) pending.push({ event: { kind: 'check', check: result.check } });
      }
    }

    // The batch is paid out on the MerchantPayout's date: that is the settlement date of every line
    // of the batch, so that the batch's nets add up to the one bank credit it produced.
    const payoutDate = new Map<string, string>();
    for (const p of payouts) {
      const key = batchKeyOf(p.merchant, p.batch);
      const known = payoutDate.get(key);
      if (known === undefined || p.date > known) payoutDate.set(key, p.date);
    }
    for (const p of pending) {
      if (p.event.kind === 'record' && p.event.role === 'acquirer' && p.batchKey !== undefined) {
        const date = payoutDate.get(p.batchKey);
        if (date !== undefined) p.event.record.settleDate = date;
      }
    }
    for (const p of pending) yield p.event;
    yield* payoutChecks(payouts, pending, input.file);

    const merchantId = merchants.size === 1 ? [...merchants][0] : undefined;
    const batches = [...new Set(payouts.map((p) => p.batch).filter((b) => b !== ''))];
    const variant = batches.length === 1 ? `batch ${batches[0]}` : fileBatch !== '' ? `batch ${fileBatch}` : 'settlement-details';
    const info: FileInfo = { units: lines.length, nonDataUnits: nonData, variant, ...(merchantId !== undefined && { merchantId }) };
    yield { kind: 'info', info };
  },
});

type LineResult =
  | { problems: string[] }
  | { payout: Payout }
  | { txn: AcquirerTxn; batchKey: string; check?: ControlCheck };

function readLine(row: Row, zone: string, fileBatch: string, line: number, file: string): LineResult {
  const merchant = row.required('merchant');
  const typeText = row.required('type');
  const typeKey = typeText.toLowerCase();
  const txnTime = row.time(zone);
  const batch = row.text('batch') ?? fileBatch;
  const txnType: TxnType = ownValue(PAYMENT_TYPES, typeKey) ?? 'adjustment';
  const money = readMoney(row, txnType !== 'adjustment');
  if (!money || row.problems.length > 0 || txnTime === '') return { problems: row.problems };

  if (typeKey === PAYOUT_TYPE) {
    return { payout: { line, merchant, batch, currency: money.netCurrency, amount: -money.net, date: txnTime.slice(0, 10) } };
  }

  const digits = minorDigits(money.netCurrency);
  const sameCurrency = money.grossCurrency === undefined || money.grossCurrency === money.netCurrency;
  let amount: number;
  let fee: number;
  let check: ControlCheck | undefined;
  if (money.gross === undefined) {
    // A batch-level booking (Fee, InvoiceDeduction, DepositCorrection, …): only a net amount.
    amount = Math.abs(money.net);
    fee = 0;
  } else if (sameCurrency) {
    // What was withheld is gross − net; the itemised costs should add up to it (net = gross − costs).
    amount = Math.abs(money.gross);
    fee = money.gross - money.net;
    if (fee !== money.fees) {
      check = {
        file,
        line,
        name: `net = gross − costs (${row.id('psp') ?? typeText})`,
        currency: money.netCurrency,
        declared: money.net,
        computed: money.gross - money.fees,
      };
    }
  } else {
    // Gross in another currency: Adyen converts it at the Exchange Rate and withholds the costs in NC,
    // so the converted gross is net + costs. The amount is kept in the settlement currency.
    amount = Math.abs(money.net + money.fees);
    fee = money.fees;
  }

  const psp = row.id('psp');
  const modRef = row.id('modRef');
  const modIsPsp = modRef !== undefined && PSP_LIKE.test(modRef);
  const orderRef = row.id('merchantRef');
  const refundRef = row.id('modMerchantRef');
  const txn: AcquirerTxn = {
    source: { file, line },
    format: ID,
    merchantId: merchant,
    txnType,
    txnTime,
    // Replaced by the batch's payout date when the file has the batch's MerchantPayout line.
    settleDate: txnTime.slice(0, 10),
    currency: money.netCurrency,
    amountMinor: amount,
    feeMinor: fee,
    netMinor: money.net,
    cardKind: cardKindOf(row.text('variant'), row.text('method')),
  };
  const notes: string[] = [];
  if (txnType === 'adjustment') notes.push(modRef !== undefined && !modIsPsp ? `${typeText}: ${modRef}` : typeText);
  if (!sameCurrency && money.gross !== undefined && money.grossCurrency !== undefined) {
    const rate = row.text('rate');
    notes.push(`gross ${money.grossCurrency} ${formatDecimal(Math.abs(money.gross), minorDigits(money.grossCurrency))}${rate ? ` at ${rate}` : ''}, settled in ${money.netCurrency} ${formatDecimal(amount, digits)}`);
  }
  if (txnType === 'sale') {
    // A sale is known to the shop by the payment's PSP reference; the capture's is the Modification Reference.
    assignOptional(txn, { reference: psp, orderId: orderRef });
  } else {
    // Refunds and payment adjustments carry their own PSP reference in Modification Reference; the
    // payment they act on is the Psp Reference (docs: "the PSP reference for the original authorisation").
    const own = modIsPsp ? modRef : psp;
    assignOptional(txn, {
      reference: own,
      originalReference: own !== psp ? psp : undefined,
      orderId: txnType === 'refund' ? (refundRef ?? orderRef) : undefined,
      originalOrderId: orderRef,
    });
  }
  assignOptional(txn, {
    batch: batch === '' ? undefined : batch,
    feeParts: Object.keys(money.parts).length > 0 ? money.parts : undefined,
    description: notes.length > 0 ? notes.join('; ') : undefined,
  });
  return { txn, batchKey: batchKeyOf(merchant, batch), ...(check && { check }) };
}

/**
 * One check per MerchantPayout (per merchant, batch and currency): the amount sent to the bank
 * against the sum of the nets of the batch's lines that were read. A rejected line is missing from
 * the computed side, so it shows here as a difference, as does a payout that disagrees with its rows.
 */
function* payoutChecks(payouts: readonly Payout[], pending: readonly Pending[], file: string): Generator<ParseEvent> {
  const declared = new Map<string, { payout: Payout; amount: number }>();
  for (const p of payouts) {
    const key = `${batchKeyOf(p.merchant, p.batch)}\u0000${p.currency}`;
    const seen = declared.get(key);
    declared.set(key, { payout: seen?.payout ?? p, amount: (seen?.amount ?? 0) + p.amount });
  }
  const computed = new Map<string, number>();
  for (const p of pending) {
    if (p.event.kind !== 'record' || p.event.role !== 'acquirer' || p.batchKey === undefined) continue;
    const key = `${p.batchKey}\u0000${p.event.record.currency}`;
    computed.set(key, (computed.get(key) ?? 0) + p.event.record.netMinor);
  }
  for (const [key, { payout, amount }] of declared) {
    const check: ControlCheck = {
      file,
      line: payout.line,
      name: `MerchantPayout ${payout.merchant}${payout.batch !== '' ? ` batch ${payout.batch}` : ''}`,
      currency: payout.currency,
      declared: amount,
      computed: computed.get(key) ?? 0,
    };
    yield { kind: 'check', check };
  }
}
