import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Piscina } from 'piscina';
import { chinaCalendar } from '../../model/calendar.js';
import type { ContractConfig } from '../../model/contract.js';
import { AuditError, ErrorCode } from '../../model/errors.js';
import { compareFindings, type Finding } from '../../model/finding.js';
import type { AcquirerTxn, BankEntry, ControlCheck, PosSale, Reject, Role } from '../../model/records.js';
import type { ManifestEntry, MerchantTotals, RuleStatus, RunSummary, SourceTotals } from '../../model/summary.js';
import { matchAcquirerBank } from '../../matching/acquirer-bank.js';
import { matchPosAcquirer } from '../../matching/pos-acquirer.js';
import { PARSERS, parserById } from '../../parsers/index.js';
import { RULES } from '../../rules/index.js';
import type { MerchantData, OpenItem, StatementAccount } from '../../rules/types.js';
import { deliveryFilter, type AuditOptions, type AuditResult, type SkippedInput } from '../audit.js';
import type { CarriedRecords } from '../carried.js';
import { baseName, loadInputs, type InputFile } from '../inputs.js';
import { buildMerchantData } from '../merchant-data.js';
import { parseInput, type ParsedInput } from '../parse-input.js';
import { hashAndPreflightFile } from '../preflight.js';
import { progressBar } from '../progress.js';
import { TOOL } from '../tool.js';
import { bulkContext, type BulkContext } from './_context.js';
import { addPart } from './_merge.js';
import { ChunkTable } from './_chunks.js';
import { countFindings, dateRange, manifestLine, ruleStatusOf, sourceTotalsOf, withFindings } from '../totals.js';
import { parseFileAlone } from './audit-bucket.js';
import type { BulkPlan, PlannedFile } from './plan.js';
import { bulkPool, unwrap } from './pool.js';
import { hashedAhead } from './hash-ahead.js';
import { recordsOf } from './_terminal-records.js';
import type { BucketFile, BucketResult, BucketTask, FilePart, FilePlan, PartitionResult, PartitionTask, SmallShare, TaskOutcome } from './types.js';

/** What runAudit has settled before it hands a run to the bulk path. */
export interface BulkRunStart {
  asOf: string;
  generatedAt: string;
  /** performance.now() when the run started. */
  started: number;
}

type Slot = { kind: 'small'; input: InputFile } | { kind: 'bulk'; plan: FilePlan; fromFolder: boolean; hashed?: Hashed };

/** A bulk file's sha256, and why the preflight refused it, if it did. */
type Hashed = { sha256: string; refused?: string };

/** What a bulk file came to after both stages. */
interface BulkFile {
  plan: FilePlan;
  sha256: string;
  /** Why the preflight refused it, if it did (known after stage 2 has started). */
  refused?: string;
  /** Its ranges' lines and footers; their chunks are in `chunks`. */
  ranges: PartitionResult[];
  chunks: ChunkTable;
  footers: { line: number; bytes: Uint8Array }[];
  /** Physical lines after the head. */
  lines: number;
  rangeBase: number[];
  part?: FilePart;
}

const MiB = 1024 * 1024;
/** Stage-1 tasks write their buckets out when they hold this much: a worker's stage-1 memory. */
const FLUSH_BYTES = 8 * MiB;
const MAX_BUCKETS = 4096;

/**
 * The bulk path of runAudit for inputs too large to hold in memory (DESIGN.md section 11):
 *
 * 1. partition: workers cut each large file into newline-aligned byte ranges and append every
 *    line, undecoded, to its merchant's bucket (spilled to a temporary folder above a budget),
 *    while the main thread parses the small inputs;
 * 2. audit: one task per bucket parses each merchant's lines with the format's own parser,
 *    matches them with the small inputs' records of that merchant (and the records the state
 *    store carried for it) and runs the merchant rules, while the main thread hashes and
 *    preflights the large files;
 * 3. identity: the few merchants whose terminals changed identity are read again for
 *    merchant-identity-drift, which compares merchants;
 *
 * then the run-scope rules and the summary are computed in the main thread from the partitions'
 * small results. Memory follows a bucket's bytes and the largest merchant's month (the rules need
 * a merchant's records together), not the file's size. The result equals runAudit's
 * (test/pipeline/parallel.test.ts, and test/state/daily-bulk.test.ts for stateful runs) but for
 * `merchants`, which stays empty: the records are what the bulk path does not keep. A stateful
 * run gets each merchant's `carry` instead, made in the workers: all the state store needs.
 * Its delivered files are hashed before stage 1, so that those audited before are not read.
 */
