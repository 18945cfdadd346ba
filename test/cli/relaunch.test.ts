import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINE_FLAGS, RELAUNCH_ENV, relaunchArgs } from '../../src/cli/relaunch.js';
import { generateMonth } from '../../bench/generate.js';
import { CONFIG_YAML } from '../state/_daily.js';

/**
 * The command line runs its work commands in a child process started with V8 flags (relaunch.ts):
 * what a user sees must not change. The exit code, the outputs and the signals pass through the
 * first process; a child whose first process is killed stops too.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(root, 'bin', 'settle-audit.js');
const BUNDLED = path.join(root, 'samples', 'bundled');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe('relaunchArgs', () => {
  const script = '/opt/settle-audit/bin/settle-audit.js';

  it('relaunches the work commands with the engine flags, keeping the Node options given', () => {
    expect(relaunchArgs(script, ['audit', '--config', 'c.yaml', 'a.csv'], ['--max-old-space-size=2048'], {})).toEqual([
      '--max-old-space-size=2048',
      ...ENGINE_FLAGS,
      script,
      'audit',
      '--config',
      'c.yaml',
      'a.csv',
    ]);
    for (const command of ['demo', 'schedule']) expect(relaunchArgs(script, [command], [], {})?.slice(0, ENGINE_FLAGS.length)).toEqual(ENGINE_FLAGS);
  });

  it('adds only the flags missing, and none when all are set (the child itself)', () => {
    expect(relaunchArgs(script, ['audit'], [ENGINE_FLAGS[0]!], {})).toEqual([ENGINE_FLAGS[0], ...ENGINE_FLAGS.slice(1), script, 'audit']);
    expect(relaunchArgs(script, ['audit'], [...ENGINE_FLAGS], {})).toBeUndefined();
  });

  it('runs the quick commands, and everything when turned off or debugged, in the first process', () => {
    for (const args of [[], ['formats'], ['history', '--state', 's.db'], ['--help'], ['--version']]) expect(relaunchArgs(script, args, [], {})).toBeUndefined();
    expect(relaunchArgs(script, ['audit'], [], { [RELAUNCH_ENV]: 'off' })).toBeUndefined();
    // A debugger is attached to the process it was asked of: the work stays there.
    expect(relaunchArgs(script, ['audit'], ['--inspect-brk=9230'], {})).toBeUndefined();
    expect(relaunchArgs(script, ['audit'], [], { [RELAUNCH_ENV]: 'on' })).toBeDefined();
    expect(() => relaunchArgs(script, ['audit'], [], { [RELAUNCH_ENV]: 'no' })).toThrow('SETTLE_AUDIT_RELAUNCH must be "on" or "off", got "no"');
  });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): { done: Promise<Run>; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { done, stderr: () => stderr };
}

/** The built command line, as `npx settle-audit` runs it (`npm test` builds it first). */
function runBin(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child).done;
}

