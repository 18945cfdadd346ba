import { TextDecoder } from 'node:util';
import { parseMinorDigits } from '../model/money.js';
import type { BankEntry } from '../model/records.js';
import { bankRecord, checkEvent, rejectEvent, withOptional } from './_bank.js';
import { splitLines } from './_text.js';
import { defineParser, type FileInfo, type ParseEvent, type ParserInput } from './types.js';

const ID = 'bai2';

/** One logical record (`16,…/`) with the physical line it starts on; 88 continuations kept apart. */
interface Rec {
  readonly type: string;
  readonly line: number;
  /** The record without its type and its terminating slash. */
  body: string;
  readonly continuations: string[];
  raw: string;
}

interface Account {
  readonly rec: Rec;
  readonly number: string;
  readonly currency: string;
  readonly problems: string[];
  /** Sum of the 03 amounts and the 16 amounts read: BAI2 §Account Trailer, "account control total". */
  total: number;
  /** Records from the 03 to the 49, 88s included. */
  records: number;
}

interface Group {
  readonly rec: Rec;
  readonly problems: string[];
  asOfDate?: string;
  readonly currency: string;
  total: number;
  accounts: number;
  records: number;
}

/**
 * BAI2 cash management balance report (BAI Cash Management Balance Reporting Specification,
 * version 2; ANSI X9.121): 01 file header, 02 group header, 03 account identifier and summary,
 * 16 transaction detail, 88 continuation, 49 account trailer, 98 group trailer, 99 file trailer.
 * Amounts are integers in the currency's smallest unit. Detail type codes 100–399 are credits,
 * 400–699 debits. The 49, 98 and 99 control totals and record counts are checked.
 *
 * FileInfo.units counts logical records (an 88 is a record; one physical line may hold several
 * records, and a record's text may wrap onto a line of its own), not physical lines.
 */
export const bai2 = defineParser({
  id: ID,
  role: 'bank',
  description: 'BAI2 cash management balance report (01/02/03/16/49/98/99 with 88 continuations)',
  sniff(head, _name) {
    const text = new TextDecoder('latin1').decode(head.subarray(0, 8192)).replace(/^\uFEFF?\s*/, '');
    if (!/^01,[^,\n]*,[^,\n]*,\d{6},\d{4}/.test(text)) return 0;
    return /(^|\/\s*)02,/m.test(text) ? 0.9 : 0;
  },
  *parse(input) {
    yield* parseBai2(input);
  },
});

/** Physical lines into logical records: `/` then blanks then `NN,` starts the next record on the same line. */
function readRecords(text: string): { records: Rec[]; junk: { line: number; raw: string; reason: string }[] } {
  const records: Rec[] = [];
  const junk: { line: number; raw: string; reason: string }[] = [];
  let last: Rec | null = null;
  splitLines(text).forEach((physical, i) => {
    if (physical.trim() === '') return;
    for (const segment of physical.split(/(?<=\/)\s+(?=\d{2},)/)) {
      const m = /^\s*(\d{2}),(.*)$/.exec(segment);
      if (!m) {
        // A record's text wrapped onto a line of its own (seen in real files, not allowed by the spec).
        if (last) {
          last.raw += `\n${segment}`;
          if (last.continuations.length > 0) last.continuations[last.continuations.length - 1] += ` ${stripSlash(segment)}`;
          else last.body = `${stripSlash(last.body)} ${stripSlash(segment)}`;
        } else junk.push({ line: i + 1, raw: segment, reason: 'expected a BAI2 record (two-digit record code and a comma)' });
        continue;
      }
      const type = m[1] ?? '';
      const body = stripSlash(m[2] ?? '');
      if (type === '88') {
        if (!last) {
          junk.push({ line: i + 1, raw: segment, reason: '88 continuation with no record before it' });
          continue;
        }
        last.continuations.push(body);
        last.raw += `\n${segment.trim()}`;
        records.push({ type, line: i + 1, body, continuations: [], raw: segment.trim() });
        continue;
      }
      const rec: Rec = { type, line: i + 1, body, continuations: [], raw: segment.trim() };
      records.push(rec);
      last = rec;
    }
  });
  return { records, junk };
}

function stripSlash(s: string): string {
  return s.trimEnd().replace(/\/$/, '').trimEnd();
}

/** Fields of a record with its continuations (BAI2: an 88 carries on the previous record's fields). */
function fieldsOf(rec: Rec): string[] {
  const fields = rec.body.split(',');
  for (const c of rec.continuations) fields.push(...c.split(','));
  return fields.map((f) => f.trim());
}

