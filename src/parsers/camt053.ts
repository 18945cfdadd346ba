import { createRequire } from 'node:module';
import { TextDecoder } from 'node:util';
import type { SaxesParser } from 'saxes';
import { minorDigits, parseAmount } from '../model/money.js';
import type { BankEntry } from '../model/records.js';
import { Tally, bankRecord, checkEvent, maskIfCard, rejectEvent, withOptional } from './_bank.js';
import { defineParser, type FileInfo, type ParseEvent, type ParserInput } from './types.js';
import { ownValue } from './_text.js';

const ID = 'camt053';

/**
 * The XML parser's class, loaded when a camt.053 file is first parsed: every run loads this
 * module with the parsers, and most read no XML (saxes costs a process or worker thread about
 * 30 ms to load).
 */
let Saxes: typeof SaxesParser | undefined;
const load = createRequire(import.meta.url);

/** Characters handed to the XML parser at a time: events are yielded between chunks. */
const CHUNK = 1 << 16;
/** A reject carries at most this much of an entry's XML. */
const RAW_LIMIT = 4000;

/**
 * The statement-like element of each Bank-to-Customer message: camt.053 Stmt, and, when the format
 * is forced, camt.052 Rpt and camt.054 Ntfctn, which share the Ntry structure (ISO 20022 MDR,
 * Bank-to-Customer Cash Management).
 */
const CONTAINERS: Record<string, string> = {
  BkToCstmrStmt: 'Stmt',
  BkToCstmrAcctRpt: 'Rpt',
  BkToCstmrDbtCdtNtfctn: 'Ntfctn',
};

interface Balance {
  code: string;
  amount: string;
  currency: string;
  indicator: string;
  line: number;
}

interface Statement {
  readonly depth: number;
  readonly line: number;
  id?: string;
  account?: string;
  accountName?: string;
  currency?: string;
  readonly balances: Balance[];
  /** TxsSummry figures by path (`TtlCdtNtries/Sum`), with the line they were declared on. */
  readonly summary: Map<string, { text: string; line: number }>;
  /** Booked entries read (status BOOK or none): the computed side of the checks. */
  readonly tally: Tally;
  booked: number;
  bookedAbs: number;
}

interface Entry {
  readonly depth: number;
  readonly line: number;
  readonly start: number;
  amount?: string;
  currency?: string;
  indicator?: string;
  reversal?: string;
  status?: string;
  bookingDate?: string;
  valueDate?: string;
  servicerRef?: string;
  entryRef?: string;
  info?: string;
  endToEndId?: string;
  txServicerRef?: string;
  debtorName?: string;
  debtorAccount?: string;
  creditorName?: string;
  creditorAccount?: string;
  remittance: string[];
  structuredRef?: string;
  txInfo?: string;
  transactions: number;
}

/**
 * ISO 20022 camt.053 Bank-to-Customer Statement, versions 001.02 to 001.08 (and later: the paths
 * read are stable across versions, with the v08 `Pty` wrapper and `Sts/Cd` handled). Parsed with
 * an event-driven XML parser, so a large statement stays linear in time and flat in structure;
 * one BankEntry per `Ntry`, whose line is the line of its start tag. TxsSummry and the booked
 * balances (OPBD/PRCD + credits − debits = CLBD) are checked per statement.
 *
 * camt.052 (intraday report) and camt.054 (debit/credit notification) sniff 0: their entries are
 * previews or duplicates of the end-of-day camt.053 and would count the same money twice. Forced
 * with `FILE@camt053`, their entries are read the same way.
 */
export const camt053 = defineParser({
  id: ID,
  role: 'bank',
  description: 'ISO 20022 camt.053 bank statement (versions 02–08), streamed',
  sniff(head, _name) {
    const text = new TextDecoder('latin1').decode(head.subarray(0, 4096));
    if (!/<([\w.-]+:)?Document[\s>]/.test(text) && !/<([\w.-]+:)?BkToCstmrStmt[\s>]/.test(text)) return 0;
    return /camt\.053\.001\.\d+/.test(text) || /<([\w.-]+:)?BkToCstmrStmt[\s>]/.test(text) ? 0.9 : 0;
  },
  *parse(input) {
    yield* parseCamt(input);
  },
});

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

