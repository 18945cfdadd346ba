import { TextDecoder } from 'node:util';
import { minorDigits, parseAmount } from '../model/money.js';
import type { BankEntry } from '../model/records.js';
import { Tally, bankRecord, checkEvent, maskIfCard, rejectEvent, withOptional } from './_bank.js';
import { splitLines } from './_text.js';
import { defineParser, type FileInfo, type ParseEvent, type ParserInput } from './types.js';

const ID = 'mt940';

/** A tagged field (`:61:…`) with its continuation lines. */
interface Field {
  readonly tag: string;
  readonly line: number;
  /** The field's physical lines, tag removed from the first. */
  readonly parts: string[];
}

interface Balance {
  readonly sign: 1 | -1;
  readonly date: string;
  readonly currency: string;
  readonly minor: number;
}

interface Statement {
  readonly line: number;
  readonly reference: string;
  account?: string;
  number?: string;
  opening?: Balance;
  readonly tally: Tally;
}

/**
 * SWIFT MT940 Customer Statement Message (SWIFT Standards MT, Category 9): `:20:` reference,
 * `:25:` account, `:28C:` statement number, `:60F:`/`:60M:` opening balance, `:61:` statement lines
 * each optionally followed by `:86:` information to the account owner (wrapped over several lines),
 * `:62F:`/`:62M:` closing balance, `:64:`/`:65:` available balances. Several statements per file,
 * with or without SWIFT envelopes (`{1:…}{4:` … `-}`) or bank header lines. Each statement is
 * checked: opening + credits − debits = closing.
 */
export const mt940 = defineParser({
  id: ID,
  role: 'bank',
  description: 'SWIFT MT940 customer statement (Latin-1 or UTF-8, multiple statements per file)',
  sniff(head, _name) {
    const text = new TextDecoder('latin1').decode(head.subarray(0, 16384));
    const has = (tag: string) => new RegExp(`^[\\x00-\\x1f{}\\w:]*:${tag}:`, 'm').test(text);
    if (!has('20') || !has('25')) return 0;
    return has('60F') || has('60M') ? 0.9 : 0;
  },
  *parse(input) {
    yield* parseMt940(input);
  },
});

/**
 * MT940 is SWIFT x charset in principle; banks deliver ISO-8859-1/CP1252 or UTF-8 (and Chinese
 * banks sometimes GBK in `:86:`). Bytes that are not UTF-8 are GB18030 only when their high bytes
 * come in pairs, as GBK characters do; Latin-1 accents stand alone between ASCII letters.
 */
function decodeMt940(input: ParserInput): string {
  if (input.encoding === 'utf-8') return new TextDecoder('utf-8').decode(input.bytes).replace(/^\uFEFF/, '');
  const b = input.bytes;
  let high = 0;
  let paired = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] ?? 0;
    if (c < 0x80) continue;
    high++;
    const next = b[i + 1] ?? 0;
    if (c >= 0x81 && next >= 0x80) {
      paired += 2;
      high++;
      i++;
    }
  }
  const label = high > 0 && paired / high >= 0.8 ? 'gb18030' : 'latin1';
  return new TextDecoder(label).decode(b);
}

const TAG = /^:(\d{2}[A-Z]?):/;
/** End of a message text block: `-`, `-}` (SWIFT envelope), `-XXX` (ING). */
const END = /^-(\}|XXX)?\s*$/;

