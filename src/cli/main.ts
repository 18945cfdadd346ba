#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { AuditError, ExitCode } from '../model/errors.js';
import { maskPans } from '../model/pan.js';
import { PARSERS } from '../parsers/index.js';
import { TOOL } from '../pipeline/tool.js';
import { auditCommand } from './audit.js';
import { demoCommand } from './demo.js';
import type { ScheduleCommandOptions } from './schedule.js';

/** The schedule and history commands, with node-cron, loaded only when one of them runs. */
const scheduling = () => import('./schedule.js');

// Log lines can quote file names and rows: card numbers in them are masked like in every output.
const log = (line: string) => process.stderr.write(`${maskPans(line)}\n`);

/** Builds the command line (DESIGN.md section 2). Each action sets the exit code it returns. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command()
    .name('settle-audit')
    .description('Audits payment settlement files against the POS journal, the bank statement, the contract and the regulation.')
    .version(TOOL.version)
    .exitOverride()
    .showHelpAfterError();

  program
    .command('audit')
    .description('audit settlement files and write findings, summary, rejects and PDF reports')
    .requiredOption('--config <file>', 'contract configuration (YAML or JSON)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--state <db>', 'SQLite state store: skip files already audited, carry open items to the next run')
    .option('--as-of <date>', 'audit as of this day (YYYY-MM-DD); default today')
    .option('--fail-on <severity>', 'exit 1 when a finding at or above this severity exists')
    .argument('<file...>', 'files, .zip/.gz archives or folders; FILE@FORMAT_ID forces a format')
    .action(async (files: string[], opts) => setExit(await auditCommand(files, opts, log)));

  program
    .command('schedule')
    .description('audit the inbox on a cron schedule: inbox -> processing -> archive (or failed), one dated output folder per run')
    .requiredOption('--config <file>', 'contract configuration (YAML or JSON)')
    .requiredOption('--inbox <dir>', 'folder where settlement files are delivered')
    .requiredOption('--out <dir>', 'output folder: <out>/<YYYY-MM-DD>[-N]/ per run, <out>/archive, <out>/failed')
    .option('--cron <expr>', 'cron expression, in the contract time zone', '0 6 * * *')
    .option('--state <db>', 'SQLite state store (default <out>/settle-audit.db)')
    .option('--min-age <seconds>', 'leave files modified more recently than this for the next run', '5')
    .action(async (opts: ScheduleCommandOptions) => setExit(await (await scheduling()).scheduleCommand(opts, log)));

  program
    .command('history')
    .description('list the runs recorded in a state store, or with --open its open items')
    .requiredOption('--state <db>', 'SQLite state store')
    .option('--open', 'list the open items (awaiting settlement or credit, and overdue ones)')
    .action(async (opts: { state: string; open?: boolean }) => setExit((await scheduling()).historyCommand(opts, (line) => process.stdout.write(`${line}\n`))));

  program
    .command('demo')
    .description('generate the bundled sample set and audit it')
    .option('--out <dir>', 'output folder', 'demo-out')
    .action(async (opts: { out: string }) => setExit(await demoCommand(opts.out, log)));

  program
    .command('formats')
    .description('list the input formats settle-audit reads')
    .action(() => {
      for (const p of PARSERS) process.stdout.write(`${p.id.padEnd(22)} ${p.role.padEnd(9)} ${p.description}\n`);
      setExit(ExitCode.OK);
    });
  return program;
}

/** Runs the command line and returns the exit code: 0 ok, 1 findings at --fail-on, 2 usage/config, 3 input. */
export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.OK;
  try {
    await buildProgram((c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (err instanceof AuditError) {
      log(`settle-audit: ${err.message}`);
      return err.exitCode;
    }
    log(`settle-audit: internal error: ${(err as Error).stack ?? String(err)}`);
    return ExitCode.INPUT;
  }
}
