import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REPORT_IMAGES, bundledReports, sha256 } from '../../scripts/report-images.js';

describe('the report pictures in the README', () => {
  it('were rendered from the reports the bundled samples give today (npm run docs:images)', async () => {
    const sources = JSON.parse(await readFile('docs/images/sources.json', 'utf8')) as Record<string, string>;
    const reports = await bundledReports();
    for (const { pdf, png } of REPORT_IMAGES) {
      const report = reports.find((r) => r.name === pdf)!;
      expect(sha256(report.bytes), `${png} is stale: run npm run docs:images`).toBe(sources[png]);
    }
    const readme = await readFile('README.md', 'utf8');
    for (const { png } of REPORT_IMAGES) expect(readme).toContain(`docs/images/${png}`);
  });
});
