import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/model/contract.js';
import { runStatefulAudit } from '../../src/pipeline/stateful-audit.js';
import { SCHEMA_VERSION } from '../../src/state/migrations.js';
import { unpackRecords } from '../../src/state/packed-records.js';
import { isStateBusy, StateStore } from '../../src/state/store.js';
import { dumpState } from './_cli.js';
import { acquirerFile, CONFIG_YAML, MERCHANT, week, type Sale } from './_daily.js';

const config = parseContract(CONFIG_YAML, 'contracts.yaml');
const tempStore = async () => path.join(await mkdtemp(path.join(tmpdir(), 'settle-audit-store-')), 'settle-audit.db');

/** Runs one audit of `files` (name → bytes) as of `asOf` through the store. */
async function audit(store: StateStore, asOf: string, files: [string, Uint8Array][]) {
  const dir = path.join(path.dirname(store.file), `in-${asOf}`);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [name, bytes] of files) {
    await writeFile(path.join(dir, name), bytes);
    paths.push(path.join(dir, name));
  }
  const session = store.beginRun();
  try {
    return await runStatefulAudit({ config, files: paths, asOf, session });
  } finally {
    session.rollback();
  }
}

describe('the state store', () => {
  it('is created with the current schema, in WAL mode, and reopens without change', async () => {
    const file = await tempStore();
    StateStore.open(file).close();
    const first = dumpState(file);
    expect(first.user_version).toBe(SCHEMA_VERSION);
    expect(Object.keys(first).sort()).toEqual(['findings', 'input_files', 'open_items', 'rate_history', 'runs', 'user_version']);
    StateStore.open(file).close();
    expect(dumpState(file)).toEqual(first);
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('upgrades a store of the first schema, whose records are JSON text, to the same state a new store holds', async () => {
    // The week's first three days, with items of both kinds open, written by this version.
    const file = await tempStore();
    const store = StateStore.open(file);
    try {
      for (const day of week().slice(0, 3)) await audit(store, day.asOf, day.files);
      expect(new Set(store.openItems().map((item) => item.kind))).toEqual(new Set(['sale-awaiting-settlement', 'settlement-awaiting-credit']));
    } finally {
      store.close();
    }
    const current = dumpState(file);
    // The same store as the first schema kept it: the records' JSON as TEXT.
    const db = new Database(file);
    const rows = db.prepare('SELECT key, records FROM open_items').all() as { key: string; records: Buffer }[];
    expect(rows.length).toBeGreaterThan(0);
    db.exec(`CREATE TABLE old AS SELECT * FROM open_items; DROP TABLE open_items;`);
    const columns = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'old'").pluck().get() as string).includes('records');
    expect(columns).toBe(true);
    db.exec(`
      CREATE TABLE open_items (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, merchant_id TEXT NOT NULL, reference TEXT, date TEXT NOT NULL, currency TEXT NOT NULL,
        amount_minor INTEGER NOT NULL, due TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('open', 'overdue', 'closed')), finding_id TEXT,
        first_seen TEXT NOT NULL, first_run INTEGER NOT NULL REFERENCES runs(seq), last_seen TEXT NOT NULL, last_run INTEGER NOT NULL REFERENCES runs(seq),
        closed_run INTEGER REFERENCES runs(seq), closed_reason TEXT CHECK (closed_reason IN ('settled', 'cancelled', 'expired')), records TEXT NOT NULL
      ) STRICT;
      CREATE INDEX open_items_still_open ON open_items (merchant_id, date) WHERE closed_run IS NULL;
    `);
    const copy = db.prepare(`INSERT INTO open_items SELECT key, kind, merchant_id, reference, date, currency, amount_minor, due, status, finding_id,
      first_seen, first_run, last_seen, last_run, closed_run, closed_reason, ? FROM old WHERE key = ?`);
    for (const { key, records } of rows) copy.run(unpackRecords(records), key);
    db.exec('DROP TABLE old');
    db.pragma('user_version = 1');
    const old = db.prepare('SELECT records FROM open_items').pluck().all() as string[];
    expect(old.every((json) => typeof json === 'string' && json.startsWith('[{"role":'))).toBe(true);
    db.close();

    StateStore.open(file).close();
    expect(dumpState(file)).toEqual(current);
    // The pages the JSON took are given back to the file system.
    const upgraded = new Database(file, { readonly: true });
    expect(upgraded.pragma('freelist_count', { simple: true })).toBe(0);
    upgraded.close();
  });

  it('refuses a store written by a newer version, naming both schema versions', async () => {
    const file = await tempStore();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => StateStore.open(file)).toThrow(`state schema version ${SCHEMA_VERSION + 1} was written by a newer settle-audit (this one reads up to ${SCHEMA_VERSION})`);
  });

  it('lets one run at a time hold it, across connections, and a rolled-back run leaves no trace', async () => {
    const file = await tempStore();
    const a = StateStore.open(file);
    const b = StateStore.open(file);
    try {
      const before = dumpState(file);
      const session = a.beginRun();
      let busy: unknown;
      try {
        b.beginRun();
      } catch (err) {
        busy = err;
      }
      expect(isStateBusy(busy)).toBe(true);
      expect((busy as Error).message).toBe(`${file}: another settle-audit run is using this state store`);
      // Readers are not blocked by a run (WAL).
      expect(b.runs()).toEqual([]);
      session.rollback();
      expect(dumpState(file)).toEqual(before);
      b.beginRun().rollback();
    } finally {
      a.close();
      b.close();
    }
  });

  it('keeps monthly effective rates, and fee-rate-creep compares a month with the trailing median it reads back', async () => {
    const file = await tempStore();
    const store = StateStore.open(file);
    try {
      // Five sales of 100.00 a month; 0.50% for three months, then 0.58%: still below the
      // contracted 0.60%, but 0.08 points above the trailing median, which only the history knows.
      const month = (m: string, feeMinor: number): Sale[] =>
        [1, 2, 3, 4, 5].map((i) => ({ ref: `${m.replace('-', '')}0000${i}`, time: `${m}-0${i} 10:00:00`, amountMinor: 10_000, feeMinor }));
      for (const m of ['2026-03', '2026-04', '2026-05']) {
        const out = await audit(store, `${m}-28`, [[`acquirer_${m}.csv`, acquirerFile(`${m}-06`, month(m, 50))]]);
        expect(out.findings.filter((f) => f.rule === 'fee-rate-creep')).toEqual([]);
      }
      const session = store.beginRun();
      const history = session.rateHistory();
      session.rollback();
      expect(history.previous(MERCHANT.id, 'credit', '2026-06')).toEqual([5000, 5000, 5000]);
      expect(history.previous(MERCHANT.id, 'credit', '2026-05')).toEqual([5000, 5000]);
      expect(history.previous(MERCHANT.id, 'debit', '2026-06')).toEqual([]);

      const june = await audit(store, '2026-06-28', [['acquirer_2026-06.csv', acquirerFile('2026-06-06', month('2026-06', 58))]]);
      expect(june.findings.filter((f) => f.rule === 'fee-rate-creep').map((f) => [f.date, f.actualMinor, f.expectedMinor])).toEqual([['2026-06-01', 290, 250]]);

      // The same June file without the state's history: no median to compare with, no finding.
      const fresh = StateStore.open(await tempStore());
      try {
        const alone = await audit(fresh, '2026-06-28', [['acquirer_2026-06.csv', acquirerFile('2026-06-06', month('2026-06', 58))]]);
        expect(alone.findings.filter((f) => f.rule === 'fee-rate-creep')).toEqual([]);
      } finally {
        fresh.close();
      }
    } finally {
      store.close();
    }
  });

  it('stops carrying an item after three months, without resolving anything', async () => {
    const file = await tempStore();
    const store = StateStore.open(file);
    try {
      await audit(store, '2026-06-17', week()[0]!.files);
      expect(store.openItems()).toHaveLength(4);
      // Ninety days on, a run with nothing for the merchant: the items are still carried.
      await audit(store, '2026-09-15', []);
      expect(store.openItems()).toHaveLength(4);
      const late = await audit(store, '2026-09-30', []);
      expect(late.run).toMatchObject({ closedItems: 4, openItems: 0, resolvedFindings: 0 });
      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT DISTINCT closed_reason FROM open_items').pluck().all()).toEqual(['expired']);
      db.close();
    } finally {
      store.close();
    }
  });
});