export async function runBulkAudit(plan: BulkPlan, options: AuditOptions, start: BulkRunStart): Promise<AuditResult> {
  const { config } = options;
  const history = options.history?.months ?? [];
  const ctx = bulkContext(config, history);
  const { tuning } = plan;
  const delivery = deliveryFilter(options);
  const slots = await loadSlots(plan, options.skipDelivered ? delivery : undefined);
  const bulk = slots.flatMap((s) => (s.kind === 'bulk' ? [s] : []));
  const bulkBytes = bulk.reduce((n, s) => n + s.plan.size, 0);
  const buckets = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(bulkBytes / tuning.bucketBytes)));
  const spillDir = bulkBytes > tuning.spillBytes ? await mkdtemp(path.join(tmpdir(), 'settle-audit-')) : undefined;
  const progress = progressBar(2 * bulkBytes);
  const pool = bulkPool(config, history, tuning.workers);
  const times: Record<string, number> = { load: Math.round(performance.now() - start.started) };
  try {
    // Stage 1.
    let t = performance.now();
    const files = new Map<number, BulkFile>();
    const chunkTables = new Map(bulk.map(({ plan: file }) => [file.slot, new ChunkTable()]));
    const cut = await Promise.all(bulk.map(async ({ plan: file }) => ({ file, ranges: await rangesOf(file, tuning.rangeBytes ?? defaultRange(file.size, tuning.workers)) })));
    const partitioned = Promise.all(
      cut.map(async ({ file, ranges: cuts }) => {
        const ranges = await Promise.all(
          cuts.map(async ([from, to], range) => {
            const task: PartitionTask = {
              slot: file.slot,
              file: file.file,
              path: file.path,
              plan: { encoding: file.encoding, delimiter: file.delimiter, merchantColumn: file.merchantColumn },
              range,
              start: from,
              end: to,
              atEof: to === file.size,
              buckets,
              ...(spillDir ? { spillPath: path.join(spillDir, `s${file.slot}-r${range}.bin`) } : {}),
              flushBytes: FLUSH_BYTES,
            };
            const result = unwrap((await pool.run(task, { name: 'partition' })) as TaskOutcome<PartitionResult>);
            const table = chunkTables.get(file.slot)!;
            for (const c of result.chunks) table.add(c);
            result.chunks = [];
            // Rows are counted once, as they are audited (stage 2).
            progress.advance('partitioning', result.bytes, 0);
            return result;
          }),
        );
        return { file, ranges };
      }),
    );
    partitioned.catch(() => undefined);
    const smallParsed = await parseSmall(slots, config, options);
    for (const { file, ranges } of await partitioned) files.set(file.slot, assemble(file, ranges, chunkTables.get(file.slot)!));
    times.partition = Math.round(performance.now() - t);

    // The main thread hashes and preflights the same files during stage 2, off the critical path:
    // the stages need neither, only the manifest and a (rare) refusal do. Not during stage 1, whose
    // workers it would slow down (stage 2 is a hundred times longer). Awaited after stage 2:
    // marked handled now, so that its failure meanwhile is not an unhandled rejection.
    // (A stateful run hashed them before stage 1, to skip the files it audited before.)
    const hashed = bulk.every((s) => s.hashed) ? Promise.resolve(new Map(bulk.map((s) => [s.plan.slot, s.hashed!]))) : hashAndPreflight(bulk.map((s) => s.plan));
    hashed.catch(() => undefined);

    // Stage 2, with the small inputs' records routed to the merchant keys they belong to. A file
    // the preflight refuses (a line longer than its bound) is left out and stage 2 run again
    // without it: its records may have changed other files' matches.
    t = performance.now();
    const small = routeSmall(slots, smallParsed.parsed, ctx, options.carried);
    const stateful = options.carried ? { daysFrom: options.carried.daysFrom, ...(options.carrySpill ? { spillDir: options.carrySpill } : {}) } : undefined;
    const stage2 = () => auditStage({ slots, files, smallParsed, small, ctx, buckets, pool, progress, asOf: start.asOf, stateful, screen: tuning.screen });
    let { results, roles, byBucket, taskOf } = await stage2();
    const hashes = await hashed;
    for (const f of files.values()) Object.assign(f, hashes.get(f.plan.slot));
    if ([...files.values()].some((f) => f.refused)) ({ results, roles, byBucket, taskOf } = await stage2());
    times.audit = Math.round(performance.now() - t);
    const cpu = { read: 0, screen: 0, parse: 0, match: 0, rules: 0 };
    for (const r of results) for (const k of Object.keys(cpu) as (keyof typeof cpu)[]) cpu[k] += r.cpuMs[k];

    // Stage 3: merchant-identity-drift compares merchants, so the merchants of a terminal seen
    // under more than one identity are read again, for that terminal's records only.
    t = performance.now();
    const identities = new Map<string, { sigs: Set<string>; keys: Set<string> }>();
    for (const r of results) {
      for (const { key, terminal, identities: sigs } of r.terminals) {
        const e = identities.get(terminal) ?? { sigs: new Set<string>(), keys: new Set<string>() };
        for (const s of sigs) e.sigs.add(s);
        e.keys.add(key);
        identities.set(terminal, e);
      }
    }
    const drifting = [...identities.entries()].filter(([, e]) => e.sigs.size > 1);
    const identityKeys = new Map<number, Set<string>>();
    for (const [, e] of drifting) {
      for (const key of e.keys) {
        const bucket = ctx.bucketOf(key, buckets);
        identityKeys.set(bucket, (identityKeys.get(bucket) ?? new Set<string>()).add(key));
      }
    }
    const terminals = drifting.map(([terminal]) => terminal);
    const identity = await Promise.all(
      [...identityKeys.entries()].map(([bucket, keys]) => {
        // Acquirer files only: the POS journal's lines, half of a bucket, would be read and grouped for nothing.
        const e = byBucket.get(bucket)!;
        const files = e.files.filter((f) => parserById(f.plan.format)?.role === 'acquirer');
        return runBucket(pool, taskOf(bucket, e, 'identity', { keys: [...keys], terminals }, files));
      }),
    );
    times.identity = Math.round(performance.now() - t);

    t = performance.now();
    const result = assembleResult({ slots, files, results, identity, small, smallParsed, roles, ctx, options, start, buckets, skipped: delivery.skipped });
    times.rules = Math.round(performance.now() - t);
    result.summary.durationsMs = { ...times, ...Object.fromEntries(Object.entries(cpu).map(([k, v]) => [`${k}Cpu`, Math.round(v)])) };
    result.screened = { merchants: results.reduce((n, r) => n + r.screened, 0), of: results.reduce((n, r) => n + r.totals.length, 0) };
    return result;
  } finally {
    progress.stop();
    await pool.destroy();
    if (spillDir) await rm(spillDir, { recursive: true, force: true });
  }
}

