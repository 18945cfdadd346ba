import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { AUDIT_VALUE_OPTIONS, ENGINE_FLAGS, RELAUNCH_ENV, RELAUNCH_MIN_BYTES, auditFiles, relaunchArgs } from '../../src/cli/relaunch.js';

/**
 * `audit` on a large input runs in a child process started with V8 flags (relaunch.ts): what a
 * user sees must not change. The exit code, the outputs and the signals pass through the first
 * process; a child whose first process is killed stops too.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(root, 'bin', 'settle-audit.js');
const BUNDLED = path.join(root, 'samples', 'bundled');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe('relaunchArgs', () => {
  const script = '/opt/settle-audit/bin/settle-audit.js';
  const large = () => RELAUNCH_MIN_BYTES;
  const small = () => RELAUNCH_MIN_BYTES - 1;

  it('relaunches an audit of 1 GiB or more with the engine flags, keeping the Node options given', () => {
    expect(relaunchArgs(script, ['audit', '--config', 'c.yaml', 'a.csv'], ['--max-old-space-size=2048'], {}, large)).toEqual([
      '--max-old-space-size=2048',
      ...ENGINE_FLAGS,
      script,
      'audit',
      '--config',
      'c.yaml',
      'a.csv',
    ]);
    expect(relaunchArgs(script, ['audit', 'a.csv'], [], {}, small)).toBeUndefined();
  });

  it('adds only the flags missing, and none when all are set (the child itself)', () => {
    expect(relaunchArgs(script, ['audit'], [ENGINE_FLAGS[0]!], {}, large)).toEqual([ENGINE_FLAGS[0], ...ENGINE_FLAGS.slice(1), script, 'audit']);
    expect(relaunchArgs(script, ['audit'], [...ENGINE_FLAGS], {}, large)).toBeUndefined();
  });

  it('runs the other commands, and an audit turned off or debugged, in the first process', () => {
    for (const args of [[], ['formats'], ['history', '--state', 's.db'], ['demo'], ['schedule'], ['--help'], ['--version']]) {
      expect(relaunchArgs(script, args, [], {}, large)).toBeUndefined();
    }
    expect(relaunchArgs(script, ['audit'], [], { [RELAUNCH_ENV]: 'off' }, large)).toBeUndefined();
    // A debugger is attached to the process it was asked of: the work stays there.
    expect(relaunchArgs(script, ['audit'], ['--inspect-brk=9230'], {}, large)).toBeUndefined();
    expect(relaunchArgs(script, ['audit'], [], { [RELAUNCH_ENV]: 'on' }, small)).toBeDefined();
    expect(() => relaunchArgs(script, ['audit'], [], { [RELAUNCH_ENV]: 'no' }, large)).toThrow('SETTLE_AUDIT_RELAUNCH must be "on" or "off", got "no"');
  });

  it('knows the audit options that take a value as the command line defines them', () => {
    const audit = buildProgram(() => {}).commands.find((c) => c.name() === 'audit')!;
    expect(new Set(audit.options.filter((o) => o.required || o.optional).map((o) => o.long))).toEqual(AUDIT_VALUE_OPTIONS);
  });

  it('adds up the FILEs an audit names, not its options', () => {
    expect(auditFiles(['--config', 'c.yaml', 'a.csv', '--out', 'out', '--as-of', '2026-11-30', 'b.zip@wechat-bill', '--fail-on', 'high', '--state', 's.db', 'inbox/'])).toEqual([
      'a.csv',
      'b.zip@wechat-bill',
      'inbox/',
    ]);
    expect(auditFiles(['--config', 'c.yaml', '--out', 'o', '--', '--odd-name.csv'])).toEqual(['--odd-name.csv']);
  });

  it('measures the files, folders and FILE@FORMAT_ID named, on disk', async () => {
    // Sparse files: their size without the disk space.
    const dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    const sparse = (file: string, bytes: number) => {
      const fd = openSync(file, 'w');
      ftruncateSync(fd, bytes);
      closeSync(fd);
    };
    mkdirSync(path.join(dir, 'folder', 'deeper'), { recursive: true });
    sparse(path.join(dir, 'folder', 'deeper', 'acquirer.csv'), RELAUNCH_MIN_BYTES / 2);
    sparse(path.join(dir, 'pos.csv'), RELAUNCH_MIN_BYTES / 2);
    const audit = (...files: string[]) => relaunchArgs(script, ['audit', '--config', 'c.yaml', '--out', 'o', ...files], [], {});
    expect(audit(path.join(dir, 'folder'), `${path.join(dir, 'pos.csv')}@pos-journal`)).toBeDefined();
    expect(audit(path.join(dir, 'folder'))).toBeUndefined();
    expect(audit(path.join(dir, 'folder'), path.join(dir, 'missing.csv'))).toBeUndefined();
    expect(audit(path.join(BUNDLED, 'input'))).toBeUndefined();
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

const bundledAudit = async (out: string) => {
  const { asOf } = JSON.parse(await readFile(path.join(BUNDLED, 'expected-findings.json'), 'utf8')) as { asOf: string };
  return ['audit', '--config', path.join(BUNDLED, 'contracts.yaml'), '--out', out, '--as-of', asOf, '--fail-on', 'high', path.join(BUNDLED, 'input')];
};

describe('an audit through the first process', () => {
  it('gives the exit code and the outputs of the same audit run in one process', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    const relaunched = await runBin(await bundledAudit(path.join(dir, 'relaunched')), { [RELAUNCH_ENV]: 'on' });
    const inProcess = await runBin(await bundledAudit(path.join(dir, 'in-process')), { [RELAUNCH_ENV]: 'off' });
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
    const run = await runBin(['audit', '--config', '/nonexistent/contracts.yaml', '--out', path.join(tmpdir(), 'unused'), 'a.csv'], { [RELAUNCH_ENV]: 'on' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/contracts.yaml');
  });

  it('ends a large audit that fails on its contract without waiting for its files to be hashed', async () => {
    // 16 GiB of nothing (a sparse file): the thread that hashes it from the start
    // (src/pipeline/bulk/hash-ahead.ts) would take over ten seconds.
    const dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    const file = path.join(dir, 'large.csv');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 16 * 1024 ** 3);
    closeSync(fd);
    try {
      const started = Date.now();
      const run = await runBin(['audit', '--config', '/nonexistent/contracts.yaml', '--out', path.join(dir, 'out'), file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('/nonexistent/contracts.yaml');
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The command line from the sources: the entry is bin/settle-audit.js with one line more, which
 * prints the process the work runs in and its V8 flags.
 */
