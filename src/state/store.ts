import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { ContractConfig } from '../model/contract.js';
import { AuditError, ErrorCode } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { AcquirerTxn, CanonicalRecord, PosSale } from '../model/records.js';
import type { CarriedRecords } from '../pipeline/carried.js';
import { crashPoint, CRASH_POINTS } from '../pipeline/_crash.js';
import type { AuditResult } from '../pipeline/audit.js';
import { rateHistoryOf, type RateHistory, type RateMonth } from '../rules/types.js';
import { carryOf, type CarriedItem, type CarryPlan, type ItemKind, type ItemRecords, type ItemStatus } from './carry.js';
import { migrate } from './migrations.js';
import { packRecords, unpackRecords } from './packed-records.js';

/**
 * better-sqlite3, loaded when a state file is first opened: every audit loads this module, and
 * only a stateful run opens one (the native module costs each thread about 15 ms to load).
 */
let sqlite: typeof Database | undefined;
const openDatabase = (file: string, options: Database.Options): Database.Database => {
  sqlite ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return new sqlite(file, options);
};

/**
 * The SQLite state store of daily operation (DESIGN.md section 7): runs, every delivered file by
 * sha256, open items with the records they wait on, findings history, and monthly fee rates.
 *
 * One store is one file. WAL mode lets `settle-audit history` read while a run writes; a run holds
 * the write lock from its first read to its single COMMIT (`beginRun`), which both keeps two audits
 * from interleaving (across processes too: SQLite's lock dies with its process, so there is no stale
 * lock to clean up) and makes a crash anywhere in the run leave the store exactly as it was.
 */

/** The store's file name when `--state` is not given to `schedule`: `<out>/settle-audit.db`. */
export const DEFAULT_STATE_NAME = 'settle-audit.db';

/** How long a reader or a migration waits for a writer's commit before giving up. */
const BUSY_TIMEOUT_MS = 5000;

const RUN_SELECT = `
  SELECT seq, run_id AS runId, as_of AS asOf, started_at AS startedAt, finished_at AS finishedAt,
         files_audited AS filesAudited, files_skipped AS filesSkipped, files_unreadable AS filesUnreadable,
         findings, new_findings AS newFindings, resolved_findings AS resolvedFindings,
         open_items AS openItems, closed_items AS closedItems, output
    FROM runs`;

/** A run as `settle-audit history` lists it. */
export interface RunRow {
  seq: number;
  runId: string;
  asOf: string;
  startedAt: string;
  finishedAt: string;
  filesAudited: number;
  filesSkipped: number;
  filesUnreadable: number;
  findings: number;
  newFindings: number;
  resolvedFindings: number;
  /** Open items in the whole store after the run. */
  openItems: number;
  closedItems: number;
  output: string | null;
}

/** An open item as `settle-audit history --open` lists it. */
export interface OpenItemRow {
  key: string;
  kind: ItemKind;
  merchantId: string;
  reference: string | null;
  date: string;
  currency: string;
  amountMinor: number;
  due: string;
  status: ItemStatus;
  findingId: string | null;
  firstSeen: string;
  lastSeen: string;
}

/** A finding's history: the days it was first and last reported, and the day a later file settled it. */
export interface FindingHistoryRow {
  id: string;
  rule: string;
  merchantId: string;
  firstSeen: string;
  lastSeen: string;
  resolvedOn: string | null;
}

/** What a run commits. */
export interface CommitInput {
  result: AuditResult;
  plan: CarryPlan;
  config: ContractConfig;
  startedAt: string;
  finishedAt: string;
  /** Where the run's outputs were published, when it wrote any. */
  output?: string;
}

export interface OpenOptions {
  /** Create the file (and its folder) when missing; `history` passes false. Default true. */
  create?: boolean;
}

/** Tells a busy store (another run holds it) from other state errors. */
export const isStateBusy = (err: unknown): boolean => err instanceof AuditError && err.code === ErrorCode.STATE && err.context.busy === true;

/** An open state store: `open` it, `beginRun` for each run, read `runs`/`openItems`/`findings`, `close`. */
export class StateStore {
  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (or creates) a store and brings its schema up to date. */
  static open(file: string, options: OpenOptions = {}): StateStore {
    const create = options.create ?? true;
    if (!create && !existsSync(file)) {
      throw new AuditError(ErrorCode.USAGE, `--state: no state store at ${file}`, { file });
    }
    let db: Database.Database;
    try {
      if (create) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = openDatabase(file, { fileMustExist: !create });
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      // FULL: a committed run survives a power cut, not only a process crash.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
    } catch (err) {
      if (err instanceof AuditError) throw err;
      throw new AuditError(ErrorCode.STATE, `${file}: state store cannot be opened (${(err as Error).message})`, { file }, err);
    }
    return new StateStore(file, db);
  }