/** The index after a funds type and its extra fields: V value date + time, S three amounts, D a count and pairs. */
function skipFunds(fields: readonly string[], i: number): number {
  const funds = (fields[i] ?? '').toUpperCase();
  if (funds === 'V') return i + 3;
  if (funds === 'S') return i + 4;
  // A damaged count (negative, fractional, huge) must not walk the index backwards: callers loop on it.
  if (funds === 'D') {
    const n = Number(fields[i + 1]);
    return i + 2 + 2 * (Number.isSafeInteger(n) && n > 0 ? n : 0);
  }
  return i + 1;
}

function yymmdd(text: string): string | null {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const y = 2000 + Number(m[1]);
  const t = new Date(Date.UTC(y, Number(m[2]) - 1, Number(m[3])));
  if (t.getUTCMonth() !== Number(m[2]) - 1 || t.getUTCDate() !== Number(m[3])) return null;
  return t.toISOString().slice(0, 10);
}

function* parseBai2(input: ParserInput): Generator<ParseEvent> {
  const text = new TextDecoder(input.encoding === 'utf-8' ? 'utf-8' : 'latin1').decode(input.bytes);
  const { records, junk } = readRecords(text);
  const file = input.file;
  let recordsOut = 0;
  let rejectsOut = 0;
  const out = function* (e: ParseEvent): Generator<ParseEvent> {
    if (e.kind === 'record') recordsOut++;
    if (e.kind === 'reject') rejectsOut++;
    yield e;
  };

  for (const j of junk) yield* out(rejectEvent(file, j.line, j.reason, j.raw));

  let header: Rec | null = null;
  let firstAccount: string | undefined;
  let fileTotal = 0;
  let fileRecords = 0;
  let groups = 0;
  let fileCurrency: string | undefined;
  let group: Group | null = null;
  let account: Account | null = null;

  function* closeAccount(trailer: Rec | null): Generator<ParseEvent> {
    const a = account;
    if (!a) return;
    account = null;
    if (trailer) a.records++;
    if (group) {
      group.total += a.total;
      group.records += a.records;
      group.accounts++;
    }
    if (!trailer) a.problems.push('account has no 49 trailer: the file is cut short or damaged');
    if (a.problems.length > 0) yield* out(rejectEvent(file, a.rec.line, `03 account ${a.number}: ${a.problems.join('; ')}`, a.rec.raw));
    if (!trailer) return;
    const [total = '', count = ''] = fieldsOf(trailer);
    yield* trailerChecks(trailer, a.currency, [
      [`49 account control total (account ${a.number})`, total, a.total, false],
      [`49 account record count (account ${a.number})`, count, a.records, true],
    ]);
  }

  function* closeGroup(trailer: Rec | null): Generator<ParseEvent> {
    yield* closeAccount(null);
    const g = group;
    if (!g) return;
    group = null;
    if (trailer) g.records++;
    fileTotal += g.total;
    fileRecords += g.records;
    groups++;
    if (!trailer) g.problems.push('group has no 98 trailer: the file is cut short or damaged');
    if (g.problems.length > 0) yield* out(rejectEvent(file, g.rec.line, `02 group: ${g.problems.join('; ')}`, g.rec.raw));
    if (!trailer) return;
    const [total = '', accounts = '', count = ''] = fieldsOf(trailer);
    yield* trailerChecks(trailer, g.currency, [
      ['98 group control total', total, g.total, false],
      ['98 number of accounts', accounts, g.accounts, true],
      ['98 group record count', count, g.records, true],
    ]);
  }

  function* trailerChecks(trailer: Rec, currency: string, items: [string, string, number, boolean][]): Generator<ParseEvent> {
    const bad: string[] = [];
    const checks: ParseEvent[] = [];
    for (const [name, declared, computed, isCount] of items) {
      const parsed = parseMinorDigits(declared);
      if (!parsed.ok || (isCount && parsed.minor < 0)) bad.push(`${name}: expected ${isCount ? 'a count' : 'an amount in minor units'}, got "${declared}"`);
      else checks.push(checkEvent(file, trailer.line, name, currency, parsed.minor, computed, isCount));
    }
    if (bad.length > 0) yield* out(rejectEvent(file, trailer.line, bad.join('; '), trailer.raw));
    yield* checks;
  }

  for (const rec of records) {
    const fields = fieldsOf(rec);
    switch (rec.type) {
      case '01':
        header = rec;
        fileRecords = 1 + rec.continuations.length;
        break;
      case '02': {
        yield* closeGroup(null);
        const asOf = yymmdd(fields[3] ?? '');
        // BAI2: a blank group currency means USD.
        group = { rec, problems: [], currency: fields[5] || 'USD', total: 0, accounts: 0, records: 1 + rec.continuations.length };
        fileCurrency ??= group.currency;
        if (asOf) group.asOfDate = asOf;
        else group.problems.push(`as-of date: expected YYMMDD, got "${fields[3] ?? ''}"`);
        break;
      }
      case '03': {
        yield* closeAccount(null);
        const currency = fields[1] || group?.currency || 'USD';
        const a: Account = { rec, number: fields[0] ?? '', currency, problems: [], total: 0, records: 1 + rec.continuations.length };
        if (!group) a.problems.push('no 02 group header before it');
        // Summary and status items: type code, amount, item count, funds type (+ its extra fields).
        for (let i = 2; i < fields.length; ) {
          const type = fields[i] ?? '';
          const amount = fields[i + 1] ?? '';
          if (amount !== '') {
            const parsed = parseMinorDigits(amount);
            if (parsed.ok) a.total += parsed.minor;
            else a.problems.push(`amount of type ${type}: expected digits, got "${amount}"`);
          }
          i = skipFunds(fields, i + 3);
        }
        account = a;
        firstAccount ??= a.number || undefined;
        break;
      }
      case '16': {
        if (account) account.records += 1 + rec.continuations.length;
        yield* out(detail(rec, account, group, input));
        break;
      }
      case '88':
        // Read and counted with the record it continues.
        break;
      case '49':
        yield* closeAccount(rec);
        break;
      case '98':
        yield* closeGroup(rec);
        break;
      case '99': {
        yield* closeGroup(null);
        const [total = '', count = '', recs = ''] = fields;
        fileRecords += 1;
        yield* trailerChecks(rec, fileCurrency ?? 'USD', [
          ['99 file control total', total, fileTotal, false],
          ['99 number of groups', count, groups, true],
          ['99 file record count', recs, fileRecords, true],
        ]);
        header = null;
        break;
      }
      default:
        yield* out(rejectEvent(file, rec.line, `record code ${rec.type}: expected 01, 02, 03, 16, 88, 49, 98 or 99`, rec.raw));
    }
  }
  yield* closeGroup(null);
  if (header) yield* out(rejectEvent(file, header.line, '01 file header: file has no 99 trailer: the file is cut short or damaged', header.raw));
  const units = records.length + junk.length;
  yield { kind: 'info', info: withOptional<FileInfo>({ units, nonDataUnits: units - recordsOut - rejectsOut }, { accountNumber: firstAccount }) };
}

