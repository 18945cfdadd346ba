import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../src/model/finding.js';
import type { RunSummary } from '../src/model/summary.js';
import type { AuditResult } from '../src/pipeline/audit.js';
import { renderComplianceReport, renderMerchantReport } from '../src/reports/_render.js';
import { merchantTasks, renderReports } from '../src/reports/index.js';

/**
 * The PDF reports alone: renders the reports of an audit's output folder again, from its
 * `summary.json` and `findings.json`, in THREADS threads (1: this thread; more: the render pool,
 * whatever the number of merchants), as a whole process. A bulk run's result keeps no records,
 * so this renders exactly what that run rendered, for a run without a bank statement per merchant:
 * summary.json does not say which inputs carry each merchant's records, so here every merchant's
 * report lists every input (a run with 1 002 inputs renders 1 002-row manifests, not its own).
 *
 * `node dist/bench/reports.js bench-out/audit 2` prints `{ reports, threads, seconds, cpuSeconds }`;
 * `node dist/bench/reports.js bench-out/audit 2 256` renders the first 256 merchants' reports and
 * the compliance report of those merchants' findings (where the render pool pays off: POOL_FROM).
 * `node dist/bench/reports.js DIR compliance` renders the compliance report alone, in this thread
 * (its peak memory is the process's: run it under `/usr/bin/time -v`).
 * `node dist/bench/reports.js DIR again` measures what a merchant report costs once everything a
 * thread caches is warm, in this thread: 300 merchants' reports to warm up, then the first
 * merchant's report 300 times (every text wrapped before: the cost of drawing and writing a
 * report once the thread keeps all it can) and 300 other merchants' reports (what a run's
 * reports cost each, warm). Prints `{ sameReportMs, otherReportsMs }`, per report.
 */

const [dir, threadsArg, merchantsArg] = process.argv.slice(2);
const complianceOnly = threadsArg === 'compliance';
const again = threadsArg === 'again';
const threads = complianceOnly || again ? 1 : Number(threadsArg ?? '1');
const merchants = merchantsArg === undefined ? undefined : Number(merchantsArg);
if (!dir || !Number.isSafeInteger(threads) || threads < 1 || (merchants !== undefined && !(Number.isSafeInteger(merchants) && merchants > 0))) {
  process.stderr.write('usage: node dist/bench/reports.js AUDIT_OUT_DIR [THREADS [MERCHANTS] | compliance | again]\n');
  process.exit(2);
}
const run = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
const byMerchant = run.controlTotals.byMerchant.slice(0, merchants);
const summary: RunSummary = { ...run, controlTotals: { ...run.controlTotals, byMerchant } };
const kept = new Set(byMerchant.map((m) => m.merchantId));
const findings = (JSON.parse(readFileSync(path.join(dir, 'findings.json'), 'utf8')) as Finding[]).filter((f) => kept.has(f.merchantId));
const result: AuditResult = { summary, findings, rejects: [], merchants: [], unreadable: [] };

if (again) {
  const tasks = merchantTasks(result);
  if (tasks.length < 601) {
    process.stderr.write(`${dir}: ${tasks.length} merchants; "again" needs at least 601\n`);
    process.exit(2);
  }
  /** CPU milliseconds per report of rendering the tasks at `indexes` one after another. */
  const perReport = async (indexes: number[]): Promise<number> => {
    const from = process.cpuUsage();
    for (const i of indexes) await renderMerchantReport(tasks[i]!);
    const used = process.cpuUsage(from);
    return +((used.user + used.system) / 1000 / indexes.length).toFixed(2);
  };
  const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
  await perReport(range(1, 300));
  const sameReportMs = await perReport(new Array<number>(300).fill(0));
  const otherReportsMs = await perReport(range(301, 300));
  process.stdout.write(`${JSON.stringify({ sameReportMs, otherReportsMs })}\n`);
  process.exit(0);
}

const cpu = process.cpuUsage();
const started = performance.now();
const reports = complianceOnly ? [await renderComplianceReport({ summary, findings })] : await renderReports(result, { threads, poolFrom: 2 });
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ reports: reports.length, threads, seconds: +seconds.toFixed(2), cpuSeconds: +((used.user + used.system) / 1e6).toFixed(2) })}\n`);
