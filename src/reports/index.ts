import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { AuditResult } from '../pipeline/audit.js';
import type { Finding } from '../model/finding.js';
import { inputFilesOf } from '../pipeline/merchant-data.js';
import type { RunSummary } from '../model/summary.js';
import type { MerchantReportSummary } from './pdf/merchant.js';
import type { ComplianceReportTask, MerchantReportTask, RenderOutcome } from './_render.js';

/**
 * The renderers, with pdfkit and the fonts, loaded when a report is rendered in this thread or a
 * render worker's error is read: a run that renders in the pool never loads them here, and every
 * other command starts without them (about 90 ms).
 */
const renderers = () => import('./_render.js');

export interface RenderedReport {
  name: string;
  bytes: Buffer;
}

export interface RenderOptions {
  /**
   * Threads that render the merchant reports when there are at least `poolFrom` of them; 1
   * renders every report in this thread. Default: os.availableParallelism().
   */
  threads?: number;
  /** The fewest merchant reports worth starting worker threads for. Default: POOL_FROM. */
  poolFrom?: number;
  /** Called as each report is done, merchant reports and the compliance report alike: for a progress bar. */
  onRendered?: () => void;
}

/**
 * Below this many merchant reports, they are rendered in this thread. Each worker starts cold: it
 * loads pdfkit and parses the fonts (about 0.35 s), and its first hundred reports cost about twice
 * a warm one (3.5 ms) while V8 optimizes the code; this thread pays that once. Measured on 2 cores
 * (`node dist/bench/reports.js bench-out/audit THREADS N`, seconds, three runs each, this thread
 * against two workers):
 *
 *   reports                 129          257          513          1 001
 *   plain node          0.55-0.76    0.94-1.12    1.55-2.31    2.84-4.30    this thread
 *                       0.95-1.03    1.41-1.49    1.88-2.59    3.19-4.29    two workers
 *   large audit's flags 0.72-0.85    1.11-1.33    2.08-2.42    3.76-4.72    this thread
 *                       0.79-0.91    1.16-1.29    1.57-2.28    2.65-3.38    two workers
 *
 * A run of plain node renders in one thread faster: V8 compiles and collects for it in the
 * background, on the other core, where two workers compete with those background threads. An
 * audit of 1 GiB or more runs with V8's background threads turned off (src/cli/relaunch.ts), and
 * there two workers gain from about 250 reports. 256 serves both within a few tenths of a second.
 */
export const POOL_FROM = 256;

/**
 * The PDF reports of a run: one per merchant with activity, in the order of the control totals,
 * then the portfolio compliance report. A run with many merchants has their reports rendered by
 * a pool of worker threads, each sent only what its report needs; the bytes are the same as
 * rendered here. Should a report fail, the error thrown is that of the first failing report in
 * that order, as when rendering here one after another.
 */
export async function renderReports(result: AuditResult, options: RenderOptions = {}): Promise<RenderedReport[]> {
  const reports: RenderedReport[] = [];
  await renderEachReport(result, options, (report, i) => {
    reports[i] = report;
  });
  return reports;
}

/**
 * Renders the reports of renderReports and hands each to `take` as soon as it is rendered, with
 * its position in renderReports' order. The reports are not kept: a run's thousand reports are
 * about 90 MB, which writing each at once keeps out of the run's memory. `take` is awaited before
 * the report is counted done. Should a report fail, the error thrown is the one renderReports
 * throws.
 */
export async function renderEachReport(
  result: AuditResult,
  options: RenderOptions,
  take: (report: RenderedReport, index: number) => Promise<void> | void,
): Promise<void> {
  const tasks = merchantTasks(result);
  const threads = Math.min(options.threads ?? availableParallelism(), tasks.length);
  const inPool = threads > 1 && tasks.length >= (options.poolFrom ?? POOL_FROM);
  const names = [...tasks.map((task) => `merchant-${task.merchant.merchantId}.pdf`), 'compliance.pdf'];
  const done = options.onRendered ?? (() => undefined);
  const deliver = async (index: number, bytes: Buffer) => {
    await take({ name: names[index]!, bytes }, index);
    done();
  };
  if (inPool) await renderWithPool(tasks, result, threads, deliver);
  else await renderHere(tasks, result, deliver);
}

/** Hands a rendered report over: its index among the run's reports (merchants', then the compliance report). */
type Deliver = (index: number, bytes: Buffer) => Promise<void>;

async function renderHere(tasks: MerchantReportTask[], result: AuditResult, deliver: Deliver): Promise<void> {
  const { renderMerchantReport } = await renderers();
  for (const [i, task] of tasks.entries()) await deliver(i, await renderMerchantReport(task));
  await deliver(tasks.length, await renderCompliance(result));
}

/**
 * Merchant reports a pool task renders, one after another: each task costs the pool's messaging
 * (the task sent, the answer posted and received) about a millisecond of the worker's time,
 * against about 3.5 ms for a warm report. 1 001 reports, two workers, the large audit's V8 flags:
 * 2.12-2.15 s in tasks of 8, 2.31-2.43 s one by one (three runs each).
 */
