import { statSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { AuditError, ErrorCode, ExitCode } from '../model/errors.js';
import { formatGrouped, minorDigits } from '../model/money.js';
import { DEFAULT_CRON, Scheduler } from '../pipeline/schedule.js';
import { DEFAULT_STATE_NAME, StateStore } from '../state/store.js';
import { loadConfig } from './load-config.js';

export interface ScheduleCommandOptions {
  config: string;
  inbox: string;
  out: string;
  cron?: string;
  state?: string;
  /** Seconds a file must have stopped changing before it is taken. */
  minAge?: string;
}

/**
 * `settle-audit schedule`: audits the inbox on every cron tick until SIGINT or SIGTERM, then waits
 * for a running audit to finish. The state store defaults to `<out>/settle-audit.db`, beside the
 * run folders and the archive it describes, so one folder holds a deployment's whole history.
 * `stopped` replaces the signals (for tests).
 */
export async function scheduleCommand(opts: ScheduleCommandOptions, log: (line: string) => void, stopped?: Promise<void>): Promise<number> {
  const minAge = opts.minAge === undefined ? 5 : Number(opts.minAge);
  if (!Number.isInteger(minAge) || minAge < 0) throw new AuditError(ErrorCode.USAGE, `--min-age: expected whole seconds, got "${opts.minAge}"`);
  if (!isFolder(opts.inbox)) throw new AuditError(ErrorCode.USAGE, `--inbox: ${opts.inbox} is not a folder`, { file: opts.inbox });
  const config = await loadConfig(opts.config);
  const state = opts.state ?? path.join(opts.out, DEFAULT_STATE_NAME);
  const expression = opts.cron ?? DEFAULT_CRON;
  // An ops log: every line stamped, in the contract's zone like everything else the run reports.
  const stamped = (line: string) => log(`${DateTime.now().setZone(config.timezone).startOf('second').toISO({ suppressMilliseconds: true })} ${line}`);
  const scheduler = new Scheduler({ config, inbox: opts.inbox, out: opts.out, state, cron: expression, minAgeMs: minAge * 1000, log: stamped });
  scheduler.start();
  stamped(`watching ${opts.inbox} on "${expression}" (${config.timezone}); outputs in ${opts.out}, state ${state}`);
  await (stopped ?? untilSignal());
  stamped('stopping: waiting for a running audit to finish');
  await scheduler.stop();
  return ExitCode.OK;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `settle-audit history`: the runs in a state store, or with `--open` its open items. Prints to `out`. */
export function historyCommand(opts: { state: string; open?: boolean }, out: (line: string) => void): number {
  const store = StateStore.open(opts.state, { create: false });
  try {
    if (opts.open) {
      const items = store.openItems();
      out(table(
        ['kind', 'merchant', 'date', 'reference', 'amount', 'due', 'status', 'first seen', 'last seen'],
        items.map((i) => [
          i.kind,
          i.merchantId,
          i.date,
          i.reference ?? '-',
          `${formatGrouped(i.amountMinor, minorDigits(i.currency))} ${i.currency}`,
          i.due,
          i.status,
          i.firstSeen,
          i.lastSeen,
        ]),
        [4],
      ));
      out(`${items.length} open item(s), ${items.filter((i) => i.status === 'overdue').length} of them overdue (reported as findings)`);
    } else {
      const runs = store.runs();
      out(table(
        ['run', 'as of', 'started', 'audited', 'skipped', 'failed', 'findings', 'new', 'resolved', 'open', 'closed', 'output'],
        runs.map((r) => [
          String(r.seq),
          r.asOf,
          r.startedAt,
          String(r.filesAudited),
          String(r.filesSkipped),
          String(r.filesUnreadable),
          String(r.findings),
          String(r.newFindings),
          String(r.resolvedFindings),
          String(r.openItems),
          String(r.closedItems),
          r.output ?? '-',
        ]),
        [0, 3, 4, 5, 6, 7, 8, 9, 10],
      ));
      out(`${runs.length} run(s), ${store.openItems().length} open item(s) now (settle-audit history --open lists them)`);
    }
  } finally {
    store.close();
  }
  return ExitCode.OK;
}

/** A plain text table; numeric columns (by index) right-aligned. */
function table(header: string[], rows: string[][], right: number[]): string {
  const width = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const cell = (text: string, i: number) => {
    const pad = ' '.repeat((width[i] ?? 0) - displayWidth(text));
    return right.includes(i) ? pad + text : text + pad;
  };
  return [header, ...rows].map((r) => r.map(cell).join('  ').trimEnd()).join('\n');
}

/** Columns a terminal gives the text: CJK characters take two. */
function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1;
  return w;
}
