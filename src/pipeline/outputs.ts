import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findingsCsv, rejectsCsv } from '../reports/csv.js';
import { renderReports } from '../reports/index.js';
import type { AuditResult } from './audit.js';

/**
 * Writes a run's output files. Each file is written under a temporary name and renamed into
 * place, so a crash never leaves a half-written file under its final name.
 */
export async function writeOutputs(result: AuditResult, outDir: string): Promise<string[]> {
  await mkdir(path.join(outDir, 'reports'), { recursive: true });
  const files: [string, Buffer | string][] = [
    ['findings.json', `${JSON.stringify(result.findings, null, 2)}\n`],
    ['findings.csv', await findingsCsv(result.findings)],
    ['summary.json', `${JSON.stringify(result.summary, null, 2)}\n`],
    ['rejects.csv', await rejectsCsv(result.rejects)],
  ];
  for (const report of await renderReports(result)) files.push([path.join('reports', report.name), report.bytes]);
  const written: string[] = [];
  for (const [name, content] of files) {
    const final = path.join(outDir, name);
    const temp = `${final}.tmp-${process.pid}`;
    try {
      await writeFile(temp, content);
      await rename(temp, final);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    written.push(final);
  }
  return written;
}