export const BATCH = 8;

/**
 * Every report is queued to the pool at once, the compliance report first: it is the longest,
 * and rendered in this thread it held the thread for as long as it took, while the pool waited
 * for this thread to hand it the next merchant report (a month with thousands of findings: minutes
 * with both render threads idle). The merchant reports go BATCH to a task, each delivered in turn
 * as its task answers. All are awaited before an error is thrown, so that none is left running
 * behind it, and the pool is closed whatever happens.
 */
async function renderWithPool(tasks: MerchantReportTask[], result: AuditResult, threads: number, deliver: Deliver): Promise<void> {
  const pool = renderPool(threads);
  try {
    const settled = async (index: number, rendering: Promise<Buffer>) => {
      try {
        await deliver(index, await rendering);
        return { ok: true } as const;
      } catch (reason) {
        return { ok: false, reason } as const;
      }
    };
    const [complianceRendering] = renderInPool(pool, { name: 'complianceReport', task: { summary: result.summary, findings: result.findings } }, 1);
    const compliance = settled(tasks.length, complianceRendering!);
    const merchants: ReturnType<typeof settled>[] = [];
    for (let from = 0; from < tasks.length; from += BATCH) {
      const batch = tasks.slice(from, from + BATCH);
      renderInPool(pool, { name: 'merchantReports', task: batch }, batch.length).forEach((rendering, k) => merchants.push(settled(from + k, rendering)));
    }
    const outcomes = await Promise.all([...merchants, compliance]);
    for (const o of outcomes) if (!o.ok) throw o.reason;
  } finally {
    await pool.destroy();
  }
}

async function renderCompliance(result: AuditResult): Promise<Buffer> {
  const { renderComplianceReport } = await renderers();
  return renderComplianceReport({ summary: result.summary, findings: result.findings });
}

/** One task per merchant with activity, in the order of the control totals. */
export function merchantTasks(result: AuditResult): MerchantReportTask[] {
  // Indexed once: a lookup per merchant over all findings and all merchants grows as their product.
  const findingsOf = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const own = findingsOf.get(f.merchantId);
    if (own) own.push(f);
    else findingsOf.set(f.merchantId, [f]);
  }
  // A merchant's input files: from its records, or as the bulk path lists them (it keeps no records).
  const filesOf = new Map<string, readonly string[]>(Object.entries(result.merchantFiles ?? {}));
  for (const m of result.merchants) if (!filesOf.has(m.merchant.id)) filesOf.set(m.merchant.id, inputFilesOf(m));
  return result.summary.controlTotals.byMerchant.map((merchant) => {
    const summary = ownView(result.summary, filesOf.get(merchant.merchantId));
    return { summary, merchant, findings: findingsOf.get(merchant.merchantId) ?? [] };
  });
}

/**
 * The render workers: the built package runs the compiled render-worker.js; from sources (the
 * tests run TypeScript directly) a small JS entry loads render-worker.ts through tsx.
 */
function renderPool(threads: number): Piscina {
  const fromSource = import.meta.url.endsWith('.ts');
  return new Piscina({
    filename: new URL(fromSource ? './_render-worker-source.mjs' : './render-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
}

/** Reports as a pool task: the render worker's function (render-worker.ts) and its argument. */
type PoolTask = { name: 'merchantReports'; task: MerchantReportTask[] } | { name: 'complianceReport'; task: ComplianceReportTask };

/** The bytes of each of the `count` reports a pool task renders, in order; a failed report's promise rejects with its error. */
function renderInPool(pool: Piscina, { name, task }: PoolTask, count: number): Promise<Buffer>[] {
  const answered = pool.run(task, { name }) as Promise<RenderOutcome[]>;
  return Array.from({ length: count }, async (_, i) => {
    const outcome = (await answered)[i];
    if (outcome === undefined) throw new Error(`render worker: ${name} answered without report ${i + 1} of ${count}`);
    if (!outcome.ok) throw (await renderers()).rethrown(outcome.error);
    // The bytes arrive as a plain Uint8Array; a Buffer over the same memory, not a copy.
    return Buffer.from(outcome.value.buffer, outcome.value.byteOffset, outcome.value.byteLength);
  });
}

/**
 * The run as one merchant's report shows it: of the input files, only those that carry its
 * records. A merchant's report is attached to complaints and must not disclose other merchants'
 * files. Without a list of its files, every input file.
 */
function ownView(summary: RunSummary, own: readonly string[] | undefined): MerchantReportSummary {
  const { runId, tool, asOf, timezone, generatedAt, period, inputs, rules } = summary;
  const view = { runId, tool, asOf, timezone, generatedAt, period, inputs, rules };
  if (!own) return view;
  const files = new Set(own);
  return { ...view, inputs: inputs.filter((i) => files.has(i.file)) };
}