  /** Closes the file; a run still open is rolled back by SQLite. */
  close(): void {
    this.db.close();
  }

  /**
   * Starts a run: takes the store's write lock at once (BEGIN IMMEDIATE, no waiting) and holds it
   * until the run commits or rolls back. Throws a busy STATE error when another run holds it.
   */
  beginRun(): RunSession {
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new AuditError(ErrorCode.STATE, `${this.file}: another settle-audit run is using this state store`, { file: this.file, busy: true }, err);
      }
      throw new AuditError(ErrorCode.STATE, `${this.file}: cannot start a run (${(err as Error).message})`, { file: this.file }, err);
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    return new RunSession(this.db, this.file);
  }

  /** Runs, newest first. */
  runs(limit = 1000): RunRow[] {
    return this.db.prepare(`${RUN_SELECT} ORDER BY seq DESC LIMIT ?`).all(limit) as RunRow[];
  }

  /** Items still open (awaiting or overdue), oldest first. */
  openItems(): OpenItemRow[] {
    return this.db
      .prepare(
        `SELECT key, kind, merchant_id AS merchantId, reference, date, currency, amount_minor AS amountMinor, due, status,
                finding_id AS findingId, first_seen AS firstSeen, last_seen AS lastSeen
           FROM open_items WHERE closed_run IS NULL ORDER BY date, merchant_id, key`,
      )
      .all() as OpenItemRow[];
  }

  /** Findings history: every finding ever reported, with first and last seen and when it was resolved. */
  findings(): FindingHistoryRow[] {
    return this.db
      .prepare(
        `SELECT id, rule, merchant_id AS merchantId, first_seen AS firstSeen, last_seen AS lastSeen, resolved_on AS resolvedOn
           FROM findings ORDER BY first_seen, id`,
      )
      .all() as FindingHistoryRow[];
  }
}

/** A finding with the day it was first reported, as findings.json shows it when a state store is used. */
export type TrackedFinding = Finding & { firstSeen: string };

interface ItemRow {
  key: string;
  kind: ItemKind;
  merchant_id: string;
  reference: string | null;
  date: string;
  currency: string;
  amount_minor: number;
  due: string;
  status: ItemStatus;
  finding_id: string | null;
  first_seen: string;
}

/** What a run is given of the store's open items: the items, and where their records are. */
export interface Carried {
  items: CarriedItem[];
  records: CarriedRecords;
}

/**
 * Reads the acquirer records of the open settlement days of given merchants from the store at
 * `file`, on a connection of its own: bulk workers read them for the merchants they match while
 * the run holds the store's write lock (WAL lets readers through), so that they never pass through
 * the main thread. Close it when done.
 */
export class CarriedDaysReader {
  private readonly db: Database.Database;
  private readonly query: Database.Statement;

  constructor(file: string) {
    this.db = openDatabase(file, { readonly: true, fileMustExist: true });
    this.query = this.db
      .prepare(`SELECT records FROM open_items WHERE merchant_id = ? AND closed_run IS NULL AND kind = 'settlement-awaiting-credit' ORDER BY key`)
      .pluck();
  }

