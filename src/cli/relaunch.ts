/**
 * Why `audit` on a large input (1 GiB and more) runs in a child Node process with four V8 flags,
 * started by the command line itself (bin/settle-audit.js).
 *
 * A large run keeps every core busy with JavaScript: the bulk workers, then the report threads,
 * one per core. V8 also has threads of its own, which then compete with them for the same cores:
 * the optimizing compiler works in the background (`perf` put 15 % of a 5 M-row run's samples in
 * the compiler on those threads), and young-generation garbage collection is shared out between
 * them and the thread that allocated. With both done by the thread that needs them, the same run
 * takes less CPU and less time (BENCHMARKS.md, "What the tenth round changed"):
 *
 * - `--no-concurrent-recompilation`: a function is optimized on the thread that runs it, at once,
 *   instead of running unoptimized while another thread compiles it;
 * - `--no-parallel-scavenge`: each thread collects its own young generation alone;
 * - `--interrupt-budget=270336` (four times V8 11's default): a function is optimized after four
 *   times as much of its bytecode has run. The hot loops of a large run reach that within
 *   milliseconds; the many functions that run only warm (a report's layout steps, each run a few
 *   hundred times) stay in the baseline tier instead of taking the compiler's time on a busy core.
 *   Measured on the 5 M-row month, alternating: 0.5–0.8 s and about 1.1 s of CPU less a run
 *   (BENCHMARKS.md, "What the fourteenth round changed").
 * - `--heap-growing-percent=50`: after a full collection, a heap may grow to one and a half times
 *   what it kept before the next, where V8 lets a heap that collects fast (these keep 15–50 MiB)
 *   grow to four times. A worker that audits a large merchant in full keeps that merchant's records
 *   for a while; V8 then let its heap grow past 100 MiB of mostly garbage before collecting again,
 *   and the run's peak memory rose with the size of its merchants, not with its live data. Measured
 *   on the 5 M and 10 M-row months, alternating: peak RSS 386–402 and 436–437 MiB, against 449–476
 *   and 497–511 MiB, for 0.1–0.3 s more of a 9 s run (BENCHMARKS.md, "What the twentieth round
 *   changed").
 *
 * A small run is the other way round: its main thread is the critical path and a core is idle,
 * so compiling in the background is free, and compiling on the thread made the bundled samples'
 * audit take 1.8 s instead of 1.2. Hence the input size: the files and folders named on the
 * command line, added up before anything else runs (archives count as their compressed bytes).
 * The other commands run in the first process, as does `schedule`, whose daily deliveries are
 * small.
 *
 * V8 flags are the process's: a worker thread cannot be given its own, and setting them once V8
 * runs (`v8.setFlagsFromString`) is unsupported (garbage-collection flags changed that way crashed
 * a run). So the command line starts itself again with them, unless they are already set or a
 * debugger is asked for. `SETTLE_AUDIT_RELAUNCH=on` does so whatever the size, `off` never.
 *
 * The first process only waits: the child shares its standard streams (a terminal stays a
 * terminal, for the progress bar), gets the signals sent to it (SIGINT, SIGTERM, SIGHUP), and its
 * exit code, or the signal that ended it, becomes the first process's. A child whose first process
 * is gone (killed with SIGKILL, say) stops as on SIGTERM: it learns so from the IPC channel
 * between them (watchLauncher).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { ExitCode } from '../model/errors.js';

/** The V8 flags a large audit runs with (above). */
export const ENGINE_FLAGS: readonly string[] = ['--no-concurrent-recompilation', '--no-parallel-scavenge', '--interrupt-budget=270336', '--heap-growing-percent=50'];

/** The input size from which `audit` runs with ENGINE_FLAGS (above). */
export const RELAUNCH_MIN_BYTES = 2 ** 30;

/** `on` relaunches `audit` whatever its input size, `off` never; unset, the size decides. */
export const RELAUNCH_ENV = 'SETTLE_AUDIT_RELAUNCH';

/**
 * The options of `audit` that take a value: what follows them is not a FILE. Listed here rather
 * than read from the command line's definition (cli/main.ts), which imports every part of the
 * tool; a test holds the two lists equal.
 */
export const AUDIT_VALUE_OPTIONS: ReadonlySet<string> = new Set(['--config', '--out', '--state', '--as-of', '--fail-on']);

