/**
 * A run's output files (writeOutputs): every report written as it is rendered, all files renamed
 * into place together, and nothing new left behind by a run whose reports fail.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { AuditError } from '../../src/model/errors.js';
import { runAudit, type AuditResult } from '../../src/pipeline/audit.js';
import { maskedForOutput, writeOutputs } from '../../src/pipeline/outputs.js';
import { renderReports } from '../../src/reports/index.js';

let result: AuditResult;
const dirs: string[] = [];

beforeAll(async () => {
  const bundled = 'samples/bundled';
  const config = await loadConfig(path.join(bundled, 'contracts.yaml'));
  const { asOf } = JSON.parse(await readFile(path.join(bundled, 'expected-findings.json'), 'utf8')) as { asOf: string };
  result = await runAudit({ config, files: [path.join(bundled, 'input')], asOf });
});

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function outDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-outputs-'));
  dirs.push(dir);
  return dir;
}

describe('writeOutputs', () => {
  it('writes every report as renderReports renders it, lists the files in order, and leaves no temporary file', async () => {
    const dir = await outDir();
    const written = await writeOutputs(result, dir);
    const reports = await renderReports(maskedForOutput(result));
    expect(written).toEqual([
      ...['findings.json', 'findings.csv', 'summary.json', 'rejects.csv'].map((f) => path.join(dir, f)),
      ...reports.map((r) => path.join(dir, 'reports', r.name)),
    ]);
    for (const r of reports) expect((await readFile(path.join(dir, 'reports', r.name))).equals(r.bytes), r.name).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['findings.csv', 'findings.json', 'rejects.csv', 'reports', 'summary.json']);
    expect((await readdir(path.join(dir, 'reports'))).sort()).toEqual(reports.map((r) => r.name).sort());
    // The summary is written once the reports are, with the time they took among the durations.
    const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as { durationsMs: Record<string, number> };
    expect(summary.durationsMs).toEqual({ ...result.summary.durationsMs, reports: expect.any(Number) });
    expect(summary.durationsMs.reports).toBeGreaterThan(0);
  });

  it('leaves the folder as it was when a report cannot be rendered', async () => {
    const dir = await outDir();
    await writeFile(path.join(dir, 'findings.json'), 'the last run\n');
    // A generation time that is no time: the reports' cover cannot print it.
    const broken: AuditResult = { ...result, summary: { ...result.summary, generatedAt: 'yesterday' } };
    await expect(writeOutputs(broken, dir)).rejects.toBeInstanceOf(AuditError);
    expect((await readdir(dir)).sort()).toEqual(['findings.json', 'reports']);
    expect(await readdir(path.join(dir, 'reports'))).toEqual([]);
    expect(await readFile(path.join(dir, 'findings.json'), 'utf8')).toBe('the last run\n');
  });

  it('leaves the folder as it was when a data file cannot be written while the reports render', async () => {
    const dir = await outDir();
    // A folder where findings.csv's temporary file goes: writing it fails, the reports are rendering.
    const blocked = `findings.csv.tmp-${process.pid}`;
    await mkdir(path.join(dir, blocked));
    // The run's own error, not the clean-up's.
    await expect(writeOutputs(result, dir)).rejects.toThrow(/EISDIR: illegal operation on a directory, open/);
    expect((await readdir(dir)).sort()).toEqual([blocked, 'reports'].sort());
    expect(await readdir(path.join(dir, 'reports'))).toEqual([]);
  });
});