async function start(args: string[], env: Record<string, string> = {}): Promise<{ launcher: ChildProcess; done: Promise<Run>; stderr: () => string; engine: { pid: number; execArgv: string[] } }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
  const entry = path.join(dir, 'entry.mjs');
  const source = (file: string) => JSON.stringify(pathToFileURL(path.join(root, 'src', 'cli', file)).href);
  await writeFile(
    entry,
    `import { relaunch, relaunchedAuditFiles, watchLauncher } from ${source('relaunch.ts')};
const args = process.argv.slice(2);
const code = await relaunch(process.argv[1], args);
if (code !== undefined) {
  process.exitCode = code;
} else {
  process.stderr.write('engine ' + JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');
  watchLauncher();
  const files = relaunchedAuditFiles(args);
  if (files.length > 0) (await import(${JSON.stringify(pathToFileURL(path.join(root, 'src', 'pipeline', 'bulk', 'hash-ahead.ts')).href)})).hashAhead(files);
  const { main } = await import(${source('main.ts')});
  process.exitCode = await main(args);
}
`,
  );
  const launcher = spawn(process.execPath, ['--import', tsxLoader, entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { done, stderr } = collect(launcher);
  await waitFor(/engine .*\n/, stderr);
  const line = /engine (.*)\n/.exec(stderr())!;
  return { launcher, done, stderr, engine: JSON.parse(line[1]!) as { pid: number; execArgv: string[] } };
}

async function waitFor(text: RegExp, stderr: () => string): Promise<void> {
  const until = Date.now() + 30_000;
  while (!text.test(stderr())) {
    if (Date.now() > until) throw new Error(`no ${text} in: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
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

describe('a relaunched audit and its first process', () => {
  it('runs a small audit in the first process, without the flags', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    const { launcher, done, engine } = await start(await bundledAudit(out));
    expect(engine.pid).toBe(launcher.pid);
    for (const flag of ENGINE_FLAGS) expect(engine.execArgv).not.toContain(flag);
    expect((await done).code).toBe(1);
  });

  it('runs the audit in a child with the flags, and passes SIGTERM on to it', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    const { launcher, done, engine } = await start(await bundledAudit(out), { [RELAUNCH_ENV]: 'on' });
    expect(engine.pid).not.toBe(launcher.pid);
    for (const flag of ENGINE_FLAGS) expect(engine.execArgv).toContain(flag);
    launcher.kill('SIGTERM');
    // The child ended by the signal; the first process then ends by the same signal.
    expect((await done).signal).toBe('SIGTERM');
    expect(alive(engine.pid)).toBe(false);
    expect(existsSync(path.join(out, 'findings.json'))).toBe(false);
  });

  it('stops the child when the first process is killed', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'settle-audit-relaunch-'));
    const { launcher, done, engine } = await start(await bundledAudit(out), { [RELAUNCH_ENV]: 'on' });
    launcher.kill('SIGKILL');
    // The streams close when the child, which shares them, has exited too.
    expect((await done).signal).toBe('SIGKILL');
    const until = Date.now() + 10_000;
    while (alive(engine.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(alive(engine.pid)).toBe(false);
    expect(existsSync(path.join(out, 'findings.json'))).toBe(false);
  });
});
