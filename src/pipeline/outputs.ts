import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { AuditError, ErrorCode } from '../model/errors.js';
import { maskPans, maskPansDeep } from '../model/pan.js';
import type { SourceRef } from '../model/records.js';
import { findingsCsv, rejectsCsv } from '../reports/csv.js';
import { renderEachReport } from '../reports/index.js';
import { progressCounter } from './progress.js';
import type { MerchantData } from '../rules/types.js';
import type { AuditResult } from './audit.js';

/**
 * Keys whose values the tool computed itself (hex hashes, ids): never card numbers, and a hex
 * string can hold a digit run that passes the Luhn check, so they are left as they are.
 */
const COMPUTED_KEYS = new Set(['id', 'sha256', 'runId']);

/**
 * The result as outputs may show it: every card number in findings, rejects, the summary and the
 * unreadable list masked to its first 6 and last 4 digits (DESIGN.md section 10). The PDFs are
 * rendered from this too, so they cannot show what the JSON and CSV do not.
 */
export function maskedForOutput(result: AuditResult): AuditResult {
  return {
    ...result,
    findings: maskPansDeep(result.findings, COMPUTED_KEYS),
    rejects: maskPansDeep(result.rejects, COMPUTED_KEYS),
    summary: maskPansDeep(result.summary, COMPUTED_KEYS),
    unreadable: maskPansDeep(result.unreadable, COMPUTED_KEYS),
    merchants: result.merchants.map(maskedKeys),
    ...(result.merchantFiles
      ? { merchantFiles: Object.fromEntries(Object.entries(result.merchantFiles).map(([id, files]) => [maskPans(id), files.map((f) => maskPans(f))])) }
      : {}),
  };
}

/**
 * A merchant's data with the keys the reports match against the masked summary masked the same
 * way: its id, and the file of each record and statement (a bank export is often named after its
 * account, a debit card number). Otherwise a merchant's report would not find its own files in
 * the manifest. Records are copied only when their file name changes.
 */
function maskedKeys(m: MerchantData): MerchantData {
  const names = new Map<string, string>();
  const masked = (file: string) => {
    let out = names.get(file);
    if (out === undefined) names.set(file, (out = maskPans(file)));
    return out;
  };
  const files = <T extends { source: SourceRef }>(records: T[]): T[] =>
    records.some((r) => masked(r.source.file) !== r.source.file) ? records.map((r) => ({ ...r, source: { ...r.source, file: masked(r.source.file) } })) : records;
  return {
    ...m,
    merchant: { ...m.merchant, id: maskPans(m.merchant.id) },
    acquirer: files(m.acquirer),
    bank: files(m.bank),
    pos: files(m.pos),
    statements: m.statements.map((s) => ({ ...s, file: masked(s.file) })),
  };
}

/**
 * Writes a run's output files. Each file is written under a temporary name and renamed into
 * place once every file is written, so a crash never leaves a half-written file under its final
 * name, and a run that fails leaves none of its new files. Each PDF report is written as soon as
 * it is rendered: the run never holds all of them (renderEachReport). Returns the files written:
 * findings.json, findings.csv, summary.json, rejects.csv, then the reports in renderReports' order.
 */
export async function writeOutputs(unmasked: AuditResult, outDir: string): Promise<string[]> {
  const result = maskedForOutput(unmasked);
  await mkdir(path.join(outDir, 'reports'), { recursive: true });
  const written: { temp: string; final: string }[] = [];
  const writeTemp = async (name: string, content: Buffer | string) => {
    const final = path.join(outDir, name);
    const temp = `${final}.tmp-${process.pid}`;
    written.push({ temp, final });
    await writeFile(temp, content);
    return final;
  };
  try {
    // One report per merchant with activity, and the compliance report. Started first: the
    // render threads start up while the data files are written.
    const progress = progressCounter('reports', result.summary.controlTotals.byMerchant.length + 1);
    const reports: string[] = [];
    const renderingFrom = performance.now();
    const rendering = renderEachReport(result, { threads: renderThreads(), onRendered: progress.tick }, async (report, i) => {
      reports[i] = await writeTemp(path.join('reports', report.name), report.bytes);
    }).finally(() => progress.stop());
    const writingData = (async (): Promise<[findingsJson: string, findingsCsv: string, rejects: string]> => [
      await writeTemp('findings.json', `${JSON.stringify(result.findings, null, 2)}\n`),
      await writeTemp('findings.csv', await findingsCsv(result.findings)),
      await writeTemp('rejects.csv', await rejectsCsv(result.rejects)),
    ])();
    // Both end before anything is renamed or removed; a data file's error first, then a report's.
    const [data, rendered] = await Promise.allSettled([writingData, rendering]);
    if (data.status === 'rejected') throw data.reason;
    if (rendered.status === 'rejected') throw rendered.reason;
    // The summary last, with the time the reports took among the run's durations: on a month of a
    // thousand merchants, rendering their PDFs is a third of the run (BENCHMARKS.md).
    const reportsMs = Math.round(performance.now() - renderingFrom);
    const summary = { ...result.summary, durationsMs: { ...result.summary.durationsMs, reports: reportsMs } };
    const summaryFile = await writeTemp('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
    const [findingsJson, findingsCsvFile, rejectsFile] = data.value;
    const files = [findingsJson, findingsCsvFile, summaryFile, rejectsFile];
    for (const { temp, final } of written) await rename(temp, final);
    return [...files, ...reports];
  } catch (err) {
    // Every removal finished before the run's own error is thrown (one that fails does not stop the others).
    await Promise.allSettled(written.map(({ temp }) => rm(temp, { force: true })));
    throw err;
  }
}

/**
 * Threads that render the PDF reports: SETTLE_AUDIT_WORKERS, as for the bulk path's workers, or
 * one per core.
 */
function renderThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SETTLE_AUDIT_WORKERS;
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new AuditError(ErrorCode.USAGE, `SETTLE_AUDIT_WORKERS must be an integer ≥ 1, got "${raw}"`);
  return n;
}
