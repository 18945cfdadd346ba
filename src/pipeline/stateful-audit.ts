import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { chinaCalendar } from '../model/calendar.js';
import { planCarry, type CarryPlan } from '../state/carry.js';
import { StateStore, type RunRow, type RunSession, type TrackedFinding } from '../state/store.js';
import { runAudit, type AuditOptions, type AuditResult } from './audit.js';
import { publishOutputs, type OutputLayout } from './publish.js';

export interface StatefulAuditOptions extends Omit<AuditOptions, 'history' | 'skipDelivered' | 'carried' | 'carrySpill'> {
  /** The run's session: `StateStore.beginRun()`. It holds the store's lock; this commits it. */
  session: RunSession;
  /** Where outputs are published; none are written when absent. */
  out?: { dir: string; layout: OutputLayout };
  /**
   * When every delivered file was already audited, write and commit nothing (the scheduler's
   * choice: a re-delivery is not a run). `audit --state` reports such a run all the same.
   */
  skipWhenNothingNew?: boolean;
}

export interface StatefulAuditOutcome {
  result: AuditResult;
  /** The findings, each with the day it was first reported. */
  findings: TrackedFinding[];
  plan?: CarryPlan;
  /** The committed run; absent when nothing new was delivered and `skipWhenNothingNew` was set. */
  run?: RunRow;
  output?: string;
}

/**
 * One audit run against the state store (DESIGN.md section 7): files audited before are skipped
 * before parsing, the records open items wait on are fed back in, the outputs are published, and
 * then everything the run learnt is committed in one transaction. Outputs come before the commit:
 * a crash between the two leaves the store as before the run, so the rerun audits the same files
 * again and rewrites the same outputs; the other order would lose the outputs of a committed run.
 * On an error the session is left open: the caller rolls it back, or retries without a bad file.
 *
 * The records of the settlement days a large run leaves open are written by the bulk workers to a
 * temporary folder, which the commit reads and which is removed afterwards (`carrySpill`): the
 * plan returned refers to files that no longer exist (`SpilledRecords`); the store holds them.
 */
export async function runStatefulAudit(options: StatefulAuditOptions): Promise<StatefulAuditOutcome> {
  const { session, out, skipWhenNothingNew, ...auditOptions } = options;
  const zone = options.config.timezone;
  const startedAt = timestamp(zone);
  const { items, records } = session.carried();
  const firstPathOf = new Map<string, string>();
  const carrySpill = await mkdtemp(join(tmpdir(), 'settle-audit-carry-'));
  try {
    const result = await runAudit({
      ...auditOptions,
      history: session.rateHistory(),
      carried: records,
      carrySpill,
      skipDelivered: ({ path, sha256 }) => {
        // No hash: the file could not even be read; it is reported unreadable, never taken for another.
        if (sha256 === '') return undefined;
        const earlier = session.audited(sha256);
        if (earlier) return `already audited in run ${earlier.run} as of ${earlier.asOf} (as ${earlier.name}, sha256 ${sha256.slice(0, 12)})`;
        // The same bytes twice in one delivery would be counted twice as surely as across days.
        const first = firstPathOf.get(sha256);
        if (first !== undefined && first !== path) return `same bytes as ${first} in this run (sha256 ${sha256.slice(0, 12)})`;
        firstPathOf.set(sha256, path);
        return undefined;
      },
    });
    if (skipWhenNothingNew && result.summary.inputs.length === 0) return { result, findings: [] };

    const asOf = result.summary.asOf;
    const findings = session.trackFindings(result.findings, asOf);
    const plan = planCarry(result, items, { config: options.config, calendar: options.calendar ?? chinaCalendar, asOf });
    const output = out ? await publishOutputs(result, out.dir, out.layout) : undefined;
    const run = session.commit({ result, plan, config: options.config, startedAt, finishedAt: timestamp(zone), output });
    return { result, findings, plan, run, output };
  } finally {
    await rm(carrySpill, { recursive: true, force: true });
  }
}

/** `audit --state DB`: opens the store, runs, commits, closes; a store in use by another run is an error. */
export async function auditWithStateFile(file: string, options: Omit<StatefulAuditOptions, 'session'>): Promise<StatefulAuditOutcome> {
  const store = StateStore.open(file);
  try {
    const session = store.beginRun();
    try {
      return await runStatefulAudit({ ...options, session });
    } finally {
      session.rollback();
    }
  } finally {
    store.close();
  }
}

/** One line for the log about what the run did to the state. */
export function describeState(outcome: StatefulAuditOutcome, file: string): string {
  const skipped = outcome.result.skipped?.length ?? 0;
  const r = outcome.run;
  if (!r) return `state ${file}: nothing new (${skipped} file(s) already audited)`;
  return (
    `state ${file}: run ${r.seq}, ${r.newFindings} new and ${r.findings - r.newFindings} earlier finding(s), ${r.resolvedFindings} resolved, ` +
    `${r.closedItems} open item(s) closed, ${r.openItems} open, ${skipped} file(s) already audited`
  );
}

const timestamp = (zone: string) => DateTime.now().setZone(zone).startOf('second').toISO({ suppressMilliseconds: true }) ?? new Date().toISOString();