/** Set in the child's environment: it was started by the command line, over an IPC channel. */
const LAUNCHED_ENV = 'SETTLE_AUDIT_LAUNCHED';

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The arguments to start Node with to run the command line `args` (script first), or undefined
 * when it runs in this process: another command than `audit`, an input below RELAUNCH_MIN_BYTES
 * (`inputBytes` adds up its FILEs, up to that much), relaunching turned off, the flags already set,
 * or a debugger asked for (`--inspect…`: the work is debugged in the process it was asked of).
 * Throws on a RELAUNCH_ENV that is neither `on` nor `off`.
 */
export function relaunchArgs(
  script: string,
  args: readonly string[],
  execArgv: readonly string[],
  env: NodeJS.ProcessEnv,
  inputBytes: (files: readonly string[], enough: number) => number = sizeOf,
): string[] | undefined {
  if (args[0] !== 'audit') return undefined;
  const setting = env[RELAUNCH_ENV];
  if (setting !== undefined && setting !== '' && setting !== 'on' && setting !== 'off') throw new Error(`${RELAUNCH_ENV} must be "on" or "off", got "${setting}"`);
  if (setting === 'off') return undefined;
  if (execArgv.some((arg) => arg.startsWith('--inspect'))) return undefined;
  const missing = ENGINE_FLAGS.filter((flag) => !execArgv.includes(flag));
  if (missing.length === 0) return undefined;
  if (setting !== 'on' && inputBytes(auditFiles(args.slice(1)), RELAUNCH_MIN_BYTES) < RELAUNCH_MIN_BYTES) return undefined;
  return [...execArgv, ...missing, script, ...args];
}

/** The FILE operands of `audit`'s arguments (after the command): what is neither an option nor an option's value. */
export function auditFiles(args: readonly string[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      files.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('-')) {
      if (AUDIT_VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    files.push(arg);
  }
  return files;
}

/**
 * The bytes of these files, folders counted with everything in them, added up until `enough`;
 * a FILE@FORMAT_ID counts as its file (without the format registry splitForcedFormat in
 * pipeline/inputs.ts needs: the suffix is dropped when the whole name is not a file), and a path
 * that cannot be read as nothing (the audit reports it).
 */
function sizeOf(files: readonly string[], enough: number): number {
  let total = 0;
  const add = (file: string): void => {
    if (total >= enough) return;
    const info = statSync(file, { throwIfNoEntry: false });
    if (!info) {
      const at = file.lastIndexOf('@');
      if (at > 0) add(file.slice(0, at));
      return;
    }
    if (info.isFile()) total += info.size;
    else if (info.isDirectory()) {
      for (const entry of readdirSync(file)) add(`${file}/${entry}`);
    }
  };
  for (const file of files) {
    try {
      add(file);
    } catch {
      // Unreadable: the audit says so.
    }
  }
  return total;
}

/**
 * Runs the command line `args` in a child process started with ENGINE_FLAGS, when relaunchArgs
 * says so, and resolves to its exit code; to undefined when it is to run in this process (also
 * when no child process can be started: the work runs here, without the flags). A child ended by
 * a signal ends this process with the same signal. A bad RELAUNCH_ENV is bad usage: exit 2.
 */
export function relaunch(script: string, args: readonly string[]): Promise<number | undefined> {
  let argv: string[] | undefined;
  try {
    argv = relaunchArgs(script, args, process.execArgv, process.env);
  } catch (err) {
    process.stderr.write(`settle-audit: ${(err as Error).message}\n`);
    return Promise.resolve(ExitCode.USAGE);
  }
  if (!argv) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: { ...process.env, [LAUNCHED_ENV]: '1' } });
    let started = false;
    const forward = (signal: NodeJS.Signals) => {
      // A child already gone has nothing to be told.
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once('spawn', () => (started = true));
    child.on('error', (err) => {
      if (started) return;
      done();
      process.stderr.write(`settle-audit: no child process (${err.message}): running without ${ENGINE_FLAGS.join(' ')}\n`);
      resolve(undefined);
    });
    child.once('exit', (code, signal) => {
      done();
      if (signal) {
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}

/** The FILE operands of the audit this process runs as the child relaunch started; none in any other process. */
export function relaunchedAuditFiles(args: readonly string[]): string[] {
  return process.env[LAUNCHED_ENV] === '1' && args[0] === 'audit' ? auditFiles(args.slice(1)) : [];
}

/**
 * In a child started by relaunch: stops it as on SIGTERM when the first process is gone, and lets
 * the IPC channel with it not keep the child running.
 */
export function watchLauncher(): void {
  if (process.env[LAUNCHED_ENV] !== '1' || !process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
