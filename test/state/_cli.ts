import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const entry = `import { main } from ${JSON.stringify(pathToFileURL(path.join(root, 'src/cli/main.ts')).href)}; process.exitCode = await main(process.argv.slice(1));`;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** Runs the command line in a real child process (the sources through tsx), in `cwd`. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', entry, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Columns that hold the wall clock: they differ between two otherwise identical runs. */
const CLOCK_COLUMNS = new Set(['started_at', 'finished_at']);

/**
 * Every row of every table of a state store, in a stable order, and its schema version: two
 * stores with the same dump hold the same state. With `withClock: false` the wall-clock columns
 * are left out, to compare a rerun with an uninterrupted run.
 */
export function dumpState(file: string, options: { withClock?: boolean } = {}): Record<string, unknown> {
  const db = new Database(file);
  try {
    const out: Record<string, unknown> = { user_version: db.pragma('user_version', { simple: true }) };
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    for (const t of tables) {
      const rows = db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[];
      out[t] = rows
        .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => options.withClock !== false || !CLOCK_COLUMNS.has(k)))))
        .sort();
    }
    return out;
  } finally {
    db.close();
  }
}
