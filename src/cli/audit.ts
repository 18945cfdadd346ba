import { AuditError, ErrorCode, ExitCode } from '../model/errors.js';
import { SEVERITIES, severityRank, type Severity } from '../model/finding.js';
import { runAudit, type AuditResult } from '../pipeline/audit.js';
import { writeOutputs } from '../pipeline/outputs.js';
import { auditWithStateFile, describeState } from '../pipeline/stateful-audit.js';
import { loadConfig } from './load-config.js';

export interface AuditCommandOptions {
  config: string;
  out: string;
  state?: string;
  asOf?: string;
  failOn?: string;
}

/** `settle-audit audit`: runs one audit and writes its outputs; returns the exit code. */
export async function auditCommand(files: string[], opts: AuditCommandOptions, log: (line: string) => void): Promise<number> {
  if (files.length === 0) throw new AuditError(ErrorCode.USAGE, 'audit: give at least one FILE (a file, a .zip or .gz, or a folder)');
  if (opts.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf)) {
    throw new AuditError(ErrorCode.USAGE, `--as-of: expected YYYY-MM-DD, got "${opts.asOf}"`);
  }
  const failOn = parseFailOn(opts.failOn);
  const config = await loadConfig(opts.config);
  let result: AuditResult;
  if (opts.state) {
    // With a state store: re-delivered files skipped, open items carried, one commit (DESIGN.md section 7).
    const outcome = await auditWithStateFile(opts.state, { config, files, asOf: opts.asOf, warn: log, out: { dir: opts.out, layout: 'flat' } });
    result = outcome.result;
    log(describeState(outcome, opts.state));
  } else {
    result = await runAudit({ config, files, asOf: opts.asOf, warn: log });
    await writeOutputs(result, opts.out);
  }
  log(describe(result, opts.out));
  return exitCodeOf(result, failOn);
}

export function parseFailOn(value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(value)) {
    throw new AuditError(ErrorCode.USAGE, `--fail-on: expected one of ${SEVERITIES.join(', ')}, got "${value}"`);
  }
  return value as Severity;
}

export function exitCodeOf(result: AuditResult, failOn: Severity | undefined): number {
  if (result.unreadable.length > 0) return ExitCode.INPUT;
  if (failOn && result.findings.some((f) => severityRank(f.severity) >= severityRank(failOn))) return ExitCode.FINDINGS;
  return ExitCode.OK;
}

export function describe(result: AuditResult, out: string): string {
  const s = result.summary;
  const bySeverity = SEVERITIES.map((sev) => `${s.counts.bySeverity[sev] ?? 0} ${sev}`).join(', ');
  const lines = [
    `${s.runId}: ${s.inputs.length} input(s), ${s.counts.findings} finding(s) (${bySeverity}), ${s.rejects} reject(s), ${s.openItems.length} open item(s) -> ${out}`,
  ];
  for (const u of result.unreadable) lines.push(`unreadable: ${u.error}`);
  for (const skipped of s.rules.filter((r) => !r.ran)) lines.push(`rule ${skipped.id} skipped: ${skipped.skippedBecause}`);
  return lines.join('\n');
}