function* parseMt940(input: ParserInput): Generator<ParseEvent> {
  // SOH/ETX and other control characters wrap SWIFT envelopes; they are not text.
  // eslint-disable-next-line no-control-regex
  const lines = splitLines(decodeMt940(input)).map((l) => l.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, ''));
  let records = 0;
  let rejects = 0;
  let statement: Statement | null = null;
  let entry: { field: Field; info: Field | null } | null = null;
  let accountNumber: string | undefined;

  const count = (e: ParseEvent): ParseEvent => {
    if (e.kind === 'record') records++;
    else if (e.kind === 'reject') rejects++;
    return e;
  };

  function* flushEntry(): Generator<ParseEvent> {
    if (!entry) return;
    const pending = entry;
    entry = null;
    if (!statement) {
      yield count(rejectEvent(input.file, pending.field.line, ':61: statement line outside a statement (no :20: before it)', fieldRaw(pending.field)));
      return;
    }
    const e = statementLine(pending.field, pending.info, statement, input);
    if (e.kind === 'record') statement.tally.add(e.record as BankEntry);
    yield count(e);
  }

  function* endStatement(closing: Field | null): Generator<ParseEvent> {
    yield* flushEntry();
    const s = statement;
    statement = null;
    if (!s) return;
    accountNumber ??= s.account;
    const label = `statement ${s.reference}${s.number ? ` ${s.number}` : ''}`;
    if (!closing) {
      yield count(rejectEvent(input.file, s.line, `${label} has no closing balance (:62F:/:62M:): the file is cut short or damaged`, `:20:${s.reference}`));
      return;
    }
    const close = readBalance(closing);
    if (typeof close === 'string') {
      yield count(rejectEvent(input.file, closing.line, `:${closing.tag}: ${close}`, fieldRaw(closing)));
      return;
    }
    if (!s.opening) return;
    const currency = s.opening.currency;
    const mixed = close.currency !== currency ? ` (closing in ${close.currency}, opening in ${currency})` : '';
    yield checkEvent(
      input.file,
      closing.line,
      `:${closing.tag}: closing balance = opening + credits − debits (${label})${mixed}`,
      currency,
      close.sign * close.minor,
      s.opening.sign * s.opening.minor + s.tally.net(currency),
    );
  }

  let field: Field | null = null;
  const fields: Field[] = [];
  // Group physical lines into fields: a tag starts one, other lines continue it, an end marker closes it.
  lines.forEach((raw, i) => {
    const m = TAG.exec(raw);
    if (m) {
      field = { tag: m[1] ?? '', line: i + 1, parts: [raw.slice(m[0].length)] };
      fields.push(field);
    } else if (END.test(raw) || raw.startsWith('{')) {
      field = null;
      fields.push({ tag: 'END', line: i + 1, parts: [] });
    } else if (field && raw.trim() !== '') {
      field.parts.push(raw);
    }
  });

  for (const f of fields) {
    const value = (f.parts[0] ?? '').trim();
    switch (f.tag) {
      case '20':
        yield* flushEntry();
        if (statement) yield* endStatement(null);
        statement = { line: f.line, reference: value, tally: new Tally() };
        break;
      case '25':
        if (statement) statement.account = value;
        break;
      case '28':
      case '28C':
        if (statement) statement.number = value;
        break;
      case '60F':
      case '60M': {
        if (!statement) break;
        const b = readBalance(f);
        if (typeof b === 'string') yield count(rejectEvent(input.file, f.line, `:${f.tag}: ${b}`, fieldRaw(f)));
        else statement.opening = b;
        break;
      }
      case '61':
        yield* flushEntry();
        entry = { field: f, info: null };
        break;
      case '86':
        // Information to the account owner belongs to the :61: just before it; elsewhere it describes the statement.
        if (entry && !entry.info) entry.info = f;
        else yield* flushEntry();
        break;
      case '62F':
      case '62M':
        yield* endStatement(f);
        break;
      case 'END':
        yield* flushEntry();
        break;
      default:
        yield* flushEntry();
    }
    if (f.tag !== '61' && f.tag !== '86') yield* flushEntry();
  }
  if (statement) yield* endStatement(null);
  yield {
    kind: 'info',
    info: withOptional<FileInfo>({ units: lines.length, nonDataUnits: lines.length - records - rejects }, { accountNumber }),
  };
}

function fieldRaw(f: Field): string {
  return [`:${f.tag}:${f.parts[0] ?? ''}`, ...f.parts.slice(1)].join('\n');
}