/** The encoding named by the XML declaration, if any (XML 1.0 §4.3.3). */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  return /^\uFEFF?<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
}

function decodeXml(input: ParserInput): string {
  let label = declaredEncoding(input.bytes) ?? (input.encoding === 'binary' ? 'utf-8' : input.encoding);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    label = 'utf-8';
    decoder = new TextDecoder(label);
  }
  const text = decoder.decode(input.bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function* parseCamt(input: ParserInput): Generator<ParseEvent> {
  const text = decodeXml(input);
  Saxes ??= (load('saxes') as { SaxesParser: typeof SaxesParser }).SaxesParser;
  const parser = new Saxes<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  const file = input.file;
  const pending: ParseEvent[] = [];
  const stack: string[] = [];
  const lines: number[] = [];
  let buffer = '';
  let tagLine = 1;
  let tagStart = 0;
  let variant: string | undefined;
  let statement: Statement | null = null;
  let entry: Entry | null = null;
  let balance: Balance | null = null;
  let amountCurrency = '';
  let failure: { line: number; message: string } | null = null;
  let entries = 0;
  let extraUnits = 0;
  let accountNumber: string | undefined;
  let accountName: string | undefined;

  parser.on('opentagstart', (tag) => {
    tagLine = parser.line;
    // saxes reports the start tag once it has read the character after the name.
    tagStart = parser.position - tag.name.length - 2;
  });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    const parent = stack[stack.length - 1];
    stack.push(name);
    lines.push(tagLine);
    buffer = '';
    if (stack.length === 1) {
      const namespaces = Object.values(tag.attributes).map(String).join(' ');
      variant = /camt\.\d{3}\.\d{3}\.\d{2}/.exec(namespaces)?.[0];
    }
    if (name === 'Amt') amountCurrency = String(tag.attributes['Ccy'] ?? '');
    if (parent && ownValue(CONTAINERS, parent) === name && !statement) {
      statement = { depth: stack.length, line: tagLine, balances: [], summary: new Map(), tally: new Tally(), booked: 0, bookedAbs: 0 };
    } else if (statement && name === 'Ntry' && stack.length === statement.depth + 1) {
      entry = { depth: stack.length, line: tagLine, start: tagStart, remittance: [], transactions: 0 };
      entries++;
    } else if (statement && !entry && name === 'Bal' && stack.length === statement.depth + 1) {
      balance = { code: '', amount: '', currency: '', indicator: '', line: tagLine };
    }
  });
  parser.on('text', (t) => {
    buffer += t;
  });
  parser.on('cdata', (t) => {
    buffer += t;
  });
  parser.on('closetag', () => {
    const value = buffer.trim();
    buffer = '';
    if (entry) {
      const rel = stack.slice(entry.depth).join('/');
      if (rel === '') {
        const raw = text.slice(entry.start, parser.position).replace(/\s*\n\s*/g, ' ').slice(0, RAW_LIMIT);
        if (statement) pending.push(finishEntry(entry, statement, input, raw));
        entry = null;
      } else {
        readEntryField(entry, rel, value, amountCurrency);
      }
    } else if (statement) {
      const rel = stack.slice(statement.depth).join('/');
      if (rel === '') {
        const checks = statementChecks(statement, input);
        extraUnits += checks.filter((c) => c.kind === 'reject').length;
        pending.push(...checks);
        accountNumber ??= statement.account;
        accountName ??= statement.accountName;
        statement = null;
      } else if (balance && rel === 'Bal') {
        statement.balances.push(balance);
        balance = null;
      } else if (balance) {
        readBalanceField(balance, rel, value, amountCurrency);
      } else {
        readStatementField(statement, rel, value, lines[lines.length - 1] ?? 0);
      }
    }
    stack.pop();
    lines.pop();
  });
  parser.on('error', (err) => {
    failure ??= { line: parser.line, message: err.message };
  });

  for (let i = 0; i < text.length && !failure; i += CHUNK) {
    parser.write(text.slice(i, i + CHUNK));
    yield* pending.splice(0);
  }
  if (!failure) parser.close();
  yield* pending.splice(0);

  const failed = failure as { line: number; message: string } | null;
  if (failed) {
    const reason = `XML not well-formed at line ${failed.line}: ${failed.message.replace(/^.*?:\d+:\d+: /, '')}`;
    const open = entry as Entry | null;
    if (open) {
      const raw = text.slice(open.start, open.start + RAW_LIMIT).replace(/\s*\n\s*/g, ' ');
      yield rejectEvent(file, open.line, `entry not complete (${reason}); the file is cut short or damaged`, raw);
    } else {
      extraUnits++;
      yield rejectEvent(file, failed.line, `${reason}; nothing after this point was read`, '');
    }
    const openStatement = statement as Statement | null;
    if (openStatement) {
      // The declared balances and totals are still checked against what was read: a cut file shows up here.
      const checks = statementChecks(openStatement, input);
      extraUnits += checks.filter((c) => c.kind === 'reject').length;
      yield* checks;
      accountNumber ??= openStatement.account;
      accountName ??= openStatement.accountName;
    }
  }
  yield {
    kind: 'info',
    info: withOptional<FileInfo>({ units: entries + extraUnits, nonDataUnits: 0 }, { accountNumber, accountName, variant }),
  };
}

