import { copyFile, mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { BusinessCalendar } from '../model/calendar.js';
import type { ContractConfig } from '../model/contract.js';
import { AuditError, ErrorCode } from '../model/errors.js';
import { isStateBusy, StateStore, type RunRow, type RunSession } from '../state/store.js';
import { runStatefulAudit, type StatefulAuditOutcome } from './stateful-audit.js';

/**
 * Unattended daily operation (DESIGN.md sections 1 and 7). On each cron tick the scheduler takes the
 * files that have settled in the inbox, moves them to `<out>/processing/`, audits them together
 * against the state store, publishes the outputs to `<out>/<as-of>[-N]/`, commits the state, and
 * moves each file on: to `<out>/archive/<run folder>/`, or to `<out>/failed/` with a
 * `<name>.reason.txt` beside it when it could not be read at all. A file is moved to the archive
 * only after the run that audited it committed, so a crash never loses one: it waits in processing
 * and the next tick audits it (or, if its run did commit, recognises it and archives it).
 *
 * Never two audits at once: an in-process flag for overlapping ticks, and the state store's write
 * lock (held from the first read to the commit) across processes.
 */

export interface SchedulerOptions {
  config: ContractConfig;
  inbox: string;
  out: string;
  /** The state store file. */
  state: string;
  /** A cron expression (5 fields, or 6 with seconds), in the contract's time zone. */
  cron: string;
  /** A file modified more recently than this is still arriving: left for the next tick. Default 5 s. */
  minAgeMs?: number;
  /** One line per run, and errors. */
  log: (line: string) => void;
  calendar?: BusinessCalendar;
}

export type TriggerOutcome =
  | { status: 'busy'; reason: string }
  | { status: 'idle' }
  | { status: 'done'; run?: RunRow; output?: string; archived: string[]; failed: string[]; skipped: number }
  | { status: 'error'; message: string };

export const DEFAULT_CRON = '0 6 * * *';
const DEFAULT_MIN_AGE_MS = 5000;
/** Names upload tools give a file while it is still being written. */
const PARTIAL_UPLOAD = /\.(part|partial|filepart|tmp|crdownload|uploading)$/i;

export class Scheduler {
  private task: ScheduledTask | undefined;
  private running: Promise<TriggerOutcome> | undefined;
  private store: StateStore | undefined;
  readonly processing: string;
  readonly archive: string;
  readonly failed: string;

  constructor(private readonly options: SchedulerOptions) {
    if (!cron.validate(options.cron)) {
      throw new AuditError(ErrorCode.USAGE, `--cron: expected a cron expression like "${DEFAULT_CRON}", got "${options.cron}"`);
    }
    this.processing = path.join(options.out, 'processing');
    this.archive = path.join(options.out, 'archive');
    this.failed = path.join(options.out, 'failed');
  }

  /** Starts ticking. The store is opened now, so a bad `--state` fails at start, not at 06:00. */
  start(): void {
    this.store ??= StateStore.open(this.options.state);
    const log = this.options.log;
    this.task = cron.schedule(this.options.cron, () => this.trigger(), {
      name: 'settle-audit',
      timezone: this.options.config.timezone,
      logger: {
        info: () => undefined,
        debug: () => undefined,
        warn: (message) => log(`cron: ${message}`),
        error: (message) => log(`cron: ${message instanceof Error ? message.message : message}`),
      },
    });
  }

  /** Stops ticking, waits for a running audit to finish, and closes the store. */
  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.running;
    this.store?.close();
    this.store = undefined;
  }

  /** One run now (what each tick does). Resolves `busy` at once when an audit is already running. */
  trigger(): Promise<TriggerOutcome> {
    if (this.running) {
      this.options.log('skipped: the previous run is still running');
      return Promise.resolve({ status: 'busy', reason: 'the previous run is still running' });
    }
    const run = this.runOnce()
      .catch((err: unknown): TriggerOutcome => {
        const message = err instanceof AuditError ? err.message : ((err as Error).stack ?? String(err));
        this.options.log(`run failed, its files stay in ${this.processing} for the next run: ${message}`);
        return { status: 'error', message };
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = run;
    return run;
  }

  private async runOnce(): Promise<TriggerOutcome> {
    const { log } = this.options;
    this.store ??= StateStore.open(this.options.state);
    let session: RunSession;
    try {
      session = this.store.beginRun();
    } catch (err) {
      if (!isStateBusy(err)) throw err;
      log(`skipped: ${(err as AuditError).message}`);
      return { status: 'busy', reason: (err as AuditError).message };
    }
    try {
      const picked = await this.pick();
      if (picked.length === 0) {
        log(`no new files in ${this.options.inbox}`);
        return { status: 'idle' };
      }
      const failed = new Map<string, string>();
      let outcome: StatefulAuditOutcome | undefined;
      for (;;) {
        const files = picked.filter((f) => !failed.has(f));
        if (files.length === 0) break;
        try {
          outcome = await runStatefulAudit({
            config: this.options.config,
            calendar: this.options.calendar,
            files,
            session,
            out: { dir: this.options.out, layout: 'dated' },
            skipWhenNothingNew: true,
          });
          break;
        } catch (err) {
          // One file that stops the whole run (a zip bomb, rows that do not add up) goes to failed,
          // and the others are audited without it.
          if (!(err instanceof AuditError) || typeof err.context.file !== 'string') throw err;
          const bad = deliveredOf(err.context.file, files);
          if (!bad) throw err;
          failed.set(bad, err.message);
        }
      }
      for (const [delivered, reason] of unreadableFiles(outcome, picked)) failed.set(delivered, reason);

      // Only now, after the commit, do files leave processing: archived, or failed with the reason.
      const folder = outcome?.output ? path.basename(outcome.output) : outcome?.result.summary.asOf;
      const archived: string[] = [];
      for (const file of picked) {
        if (failed.has(file)) await this.fail(file, failed.get(file)!);
        else if (folder) {
          const moved = await moveInto(file, path.join(this.archive, folder)).catch(ignoreGone);
          if (moved) archived.push(moved);
        }
      }
      const skipped = outcome?.result.skipped?.length ?? 0;
      log(runLine(outcome, picked.length, skipped, failed.size));
      return { status: 'done', run: outcome?.run, output: outcome?.output, archived, failed: [...failed.keys()], skipped };
    } finally {
      session.rollback();
    }
  }

  /**
   * Moves the inbox files that have stopped changing into processing, and returns everything in
   * processing: what this tick moved, and what a crashed run left there.
   */
  private async pick(): Promise<string[]> {
    await mkdir(this.processing, { recursive: true });
    const minAge = this.options.minAgeMs ?? DEFAULT_MIN_AGE_MS;
    const now = Date.now();
    for (const e of await readdir(this.options.inbox, { withFileTypes: true })) {
      if (!e.isFile() || e.name.startsWith('.') || PARTIAL_UPLOAD.test(e.name)) continue;
      const from = path.join(this.options.inbox, e.name);
      const info = await stat(from).catch(() => undefined);
      if (!info || now - info.mtimeMs < minAge) continue;
      await moveInto(from, this.processing);
    }
    const names = (await readdir(this.processing, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
    return names.sort().map((n) => path.join(this.processing, n));
  }

  private async fail(file: string, reason: string): Promise<void> {
    const moved = await moveInto(file, this.failed).catch(ignoreGone);
    if (!moved) return;
    const note = `${moved}.reason.txt`;
    await writeFile(`${note}.tmp-${process.pid}`, `${reason}\n`);
    await rename(`${note}.tmp-${process.pid}`, note);
  }
}

/** The delivered file an error or a manifest entry names (`a.zip!entry`, or `x.csv` for `x.csv.gz`). */
function deliveredOf(name: string, files: readonly string[]): string | undefined {
  const outer = name.split('!')[0] ?? name;
  return files.find((f) => f === outer) ?? files.find((f) => f.replace(/\.gz$/i, '') === outer);
}

/** Delivered files nothing could be read from, with the reasons: they go to failed. */
function unreadableFiles(outcome: StatefulAuditOutcome | undefined, files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!outcome) return out;
  const byDelivered = new Map<string, { read: boolean; errors: string[] }>();
  for (const e of outcome.result.summary.inputs) {
    const delivered = deliveredOf(e.delivered, files);
    if (!delivered) continue;
    const d = byDelivered.get(delivered) ?? { read: false, errors: [] };
    if (e.error === undefined) d.read = true;
    else d.errors.push(e.error);
    byDelivered.set(delivered, d);
  }
  for (const [delivered, d] of byDelivered) if (!d.read) out.set(delivered, d.errors.join('\n'));
  return out;
}

function runLine(outcome: StatefulAuditOutcome | undefined, files: number, skipped: number, failed: number): string {
  const run = outcome?.run;
  const head = `${files} file(s): ${run?.filesAudited ?? 0} audited, ${skipped} already audited, ${failed} failed`;
  if (!run) return `as of ${outcome?.result.summary.asOf ?? '-'}: ${head}; nothing new to audit`;
  return (
    `run ${run.seq} (${run.runId}) as of ${run.asOf}: ${head}; ` +
    `${run.findings} finding(s) (${run.newFindings} new, ${run.resolvedFindings} resolved); ` +
    `${run.openItems} open item(s), ${run.closedItems} closed -> ${run.output ?? '-'}`
  );
}

/**
 * A file another scheduler on the same folders already moved (its run had committed them): nothing
 * to do. Two schedulers on one output folder are a misconfiguration, but must not crash each other.
 */
function ignoreGone(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw err;
}

/** Moves a file into a folder, renaming it `name-2.ext`… if the name is taken; returns where it went. */
export async function moveInto(file: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  let target = path.join(dir, `${stem}${ext}`);
  for (let n = 2; existsSync(target); n++) target = path.join(dir, `${stem}-${n}${ext}`);
  try {
    await rename(file, target);
  } catch (err) {
    // The inbox may sit on another file system (an SFTP mount): copy, then remove.
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(file, target);
    await unlink(file);
  }
  return target;
}
