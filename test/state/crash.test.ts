import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRASH_ENV } from '../../src/pipeline/_crash.js';
import { dumpState, runCli } from './_cli.js';
import { CONFIG_YAML, week } from './_daily.js';

/**
 * Crash safety (DESIGN.md section 7): a real `settle-audit audit --state` process killed with
 * SIGKILL (the SETTLE_AUDIT_CRASH_AT test hook, src/pipeline/_crash.ts) while it writes its outputs
 * and its state. The store must be exactly as before the run, no output may sit half-written under
 * its final name, and the rerun must give what an uninterrupted run gives.
 */

const [dayOne, dayTwo] = week() as [ReturnType<typeof week>[number], ReturnType<typeof week>[number]];
const FINAL_NAMES = ['findings.csv', 'findings.json', 'rejects.csv', 'reports/compliance.pdf', 'reports/merchant-898310048990001.pdf', 'summary.json'];
const auditArgs = (day: typeof dayOne) => [
  'audit',
  '--config',
  'contracts.yaml',
  '--out',
  'out',
  '--state',
  'settle-audit.db',
  '--as-of',
  day.asOf,
  ...day.files.map(([name]) => path.join(day.asOf, name)),
];

let root: string;
let base: string;
let reference: string;
let before: Record<string, unknown>;

/** A working folder holding the config, both days' files and a copy of the store after day one. */
async function prepare(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'contracts.yaml'), CONFIG_YAML);
  for (const day of [dayOne, dayTwo]) {
    await mkdir(path.join(dir, day.asOf), { recursive: true });
    for (const [file, bytes] of day.files) await writeFile(path.join(dir, day.asOf, file), bytes);
  }
  if (name !== 'base') await copyFile(path.join(base, 'settle-audit.db'), path.join(dir, 'settle-audit.db'));
  return dir;
}

/** Files under a folder, relative, with hidden entries (a staging folder) listed as such. */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  if (!existsSync(path.join(dir, rel))) return [];
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = path.posix.join(rel, e.name);
    if (e.isDirectory() && !e.name.startsWith('.')) out.push(...(await listFiles(dir, child)));
    else out.push(e.isDirectory() ? `${child}/` : child);
  }
  return out.sort();
}

/** An output file is complete and says what the uninterrupted run's says (durations aside). */
async function expectSameOutput(dir: string, rel: string): Promise<void> {
  const mine = await readFile(path.join(dir, 'out', rel));
  const theirs = await readFile(path.join(reference, 'out', rel));
  if (rel.endsWith('.pdf')) {
    expect(mine.subarray(0, 5).toString(), rel).toBe('%PDF-');
    expect(mine.toString('latin1').trimEnd().endsWith('%%EOF'), rel).toBe(true);
  } else if (rel === 'summary.json') {
    const strip = (b: Buffer) => ({ ...(JSON.parse(b.toString()) as Record<string, unknown>), durationsMs: null });
    expect(strip(mine), rel).toEqual(strip(theirs));
  } else {
    expect(mine.toString(), rel).toBe(theirs.toString());
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'settle-audit-crash-'));
  base = await prepare('base');
  const first = await runCli(auditArgs(dayOne), { cwd: base });
  expect(first.code, first.stderr).toBe(0);
  before = dumpState(path.join(base, 'settle-audit.db'));
  reference = await prepare('uninterrupted');
  const clean = await runCli(auditArgs(dayTwo), { cwd: reference });
  expect(clean.code, clean.stderr).toBe(0);
}, 120_000);

describe('a run killed with SIGKILL', () => {
  it('the uninterrupted second day changes the store (so an unchanged store means something)', () => {
    const after = dumpState(path.join(reference, 'settle-audit.db'));
    expect((after.runs as unknown[]).length).toBe((before.runs as unknown[]).length + 1);
    expect(after.open_items).not.toEqual(before.open_items);
  });

  it.each([
    // outputs staged, none published yet
    ['outputs', []],
    // one output published, the rest not yet
    ['publish', ['findings.csv']],
    // all outputs published, every state row written, COMMIT not reached
    ['state-commit', FINAL_NAMES],
  ])('at %s: store as before, no half-written output, and the rerun equals an uninterrupted run', async (point, published) => {
    const dir = await prepare(`crash-${point}`);
    const crashed = await runCli(auditArgs(dayTwo), { cwd: dir, env: { [CRASH_ENV]: point } });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');

    expect(dumpState(path.join(dir, 'settle-audit.db'))).toEqual(before);

    const visible = (await listFiles(path.join(dir, 'out'))).filter((f) => !f.startsWith('.'));
    expect(visible).toEqual(published);
    for (const rel of visible) await expectSameOutput(dir, rel);

    const rerun = await runCli(auditArgs(dayTwo), { cwd: dir });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(dumpState(path.join(dir, 'settle-audit.db'), { withClock: false })).toEqual(dumpState(path.join(reference, 'settle-audit.db'), { withClock: false }));
    // The crashed run's staging folder is gone; the outputs are the uninterrupted run's.
    expect(await listFiles(path.join(dir, 'out'))).toEqual(FINAL_NAMES);
    for (const rel of FINAL_NAMES) await expectSameOutput(dir, rel);
  });
});