function readStatementField(s: Statement, rel: string, value: string, line: number): void {
  switch (rel) {
    case 'Id':
      s.id = value;
      return;
    case 'Acct/Id/IBAN':
    case 'Acct/Id/Othr/Id':
      s.account ??= value;
      return;
    case 'Acct/Ccy':
      s.currency = value;
      return;
    case 'Acct/Ownr/Nm':
    case 'Acct/Ownr/Pty/Nm':
      s.accountName ??= value;
      return;
  }
  if (rel.startsWith('TxsSummry/')) s.summary.set(rel.slice('TxsSummry/'.length), { text: value, line });
}

function readBalanceField(b: Balance, rel: string, value: string, currency: string): void {
  switch (rel) {
    case 'Bal/Tp/CdOrPrtry/Cd':
    case 'Bal/Tp/CdOrPrtry/Prtry':
      b.code = value;
      return;
    case 'Bal/Amt':
      b.amount = value;
      b.currency = currency;
      return;
    case 'Bal/CdtDbtInd':
      b.indicator = value;
      return;
  }
}

function readEntryField(e: Entry, rel: string, value: string, currency: string): void {
  const tx = 'NtryDtls/TxDtls/';
  switch (rel) {
    case 'Amt':
      e.amount = value;
      e.currency = currency;
      return;
    case 'CdtDbtInd':
      e.indicator = value;
      return;
    case 'RvslInd':
      e.reversal = value;
      return;
    case 'Sts':
    case 'Sts/Cd':
      if (value !== '') e.status = value;
      return;
    case 'BookgDt/Dt':
    case 'BookgDt/DtTm':
      e.bookingDate = value;
      return;
    case 'ValDt/Dt':
    case 'ValDt/DtTm':
      e.valueDate = value;
      return;
    case 'AcctSvcrRef':
      e.servicerRef = value;
      return;
    case 'NtryRef':
      e.entryRef = value;
      return;
    case 'AddtlNtryInf':
      e.info = value;
      return;
    case 'NtryDtls/TxDtls':
      e.transactions++;
      return;
  }
  if (!rel.startsWith(tx)) return;
  // With several transactions in one entry (a batch booking), the first one's parties and references stand for it.
  const t = rel.slice(tx.length);
  switch (t) {
    case 'Refs/EndToEndId':
      if (value !== 'NOTPROVIDED') e.endToEndId ??= value;
      return;
    case 'Refs/AcctSvcrRef':
      e.txServicerRef ??= value;
      return;
    case 'RltdPties/Dbtr/Nm':
    case 'RltdPties/Dbtr/Pty/Nm':
      e.debtorName ??= value;
      return;
    case 'RltdPties/DbtrAcct/Id/IBAN':
    case 'RltdPties/DbtrAcct/Id/Othr/Id':
      e.debtorAccount ??= value;
      return;
    case 'RltdPties/Cdtr/Nm':
    case 'RltdPties/Cdtr/Pty/Nm':
      e.creditorName ??= value;
      return;
    case 'RltdPties/CdtrAcct/Id/IBAN':
    case 'RltdPties/CdtrAcct/Id/Othr/Id':
      e.creditorAccount ??= value;
      return;
    case 'RmtInf/Ustrd':
      if (value !== '') e.remittance.push(value);
      return;
    case 'RmtInf/Strd/CdtrRefInf/Ref':
      e.structuredRef ??= value;
      return;
    case 'AddtlTxInf':
      e.txInfo ??= value;
      return;
  }
}