/** `:60F:`/`:62F:` etc.: 1!a6!n3!a15d — D/C mark, date YYMMDD, currency, amount with a decimal comma. */
function readBalance(f: Field): Balance | string {
  const value = (f.parts[0] ?? '').trim();
  const m = /^([CD])(\d{6})([A-Z]{3})(\d[\d,]*)$/.exec(value);
  if (!m) return `expected D/C mark, YYMMDD, currency and amount (e.g. C070903EUR766656,49), got "${value}"`;
  const date = swiftDate(m[2] ?? '');
  if (!date) return `expected a date YYMMDD, got "${m[2]}"`;
  const currency = m[3] ?? '';
  const amount = swiftAmount(m[4] ?? '', currency);
  if (typeof amount === 'string') return amount;
  return { sign: m[1] === 'D' ? -1 : 1, date, currency, minor: amount };
}

/** SWIFT `15d`: digits with exactly one decimal comma (`766656,49`, `15000,`). */
function swiftAmount(text: string, currency: string): number | string {
  if (!/^\d+,\d*$/.test(text)) return `amount: expected digits with one decimal comma, got "${text}"`;
  const parsed = parseAmount(text.replace(',', '.'), minorDigits(currency));
  return parsed.ok ? parsed.minor : `amount: ${parsed.reason}`;
}

/** YYMMDD: SWIFT years 00–79 are 20xx, 80–99 are 19xx. */
function swiftDate(text: string): string | null {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const yy = Number(m[1]);
  return calendarDate(yy < 80 ? 2000 + yy : 1900 + yy, Number(m[2]), Number(m[3]));
}

function calendarDate(y: number, mo: number, d: number): string | null {
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return t.toISOString().slice(0, 10);
}

/**
 * `:61:` statement line, SWIFT MT940 field 61: 6!n[4!n]2a[1!a]15d1!a3!c16x[//16x] then [34x] on the
 * next line. Value date, entry date (MMDD), mark (C, D, RC reversal of credit = money out,
 * RD reversal of debit = money in), funds code (third letter of the currency), amount, transaction
 * type (S/N/F + 3 characters), reference for the account owner, the bank's reference, supplementary details.
 */
const LINE_61 = /^(\d{6})(\d{4})?(RC|RD|EC|ED|C|D)([A-Z])?(\d[\d,]*)([NSF][A-Z0-9]{3})(.*)$/;

function statementLine(f: Field, info: Field | null, s: Statement, input: ParserInput): ParseEvent {
  const value = (f.parts[0] ?? '').trimEnd();
  const raw = [fieldRaw(f), ...(info ? [fieldRaw(info)] : [])].join('\n');
  const m = LINE_61.exec(value);
  if (!m) {
    return rejectEvent(input.file, f.line, `:61: expected value date YYMMDD, [entry date MMDD], mark C/D/RC/RD, amount, type code (e.g. NTRF), reference; got "${value}"`, raw);
  }
  const [, valueText = '', entryText, mark = '', , amountText = '', typeCode = '', rest = ''] = m;
  const problems: string[] = [];
  const valueDate = swiftDate(valueText);
  if (!valueDate) problems.push(`value date: expected YYMMDD, got "${valueText}"`);
  if (mark === 'EC' || mark === 'ED') problems.push(`mark: "${mark}" is an expected (not booked) entry of an MT942, not a statement line`);
  const currency = s.opening?.currency ?? input.options.currency;
  const amount = swiftAmount(amountText, currency);
  if (typeof amount === 'string') problems.push(amount);
  const bookingDate = valueDate && entryText ? entryDate(valueDate, entryText) : valueDate;
  if (valueDate && !bookingDate) problems.push(`entry date: expected MMDD, got "${entryText}"`);
  if (problems.length > 0 || typeof amount === 'string' || !valueDate || !bookingDate) {
    return rejectEvent(input.file, f.line, `:61: ${problems.join('; ')}`, raw);
  }
  const reversal = mark === 'RC' || mark === 'RD';
  const direction = mark === 'C' || mark === 'RD' ? 'credit' : 'debit';
  const [ownerRef = '', bankRef = ''] = rest.split('//', 2).map((x) => x.trim());
  const supplementary = f.parts.slice(1).map((p) => p.trim()).filter((p) => p !== '');
  const details = info ? readInfo(info) : {};
  const iban = supplementary.find((p) => /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(p));
  const description = [reversal ? '[reversal]' : '', typeCode, ...supplementary.filter((p) => p !== iban), details.description ?? '']
    .filter((x) => x !== '')
    .join(' / ');
  const counterpartyAccount = details.account ?? iban;
  const entry: BankEntry = {
    source: { file: input.file, line: f.line },
    format: ID,
    bookingDate,
    valueDate,
    direction,
    amountMinor: amount,
    currency,
  };
  return bankRecord(
    withOptional(entry, {
      accountNumber: s.account,
      counterpartyName: details.name,
      counterpartyAccount: counterpartyAccount ? maskIfCard(counterpartyAccount) : undefined,
      description,
      reference: ownerRef !== '' && ownerRef.toUpperCase() !== 'NONREF' ? ownerRef : bankRef || undefined,
    }),
  );
}

