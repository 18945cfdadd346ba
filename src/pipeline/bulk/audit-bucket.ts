import iconv from 'iconv-lite';
import { chinaCalendar } from '../../model/calendar.js';
import type { Finding } from '../../model/finding.js';
import { maskedReject } from '../../model/pan.js';
import type { AcquirerTxn, BankEntry, ControlCheck, PosSale, Reject } from '../../model/records.js';
import { numberLines } from '../../parsers/_tabular.js';
import { parserById } from '../../parsers/index.js';
import type { FileInfo } from '../../parsers/types.js';
import { RULES } from '../../rules/index.js';
import type { OpenItem, StatementAccount } from '../../rules/types.js';
import { merchantCarryOf } from '../../state/carry.js';
import { CarriedDaysReader } from '../../state/store.js';
import { carriedDays, freshCarriedPos, joinCarriedDays } from '../carried.js';
import { buildMerchantData, inputFilesOf } from '../merchant-data.js';
import type { BulkContext } from './_context.js';
import { ChunkReader, KeyLines, UNKNOWN_MERCHANT, forEachLine, sourceBytes } from './_chunks.js';
import { merchantCell } from './_lines.js';
import { addPart } from './_merge.js';
import { RecordSpill } from './_spill-records.js';
import { Screen } from './screen.js';
import { terminalRecords } from './_terminal-records.js';
import { DateSpan, addToSourceTotals, merchantTotalsOf, noSourceTotals } from '../totals.js';
import type { BucketFile, BucketResult, BucketTask, FilePart, SmallShare } from './types.js';
import { LF, QUOTE } from './_bytes.js';


/**
 * Stage 2, in a worker: everything about the merchants of one bucket. Their lines are regrouped
 * by merchant key, and each merchant in turn is parsed by the format's own parser (the file's
 * header lines, the merchant's lines and the footers, with the original line numbers), joined
 * with the small inputs' records of that merchant, matched (buildMerchantData) and audited by the
 * merchant-scope rules, exactly as runAudit does for the whole run. Memory is that of one bucket's
 * bytes and one merchant's records.
 *
 * In 'identity' mode (stage 3) the same merchants are read again and only the acquirer records of
 * the asked terminals come back, for merchant-identity-drift, which looks across merchants.
 */
