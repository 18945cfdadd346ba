import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { scheduleCommand } from '../../src/cli/schedule.js';
import { parseContract } from '../../src/model/contract.js';
import { Scheduler } from '../../src/pipeline/schedule.js';
import { StateStore } from '../../src/state/store.js';
import { CONFIG_YAML, week } from '../state/_daily.js';

/**
 * `settle-audit schedule` on a temporary inbox with a cron ticking every second: files dropped in
 * are audited and archived, a corrupt one goes to failed with its reason, and overlapping ticks
 * (in one process or from two schedulers on the same state) run one audit.
 */

const EVERY_SECOND = '* * * * * *';
const config = parseContract(CONFIG_YAML, 'contracts.yaml');
const [wednesday] = week();
const running: Scheduler[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function setup() {
  const root = await mkdtemp(path.join(tmpdir(), 'settle-audit-schedule-'));
  const inbox = path.join(root, 'inbox');
  const out = path.join(root, 'out');
  await mkdir(inbox);
  const lines: string[] = [];
  const scheduler = (start = true) => {
    const s = new Scheduler({ config, inbox, out, state: path.join(out, 'settle-audit.db'), cron: EVERY_SECOND, minAgeMs: 0, log: (l) => lines.push(l) });
    running.push(s);
    if (start) s.start();
    return s;
  };
  return { root, inbox, out, lines, scheduler };
}

/** Drops a file the way an upload does: written under a partial name, then renamed. */
async function drop(inbox: string, name: string, bytes: Uint8Array | string): Promise<void> {
  await writeFile(path.join(inbox, `${name}.part`), bytes);
  await rename(path.join(inbox, `${name}.part`), path.join(inbox, name));
}

async function waitFor(what: string, done: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const list = async (dir: string) => (existsSync(dir) ? (await readdir(dir)).sort() : []);
const runFolders = async (out: string) => (await list(out)).filter((n) => /^\d{4}-\d{2}-\d{2}(-\d+)?$/.test(n));
const runsIn = (out: string) => {
  const store = StateStore.open(path.join(out, 'settle-audit.db'), { create: false });
  try {
    return store.runs();
  } finally {
    store.close();
  }
};

describe('settle-audit schedule', () => {
  it('a file dropped in the inbox is audited on the next tick and archived; the same bytes again are recognised', async () => {
    const { inbox, out, lines, scheduler } = await setup();
    scheduler();
    for (const [name, bytes] of wednesday!.files) await drop(inbox, name, bytes);
    await waitFor('the run folder', async () => (await runFolders(out)).length === 1 && (await list(inbox)).length === 0 && (await list(path.join(out, 'processing'))).length === 0);

    const [folder] = await runFolders(out);
    expect(await list(path.join(out, 'archive', folder!))).toEqual(['acquirer_20260617.csv', 'pos_20260617.csv']);
    expect(await list(path.join(out, folder!))).toEqual(['findings.csv', 'findings.json', 'rejects.csv', 'reports', 'summary.json']);
    const summary = JSON.parse(await readFile(path.join(out, folder!, 'summary.json'), 'utf8')) as { asOf: string; inputs: { file: string; rows: number }[] };
    expect(folder).toBe(summary.asOf);
    expect(summary.inputs.map((i) => [path.basename(i.file), i.rows])).toEqual([
      ['acquirer_20260617.csv', 2],
      ['pos_20260617.csv', 5],
    ]);
    expect(runsIn(out)).toMatchObject([{ seq: 1, filesAudited: 2, filesSkipped: 0, output: path.join(out, folder!) }]);
    expect(lines.filter((l) => l.startsWith('run '))).toEqual([expect.stringMatching(/^run 1 \(SA-\d{8}-[0-9A-F]{8}\) as of .*: 2 file\(s\): 2 audited, 0 already audited, 0 failed; /)]);

    // Delivered again (another name, same bytes): archived, no second run, no second folder.
    await drop(inbox, 'acquirer_20260617_again.csv', wednesday!.files[0]![1]);
    await waitFor('the re-delivery to be archived', async () => (await list(path.join(out, 'archive', folder!))).length === 3);
    expect(await runFolders(out)).toEqual([folder]);
    expect(runsIn(out)).toHaveLength(1);
    expect(lines).toContainEqual(expect.stringMatching(/1 file\(s\): 0 audited, 1 already audited, 0 failed; nothing new to audit$/));
  });

  it('a corrupt file goes to failed with its reason beside it, and the good files of the same tick are audited', async () => {
    const { inbox, out, scheduler } = await setup();
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    await drop(inbox, 'garbage.csv', garbage);
    await drop(inbox, 'notes.txt', 'hello\nnot a settlement file\n');
    for (const [name, bytes] of wednesday!.files) await drop(inbox, name, bytes);
    scheduler();
    await waitFor('the failed files', async () => (await list(path.join(out, 'failed'))).length === 4 && (await runFolders(out)).length === 1);

    expect(await list(path.join(out, 'failed'))).toEqual(['garbage.csv', 'garbage.csv.reason.txt', 'notes.txt', 'notes.txt.reason.txt']);
    expect(Buffer.compare(await readFile(path.join(out, 'failed', 'garbage.csv')), Buffer.from(garbage))).toBe(0);
    expect(await readFile(path.join(out, 'failed', 'garbage.csv.reason.txt'), 'utf8')).toMatch(/garbage\.csv: refused: binary content/);
    expect(await readFile(path.join(out, 'failed', 'notes.txt.reason.txt'), 'utf8')).toMatch(/notes\.txt: a layout no parser recognises/);
    const [folder] = await runFolders(out);
    expect(await list(path.join(out, 'archive', folder!))).toEqual(['acquirer_20260617.csv', 'pos_20260617.csv']);
    expect(runsIn(out)).toMatchObject([{ filesAudited: 2, filesUnreadable: 2 }]);
    // A file that failed is not remembered as audited: delivered again, it is tried again.
    const store = StateStore.open(path.join(out, 'settle-audit.db'), { create: false });
    const session = store.beginRun();
    try {
      expect(session.audited(createHash('sha256').update(garbage).digest('hex'))).toBeUndefined();
      expect(session.audited(createHash('sha256').update(wednesday!.files[0]![1]).digest('hex'))).toMatchObject({ run: 1 });
    } finally {
      session.rollback();
      store.close();
    }
  });

  it('two overlapping triggers run one audit: in one process, and from two schedulers on one state store', async () => {
    const { inbox, out, scheduler } = await setup();
    const one = scheduler(false);
    const two = scheduler(false);
    for (const [name, bytes] of wednesday!.files) await drop(inbox, name, bytes);

    const [a, b] = await Promise.all([one.trigger(), one.trigger()]);
    expect([a.status, b.status]).toEqual(['done', 'busy']);
    expect(b).toMatchObject({ reason: 'the previous run is still running' });

    for (const [name, bytes] of week()[1]!.files) await drop(inbox, name, bytes);
    const [c, d] = await Promise.all([one.trigger(), two.trigger()]);
    expect([c.status, d.status]).toEqual(['done', 'busy']);
    expect(d).toMatchObject({ reason: expect.stringMatching(/another settle-audit run is using this state store/) });
    expect(runsIn(out).map((r) => r.filesAudited)).toEqual([3, 2]);
  });

  it('two schedulers ticking every second on the same inbox and state audit a delivery once', async () => {
    const { inbox, out, lines, scheduler } = await setup();
    scheduler();
    scheduler();
    for (const [name, bytes] of wednesday!.files) await drop(inbox, name, bytes);
    await waitFor('the run folder', async () => (await runFolders(out)).length === 1 && (await list(inbox)).length === 0 && (await list(path.join(out, 'processing'))).length === 0);
    // A few more ticks of both: nothing is audited twice.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await runFolders(out)).toHaveLength(1);
    expect(runsIn(out)).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('run '))).toHaveLength(1);
  });

  it('the command: the state defaults to <out>/settle-audit.db, and history lists the runs and the open items', async () => {
    const { root, inbox, out } = await setup();
    await writeFile(path.join(root, 'contracts.yaml'), CONFIG_YAML);
    const log: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const command = scheduleCommand({ config: path.join(root, 'contracts.yaml'), inbox, out, cron: EVERY_SECOND, minAge: '0' }, (l) => log.push(l), stopped);
    for (const [name, bytes] of wednesday!.files) await drop(inbox, name, bytes);
    await waitFor('the run', () => log.some((l) => / run 1 /.test(l)));
    stop();
    expect(await command).toBe(0);
    expect(log[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00 watching .* on "\* \* \* \* \* \*" \(Asia\/Shanghai\); outputs in .*, state .*settle-audit\.db$/);
    expect(existsSync(path.join(out, 'settle-audit.db'))).toBe(true);

    const stdout: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      expect(await main(['history', '--state', path.join(out, 'settle-audit.db')])).toBe(0);
      expect(await main(['history', '--state', path.join(out, 'settle-audit.db'), '--open'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const text = stdout.join('');
    expect(text).toMatch(/^run\s+as of\s+started\s+audited\s+skipped\s+failed\s+findings\s+new\s+resolved\s+open\s+closed\s+output$/m);
    expect(text).toMatch(/1 run\(s\), \d+ open item\(s\) now/);
    expect(text).toMatch(/sale-awaiting-settlement\s+898310048990001\s+2026-06-17\s+617000000003\s+300\.00 CNY/);
    expect(text).toMatch(/\d+ open item\(s\), \d+ of them overdue/);
  });

  it('history refuses a store that does not exist, and schedule a cron expression that is not one', async () => {
    const { root, inbox, out } = await setup();
    expect(await main(['history', '--state', path.join(root, 'nope.db')])).toBe(2);
    expect(existsSync(path.join(root, 'nope.db'))).toBe(false);
    await writeFile(path.join(root, 'contracts.yaml'), CONFIG_YAML);
    await expect(scheduleCommand({ config: path.join(root, 'contracts.yaml'), inbox, out, cron: 'every morning' }, () => undefined, Promise.resolve())).rejects.toThrow(
      /--cron: expected a cron expression like "0 6 \* \* \*", got "every morning"/,
    );
  });
});
