#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { AuditError, ExitCode } from '../model/errors.js';
import { PARSERS } from '../parsers/index.js';
import { TOOL } from '../pipeline/tool.js';
import { auditCommand } from './audit.js';
import { demoCommand } from './demo.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

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
    .option('--state <db>', 'SQLite state store')
    .option('--as-of <date>', 'audit as of this day (YYYY-MM-DD); default today')
    .option('--fail-on <severity>', 'exit 1 when a finding at or above this severity exists')
    .argument('<file...>', 'files, .zip/.gz archives or folders; FILE@FORMAT_ID forces a format')
    .action(async (files: string[], opts) => setExit(await auditCommand(files, opts, log)));

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