describe('an audit through the first process', () => {
  it('gives the exit code and the outputs of the same audit run in one process', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    const { asOf } = JSON.parse(await readFile(path.join(BUNDLED, 'expected-findings.json'), 'utf8')) as { asOf: string };
    const audit = (out: string) => ['audit', '--config', path.join(BUNDLED, 'contracts.yaml'), '--out', out, '--as-of', asOf, '--fail-on', 'high', path.join(BUNDLED, 'input')];
    const relaunched = await runBin(audit(path.join(dir, 'relaunched')));
    const inProcess = await runBin(audit(path.join(dir, 'in-process')), { [RELAUNCH_ENV]: 'off' });
    // The bundled month has high and critical findings: --fail-on high exits 1.
    expect(relaunched.code).toBe(1);
    expect(inProcess.code).toBe(1);
    const findings = async (out: string) => JSON.parse(await readFile(path.join(dir, out, 'findings.json'), 'utf8')) as unknown[];
    expect((await findings('relaunched')).length).toBeGreaterThan(0);
    expect(await findings('relaunched')).toEqual(await findings('in-process'));
  });

  it('exits 2 on a bad SETTLE_AUDIT_RELAUNCH, as on any bad setting', async () => {
    const run = await runBin(['audit', '--config', 'c.yaml', '--out', path.join(tmpdir(), 'unused'), 'a.csv'], { [RELAUNCH_ENV]: 'no' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('settle-audit: SETTLE_AUDIT_RELAUNCH must be "on" or "off", got "no"\n');
  });

  it('exits 2 and names the file when the config cannot be read', async () => {
    const run = await runBin(['audit', '--config', '/nonexistent/contracts.yaml', '--out', path.join(tmpdir(), 'unused'), 'a.csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/contracts.yaml');
  });
});

/**
 * The scheduler through the first process, from the sources: the entry is the command line's
 * (bin/settle-audit.js) with one line more, which prints the process the work runs in and its
 * V8 flags.
 */
async function startScheduler(
  options: { dir?: string; config?: string; extra?: string[] } = {},
): Promise<{ launcher: ChildProcess; done: Promise<Run>; stderr: () => string; engine: { pid: number; execArgv: string[] }; inbox: string; out: string }> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-')));
  const entry = path.join(dir, 'entry.mjs');
  const source = (file: string) => JSON.stringify(pathToFileURL(path.join(root, 'src', 'cli', file)).href);
  await writeFile(
    entry,
    `import { relaunch, watchLauncher } from ${source('relaunch.ts')};
const args = process.argv.slice(2);
const code = await relaunch(process.argv[1], args);
if (code !== undefined) {
  process.exitCode = code;
} else {
  process.stderr.write('engine ' + JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');
  watchLauncher();
  const { main } = await import(${source('main.ts')});
  process.exitCode = await main(args);
}
`,
  );
  const config = options.config ?? path.join(dir, 'contracts.yaml');
  if (!options.config) await writeFile(config, CONFIG_YAML);
  const inbox = path.join(dir, 'inbox');
  const out = path.join(dir, 'out');
  await mkdir(inbox);
  const launcher = spawn(process.execPath, ['--import', tsxLoader, entry, 'schedule', '--config', config, '--inbox', inbox, '--out', out, ...(options.extra ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { done, stderr } = collect(launcher);
  await waitFor(/watching /, stderr);
  const line = /engine (.*)\n/.exec(stderr());
  if (!line) throw new Error(`no engine line: ${stderr()}`);
  return { launcher, done, stderr, engine: JSON.parse(line[1]!) as { pid: number; execArgv: string[] }, inbox, out };
}

async function waitFor(text: RegExp, stderr: () => string): Promise<void> {
  const until = Date.now() + 30_000;
  while (!text.test(stderr())) {
    if (Date.now() > until) throw new Error(`no ${text} in: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a process runs: one that has exited but is not yet reaped (a zombie, state Z in /proc) does not. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
};

describe('the scheduler through the first process', () => {
  it('runs in a child with the engine flags, and stops once on a Ctrl-C that reaches both processes', async () => {
    const { launcher, done, stderr, engine } = await startScheduler();
    expect(engine.pid).not.toBe(launcher.pid);
    for (const flag of ENGINE_FLAGS) expect(engine.execArgv).toContain(flag);
    // A terminal's Ctrl-C signals the whole foreground group: the child has it from the terminal,
    // then once more from the first process, which passes it on.
    process.kill(engine.pid, 'SIGINT');
    await waitFor(/stopping: /, stderr);
    launcher.kill('SIGINT');
    const run = await done;
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr.match(/stopping: waiting for a running audit to finish/g)).toHaveLength(1);
    expect(alive(engine.pid)).toBe(false);
  });

  it('finishes the audit in progress when the Ctrl-C reaches it twice', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    // A month long enough to audit for a few seconds.
    const month = generateMonth(path.join(dir, 'data'), { rows: 100_000, merchants: 50 });
    const { launcher, done, stderr, engine, inbox, out } = await startScheduler({ dir, config: month.configFile, extra: ['--cron', '* * * * * *', '--min-age', '0'] });
    for (const file of [month.acquirerFile, month.posFile]) {
      await copyFile(file, path.join(inbox, `${path.basename(file)}.part`));
      await rename(path.join(inbox, `${path.basename(file)}.part`), path.join(inbox, path.basename(file)));
    }
    // Audited once taken into processing.
    const processing = path.join(out, 'processing');
    const until = Date.now() + 30_000;
    while (!(existsSync(processing) && readdirSync(processing).length === 2)) {
      if (Date.now() > until) throw new Error(`the files were not taken: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(engine.pid, 'SIGINT');
    await waitFor(/stopping: /, stderr);
    launcher.kill('SIGINT');
    const run = await done;
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr).toMatch(/run 1 \(.*\) as of .*: 2 file\(s\): 2 audited, 0 already audited, 0 failed/);
    const [folder, ...more] = readdirSync(path.join(out, 'archive'));
    expect(more).toEqual([]);
    expect(readdirSync(path.join(out, 'archive', folder!)).sort()).toEqual([path.basename(month.acquirerFile), path.basename(month.posFile)].sort());
  });

  it('passes SIGTERM on to the child', async () => {
    const { launcher, done, engine } = await startScheduler();
    launcher.kill('SIGTERM');
    const run = await done;
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr).toMatch(/stopping: waiting for a running audit to finish/);
    expect(alive(engine.pid)).toBe(false);
  });

  it('stops the child when the first process is killed', async () => {
    const { launcher, done, engine } = await startScheduler();
    launcher.kill('SIGKILL');
    // Its streams close when the child, which shares them, has exited too: it stopped as on SIGTERM.
    const run = await done;
    expect(run.signal).toBe('SIGKILL');
    expect(run.stderr).toMatch(/stopping: waiting for a running audit to finish/);
    const until = Date.now() + 10_000;
    while (alive(engine.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(alive(engine.pid)).toBe(false);
  });
});
