import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../src/model/finding.js';
import type { RunSummary } from '../src/model/summary.js';
import type { AuditResult } from '../src/pipeline/audit.js';
import { renderComplianceReport } from '../src/reports/_render.js';
import { renderReports } from '../src/reports/index.js';

/**
 * The PDF reports alone: renders the reports of an audit's output folder again, from its
 * `summary.json` and `findings.json`, in THREADS threads (1: this thread; more: the render pool,
 * whatever the number of merchants), as a whole process. A bulk run's result keeps no records,
 * so this renders exactly what that run rendered, for a run without a bank statement per merchant:
 * summary.json does not say which inputs carry each merchant's records, so here every merchant's
 * report lists every input (a run with 1 002 inputs renders 1 002-row manifests, not its own).
 *
 * `node dist/bench/reports.js bench-out/audit 2` prints `{ reports, threads, seconds, cpuSeconds }`.
 * `node dist/bench/reports.js DIR compliance` renders the compliance report alone, in this thread
 * (its peak memory is the process's: run it under `/usr/bin/time -v`).
 */

const [dir, threadsArg] = process.argv.slice(2);
const complianceOnly = threadsArg === 'compliance';
const threads = complianceOnly ? 1 : Number(threadsArg ?? '1');
if (!dir || !Number.isSafeInteger(threads) || threads < 1) {
  process.stderr.write('usage: node dist/bench/reports.js AUDIT_OUT_DIR [THREADS | compliance]\n');
  process.exit(2);
}
const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
const findings = JSON.parse(readFileSync(path.join(dir, 'findings.json'), 'utf8')) as Finding[];
const result: AuditResult = { summary, findings, rejects: [], merchants: [], unreadable: [] };

const cpu = process.cpuUsage();
const started = performance.now();
const reports = complianceOnly ? [await renderComplianceReport({ summary, findings })] : await renderReports(result, { threads, poolFrom: 2 });
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ reports: reports.length, threads, seconds: +seconds.toFixed(2), cpuSeconds: +((used.user + used.system) / 1e6).toFixed(2) })}\n`);
