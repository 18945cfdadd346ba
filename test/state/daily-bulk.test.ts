import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContract } from '../../src/model/contract.js';
import { runStatefulAudit } from '../../src/pipeline/stateful-audit.js';
import type { CarryPlan } from '../../src/state/carry.js';
import { StateStore } from '../../src/state/store.js';
import { CONFIG_YAML, SALES, week } from './_daily.js';
import { withEnv } from '../_env.js';

/**
 * A daily run with a state store takes the bulk path when its files are large, as a stateless run
 * does: files audited before are skipped before they are read, the records open items wait on are
 * joined with their merchant in the workers, and each merchant's open items and fee rates come back
 * from there. It must leave the store exactly as the in-memory path leaves it. The week of
 * deliveries of daily.test.ts is run twice, each time into a new store, once in memory and once
 * with the bulk path forced on every file (and spilled to disk in tiny ranges and buckets).
 */

const SINGLE = { SETTLE_AUDIT_BULK_MIN_BYTES: 'off' };
const BULK = {
  SETTLE_AUDIT_BULK_MIN_BYTES: '0',
  SETTLE_AUDIT_SPILL_BYTES: '0',
  SETTLE_AUDIT_RANGE_BYTES: '301',
  SETTLE_AUDIT_BUCKET_BYTES: '200',
  SETTLE_AUDIT_WORKERS: '2',
};

const config = parseContract(CONFIG_YAML, 'contracts.yaml');
let dir: string;

/** Each day as a user and the next run see it: outputs, the carry plan, the run row, and the store's tables after the week. */
async function runWeek(env: Record<string, string>, name: string) {
  const store = StateStore.open(path.join(dir, `${name}.db`));
  const days = [];
  try {
    for (const delivery of week()) {
      const files = delivery.files.map(([file]) => path.join(dir, 'deliveries', delivery.asOf, file));
      const session = store.beginRun();
      try {
        const outcome = await withEnv(env, () => runStatefulAudit({ config, files, asOf: delivery.asOf, session }));
        const { durationsMs, ...summary } = outcome.result.summary;
        const { startedAt: _started, finishedAt: _finished, ...run } = outcome.run!;
        days.push({
          path: 'partition' in durationsMs ? 'bulk' : 'memory',
          findings: outcome.findings,
          rejects: outcome.result.rejects,
          summary,
          skipped: outcome.result.skipped,
          plan: outcome.plan,
          run,
          open: store.openItems(),
        });
      } finally {
        session.rollback();
      }
    }
  } finally {
    store.close();
  }
  const db = new Database(path.join(dir, `${name}.db`), { readonly: true });
  try {
    const table = (sql: string) => db.prepare(sql).all();
    return {
      days,
      tables: {
        findings: table('SELECT * FROM findings ORDER BY id'),
        openItems: table('SELECT * FROM open_items ORDER BY key, first_seen'),
        rateHistory: table('SELECT * FROM rate_history ORDER BY merchant_id, month, card_kind, run'),
        inputFiles: table('SELECT * FROM input_files ORDER BY sha256'),
      },
    };
  } finally {
    db.close();
  }
}

let memory: Awaited<ReturnType<typeof runWeek>>;
let bulk: Awaited<ReturnType<typeof runWeek>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-daily-bulk-'));
  for (const delivery of week()) {
    const folder = path.join(dir, 'deliveries', delivery.asOf);
    await mkdir(folder, { recursive: true });
    for (const [name, bytes] of delivery.files) await writeFile(path.join(folder, name), bytes);
  }
  memory = await runWeek(SINGLE, 'memory');
  bulk = await runWeek(BULK, 'bulk');
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a stateful daily run on the bulk path', () => {
  it('takes the bulk path every day (the in-memory week does not)', () => {
    expect(bulk.days.map((d) => d.path)).toEqual(['bulk', 'bulk', 'bulk', 'bulk', 'bulk']);
    expect(memory.days.map((d) => d.path)).toEqual(['memory', 'memory', 'memory', 'memory', 'memory']);
  });

  it('reports each day what the in-memory run reports: findings with first-seen dates, rejects, summary, skipped files', () => {
    for (const [i, day] of bulk.days.entries()) {
      const { findings, rejects, summary, skipped } = memory.days[i]!;
      expect({ findings: day.findings, rejects: day.rejects, summary: day.summary, skipped: day.skipped }).toEqual({ findings, rejects, summary, skipped });
    }
    // The week's planted problems are there, so the equality above is about something.
    expect(bulk.days[2]!.findings.map((f) => `${f.rule} ${f.reference}`)).toEqual([`sale-not-settled ${SALES.s0.ref}`, `sale-not-settled ${SALES.sB.ref}`]);
    expect(bulk.days[2]!.skipped).toHaveLength(1);
  });

  it('carries, closes and resolves the same items, and counts the same in each run', () => {
    // The items' records are compared in the store (the last test): the bulk path's plan refers to
    // the records of open settlement days by where its workers wrote them, files gone after the commit.
    const withoutRecords = (plan: CarryPlan | undefined) => plan && { ...plan, open: plan.open.map(({ records: _records, ...item }) => item) };
    for (const [i, day] of bulk.days.entries()) {
      const { plan, run, open } = memory.days[i]!;
      expect({ plan: withoutRecords(day.plan), run: day.run, open: day.open }).toEqual({ plan: withoutRecords(plan), run, open });
    }
    expect(bulk.days.map((d) => d.run.closedItems)).toEqual([0, 2, 0, 3, 1]);
  });

  it('keeps the records of open settlement days out of the main thread: the workers write them out', () => {
    const days = (d: (typeof bulk.days)[number]) => d.plan!.open.filter((item) => item.kind === 'settlement-awaiting-credit');
    expect(bulk.days.flatMap(days).length).toBeGreaterThan(0);
    for (const item of bulk.days.flatMap(days)) expect(Array.isArray(item.records)).toBe(false);
    for (const item of memory.days.flatMap(days)) expect(Array.isArray(item.records)).toBe(true);
    // Every other item keeps its records in memory on both paths.
    for (const item of bulk.days.flatMap((d) => d.plan!.open.filter((i) => i.kind !== 'settlement-awaiting-credit'))) expect(Array.isArray(item.records)).toBe(true);
  });

  it('leaves the store as the in-memory week leaves it: findings, items, rate history, files', () => {
    expect(bulk.tables).toEqual(memory.tables);
    expect(bulk.tables.rateHistory.length).toBeGreaterThan(0);
    expect(bulk.tables.openItems.length).toBeGreaterThan(0);
  });
});
