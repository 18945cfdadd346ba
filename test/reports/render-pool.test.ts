/**
 * Rendering many reports: in a pool of worker threads, with the fonts shared by the reports of a
 * thread. Neither may change a byte: a report is the same whichever thread renders it and
 * whichever reports were rendered before it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { valueSymbol } from 'piscina';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { AuditError } from '../../src/model/errors.js';
import { runAudit, type AuditResult } from '../../src/pipeline/audit.js';
import { BATCH, merchantTasks, renderReports } from '../../src/reports/index.js';
import type { RenderOutcome } from '../../src/reports/_render.js';
import { merchantReports } from '../../src/reports/render-worker.js';
import { merchantReportPdf } from '../../src/reports/pdf/merchant.js';
import { buildFixture, merchantArgs, QINGFENG } from './_fixture.js';
import { readPdf, squash } from './_pdf.js';

let result: AuditResult;

beforeAll(async () => {
  const bundled = 'samples/bundled';
  const config = await loadConfig(path.join(bundled, 'contracts.yaml'));
  const { asOf } = JSON.parse(await readFile(path.join(bundled, 'expected-findings.json'), 'utf8')) as { asOf: string };
  result = await runAudit({ config, files: [path.join(bundled, 'input')], asOf });
});

describe('renderReports in a worker pool', () => {
  it('gives the same reports, byte for byte and in the same order, as rendering in this thread', async () => {
    let renderedHere = 0;
    const inThread = await renderReports(result, { threads: 1, onRendered: () => renderedHere++ });
    // Six merchants: a threshold of 2 sends them to two workers.
    expect(inThread.length).toBeGreaterThan(3);
    let renderedInPool = 0;
    const pooled = await renderReports(result, { threads: 2, poolFrom: 2, onRendered: () => renderedInPool++ });
    expect(pooled.map((r) => r.name)).toEqual(inThread.map((r) => r.name));
    pooled.forEach((r, i) => expect(r.bytes.equals(inThread[i]!.bytes), r.name).toBe(true));
    // The progress bar counts every report, the compliance report included, either way.
    expect([renderedHere, renderedInPool]).toEqual([inThread.length, inThread.length]);
  });

  it('renders more merchants than a task takes, in several tasks, each report in its place', async () => {
    // The month's merchants three times over, under other ids: more than two tasks' worth.
    const byMerchant = [0, 1, 2].flatMap((copy) =>
      result.summary.controlTotals.byMerchant.map((m) => ({ ...m, merchantId: `${m.merchantId}${copy}` })),
    );
    expect(byMerchant.length).toBeGreaterThan(2 * BATCH);
    const many: AuditResult = { ...result, summary: { ...result.summary, controlTotals: { ...result.summary.controlTotals, byMerchant } } };
    const inThread = await renderReports(many, { threads: 1 });
    const pooled = await renderReports(many, { threads: 2, poolFrom: 2 });
    expect(pooled.map((r) => r.name)).toEqual(inThread.map((r) => r.name));
    pooled.forEach((r, i) => expect(r.bytes.equals(inThread[i]!.bytes), r.name).toBe(true));
  });

  it('answers each report of a task on its own: one that fails does not take the others with it', async () => {
    const [first, second, third] = merchantTasks(result);
    const stranger = result.findings.find((f) => f.merchantId !== second!.merchant.merchantId)!;
    const broken = { ...second!, findings: [stranger] };
    // What the worker answers, as the pool unwraps it from the bytes it moves back.
    const answer = (await merchantReports([first!, broken, third!])) as unknown as Record<typeof valueSymbol, RenderOutcome[]>;
    const outcomes = answer[valueSymbol];
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]!.ok ? undefined : outcomes[1]!.error).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining(`finding ${stranger.id}`) });
  });

  it('throws the error rendering in this thread throws', async () => {
    const broken: AuditResult = { ...result, summary: { ...result.summary, generatedAt: 'yesterday' } };
    const inThread = await renderReports(broken, { threads: 1 }).catch((e: unknown) => e);
    const pooled = await renderReports(broken, { threads: 2, poolFrom: 2 }).catch((e: unknown) => e);
    expect(inThread).toBeInstanceOf(AuditError);
    expect(pooled).toBeInstanceOf(AuditError);
    const { code, message, context } = inThread as AuditError;
    expect(pooled).toMatchObject({ code, message, context });
  });
});

describe('fonts shared by the reports of a thread', () => {
  const fx = buildFixture();
  const named = async (name: string) => {
    const args = await merchantArgs(fx, QINGFENG.id);
    return merchantReportPdf({ ...args, merchant: { ...args.merchant, name } });
  };

  it('map each glyph back to the character the report first drew it for, as a font of its own would', async () => {
    // U+00B7 and U+30FB are one glyph in Noto Sans SC; its text mapping is the one of its first
    // use in the document, here the merchant's name on the cover.
    for (const name of ['约翰·史密斯书店', '约翰・史密斯书店', '约翰·史密斯书店']) {
      const pdf = await readPdf(await named(name));
      expect(pdf.flat[0]).toContain(squash(name));
    }
  });
});
