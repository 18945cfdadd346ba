import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContract } from '../../src/model/contract.js';
import { runStatefulAudit, type StatefulAuditOutcome } from '../../src/pipeline/stateful-audit.js';
import { StateStore, type OpenItemRow } from '../../src/state/store.js';
import { CONFIG_YAML, SALES, SHORT_MINOR, week } from './_daily.js';

/**
 * Five daily runs, each seeing only that day's files, through one state store (DESIGN.md section 7).
 * The days and what is planted in them are described in `week()`; the expected counts below were
 * worked out by hand from that description, with T+1 on the China calendar and no grace days.
 */

interface Day {
  asOf: string;
  outcome: StatefulAuditOutcome;
  open: OpenItemRow[];
}

let dir: string;
let store: StateStore;
const days: Day[] = [];
const config = parseContract(CONFIG_YAML, 'contracts.yaml');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-daily-'));
  store = StateStore.open(path.join(dir, 'settle-audit.db'));
  for (const delivery of week()) {
    const folder = path.join(dir, delivery.asOf);
    await mkdir(folder);
    const files: string[] = [];
    for (const [name, bytes] of delivery.files) {
      await writeFile(path.join(folder, name), bytes);
      files.push(path.join(folder, name));
    }
    const session = store.beginRun();
    try {
      const outcome = await runStatefulAudit({ config, files, asOf: delivery.asOf, session });
      days.push({ asOf: delivery.asOf, outcome, open: store.openItems() });
    } finally {
      session.rollback();
    }
  }
});

afterAll(() => store?.close());

const count = (items: OpenItemRow[], status: string) => items.filter((i) => i.status === status).length;
const dayOf = (asOf: string) => days.find((d) => d.asOf === asOf)!;

