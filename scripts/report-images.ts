import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/cli/load-config.js';
import { runAudit } from '../src/pipeline/audit.js';
import { renderReports } from '../src/reports/index.js';

/**
 * Renders the first page of the merchant and compliance reports of the bundled sample set to
 * docs/images/ for the README, and records the sha256 of the PDFs they were rendered from in
 * docs/images/sources.json. A test re-renders the reports and compares those hashes, so the
 * pictures cannot silently fall behind the reports. Needs pdftoppm (Debian: poppler-utils).
 */
export const REPORT_IMAGES = [
  { pdf: 'merchant-898310048990001.pdf', png: 'merchant-report.png' },
  { pdf: 'compliance.pdf', png: 'compliance-report.png' },
] as const;

export async function bundledReports() {
  const bundled = 'samples/bundled';
  const expected = JSON.parse(await readFile(path.join(bundled, 'expected-findings.json'), 'utf8')) as { asOf: string };
  const config = await loadConfig(path.join(bundled, 'contracts.yaml'));
  const result = await runAudit({ config, files: [path.join(bundled, 'input')], asOf: expected.asOf });
  return renderReports(result);
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function main(): Promise<void> {
  const reports = await bundledReports();
  const work = await mkdtemp(path.join(tmpdir(), 'settle-audit-images-'));
  const sources: Record<string, string> = {};
  for (const { pdf, png } of REPORT_IMAGES) {
    const report = reports.find((r) => r.name === pdf);
    if (!report) throw new Error(`no report ${pdf}`);
    const file = path.join(work, pdf);
    await writeFile(file, report.bytes);
    execFileSync('pdftoppm', ['-r', '70', '-png', '-f', '1', '-l', '1', '-singlefile', file, path.join(work, 'page')]);
    await rename(path.join(work, 'page.png'), path.join('docs/images', png));
    sources[png] = sha256(report.bytes);
  }
  await writeFile('docs/images/sources.json', `${JSON.stringify(sources, null, 2)}\n`);
  process.stderr.write(`rendered ${REPORT_IMAGES.length} report pages to docs/images/\n`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
