import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSampleSet, type ExpectedFinding } from '../../samples/generator.js';
import { loadConfig } from '../../src/cli/load-config.js';
import type { Finding } from '../../src/model/finding.js';
import { runAudit, type AuditResult } from '../../src/pipeline/audit.js';
import { RULES } from '../../src/rules/index.js';

/**
 * The bundled sample set is a month with anomalies injected on purpose; the generator lists the
 * findings they must produce. The audit must report every one of them and nothing else.
 */
const BUNDLED = path.resolve('samples/bundled');

const keyOf = (f: Finding): string => f.reference ?? f.date ?? path.basename(f.evidence[0]?.file ?? '');
const asTuple = (f: { rule: string; merchantId: string; key: string; differenceMinor: number | null }) =>
  `${f.rule} | ${f.merchantId} | ${f.key} | ${f.differenceMinor ?? '-'}`;

let expected: { asOf: string; findings: ExpectedFinding[] };
let result: AuditResult;

beforeAll(async () => {
  expected = JSON.parse(await readFile(path.join(BUNDLED, 'expected-findings.json'), 'utf8'));
  const config = await loadConfig(path.join(BUNDLED, 'contracts.yaml'));
  result = await runAudit({ config, files: [path.join(BUNDLED, 'input')], asOf: expected.asOf });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

describe('the bundled sample set', () => {
  it('is what the generator writes today (regenerate with npm run samples)', async () => {
    const set = generateSampleSet();
    const committed = (await listFiles(path.join(BUNDLED, 'input'))).map((f) => path.relative(path.join(BUNDLED, 'input'), f));
    expect(committed).toEqual([...set.files.keys()].sort());
    for (const [rel, bytes] of set.files) {
      expect(Buffer.compare(await readFile(path.join(BUNDLED, 'input', rel)), Buffer.from(bytes)), rel).toBe(0);
    }
    expect(await readFile(path.join(BUNDLED, 'contracts.yaml'), 'utf8')).toBe(set.config);
    expect(expected).toEqual({ asOf: set.asOf, findings: set.expected });
  });

  it('covers every rule of the catalog with at least one injected anomaly', () => {
    expect(new Set(expected.findings.map((f) => f.rule))).toEqual(new Set(RULES.map((r) => r.id)));
  });

  it('gives exactly the expected findings: every injected anomaly, nothing else', () => {
    const found = result.findings.map((f) => asTuple({ ...f, key: keyOf(f), differenceMinor: f.differenceMinor ?? null })).sort();
    expect(found).toEqual(expected.findings.map(asTuple).sort());
  });

  it('reads every file, with no unknown merchant, and every file total agrees but the one injected', () => {
    expect(result.unreadable).toEqual([]);
    expect(result.summary.unknownMerchants).toEqual([]);
    expect(result.summary.inputs.every((i) => i.format !== null && i.lines === i.rows + i.rejects + i.nonDataLines)).toBe(true);
    const failed = result.summary.checks.filter((c) => !c.ok).map((c) => [path.basename(c.file), c.name, c.declared - c.computed]);
    expect(failed).toEqual([['银联商务_898510101990006_202610.csv', '合计金额', 10_000]]);
    expect(result.summary.checks.length).toBeGreaterThanOrEqual(12);
    expect(result.summary.rejects).toBe(1);
  });

  it('runs every rule, since all three roles are present', () => {
    expect(result.summary.roles).toEqual(['acquirer', 'bank', 'pos']);
    expect(result.summary.rules.filter((r) => !r.ran)).toEqual([]);
  });

  it('reports nothing for the clean merchant', () => {
    const clean = '898440081990004';
    expect(result.summary.controlTotals.byMerchant.find((m) => m.merchantId === clean)?.acquirer.count).toBeGreaterThan(100);
    expect(result.findings.filter((f) => f.merchantId === clean)).toEqual([]);
  });

  it('keeps evidence that points at real lines of the input', async () => {
    for (const f of result.findings) {
      for (const e of f.evidence) {
        const lines = (await readFile(e.file, 'latin1')).split(/\r?\n/);
        expect(e.line, `${f.rule} ${e.file}`).toBeGreaterThanOrEqual(1);
        expect(e.line).toBeLessThanOrEqual(lines.length);
      }
    }
  });
});