  /** The records of these merchants' (contract ids) open days, merchant by merchant, each in the order of the items' keys. */
  read(merchantIds: readonly string[]): AcquirerTxn[] {
    const out: AcquirerTxn[] = [];
    for (const id of merchantIds) {
      for (const packed of this.query.iterate(id) as Iterable<Buffer>) {
        for (const r of JSON.parse(unpackRecords(packed)) as CanonicalRecord[]) if (r.role === 'acquirer') out.push(r.record);
      }
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}

/** `fn` with a reader of the store's carried days, closed after it; no reader without a store. */
export function withCarriedDays<T>(file: string | undefined, fn: (reader: CarriedDaysReader | undefined) => T): T {
  if (file === undefined) return fn(undefined);
  const reader = new CarriedDaysReader(file);
  try {
    return fn(reader);
  } finally {
    reader.close();
  }
}

/** One run's view of the store, inside the write transaction `StateStore.beginRun` opened. */
export class RunSession {
  private done = false;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  /** False once the run committed or rolled back. */
  get active(): boolean {
    return !this.done;
  }

  /** The run that first audited a delivered file with these bytes, if any. */
  audited(sha256: string): { run: number; asOf: string; name: string } | undefined {
    return this.db.prepare('SELECT first_run AS run, first_seen AS asOf, name FROM input_files WHERE sha256 = ?').get(sha256) as
      | { run: number; asOf: string; name: string }
      | undefined;
  }

  /**
   * Every open item, to feed back into this run, with the records of the POS items. The records
   * of the settlement days are left in the store, to be read where they are joined
   * (`CarriedDaysReader`).
   */
  carried(): Carried {
    const rows = this.db
      .prepare(
        `SELECT key, kind, merchant_id, reference, date, currency, amount_minor, due, status, finding_id, first_seen
           FROM open_items WHERE closed_run IS NULL ORDER BY key`,
      )
      .all() as ItemRow[];
    const pos: PosSale[] = [];
    const posRecords = this.db
      .prepare(`SELECT records FROM open_items WHERE closed_run IS NULL AND kind != 'settlement-awaiting-credit' ORDER BY key`)
      .pluck()
      .all() as Buffer[];
    for (const packed of posRecords) for (const r of JSON.parse(unpackRecords(packed)) as CanonicalRecord[]) if (r.role === 'pos') pos.push(r.record);
    const items = rows.map((r) => ({
      key: r.key,
      kind: r.kind,
      merchantId: r.merchant_id,
      ...(r.reference !== null ? { reference: r.reference } : {}),
      date: r.date,
      currency: r.currency,
      amountMinor: r.amount_minor,
      due: r.due,
      status: r.status,
      ...(r.finding_id !== null ? { findingId: r.finding_id } : {}),
      firstSeen: r.first_seen,
    }));
    // An absolute path: the bulk workers open it too.
    return { items, records: { pos, daysFrom: path.resolve(this.file) } };
  }

  /** Effective fee rates of earlier months, for fee-rate-creep's trailing median. */
  rateHistory(): RateHistory {
    const months = this.db
      .prepare(
        `SELECT merchant_id AS merchantId, card_kind AS cardKind, month, SUM(amount_minor) AS amountMinor, SUM(fee_minor) AS feeMinor
           FROM rate_history GROUP BY merchant_id, card_kind, month HAVING SUM(amount_minor) > 0 ORDER BY month DESC`,
      )
      .all() as RateMonth[];
    return rateHistoryOf(months);
  }

  /**
   * Sets `firstSeen` on each finding: the day it was first reported, or `asOf` for a new one, so a
   * finding still open on consecutive days keeps its id and its first-seen date.
   */
  trackFindings(findings: Finding[], asOf: string): TrackedFinding[] {
    const get = this.db.prepare('SELECT first_seen FROM findings WHERE id = ?').pluck();
    return findings.map((f) => {
      const seen = get.get(f.id) as string | undefined;
      return Object.assign(f, { firstSeen: seen !== undefined && seen < asOf ? seen : asOf });
    });
  }

  /** Writes everything the run learnt and commits it, in one transaction. */
  commit(input: CommitInput): RunRow {
    this.assertActive();
    const { result, plan } = input;
    const asOf = result.summary.asOf;
    const db = this.db;

    const delivered = new Map<string, { name: string; readable: boolean }>();
    for (const e of result.summary.inputs) {
      const d = delivered.get(e.sha256) ?? { name: e.delivered, readable: false };
      d.readable ||= e.error === undefined;
      delivered.set(e.sha256, d);
    }
    const readable = [...delivered].filter(([, d]) => d.readable);

    const seq = Number(
      db
        .prepare(
          `INSERT INTO runs (run_id, as_of, started_at, finished_at, files_audited, files_skipped, files_unreadable,
                             findings, new_findings, resolved_findings, open_items, closed_items, output)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?)`,
        )
        .run(
          result.summary.runId,
          asOf,
          input.startedAt,
          input.finishedAt,
          readable.length,
          result.skipped?.length ?? 0,
          delivered.size - readable.length,
          result.findings.length,
          plan.closed.length,
          input.output ?? null,
        ).lastInsertRowid,
    );

    const addFile = db.prepare('INSERT OR IGNORE INTO input_files (sha256, name, first_run, first_seen) VALUES (?, ?, ?, ?)');
    for (const [sha, d] of readable) addFile.run(sha, d.name, seq, asOf);

    const upsertItem = db.prepare(
      `INSERT INTO open_items (key, kind, merchant_id, reference, date, currency, amount_minor, due, status, finding_id,
                               first_seen, first_run, last_seen, last_run, records)
       VALUES (@key, @kind, @merchantId, @reference, @date, @currency, @amountMinor, @due, @status, @findingId,
               @asOf, @seq, @asOf, @seq, @records)
       ON CONFLICT (key) DO UPDATE SET
         amount_minor = excluded.amount_minor, due = excluded.due, status = excluded.status, finding_id = excluded.finding_id,
         last_seen = excluded.last_seen, last_run = excluded.last_run, records = excluded.records,
         closed_run = NULL, closed_reason = NULL`,
    );
    const spilled = new SpillReader();
    try {
      for (const item of plan.open) {
        upsertItem.run({
          key: item.key,
          kind: item.kind,
          merchantId: item.merchantId,
          reference: item.reference ?? null,
          date: item.date,
          currency: item.currency,
          amountMinor: item.amountMinor,
          due: item.due,
          status: item.status,
          findingId: item.findingId ?? null,
          asOf,
          seq,
          records: spilled.packed(item.records),
        });
      }
    } finally {
      spilled.close();
    }
    const closeItem = db.prepare(
      `UPDATE open_items SET status = 'closed', closed_run = ?, closed_reason = ?, last_seen = ?, last_run = ?
        WHERE key = ? AND closed_run IS NULL`,
    );
    for (const c of plan.closed) closeItem.run(seq, c.reason, asOf, seq, c.key);

    const known = db.prepare('SELECT 1 FROM findings WHERE id = ?').pluck();
    let newFindings = 0;
    const upsertFinding = db.prepare(
      `INSERT INTO findings (id, rule, severity, merchant_id, first_seen, first_run, last_seen, last_run, json)
       VALUES (@id, @rule, @severity, @merchantId, @asOf, @seq, @asOf, @seq, @json)
       ON CONFLICT (id) DO UPDATE SET
         severity = excluded.severity, json = excluded.json,
         first_seen = MIN(first_seen, excluded.first_seen),
         last_seen = MAX(last_seen, excluded.last_seen), last_run = excluded.last_run,
         resolved_on = NULL, resolved_run = NULL`,
    );
    for (const f of result.findings) {
      if (known.get(f.id) === undefined) newFindings++;
      upsertFinding.run({ id: f.id, rule: f.rule, severity: f.severity, merchantId: f.merchantId, asOf, seq, json: JSON.stringify(f) });
    }
    const reported = new Set(result.findings.map((f) => f.id));
    const resolve = db.prepare('UPDATE findings SET resolved_on = ?, resolved_run = ? WHERE id = ? AND resolved_on IS NULL');
    let resolved = 0;
    for (const c of plan.closed) {
      // An item that aged out was never settled: its finding stays unresolved.
      if (c.findingId && c.reason !== 'expired' && !reported.has(c.findingId)) resolved += resolve.run(asOf, seq, c.findingId).changes;
    }

    const addRate = db.prepare(
      `INSERT INTO rate_history (merchant_id, month, card_kind, currency, run, sales, amount_minor, fee_minor)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const c of carryOf(result)) {
      for (const g of c.rates) addRate.run(c.merchantId, g.month, g.cardKind, g.currency, seq, g.sales, g.amountMinor, g.feeMinor);
    }

    const openNow = db.prepare('SELECT COUNT(*) FROM open_items WHERE closed_run IS NULL').pluck().get() as number;
    db.prepare('UPDATE runs SET new_findings = ?, resolved_findings = ?, open_items = ? WHERE seq = ?').run(newFindings, resolved, openNow, seq);
    const row = db.prepare(`${RUN_SELECT} WHERE seq = ?`).get(seq) as RunRow;

    crashPoint(CRASH_POINTS.STATE_COMMIT);
    try {
      db.exec('COMMIT');
    } catch (err) {
      this.rollback();
      throw new AuditError(ErrorCode.STATE, `${this.file}: the run could not be committed (${(err as Error).message})`, { file: this.file }, err);
    }
    this.done = true;
    return row;
  }

  /** Gives up the run: the store stays exactly as it was before it. Safe to call twice. */
  rollback(): void {
    if (this.done) return;
    this.done = true;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private assertActive(): void {
    if (this.done) throw new AuditError(ErrorCode.INTERNAL, `${this.file}: this run already committed or rolled back`, { file: this.file });
  }
}

/**
 * Items' records as the store keeps them (packed-records.ts): packed here for records in memory,
 * read back for spilled ones, which the bulk workers packed as they wrote them.
 */
class SpillReader {
  private readonly fds = new Map<string, number>();

  packed(records: ItemRecords): Buffer {
    if (Array.isArray(records)) return packRecords(JSON.stringify(records));
    let fd = this.fds.get(records.file);
    if (fd === undefined) this.fds.set(records.file, (fd = openSync(records.file, 'r')));
    const bytes = Buffer.allocUnsafe(records.bytes);
    let at = 0;
    while (at < records.bytes) {
      const n = readSync(fd, bytes, at, records.bytes - at, records.offset + at);
      if (n === 0) throw new Error(`${records.file}: ends before the ${records.bytes} bytes at ${records.offset}`);
      at += n;
    }
    return bytes;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
