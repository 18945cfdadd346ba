import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { crashPoint, CRASH_POINTS } from './_crash.js';
import type { AuditResult } from './audit.js';
import { writeOutputs } from './outputs.js';

/**
 * How a stateful run's outputs land: `flat` into the output folder itself (`audit --state`), or
 * `dated` into a new `<out>/<as-of>[-N]/` folder per run (`schedule`).
 */
export type OutputLayout = 'flat' | 'dated';

const STAGING_PREFIX = '.staging-';

/**
 * Writes a run's outputs into a hidden staging folder beside their destination, then publishes
 * them by rename: a dated folder appears whole in one rename, flat files one rename each. Either
 * way no file is ever visible under its final name half-written, and a crash leaves at most a
 * staging folder, which the next run removes. Returns the folder the outputs are in.
 */
export async function publishOutputs(result: AuditResult, dir: string, layout: OutputLayout): Promise<string> {
  await mkdir(dir, { recursive: true });
  await removeAbandonedStaging(dir);
  const staging = path.join(dir, `${STAGING_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeOutputs(result, staging);
    crashPoint(CRASH_POINTS.OUTPUTS);
    if (layout === 'dated') return await renameToFreeName(staging, dir, result.summary.asOf);
    const files = await listFiles(staging);
    for (const [i, rel] of files.entries()) {
      const final = path.join(dir, rel);
      await mkdir(path.dirname(final), { recursive: true });
      await rename(path.join(staging, rel), final);
      if (i === 0) crashPoint(CRASH_POINTS.PUBLISH);
    }
    return dir;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `<dir>/<base>`, or `<base>-2`, `-3`… when a run of the same day already has it. */
async function renameToFreeName(from: string, dir: string, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const target = path.join(dir, n === 1 ? base : `${base}-${n}`);
    if (existsSync(target)) continue;
    await rename(from, target);
    return target;
  }
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(path.join(root, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const child = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, child)));
    else out.push(child);
  }
  return out;
}

/**
 * Staging folders of processes that are gone: what a crash left. The caller holds the state
 * store's run lock, so no live stateful run can own one; a live pid's folder is left alone anyway.
 */
async function removeAbandonedStaging(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const m = new RegExp(`^${STAGING_PREFIX.replace('.', '\\.')}(\\d+)-`).exec(name);
    if (m && !processAlive(Number(m[1]))) await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/** Whether a process with this id exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
