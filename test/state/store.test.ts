import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/model/contract.js';
import { runStatefulAudit } from '../../src/pipeline/stateful-audit.js';
import { SCHEMA_VERSION } from '../../src/state/migrations.js';
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