describe('five days of deliveries through the state store', () => {
  it('open items, overdue items and findings after each day are the expected ones', () => {
    const actual = days.map((d) => ({
      asOf: d.asOf,
      open: count(d.open, 'open'),
      overdue: count(d.open, 'overdue'),
      findings: d.outcome.findings.map((f) => `${f.rule} ${f.reference ?? f.date}`),
      newFindings: d.outcome.run?.newFindings,
      resolved: d.outcome.run?.resolvedFindings,
      closed: d.outcome.run?.closedItems,
      skipped: d.outcome.run?.filesSkipped,
    }));
    expect(actual).toEqual([
      // s0 sB s3 await the acquirer; Wednesday awaits its credit (no bank file yet).
      { asOf: '2026-06-17', open: 4, overdue: 0, findings: [], newFindings: 0, resolved: 0, closed: 0, skipped: 0 },
      // s3 settled a day late and Wednesday credited: both closed. Thursday awaits Monday's credit.
      { asOf: '2026-06-18', open: 3, overdue: 0, findings: [], newFindings: 0, resolved: 0, closed: 2, skipped: 0 },
      // s0 and sB passed their due date (Thu 18) with the acquirer files reaching Fri 19: findings.
      // Thursday's acquirer file came again: skipped, or s3 and s4 would be charged twice.
      {
        asOf: '2026-06-19',
        open: 2,
        overdue: 2,
        findings: [`sale-not-settled ${SALES.s0.ref}`, `sale-not-settled ${SALES.sB.ref}`],
        newFindings: 2,
        resolved: 0,
        closed: 0,
        skipped: 1,
      },
      // Monday's credit pays Thursday and Friday; sB finally settled: its finding resolved.
      { asOf: '2026-06-22', open: 2, overdue: 1, findings: [`sale-not-settled ${SALES.s0.ref}`], newFindings: 0, resolved: 1, closed: 3, skipped: 0 },
      // Monday paid short: a new finding. s0 still reported, not new. s8 is due today: still open.
      {
        asOf: '2026-06-23',
        open: 2,
        overdue: 1,
        findings: [`sale-not-settled ${SALES.s0.ref}`, 'settlement-short 2026-06-22'],
        newFindings: 1,
        resolved: 0,
        closed: 1,
        skipped: 0,
      },
    ]);
  });

  it('names each open item: what it waits for, since when, until when', () => {
    const items = (asOf: string) => dayOf(asOf).open.map((i) => `${i.kind} ${i.reference ?? i.date} due ${i.due} ${i.status}`);
    expect(items('2026-06-18')).toEqual([
      `sale-awaiting-settlement ${SALES.s0.ref} due 2026-06-18 open`,
      `sale-awaiting-settlement ${SALES.sB.ref} due 2026-06-18 open`,
      // Thursday's T+1 is Monday: Friday 19 June is the Dragon Boat Festival.
      'settlement-awaiting-credit 2026-06-18 due 2026-06-22 open',
    ]);
    expect(items('2026-06-23')).toEqual([
      `sale-awaiting-settlement ${SALES.s0.ref} due 2026-06-18 overdue`,
      `sale-awaiting-settlement ${SALES.s8.ref} due 2026-06-23 open`,
      'settlement-awaiting-credit 2026-06-23 due 2026-06-24 open',
    ]);
  });

  it('the same unsettled sale on consecutive days keeps its id and its first-seen date', () => {
    const s0 = (asOf: string) => dayOf(asOf).outcome.findings.find((f) => f.reference === SALES.s0.ref);
    const ids = ['2026-06-19', '2026-06-22', '2026-06-23'].map((d) => s0(d)?.id);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(['2026-06-19', '2026-06-22', '2026-06-23'].map((d) => s0(d)?.firstSeen)).toEqual(['2026-06-19', '2026-06-19', '2026-06-19']);
    const history = store.findings().find((f) => f.id === ids[0]);
    expect(history).toMatchObject({ firstSeen: '2026-06-19', lastSeen: '2026-06-23', resolvedOn: null });
  });

  it('a sale settled late closes its item and resolves its finding', () => {
    const sB = dayOf('2026-06-19').outcome.findings.find((f) => f.reference === SALES.sB.ref)!;
    expect(store.findings().find((f) => f.id === sB.id)).toMatchObject({ firstSeen: '2026-06-19', lastSeen: '2026-06-19', resolvedOn: '2026-06-22' });
    expect(dayOf('2026-06-22').outcome.findings.map((f) => f.id)).not.toContain(sB.id);
  });

  it('a Friday (and a Thursday before a holiday) credited on Monday is on time, matched as one credit', () => {
    const monday = dayOf('2026-06-22').outcome;
    const paid = monday.result.merchants[0]!.bankMatch.paid;
    expect(paid.map((p) => p.days.map((d) => d.settleDate))).toEqual([['2026-06-18', '2026-06-19']]);
    expect(paid[0]!.shortMinor).toBe(0);
    expect(monday.findings.filter((f) => f.rule.startsWith('settlement-'))).toEqual([]);
  });

  it('the short credit names the missing amount', () => {
    const short = dayOf('2026-06-23').outcome.findings.find((f) => f.rule === 'settlement-short');
    expect(short).toMatchObject({ date: '2026-06-22', differenceMinor: SHORT_MINOR, firstSeen: '2026-06-23' });
  });

  it('the re-delivered file is recognised by its bytes and named with the run that audited it', () => {
    const friday = dayOf('2026-06-19').outcome;
    expect(friday.result.skipped).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/acquirer_20260618_resent\.csv$/), reason: expect.stringMatching(/^already audited in run 2 as of 2026-06-18 \(as .*acquirer_20260618\.csv/) }),
    ]);
    expect(friday.result.summary.inputs.map((i) => path.basename(i.file))).toEqual(['acquirer_20260619.csv', 'pos_20260619.csv']);
  });

  it('the store keeps why each item closed', () => {
    const db = new Database(path.join(dir, 'settle-audit.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT kind, reference, date, closed_reason AS reason FROM open_items WHERE closed_run IS NOT NULL ORDER BY date, kind, reference").all();
      expect(rows).toEqual([
        { kind: 'sale-awaiting-settlement', reference: SALES.s3.ref, date: '2026-06-17', reason: 'settled' },
        { kind: 'sale-awaiting-settlement', reference: SALES.sB.ref, date: '2026-06-17', reason: 'settled' },
        { kind: 'settlement-awaiting-credit', reference: null, date: '2026-06-17', reason: 'settled' },
        { kind: 'settlement-awaiting-credit', reference: null, date: '2026-06-18', reason: 'settled' },
        { kind: 'settlement-awaiting-credit', reference: null, date: '2026-06-19', reason: 'settled' },
        { kind: 'settlement-awaiting-credit', reference: null, date: '2026-06-22', reason: 'settled' },
      ]);
      // 14 deliveries, one of them the same bytes twice.
      expect(db.prepare('SELECT COUNT(*) FROM input_files').pluck().get()).toBe(13);
    } finally {
      db.close();
    }
  });
});