function finishEntry(e: Entry, s: Statement, input: ParserInput, raw: string): ParseEvent {
  const problems: string[] = [];
  const currency = e.currency ?? '';
  if (!/^[A-Z]{3}$/.test(currency)) problems.push(`Amt@Ccy: expected a currency code, got "${currency}"`);
  let minor: number | undefined;
  if (e.amount === undefined) problems.push('Amt: missing');
  else {
    const parsed = parseAmount(e.amount, minorDigits(currency));
    // ISO 20022 ActiveOrHistoricCurrencyAndAmount: a non-negative decimal, the sign is in CdtDbtInd.
    if (!parsed.ok) problems.push(`Amt: ${parsed.reason}`);
    else if (parsed.minor < 0 || /^\s*[+-]/.test(e.amount)) problems.push(`Amt: expected an unsigned amount, got "${e.amount}"`);
    else minor = parsed.minor;
  }
  const direction = e.indicator === 'CRDT' ? 'credit' : e.indicator === 'DBIT' ? 'debit' : undefined;
  if (!direction) problems.push(`CdtDbtInd: expected CRDT or DBIT, got "${e.indicator ?? ''}"`);
  const bookingDate = isoDate(e.bookingDate) ?? isoDate(e.valueDate);
  if (!bookingDate) problems.push(`BookgDt: expected a date, got "${e.bookingDate ?? ''}"`);
  if (problems.length > 0 || minor === undefined || !direction || !bookingDate) {
    return rejectEvent(input.file, e.line, problems.join('; '), raw);
  }
  const reversal = e.reversal === 'true';
  const booked = e.status === undefined || e.status === 'BOOK';
  // The counterparty is the debtor of money in and the creditor of money out; a reversal turns that round.
  const fromDebtor = (direction === 'credit') !== reversal;
  const counterpartyName = fromDebtor ? e.debtorName : e.creditorName;
  const counterpartyAccount = fromDebtor ? e.debtorAccount : e.creditorAccount;
  const description = [
    reversal ? '[reversal]' : '',
    booked ? '' : `[status ${e.status}: not booked]`,
    e.info ?? '',
    ...e.remittance,
    e.txInfo ?? '',
    e.transactions > 1 ? `${e.transactions} transactions` : '',
  ]
    .filter((x) => x !== '')
    .join(' / ');
  const entry: BankEntry = {
    source: { file: input.file, line: e.line },
    format: ID,
    bookingDate,
    direction,
    amountMinor: minor,
    currency,
  };
  withOptional(entry, {
    accountNumber: s.account,
    accountName: s.accountName,
    valueDate: isoDate(e.valueDate) ?? undefined,
    counterpartyName,
    counterpartyAccount: counterpartyAccount ? maskIfCard(counterpartyAccount) : undefined,
    description,
    reference: e.servicerRef ?? e.endToEndId ?? e.txServicerRef ?? e.entryRef ?? e.structuredRef,
  });
  if (booked) {
    s.tally.add(entry);
    s.booked++;
    s.bookedAbs += minor;
  }
  return bankRecord(entry);
}