/** A 16 record: type code, amount, funds type (+ extras), bank reference, customer reference, text. */
function detail(rec: Rec, account: Account | null, group: Group | null, input: ParserInput): ParseEvent {
  const cells = rec.body.split(',');
  const fields = cells.map((f) => f.trim());
  const [type = '', amountText = ''] = fields;
  const funds = (fields[2] ?? '').toUpperCase();
  const k = skipFunds(fields, 2);
  const bankRef = fields[k] ?? '';
  const customerRef = fields[k + 1] ?? '';
  // The text is the rest of the record, commas and all (BAI2: it is not delimited, it ends the record).
  const text = [cells.slice(k + 2).join(','), ...rec.continuations]
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const problems: string[] = [];
  if (!account) problems.push('no 03 account record before it');
  const code = Number(type);
  const direction = /^\d{3}$/.test(type) && code >= 100 && code <= 399 ? 'credit' : /^\d{3}$/.test(type) && code >= 400 && code <= 699 ? 'debit' : null;
  if (!direction) problems.push(`type code: expected a credit (100–399) or debit (400–699) detail, got "${type}"`);
  const amount = parseMinorDigits(amountText);
  if (!amount.ok) problems.push(`amount: ${amount.reason}`);
  else if (amount.minor < 0 || /^\s*[+-]/.test(amountText)) problems.push(`amount: expected an unsigned amount, got "${amountText}"`);
  if (!group?.asOfDate) problems.push('no as-of date: the 02 group header is missing or bad');
  if (problems.length > 0 || !account || !direction || !amount.ok || !group?.asOfDate) {
    return rejectEvent(input.file, rec.line, `16: ${problems.join('; ')}`, rec.raw);
  }
  account.total += amount.minor;
  const entry: BankEntry = {
    source: { file: input.file, line: rec.line },
    format: ID,
    bookingDate: group.asOfDate,
    direction,
    amountMinor: amount.minor,
    currency: account.currency,
  };
  return bankRecord(
    withOptional(entry, {
      accountNumber: account.number,
      valueDate: funds === 'V' ? (yymmdd(fields[3] ?? '') ?? undefined) : undefined,
      description: text === '' ? type : `${type} ${text}`,
      reference: bankRef || customerRef || undefined,
    }),
  );
}