interface StageInput {
  slots: Slot[];
  files: Map<number, BulkFile>;
  smallParsed: SmallParsed;
  small: SmallRouting;
  ctx: BulkContext;
  buckets: number;
  pool: Piscina;
  progress: ReturnType<typeof progressBar>;
  asOf: string;
  stateful: BucketTask['stateful'];
  screen: boolean;
}

type BucketEntry = { files: BulkFile[]; shares: [string, SmallShare][]; bytes: number };

/** Stage 2: one task per bucket, over the files not refused. */
async function auditStage(s: StageInput) {
  const roles = new Set<Role>();
  s.slots.forEach((slot, i) => {
    if (slot.kind === 'small') {
      const p = s.smallParsed.parsed.get(i)!;
      if (p.format !== '') roles.add(p.role);
    } else if (!s.files.get(i)!.refused) roles.add(slot.plan.role);
  });
  const byBucket = new Map<number, BucketEntry>();
  const entry = (b: number) => {
    let e = byBucket.get(b);
    if (!e) {
      e = { files: [], shares: [], bytes: 0 };
      byBucket.set(b, e);
    }
    return e;
  };
  for (const f of s.files.values()) {
    if (f.refused) continue;
    for (const b of f.chunks.bucketsWithChunks()) {
      const e = entry(b);
      e.files.push(f);
      e.bytes += f.chunks.bytesOf(b);
    }
  }
  for (const [key, share] of s.small.shares) entry(s.ctx.bucketOf(key, s.buckets)).shares.push([key, share]);
  /** The task of a bucket, with the chunks of its files (all of them unless `files` is given). */
  const taskOf = (bucket: number, e: BucketEntry, mode: BucketTask['mode'], extra: Partial<BucketTask> = {}, files = e.files): BucketTask => ({
    bucket,
    files: files.map((f) => ({ ...bucketFileOf(f), chunks: f.chunks.refsOf(bucket) })),
    small: e.shares,
    roles: [...roles],
    asOf: s.asOf,
    mode,
    ...(s.stateful ? { stateful: s.stateful } : {}),
    screen: s.screen,
    ...extra,
  });
  const results = await Promise.all(
    [...byBucket.entries()]
      // Largest first: the last task to finish is a small one, so both workers stay busy to the end.
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(async ([bucket, e]) => {
        const result = await runBucket(s.pool, taskOf(bucket, e, 'audit'));
        s.progress.advance('auditing', result.bytes, result.rows);
        return result;
      }),
  );
  return { results, roles, byBucket, taskOf };
}