/** `2014-12-31` or `2014-12-31T13:15:00+01:00`: the bank's calendar date, as the bank wrote it. */
function isoDate(text: string | undefined): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(text ?? '');
  return m?.[1] ?? null;
}

function statementChecks(s: Statement, input: ParserInput): ParseEvent[] {
  const out: ParseEvent[] = [];
  const opening = s.balances.find((b) => b.code === 'OPBD') ?? s.balances.find((b) => b.code === 'PRCD');
  const closing = s.balances.find((b) => b.code === 'CLBD');
  const currency = s.currency ?? opening?.currency ?? s.tally.currencies()[0] ?? input.options.currency;
  const label = s.id ? ` (statement ${s.id})` : '';
  const t = s.tally.get(currency);
  const digits = minorDigits(currency);
  const summary: [string, string, number, boolean][] = [
    ['TtlNtries/NbOfNtries', 'entries', s.booked, true],
    ['TtlNtries/Sum', 'entries sum', s.bookedAbs, false],
    ['TtlCdtNtries/NbOfNtries', 'credit entries', t.credits, true],
    ['TtlCdtNtries/Sum', 'credit entries sum', t.creditSum, false],
    ['TtlDbtNtries/NbOfNtries', 'debit entries', t.debits, true],
    ['TtlDbtNtries/Sum', 'debit entries sum', t.debitSum, false],
  ];
  for (const [path, what, computed, isCount] of summary) {
    const declared = s.summary.get(path);
    if (!declared) continue;
    const parsed = isCount
      ? /^\d+$/.test(declared.text)
        ? { ok: true as const, minor: Number(declared.text) }
        : { ok: false as const, reason: `expected a count, got "${declared.text}"` }
      : parseAmount(declared.text, digits);
    if (!parsed.ok) {
      out.push(rejectEvent(input.file, declared.line, `TxsSummry/${path}: ${parsed.reason}`, declared.text));
      continue;
    }
    out.push(checkEvent(input.file, declared.line, `TxsSummry/${path}${label}: ${what}`, currency, parsed.minor, computed, isCount));
  }
  if (opening && closing) {
    const open = signedBalance(opening);
    const close = signedBalance(closing);
    for (const [b, v] of [
      [opening, open],
      [closing, close],
    ] as const) {
      if (typeof v === 'string') out.push(rejectEvent(input.file, b.line, `balance ${b.code}: ${v}`, `${b.indicator} ${b.amount}`));
    }
    if (typeof open === 'number' && typeof close === 'number') {
      const mixed = opening.currency !== closing.currency ? ` (${opening.code} in ${opening.currency}, CLBD in ${closing.currency})` : '';
      out.push(
        checkEvent(
          input.file,
          closing.line,
          `CLBD closing balance = ${opening.code} + credits − debits${label}${mixed}`,
          currency,
          close,
          open + t.creditSum - t.debitSum,
        ),
      );
    }
  }
  return out;
}

function signedBalance(b: Balance): number | string {
  const parsed = parseAmount(b.amount, minorDigits(b.currency));
  if (!parsed.ok) return parsed.reason;
  if (b.indicator !== 'CRDT' && b.indicator !== 'DBIT') return `CdtDbtInd: expected CRDT or DBIT, got "${b.indicator}"`;
  return b.indicator === 'DBIT' ? -parsed.minor : parsed.minor;
}
