import type Database from 'better-sqlite3';
import { AuditError, ErrorCode } from '../model/errors.js';
import { packRecords } from './packed-records.js';

/**
 * The state store's schema, versioned in code. `PRAGMA user_version` holds the number of
 * migrations applied; a migration is appended to this list, never edited once released, so a
 * store written by any earlier version upgrades by running the ones it has not seen.
 */
export const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [
  // 1: runs, delivered files, open items with the records they wait on, findings history, rate history.
  (db) =>
    db.exec(`
      CREATE TABLE runs (
        seq               INTEGER PRIMARY KEY,
        run_id            TEXT    NOT NULL,
        as_of             TEXT    NOT NULL,
        started_at        TEXT    NOT NULL,
        finished_at       TEXT    NOT NULL,
        files_audited     INTEGER NOT NULL,
        files_skipped     INTEGER NOT NULL,
        files_unreadable  INTEGER NOT NULL,
        findings          INTEGER NOT NULL,
        new_findings      INTEGER NOT NULL,
        resolved_findings INTEGER NOT NULL,
        open_items        INTEGER NOT NULL,
        closed_items      INTEGER NOT NULL,
        output            TEXT
      ) STRICT;

      CREATE TABLE input_files (
        sha256     TEXT    PRIMARY KEY,
        name       TEXT    NOT NULL,
        first_run  INTEGER NOT NULL REFERENCES runs(seq),
        first_seen TEXT    NOT NULL
      ) STRICT;

      -- An item stays here after it closes: closed_run says when, closed_reason why.
      CREATE TABLE open_items (
        key           TEXT    PRIMARY KEY,
        kind          TEXT    NOT NULL,
        merchant_id   TEXT    NOT NULL,
        reference     TEXT,
        date          TEXT    NOT NULL,
        currency      TEXT    NOT NULL,
        amount_minor  INTEGER NOT NULL,
        due           TEXT    NOT NULL,
        status        TEXT    NOT NULL CHECK (status IN ('open', 'overdue', 'closed')),
        finding_id    TEXT,
        first_seen    TEXT    NOT NULL,
        first_run     INTEGER NOT NULL REFERENCES runs(seq),
        last_seen     TEXT    NOT NULL,
        last_run      INTEGER NOT NULL REFERENCES runs(seq),
        closed_run    INTEGER REFERENCES runs(seq),
        closed_reason TEXT    CHECK (closed_reason IN ('settled', 'cancelled', 'expired')),
        records       TEXT    NOT NULL
      ) STRICT;
      CREATE INDEX open_items_still_open ON open_items (merchant_id, date) WHERE closed_run IS NULL;

      CREATE TABLE findings (
        id           TEXT    PRIMARY KEY,
        rule         TEXT    NOT NULL,
        severity     TEXT    NOT NULL,
        merchant_id  TEXT    NOT NULL,
        first_seen   TEXT    NOT NULL,
        first_run    INTEGER NOT NULL REFERENCES runs(seq),
        last_seen    TEXT    NOT NULL,
        last_run     INTEGER NOT NULL REFERENCES runs(seq),
        resolved_on  TEXT,
        resolved_run INTEGER REFERENCES runs(seq),
        json         TEXT    NOT NULL
      ) STRICT;

      -- One row per merchant, month, card kind and run: a month builds up from its daily runs,
      -- and a re-delivered file is skipped before it could be counted twice.
      CREATE TABLE rate_history (
        merchant_id  TEXT    NOT NULL,
        month        TEXT    NOT NULL,
        card_kind    TEXT    NOT NULL,
        currency     TEXT    NOT NULL,
        run          INTEGER NOT NULL REFERENCES runs(seq),
        sales        INTEGER NOT NULL,
        amount_minor INTEGER NOT NULL,
        fee_minor    INTEGER NOT NULL,
        PRIMARY KEY (merchant_id, month, card_kind, currency, run)
      ) STRICT;
    `),
  // 2: open items keep their records deflated (packed-records.ts), in a BLOB: a month without its
  // bank statements leaves gigabytes of them. The table is made again (a STRICT column keeps its
  // type) and every row's records packed on the way.
  (db) => {
    db.exec(`
      CREATE TABLE open_items_packed (
        key           TEXT    PRIMARY KEY,
        kind          TEXT    NOT NULL,
        merchant_id   TEXT    NOT NULL,
        reference     TEXT,
        date          TEXT    NOT NULL,
        currency      TEXT    NOT NULL,
        amount_minor  INTEGER NOT NULL,
        due           TEXT    NOT NULL,
        status        TEXT    NOT NULL CHECK (status IN ('open', 'overdue', 'closed')),
        finding_id    TEXT,
        first_seen    TEXT    NOT NULL,
        first_run     INTEGER NOT NULL REFERENCES runs(seq),
        last_seen     TEXT    NOT NULL,
        last_run      INTEGER NOT NULL REFERENCES runs(seq),
        closed_run    INTEGER REFERENCES runs(seq),
        closed_reason TEXT    CHECK (closed_reason IN ('settled', 'cancelled', 'expired')),
        records       BLOB    NOT NULL
      ) STRICT;
    `);
    const copy = db.prepare(`INSERT INTO open_items_packed SELECT key, kind, merchant_id, reference, date, currency, amount_minor, due, status,
      finding_id, first_seen, first_run, last_seen, last_run, closed_run, closed_reason, ? FROM open_items WHERE key = ?`);
    const recordsOf = db.prepare('SELECT records FROM open_items WHERE key = ?').pluck();
    // Row by row, not all at once: an old store may hold gigabytes of records. (The connection
    // cannot write while a query iterates, so the keys are read first.)
    for (const key of db.prepare('SELECT key FROM open_items').pluck().all() as string[]) {
      copy.run(packRecords(recordsOf.get(key) as string), key);
    }
    db.exec(`
      DROP TABLE open_items;
      ALTER TABLE open_items_packed RENAME TO open_items;
      CREATE INDEX open_items_still_open ON open_items (merchant_id, date) WHERE closed_run IS NULL;
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings a store up to SCHEMA_VERSION, each migration in its own transaction. The version is
 * read again under the write lock, so two processes opening an old store at once migrate it once.
 */
export function migrate(db: Database.Database, file: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() > SCHEMA_VERSION) {
    throw new AuditError(
      ErrorCode.STATE,
      `${file}: state schema version ${version()} was written by a newer settle-audit (this one reads up to ${SCHEMA_VERSION})`,
      { file },
    );
  }
  let packed = false;
  while (version() < SCHEMA_VERSION) {
    db.transaction(() => {
      const v = version();
      if (v >= SCHEMA_VERSION) return;
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
      packed ||= v + 1 === PACKED_RECORDS;
    }).immediate();
  }
  if (packed) {
    // The records just packed left the pages of their JSON free, often most of the file: given
    // back to the file system once. Best effort: another connection reading the store at this
    // moment makes VACUUM fail, and SQLite reuses free pages anyway.
    try {
      db.exec('VACUUM');
    } catch {
      // The free pages stay in the file, to be reused.
    }
  }
}

/** The schema version whose migration packs the open items' records (migration 2). */
const PACKED_RECORDS = 2;