export function auditBucket(task: BucketTask, ctx: BulkContext): BucketResult {
  const cpu = { read: 0, screen: 0, parse: 0, match: 0, rules: 0 };
  let t = performance.now();
  const wanted = task.keys ? new Set(task.keys) : undefined;
  const byKey = new Map<string, Map<number, KeyLines>>();
  const chunks: Buffer[] = [];
  let bytes = 0;
  const reader = new ChunkReader(task.files.reduce((n, f) => n + f.chunks.reduce((m, c) => m + sourceBytes(c.source), 0), 0));
  try {
    task.files.forEach((file, fileNo) => {
      const delimiterByte = file.delimiter.charCodeAt(0);
      // The file's lines of each known merchant, by its index: a lookup per line by key cost more than the rest.
      const ofMerchant: (KeyLines | undefined)[] = [];
      const linesOf = (key: string): KeyLines | undefined => {
        if (wanted && !wanted.has(key)) return undefined;
        let files = byKey.get(key);
        if (!files) {
          files = new Map();
          byKey.set(key, files);
        }
        let kl = files.get(fileNo);
        if (!kl) {
          kl = new KeyLines();
          files.set(fileNo, kl);
        }
        return kl;
      };
      for (const chunkRef of [...file.chunks].sort((a, b) => a.range - b.range)) {
        const chunk = reader.read(chunkRef.source);
        const chunkNo = chunks.push(chunk) - 1;
        const base = file.rangeBase[chunkRef.range] ?? 0;
        // The next quote's position, looked up again only once passed: one search per chunk when there is none.
        let nextQuote = -1;
        /** The key of a line of a merchant the contract does not know: its merchant cell, as stage 1 read it. */
        const unknownKey = (start: number, end: number): string => {
          if (nextQuote !== Number.MAX_SAFE_INTEGER && nextQuote < start) {
            const q = chunk.indexOf(QUOTE, start);
            nextQuote = q < 0 ? Number.MAX_SAFE_INTEGER : q;
          }
          return ctx.keyOf(merchantCell(chunk, { start, end, next: end }, nextQuote < end, file, delimiterByte));
        };
        forEachLine(chunk, (lineIndex, merchant, start, end) => {
          // The input's bytes, as the progress bar counts them: the line and its terminator, not
          // the chunk's own line headers.
          bytes += end - start + 1;
          let kl: KeyLines | undefined;
          if (merchant === UNKNOWN_MERCHANT) kl = linesOf(unknownKey(start, end));
          else if ((kl = ofMerchant[merchant]) === undefined) {
            kl = linesOf(ctx.config.merchants[merchant]!.id);
            ofMerchant[merchant] = kl;
          }
          if (!kl) return;
          kl.push(base + lineIndex + 1, chunkNo, start, end);
        });
      }
    });
  } finally {
    reader.close();
  }
  const small = new Map(task.small);
  const keys = wanted ? [...wanted] : [...new Set([...byKey.keys(), ...small.keys()])];
  keys.sort();
  cpu.read += performance.now() - t;

  const roles = new Set(task.roles);
  const terminalsWanted = new Set(task.terminals ?? []);
  // The asked terminals' ids as bytes, by encoding (linesWithAny): made once for the task.
  const terminalBytes = new Map<string, Buffer[]>();
  const terminalBytesIn = (encoding: BucketFile['encoding']): Buffer[] => {
    let bytes = terminalBytes.get(encoding);
    if (!bytes) terminalBytes.set(encoding, (bytes = [...terminalsWanted].map((id) => iconv.encode(id, encoding))));
    return bytes;
  };
  const result: BucketResult = {
    bucket: task.bucket,
    parts: [],
    findings: [],
    open: [],
    totals: [],
    unknown: [],
    terminals: [],
    identity: [],
    carry: [],
    rows: 0,
    bytes,
    cpuMs: cpu,
    screened: 0,
  };
  const partsBySlot = new Map<number, FilePart>();

  // A stateful run joins each merchant's carried settlement days, read here from the state store,
  // and writes the records of the days it leaves open to a file, when given a folder for them.
  const stateful = task.mode === 'audit' ? task.stateful : undefined;
  const days = stateful ? new CarriedDaysReader(stateful.daysFrom) : undefined;
  const spill = stateful?.spillDir !== undefined ? new RecordSpill(stateful.spillDir, task.bucket) : undefined;
  const screen = Screen.of(
    task,
    ctx,
    {
      fileAlone: (file) => parseFileAlone(file, ctx),
      acquirerRecords: (file, lines) => parseLines(file, lines, chunks, ctx).records.acquirer,
    },
    days && ((merchantId) => days.read([merchantId])),
  );
  try {
    for (const key of keys) {
      t = performance.now();
      const screened = screen?.merchant(key, byKey.get(key), chunks, small.get(key));
      cpu.screen += performance.now() - t;
      if (screened) {
        const merchant = ctx.order.get(ctx.index.get(key)!) ?? -1;
        for (const part of screened.parts) partsBySlot.set(part.slot, addPart(partsBySlot.get(part.slot), part));
        result.rows += screened.rows;
        result.screened++;
        result.totals.push({ merchant, totals: screened.totals, files: screened.files });
        for (const { rule, item } of screened.open) result.open.push({ rule, merchant, item });
        for (const { terminal, identities } of screened.terminals) result.terminals.push({ key, terminal, identities });
        if (screened.carry) result.carry.push({ merchant, carry: spill ? spill.spill(screened.carry) : screened.carry });
        continue;
      }
      t = performance.now();
      const parsed: { slot: number; records: ByRole }[] = [];
      for (const [fileNo, kl] of byKey.get(key) ?? []) {
        const file = task.files[fileNo]!;
        // merchant-identity-drift reads acquirer records only: identity mode leaves POS files unparsed
        // (run.ts does not even send them).
        if (task.mode === 'identity' && parserById(file.format)?.role !== 'acquirer') continue;
        // Identity mode parses only the lines that may be on an asked terminal (a drifting terminal's
        // merchant has others). A parsed terminal id is text of its line, so its bytes are in the line's.
        const lines = task.mode === 'identity' ? linesWithAny(kl, chunks, terminalBytesIn(file.encoding)) : kl;
        const { part, records } = parseLines(file, lines, chunks, ctx);
        result.rows += kl.count;
        parsed.push({ slot: file.slot, records });
        if (task.mode === 'audit') partsBySlot.set(file.slot, addPart(partsBySlot.get(file.slot), part));
      }
      cpu.parse += performance.now() - t;

      t = performance.now();
      const share = small.get(key) ?? { records: [], statements: [] };
      const { run, bySlot } = joinInOrder(parsed, task.mode === 'identity' ? { records: share.records.filter((r) => r.role === 'acquirer'), statements: [] } : share);
      // As runAudit: carried POS records after today's, carried acquirer records for the bank match
      // only, and none that today's files deliver again. Identity mode reads today's acquirer records only.
      const carried = task.mode === 'audit' ? freshCarriedPos(share.carried?.pos, run.pos) : [];
      const { merchants, unknown } = buildMerchantData(carried.length > 0 ? { ...run, pos: [...run.pos, ...carried] } : run, ctx.config, chinaCalendar);
      joinCarriedDays(merchants, carriedDays(days, merchants.map((m) => m.merchant.id), run.acquirer), ctx.config, chinaCalendar);
      const carriedPos = new Set(carried);
      cpu.match += performance.now() - t;

      t = performance.now();
      for (const u of unknown) result.unknown.push({ ...u, ...firstSeen(u, bySlot) });
      for (const data of merchants) {
        const merchant = ctx.order.get(data.merchant) ?? -1;
        if (task.mode === 'identity') {
          result.identity.push({ merchant, records: terminalRecords(data.acquirer, terminalsWanted) });
          continue;
        }
        RULES.forEach((rule, r) => {
          if (rule.scope !== 'merchant' || rule.needs.some((n) => !roles.has(n))) return;
          const open: OpenItem[] = [];
          const found: Finding[] = rule.check({ data, config: ctx.config, calendar: chinaCalendar, asOf: task.asOf, roles, history: ctx.history, open });
          for (const finding of found) result.findings.push({ rule: r, merchant, finding });
          for (const item of open) result.open.push({ rule: r, merchant, item });
        });
        result.totals.push({ merchant, totals: merchantTotalsOf(data, carriedPos), files: inputFilesOf(data) });
        if (stateful) {
          const carry = merchantCarryOf(data, ctx.config);
          result.carry.push({ merchant, carry: spill ? spill.spill(carry) : carry });
        }
        const identities = new Map<string, Set<string>>();
        for (const a of data.acquirer) {
          if (a.terminalId === undefined) continue;
          const set = identities.get(a.terminalId) ?? new Set<string>();
          set.add(`${data.merchant.id}\u0001${a.merchantName ?? ''}\u0001${a.mcc ?? ''}`);
          identities.set(a.terminalId, set);
        }
        for (const [terminal, set] of identities) result.terminals.push({ key, terminal, identities: [...set] });
      }
      cpu.rules += performance.now() - t;
    }
  } finally {
    days?.close();
    spill?.close();
  }
  result.parts = [...partsBySlot.values()];
  return result;
}