async function runBucket(pool: Piscina, task: BucketTask): Promise<BucketResult> {
  return unwrap((await pool.run(task, { name: 'audit' })) as TaskOutcome<BucketResult>);
}

/** A quarter of a file per worker, so the last ranges to finish are short; 8–64 MiB. */
function defaultRange(size: number, workers: number): number {
  return Math.min(64 * MiB, Math.max(8 * MiB, Math.ceil(size / (workers * 4))));
}

/** Cuts a file after its head into ranges of about `size` bytes, each ending just after a newline. */
async function rangesOf(file: FilePlan, size: number): Promise<[number, number][]> {
  const out: [number, number][] = [];
  const fh = await open(file.path, 'r');
  try {
    const window = Buffer.allocUnsafe(64 * 1024);
    let from = file.head.length;
    while (from < file.size) {
      let to = from + size;
      if (to >= file.size) to = file.size;
      else {
        // The range ends after the first LF at or beyond the target: LF never occurs inside a GBK or UTF-8 character.
        for (let at = to; ; at += window.length) {
          const { bytesRead } = await fh.read(window, 0, window.length, at);
          const lf = window.subarray(0, bytesRead).indexOf(0x0a);
          if (lf >= 0) {
            to = at + lf + 1;
            break;
          }
          if (bytesRead < window.length) {
            to = file.size;
            break;
          }
        }
      }
      out.push([from, to]);
      from = to;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/**
 * The sha256 of each bulk file for the manifest and the run id, and the preflight the in-memory
 * path runs before reading a file (binary content, garbage text, endless lines): one streamed
 * read, in the main thread, while the workers partition; or what the thread that started with
 * the process found of the file (hash-ahead.ts), where it did.
 */
async function hashAndPreflight(files: FilePlan[]): Promise<Map<number, Hashed>> {
  const out = new Map<number, Hashed>();
  for (const f of files) {
    const { sha256, refusal } = await (hashedAhead(f.path, f.size) ?? hashAndPreflightFile(f.path));
    out.set(f.slot, { sha256, ...(refusal ? { refused: `${f.file}: refused: ${refusal} (file of ${f.size} bytes)` } : {}) });
  }
  return out;
}

function assemble(plan: FilePlan, ranges: PartitionResult[], chunks: ChunkTable): BulkFile {
  ranges.sort((a, b) => a.range - b.range);
  const rangeBase: number[] = [];
  const footers: BulkFile['footers'] = [];
  let base = plan.headLines;
  for (const r of ranges) {
    rangeBase[r.range] = base;
    for (const f of r.footers) footers.push({ line: base + f.lineIndex + 1, bytes: f.bytes });
    base += r.lines;
  }
  return { plan, sha256: '', ranges, chunks, footers, lines: base - plan.headLines, rangeBase };
}

function bucketFileOf(f: BulkFile): Omit<BucketFile, 'chunks'> {
  const { slot, file, format, head, headLines, encoding, delimiter, merchantColumn } = f.plan;
  return { slot, file, format, head, headLines, encoding, delimiter, merchantColumn, footers: f.footers, rangeBase: f.rangeBase };
}

/**
 * The run's inputs in order: small ones loaded as runAudit loads them, bulk ones planned. With a
 * delivery filter (a stateful run), the files it declines are left out, in input order as runAudit
 * asks it: bulk files are hashed first for that, and keep their hash.
 */
async function loadSlots(plan: BulkPlan, delivery?: ReturnType<typeof deliveryFilter>): Promise<Slot[]> {
  const knownFormats = PARSERS.map((p) => p.id);
  const slots: Slot[] = [];
  const loadSmall = async (arg: string): Promise<InputFile[]> => {
    const { inputs } = await loadInputs([arg], knownFormats);
    return delivery ? inputs.filter((input) => delivery.keep(input.delivered, input.sha256)) : inputs;
  };
  const pushBulk = async (file: PlannedFile, fromFolder: boolean) => {
    let hashed: Hashed | undefined;
    if (delivery) {
      hashed = (await hashAndPreflight([{ ...file, slot: 0 }])).get(0)!;
      if (!delivery.keep(file.path, hashed.sha256)) return;
    }
    slots.push({ kind: 'bulk', plan: { ...file, slot: slots.length }, fromFolder, ...(hashed ? { hashed } : {}) });
  };
  for (const g of plan.groups) {
    if (g.kind === 'arg') {
      for (const input of await loadSmall(g.arg)) slots.push({ kind: 'small', input });
    } else if (g.kind === 'bulk') {
      await pushBulk(g.file, false);
    } else {
      // A folder's small files are loaded one by one but stay members of the folder: skipped with
      // a warning when unreadable, and companions of each other (the large file is nobody's companion).
      const members: InputFile[] = [];
      for (const e of g.entries) {
        if (e.kind === 'bulk') {
          await pushBulk(e.file, true);
          continue;
        }
        for (const input of await loadSmall(g.forced ? `${e.path}@${g.forced}` : e.path)) {
          input.fromFolder = true;
          members.push(input);
          slots.push({ kind: 'small', input });
        }
      }
      const companions = new Map(members.filter((m) => !m.refused).map((m) => [baseName(m.file), m.bytes]));
      for (const m of members) m.companions = companions;
    }
  }
  return slots;
}

interface SmallParsed {
  /** By slot. */
  parsed: Map<number, ParsedInput>;
  unreadable: ManifestEntry[];
}

/**
 * Parses the small inputs as runAudit does, unreadable ones included. It yields to the event loop
 * between inputs, so that the pool keeps handing stage-1 tasks to the workers meanwhile.
 */
async function parseSmall(slots: Slot[], config: ContractConfig, options: AuditOptions): Promise<SmallParsed> {
  const parsed = new Map<number, ParsedInput>();
  const unreadable: ManifestEntry[] = [];
  for (const [slot, s] of slots.entries()) {
    if (s.kind !== 'small') continue;
    await new Promise((resolve) => setImmediate(resolve));
    const input = s.input;
    try {
      parsed.set(slot, parseInput(input, { timezone: config.timezone, currency: config.currency, columnMaps: config.columnMaps }));
    } catch (err) {
      if (!(err instanceof AuditError) || (err.code !== ErrorCode.FORMAT_UNKNOWN && err.code !== ErrorCode.INPUT_UNREADABLE)) throw err;
      const entry = unreadableEntry(input.file, input.delivered, input.sha256, input.bytes.length, err.message);
      if (input.fromFolder) options.warn?.(`skipped: ${err.message}`);
      else unreadable.push(entry);
      parsed.set(slot, emptyParse(input.file, input.delivered, input.sha256, input.bytes.length, err.message));
    }
  }
  for (const p of parsed.values()) checkAccounting(p.file, p.format, p.records.length, p.rejects.length, p.info.nonDataUnits, p.info.units);
  return { parsed, unreadable };
}

function unreadableEntry(file: string, delivered: string, sha256: string, bytes: number, error: string): ManifestEntry {
  return { file, delivered, sha256, bytes, format: null, role: null, encoding: null, lines: 0, rows: 0, rejects: 0, nonDataLines: 0, error };
}

function emptyParse(file: string, delivered: string, sha256: string, bytes: number, error: string): ParsedInput & { error: string } {
  return {
    file,
    delivered,
    sha256,
    bytes,
    format: '',
    role: 'acquirer',
    encoding: '',
    records: [],
    rejects: [],
    checks: [],
    info: { units: 0, nonDataUnits: 0 },
    error,
  };
}

/** runAudit's accounting check: every line is a record, a reject or a non-data line. */
function checkAccounting(file: string, format: string, rows: number, rejects: number, nonData: number, units: number): void {
  if (format === '') return;
  const accounted = rows + rejects + nonData;
  if (accounted !== units) {
    throw new AuditError(
      ErrorCode.ACCOUNTING_UNBALANCED,
      `${file}: row accounting does not balance: ${rows} rows + ${rejects} rejects + ${nonData} header/summary lines = ${accounted}, ` +
        `but the file has ${units} (parser ${format})`,
      { file },
    );
  }
}

interface SmallRouting {
  /** By merchant key. */
  shares: Map<string, SmallShare>;
  records: { acquirer: AcquirerTxn[]; bank: BankEntry[]; pos: PosSale[]; statements: StatementAccount[] };
  /** The small inputs' merchants, as runAudit would match their bank lines. */
  merchants: MerchantData[];
  unknownBank: { role: Role; merchantId: string; count: number; file: string }[];
}

/**
 * Routes the small inputs' records to merchant keys. Acquirer and POS records go by their
 * merchant id; bank lines and statements by the merchant buildMerchantData gives them (by
 * account), found here from the small inputs alone, which hold every bank line.
 */
function routeSmall(slots: Slot[], parsed: Map<number, ParsedInput>, ctx: BulkContext, carried: CarriedRecords | undefined): SmallRouting {
  const shares = new Map<string, SmallShare>();
  const share = (key: string) => {
    let s = shares.get(key);
    if (!s) {
      s = { records: [], statements: [] };
      shares.set(key, s);
    }
    return s;
  };
  const records: SmallRouting['records'] = { acquirer: [], bank: [], pos: [], statements: [] };
  const slotOf = new Map<object, number>();
  slots.forEach((_, slot) => {
    const p = parsed.get(slot);
    if (!p) return;
    if (p.role === 'bank' && p.format !== '' && (p.info.accountNumber || p.info.accountName)) {
      const statement = { file: p.file, number: p.info.accountNumber, name: p.info.accountName };
      records.statements.push(statement);
    }
    for (const r of p.records) {
      slotOf.set(r.record, slot);
      if (r.role === 'acquirer') {
        records.acquirer.push(r.record);
        share(ctx.keyOf(r.record.merchantId)).records.push({ slot, role: 'acquirer', record: r.record });
      } else if (r.role === 'pos') {
        records.pos.push(r.record);
        share(ctx.keyOf(r.record.merchantId)).records.push({ slot, role: 'pos', record: r.record });
      } else {
        // As runAudit's collect: a statement names its account once, in its preamble; its lines inherit it.
        if (!r.record.accountNumber && p.info.accountNumber) r.record.accountNumber = p.info.accountNumber;
        if (!r.record.accountName && p.info.accountName) r.record.accountName = p.info.accountName;
        records.bank.push(r.record);
      }
    }
  });
  const { merchants, unknown } = buildMerchantData({ acquirer: [], pos: [], bank: records.bank, statements: records.statements }, ctx.config, chinaCalendar);
  for (const m of merchants) {
    const s = share(m.merchant.id);
    for (const b of m.bank) s.records.push({ slot: slotOf.get(b) ?? 0, role: 'bank', record: b });
    s.statements.push(...m.statements);
  }
  // The state store's carried POS records go with their merchant key too (audit-bucket.ts joins
  // them as runAudit does). The carried settlement days' records are read by the worker of each
  // merchant this run has something of, the only ones they can join (runAudit's joinCarriedDays).
  const carriedOf = (key: string) => (share(key).carried ??= { pos: [] });
  for (const p of carried?.pos ?? []) carriedOf(ctx.keyOf(p.merchantId)).pos.push(p);
  return { shares, records, merchants, unknownBank: unknown };
}

interface AssembleInput {
  slots: Slot[];
  files: Map<number, BulkFile>;
  results: BucketResult[];
  identity: BucketResult[];
  small: SmallRouting;
  smallParsed: SmallParsed;
  roles: Set<Role>;
  ctx: BulkContext;
  options: AuditOptions;
  start: BulkRunStart;
  buckets: number;
  skipped: SkippedInput[];
}

/** Adds up the partitions' results and runs the run-scope rules: runAudit's second half. */
function assembleResult(a: AssembleInput): AuditResult {
  const { slots, files, results, ctx, options, start } = a;
  const { config } = ctx;

  for (const r of results) for (const part of r.parts) files.get(part.slot)!.part = addPart(files.get(part.slot)!.part, part);
  // A bulk file none of whose lines is a row still has its header (and footers) read, for its checks.
  for (const f of files.values()) if (!f.refused && !f.part) f.part = parseFileAlone({ ...bucketFileOf(f), chunks: [] }, ctx);

  const unreadable = [...a.smallParsed.unreadable];
  const rejects: Reject[] = [];
  const checks: ControlCheck[] = [];
  const inputs: ManifestEntry[] = [];
  const bySource: SourceTotals[] = [];
  const shas: { file: string; sha256: string }[] = [];
  const fileMerchant = new Map<string, string>();
  let minDate: string | undefined;
  let maxDate: string | undefined;
  const seeDates = (min?: string, max?: string) => {
    if (min !== undefined && (minDate === undefined || min < minDate)) minDate = min;
    if (max !== undefined && (maxDate === undefined || max > maxDate)) maxDate = max;
  };
  const small = dateRange(a.small.records.acquirer, a.small.records.pos, a.small.records.bank);
  seeDates(small.min, small.max);

  slots.forEach((s, slot) => {
    if (s.kind === 'small') {
      const p = a.smallParsed.parsed.get(slot)!;
      rejects.push(...p.rejects);
      checks.push(...p.checks);
      inputs.push(manifestLine({ ...p, units: p.info.units, rows: p.records.length, rejects: p.rejects.length, nonDataUnits: p.info.nonDataUnits, variant: p.info.variant }));
      if (p.format !== '') bySource.push(sourceTotalsOf(p.file, p.role, p.format, p.records));
      shas.push({ file: p.file, sha256: p.sha256 });
      const ids = new Set<string>();
      if (p.info.merchantId) ids.add(ctx.keyOf(p.info.merchantId));
      for (const r of p.records) if (r.role !== 'bank') ids.add(ctx.keyOf(r.record.merchantId));
      if (p.role === 'bank') {
        for (const m of a.small.merchants) if (m.bank.some((b) => b.source.file === p.file) || m.statements.some((x) => x.file === p.file)) ids.add(m.merchant.id);
      }
      if (ids.size === 1) fileMerchant.set(p.file, [...ids][0]!);
      return;
    }
    const f = files.get(s.plan.slot)!;
    const plan = f.plan;
    shas.push({ file: plan.file, sha256: f.sha256 });
    if (f.refused) {
      // As loadInputs does with a refused file: no bytes read, an unreadable entry (or a warning in a folder).
      const entry = unreadableEntry(plan.file, plan.path, f.sha256, 0, f.refused);
      if (s.fromFolder) options.warn?.(`skipped: ${f.refused}`);
      else unreadable.push(entry);
      const p = emptyParse(plan.file, plan.path, f.sha256, 0, f.refused);
      inputs.push(manifestLine({ ...p, units: 0, rows: 0, rejects: 0, nonDataUnits: 0 }));
      return;
    }
    const part = f.part!;
    const units = plan.headLines + f.lines;
    const nonData = plan.headLines + f.footers.length + part.blank;
    checkAccounting(plan.file, plan.format, part.records, part.rejects.length, nonData, units);
    if (part.lines + f.footers.length !== f.lines) {
      throw new AuditError(ErrorCode.ACCOUNTING_UNBALANCED, `${plan.file}: ${f.lines} lines partitioned, ${part.lines + f.footers.length} parsed`, { file: plan.file });
    }
    const fileRejects = [...part.rejects].sort((x, y) => x.line - y.line);
    rejects.push(...fileRejects);
    checks.push(...part.checks);
    inputs.push(
      manifestLine({
        file: plan.file,
        delivered: plan.path,
        sha256: f.sha256,
        bytes: plan.size,
        format: plan.format,
        role: plan.role,
        encoding: plan.encoding,
        variant: part.info.variant,
        units,
        rows: part.records,
        rejects: fileRejects.length,
        nonDataUnits: nonData,
      }),
    );
    bySource.push(part.totals);
    seeDates(part.minDate, part.maxDate);
    const ids = new Set(part.merchantIds);
    if (part.info.merchantId) ids.add(ctx.keyOf(part.info.merchantId));
    if (ids.size === 1) fileMerchant.set(plan.file, [...ids][0]!);
  });

  const findings: Finding[] = [];
  const ruleFindings = new Map<number, Finding[]>();
  for (const r of results) {
    for (const f of r.findings) ruleFindings.set(f.rule, [...(ruleFindings.get(f.rule) ?? []), f.finding]);
  }
  const runMerchants = identityMerchants(a.identity, config);
  const ruleStatus: RuleStatus[] = [];
  RULES.forEach((rule, i) => {
    const missing = rule.needs.filter((r) => !a.roles.has(r));
    let found: Finding[] = [];
    if (missing.length === 0) {
      found =
        rule.scope === 'run'
          ? rule.check({ merchants: runMerchants, rejects, checks, fileMerchant, config, asOf: start.asOf, roles: a.roles })
          : (ruleFindings.get(i) ?? []);
    }
    findings.push(...found);
    ruleStatus.push(ruleStatusOf(rule, missing, found.length));
  });
  findings.sort(compareFindings);

  // Open items in runAudit's order (rule, then merchant, then as pushed), before its stable sort.
  const open = results
    .flatMap((r) => r.open)
    .sort((x, y) => x.rule - y.rule || x.merchant - y.merchant)
    .map((o) => o.item)
    .sort((x: OpenItem, y: OpenItem) => x.merchantId.localeCompare(y.merchantId) || x.date.localeCompare(y.date));
  const byMerchant: MerchantTotals[] = results
    .flatMap((r) => r.totals)
    .sort((x, y) => x.merchant - y.merchant)
    .map((t) => withFindings(t.totals, findings));
  const roleOrder: Record<Role, number> = { acquirer: 0, pos: 1, bank: 2 };
  const unknown = [
    ...results
      .flatMap((r) => r.unknown)
      .sort((x, y) => roleOrder[x.role] - roleOrder[y.role] || x.slot - y.slot || x.firstLine - y.firstLine)
      .map(({ role, merchantId, count, file }) => ({ role, merchantId, count, file })),
    ...a.small.unknownBank.filter((u) => u.role === 'bank'),
  ];

  const summary: RunSummary = {
    runId: runId(shas, config, start.asOf),
    tool: TOOL,
    asOf: start.asOf,
    timezone: config.timezone,
    generatedAt: start.generatedAt,
    period: minDate !== undefined && maxDate !== undefined ? { from: minDate, to: maxDate } : null,
    inputs,
    roles: [...a.roles].sort(),
    controlTotals: { bySource, byMerchant },
    checks: checks.map((c) => ({ ...c, ok: c.declared === c.computed })),
    rules: ruleStatus,
    counts: countFindings(findings),
    rejects: rejects.length,
    openItems: open,
    unknownMerchants: unknown,
    durationsMs: {},
  };
  const carry = options.carried
    ? results
        .flatMap((r) => r.carry)
        .sort((x, y) => x.merchant - y.merchant)
        .map((c) => c.carry)
    : undefined;
  const merchantFiles = Object.fromEntries(a.results.flatMap((r) => r.totals).map((t) => [t.totals.merchantId, t.files]));
  return { findings, rejects, summary, merchants: [], merchantFiles, unreadable, skipped: a.skipped, ...(carry ? { carry } : {}) };
}

/**
 * The `merchants` run-scope rules see: each merchant's acquirer records on the terminals that
 * appear under more than one identity, in contract order, as merchant-identity-drift reads them,
 * with the fields _terminal-records.ts keeps. A run rule must not need more than that on the bulk
 * path (noted in the report and in types).
 */
function identityMerchants(identity: BucketResult[], config: ContractConfig): MerchantData[] {
  const byMerchant = new Map<number, AcquirerTxn[]>();
  for (const r of identity) for (const i of r.identity) if (i.records.lines.length > 0) byMerchant.set(i.merchant, recordsOf(i.records));
  const empty = matchPosAcquirer([], [], 0);
  return [...byMerchant.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([m, acquirer]) => ({
      merchant: config.merchants[m]!,
      acquirer,
      bank: [],
      pos: [],
      statements: [],
      posMatch: empty,
      days: [],
      bankMatch: matchAcquirerBank([], []),
      coverage: {},
    }));
}

/** audit.ts `runId`: the same inputs, config and as-of date give the same id. */
function runId(files: { file: string; sha256: string }[], config: ContractConfig, asOf: string): string {
  const h = createHash('sha256');
  h.update(asOf);
  h.update(JSON.stringify(config));
  for (const p of [...files].sort((a, b) => a.file.localeCompare(b.file))) h.update(`${p.file}\u0000${p.sha256}`);
  return `SA-${asOf.replace(/-/g, '')}-${h.digest('hex').slice(0, 8).toUpperCase()}`;
}