/** The booking date from the value date's year and the entry date MMDD, across a year end either way. */
function entryDate(valueDate: string, mmdd: string): string | null {
  const year = Number(valueDate.slice(0, 4));
  const valueMonth = Number(valueDate.slice(5, 7));
  const month = Number(mmdd.slice(0, 2));
  const y = month - valueMonth > 6 ? year - 1 : valueMonth - month > 6 ? year + 1 : year;
  return calendarDate(y, month, Number(mmdd.slice(2, 4)));
}

/**
 * `:86:` text, lines joined: the structured German GVC layout (`166?00GUTSCHRIFT?20…?32name`, DFÜ
 * Abkommen Anlage 3) and the Dutch `/NAME/…/REMI/…` layout give a name, an account and the
 * remittance text; anything else is kept whole as the description.
 */
function readInfo(f: Field): { name?: string; account?: string; description?: string } {
  const first = f.parts[0] ?? '';
  const gvc = /^\s*\d{3}\?/.test(first);
  let text = first;
  for (let i = 1; i < f.parts.length; i++) {
    const previous = i === 1 ? `:${f.tag}:${first}` : (f.parts[i - 1] ?? '');
    // SWIFT lines are at most 65 characters: a full line was wrapped mid-word.
    text += gvc || previous.length >= 65 ? f.parts[i] : ` ${f.parts[i]}`;
  }
  text = text.trim();
  if (gvc) {
    const sub = new Map<string, string>();
    for (const m of text.matchAll(/\?(\d{2})([^?]*)/g)) sub.set(m[1] ?? '', (sub.get(m[1] ?? '') ?? '') + (m[2] ?? ''));
    const remittance = [...sub.entries()]
      .filter(([k]) => /^(2\d|6[0-3])$/.test(k))
      .map(([, v]) => v)
      .join('');
    const name = `${sub.get('32') ?? ''}${sub.get('33') ?? ''}`.replace(/\s+/g, ' ').trim();
    return withOptional({}, {
      name: name || undefined,
      account: sub.get('31')?.trim() || undefined,
      description: [sub.get('00') ?? '', remittance].map((x) => x.trim()).filter((x) => x !== '').join(' / ') || undefined,
    });
  }
  if (/^\/[A-Z]{4}\//.test(text)) {
    const tag = (t: string) => new RegExp(`/${t}/(.*?)(?=/(?:[A-Z]{4})/|$)`).exec(text)?.[1]?.trim();
    return withOptional({}, { name: tag('NAME') || undefined, account: tag('IBAN') || undefined, description: tag('REMI') || text });
  }
  return { description: text.replace(/\s+/g, ' ') };
}