/** A bulk file none of whose lines reached a bucket, parsed alone (its header and footers) for its info and checks. */
export function parseFileAlone(file: BucketFile, ctx: BulkContext): FilePart {
  return parseLines(file, new KeyLines(0), [], ctx).part;
}

/**
 * The lines of `kl` whose bytes hold one of `needles`, in order. In GB18030 and UTF-8, the bulk
 * path's encodings, a text's bytes are found in the bytes of any text that holds it (and, rarely,
 * in others: a GB18030 character's second byte may be an ASCII letter or digit).
 */
function linesWithAny(kl: KeyLines, chunks: readonly Buffer[], needles: readonly Buffer[]): KeyLines {
  const kept = new KeyLines();
  for (let i = 0; i < kl.count; i++) {
    const line = chunks[kl.chunkOf[i]!]!.subarray(kl.starts[i], kl.ends[i]);
    if (needles.some((needle) => line.includes(needle))) kept.push(kl.lines[i]!, kl.chunkOf[i]!, kl.starts[i]!, kl.ends[i]!);
  }
  return kept;
}

/**
 * Parses one merchant's lines of one file with the file's own parser: the header lines first
 * (so the parser finds the same header), then the lines, then the footers (so every partition
 * emits the file's checks, whose computed side adds up across partitions; see _merge.ts).
 */
function parseLines(file: BucketFile, kl: KeyLines, chunks: readonly Buffer[], ctx: BulkContext): { part: FilePart; records: ByRole } {
  const parser = parserById(file.format);
  if (!parser) throw new Error(`${file.file}: no parser "${file.format}"`);
  const footerBytes = file.footers.reduce((s, f) => s + f.bytes.length + 1, 0);
  const bytes = Buffer.allocUnsafe(file.head.length + kl.bytes + footerBytes);
  const numbers = new Uint32Array(file.headLines + kl.count + file.footers.length);
  bytes.set(file.head, 0);
  let at = file.head.length;
  let n = 0;
  for (; n < file.headLines; n++) numbers[n] = n + 1;
  for (let i = 0; i < kl.count; i++) {
    at += chunks[kl.chunkOf[i]!]!.copy(bytes, at, kl.starts[i], kl.ends[i]);
    bytes[at++] = LF;
    numbers[n++] = kl.lines[i]!;
  }
  for (const f of file.footers) {
    bytes.set(f.bytes, at);
    at += f.bytes.length;
    bytes[at++] = LF;
    numbers[n++] = f.line;
  }

  const records: ByRole = { acquirer: [], pos: [], bank: [] };
  const rejects: Reject[] = [];
  const checks: ControlCheck[] = [];
  let info: FileInfo = { units: 0, nonDataUnits: 0 };
  let count = 0;
  let firstLine = Number.MAX_SAFE_INTEGER;
  let lastLine = 0;
  const merchantIds = new Set<string>();
  // A merchant's lines nearly all carry the same id: its key is looked up when the id changes.
  let lastId: string | undefined;
  // Totals and period are counted as records are read, while each is fresh in the cache: a later
  // pass over a merchant's records would fetch every one of them from memory again.
  const totals = noSourceTotals(file.file, parser.role, parser.id);
  const span = new DateSpan();
  const see = (merchantId: string) => {
    if (merchantId === lastId) return;
    lastId = merchantId;
    merchantIds.add(ctx.keyOf(merchantId));
  };
  const input = numberLines({ file: file.file, bytes, encoding: file.encoding, options: ctx.parseOptions, companions: new Map(), lineNumbers: numbers });
  for (const event of parser.parse(input)) {
    switch (event.kind) {
      case 'record': {
        const line = event.record.source.line;
        if (line < firstLine) firstLine = line;
        if (line > lastLine) lastLine = line;
        count++;
        addToSourceTotals(totals, event);
        if (event.role === 'acquirer') {
          records.acquirer.push(event.record);
          see(event.record.merchantId);
          span.time(event.record.txnTime);
        } else if (event.role === 'pos') {
          records.pos.push(event.record);
          see(event.record.merchantId);
          span.time(event.record.txnTime);
        } else {
          records.bank.push(event.record);
          span.date(event.record.bookingDate);
        }
        break;
      }
      case 'reject':
        rejects.push(maskedReject(event.reject));
        break;
      case 'check':
        checks.push(event.check);
        break;
      case 'info':
        info = event.info;
        break;
    }
  }
  const shared = file.headLines + file.footers.length;
  const blank = info.nonDataUnits - shared;
  if (info.units !== numbers.length || count + rejects.length + blank !== kl.count) {
    throw new Error(
      `${file.file}: row accounting does not balance in a partition: ${count} rows + ${rejects.length} rejects + ${blank} blank ` +
        `lines for ${kl.count} lines given (parser ${file.format}, ${info.units} units)`,
    );
  }
  const { min, max } = span.range();
  const part: FilePart = {
    slot: file.slot,
    lines: kl.count,
    records: count,
    blank,
    rejects,
    checks,
    info,
    totals,
    firstLine,
    lastLine,
    merchantIds: [...merchantIds],
    ...(min !== undefined ? { minDate: min, maxDate: max } : {}),
  };
  return { part, records };
}

/** Records of one file (or one input slot) by role, each list in file order. */
interface ByRole {
  acquirer: AcquirerTxn[];
  pos: PosSale[];
  bank: BankEntry[];
}

/** A merchant's records of every input, in the order of the inputs, as runAudit's `collect` gives them. */
function joinInOrder(parsed: { slot: number; records: ByRole }[], share: SmallShare) {
  const bySlot = new Map<number, ByRole>();
  const of = (slot: number): ByRole => {
    let r = bySlot.get(slot);
    if (!r) bySlot.set(slot, (r = { acquirer: [], pos: [], bank: [] }));
    return r;
  };
  // A bulk file fills one slot alone (it is one input), so its lists are used as they are.
  for (const p of parsed) bySlot.set(p.slot, p.records);
  for (const r of share.records) {
    const list = of(r.slot);
    if (r.role === 'acquirer') list.acquirer.push(r.record);
    else if (r.role === 'pos') list.pos.push(r.record);
    else list.bank.push(r.record);
  }
  const slots = [...bySlot.keys()].sort((a, b) => a - b);
  const acquirer: AcquirerTxn[] = [];
  const pos: PosSale[] = [];
  const bank: BankEntry[] = [];
  for (const slot of slots) {
    const r = bySlot.get(slot)!;
    for (const x of r.acquirer) acquirer.push(x);
    for (const x of r.pos) pos.push(x);
    for (const x of r.bank) bank.push(x);
  }
  const statements: StatementAccount[] = share.statements;
  return { run: { acquirer, pos, bank, statements }, bySlot: slots.map((slot) => ({ slot, records: bySlot.get(slot)! })) };
}

/**
 * Where an unknown merchant id was first seen (input slot, line), so that the main thread can put
 * the run's unknown-merchant list in the order runAudit finds them: the first record of that
 * merchant and file in input order.
 */
function firstSeen(u: { role: string; merchantId: string; file: string }, bySlot: { slot: number; records: ByRole }[]): { slot: number; firstLine: number } {
  for (const { slot, records } of bySlot) {
    const list: (AcquirerTxn | PosSale)[] = u.role === 'acquirer' ? records.acquirer : u.role === 'pos' ? records.pos : [];
    const record = list.find((r) => r.merchantId === u.merchantId && r.source.file === u.file);
    if (record) return { slot, firstLine: record.source.line };
  }
  // Only a record the state store carried is in no input: runAudit meets those after all of today's.
  return { slot: Number.MAX_SAFE_INTEGER, firstLine: 0 };
}
