import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHORT_MERCHANTS, generateMonth, type GeneratedMonth } from './generate.js';

/**
 * `npm run bench [-- --rows N --runs R --speedup-rows M --state --bank]`: generates a month of GBK
 * data (N acquirer rows, default 5 000 000, plus the matching POS journal) and measures, each as a
 * whole process timed from outside (wall clock and peak RSS by /usr/bin/time):
 *
 * - the floor: counting the newlines of the same files;
 * - `settle-audit audit` end to end (parse, match, every rule, findings, summary, PDF reports);
 * - DuckDB doing the equivalent anti-joins in SQL, transcoding time included;
 * - the parse stage alone on the same acquirer file and POS journal, in one worker thread and in
 *   two on byte ranges (bench/parse-stage.ts), as the performance issue's reference figures were
 *   measured;
 * - the audit at M rows (default 1 000 000) with one worker and with two, for the speed-up, and
 *   CSV splitting alone on that acquirer file with fast-csv, udsv and the parsers' splitCsvLine;
 * - with `--state`, `settle-audit audit --state` of the month into a new state store, then of the
 *   same files again the next day (skipped as already audited). The month has no bank statement,
 *   so every settlement day stays open with its records: the heaviest a store gets;
 * - with `--bank`, the audit again with the month's bank statements (one ICBC export a merchant,
 *   every settlement day credited when due), as an accountant's month is audited, with the bulk
 *   path's screen and without (`SETTLE_AUDIT_SCREEN=off`); and with the statements of 50
 *   merchants credited 1 元 short every day, a month with about a thousand findings;
 * - with both, `settle-audit audit --state` of the month with its bank statements into a new
 *   store, with the screen and without: an accountant's month kept in a store.
 *
 * Prints a table and writes bench-result.json. R runs of each (default 1) give medians.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const BIN = path.join(root, 'bin', 'settle-audit.js');
const FLOOR = path.join(here, 'floor.js');
const DUCKDB = path.join(here, 'duckdb.js');
const CSV_PARSERS = path.join(here, 'csv-parsers.js');
const PARSE_STAGE = path.join(here, 'parse-stage.js');
const TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));

interface Args {
  rows: number;
  out: string;
  runs: number;
  speedupRows: number;
  state: boolean;
  bank: boolean;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (name: string, fallback: number, min: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
    return n;
  };
  return {
    rows: int('rows', 5_000_000, 100),
    out: value('out') ?? 'bench-out',
    runs: int('runs', 1, 1),
    speedupRows: int('speedup-rows', 1_000_000, 0),
    state: argv.includes('--state'),
    bank: argv.includes('--bank'),
  };
}

interface Timed {
  seconds: number;
  peakRssMiB: number | null;
  stdout: string;
  /** Load average when the run started: above the core count, the figure is noisy. */
  load: number;
}

/** Runs a command as a whole process and measures it from outside. */
function timeProcess(cmd: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const load = loadavg()[0] ?? 0;
  const stats = path.join(tmpdir(), `settle-audit-bench-${process.pid}.time`);
  const argv = TIME ? [TIME, '-f', '%e %M', '-o', stats, ...cmd] : cmd;
  const started = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd.join(' ')} exited with ${r.status ?? r.signal}`);
  let seconds = wall;
  let peakRssMiB: number | null = null;
  if (TIME) {
    const [elapsed, rssKb] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    seconds = elapsed ?? wall;
    peakRssMiB = rssKb === undefined ? null : Math.round(rssKb / 1024);
    rmSync(stats, { force: true });
  }
  return { seconds, peakRssMiB, stdout: r.stdout.toString(), load };
}

/** The median run (by seconds) of `runs` runs. */
function median(runs: number, fn: () => Timed): Timed & { all: number[] } {
  const results = Array.from({ length: runs }, fn).sort((a, b) => a.seconds - b.seconds);
  return { ...results[Math.floor((results.length - 1) / 2)]!, all: results.map((r) => r.seconds) };
}

/** Generates a month, or reuses one generated before with the same row count. */
function month(out: string, rows: number, log: (line: string) => void): GeneratedMonth & { generateSeconds: number | null } {
  const dir = path.join(out, `data-${rows}`);
  const manifest = path.join(dir, 'generated.json');
  if (existsSync(manifest)) {
    const previous = JSON.parse(readFileSync(manifest, 'utf8')) as GeneratedMonth & { requestedRows?: number };
    const complete = existsSync(previous.acquirerFile) && existsSync(previous.posFile) && previous.bankDir !== undefined && existsSync(previous.bankDir) && previous.bankShortDir !== undefined && existsSync(previous.bankShortDir);
    if (previous.requestedRows === rows && complete) {
      log(`reusing the month of ${rows} acquirer rows in ${dir}`);
      return { ...previous, generateSeconds: null };
    }
  }
  log(`generating ${rows} acquirer rows and the POS journal (GBK) in ${dir}`);
  const t = performance.now();
  const generated = generateMonth(dir, { rows });
  writeFileSync(manifest, `${JSON.stringify({ ...generated, requestedRows: rows }, null, 2)}\n`);
  return { ...generated, generateSeconds: (performance.now() - t) / 1000 };
}

interface AuditRun extends Timed {
  all: number[];
  durationsMs: Record<string, number>;
  byRule: Record<string, number>;
  openSales: number;
}

function audit(data: GeneratedMonth, outDir: string, runs: number, env: NodeJS.ProcessEnv): AuditRun {
  const run = median(runs, () => {
    rmSync(outDir, { recursive: true, force: true });
    return timeProcess(['node', BIN, 'audit', '--config', data.configFile, '--out', outDir, '--as-of', data.asOf, data.acquirerFile, data.posFile], env);
  });
  const summary = JSON.parse(readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as {
    durationsMs: Record<string, number>;
    counts: { byRule: Record<string, number> };
    openItems: { kind: string }[];
  };
  return {
    ...run,
    durationsMs: summary.durationsMs,
    byRule: summary.counts.byRule,
    openSales: summary.openItems.filter((o) => o.kind === 'sale-awaiting-settlement').length,
  };
}

const s = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms) / 1000);

function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  const env = { ...process.env, SETTLE_AUDIT_PROGRESS: process.env.SETTLE_AUDIT_PROGRESS ?? '1' };
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

  const data = month(args.out, args.rows, log);
  const files = [data.acquirerFile, data.posFile];

  // Every tool below reads the same files: one unmeasured read first, so that all see a warm page cache.
  timeProcess(['node', FLOOR, ...files]);
  log('floor: counting newlines');
  const floor = median(args.runs, () => timeProcess(['node', FLOOR, ...files]));
  log(`settle-audit audit (${args.runs} run(s))`);
  const full = audit(data, path.join(args.out, 'audit'), args.runs, env);
  log('DuckDB');
  const duckWork = path.join(args.out, 'duckdb');
  mkdirSync(duckWork, { recursive: true });
  const duck = median(args.runs, () => timeProcess(['node', DUCKDB, data.acquirerFile, data.posFile, duckWork]));
  const duckOut = JSON.parse(duck.stdout) as {
    transcodeSeconds: number;
    querySeconds: number;
    threads: number;
    chargedWithoutSale: { rows: number };
    saleNotSettled: { rows: number };
  };
  rmSync(duckWork, { recursive: true, force: true });

  // The parse stage alone, one thread against two, on the month's own files.
  const parseStage: Record<string, { oneThreadSeconds: number; twoThreadsSeconds: number; speedup: number }> = {};
  for (const [format, file] of [
    ['acquirer-csv', data.acquirerFile],
    ['pos-journal', data.posFile],
  ] as const) {
    const seconds = (threads: number) => {
      log(`parse stage: ${format}, ${threads} thread(s)`);
      return median(args.runs, () => {
        const t = timeProcess(['node', PARSE_STAGE, file, format, String(threads)]);
        return { ...t, seconds: (JSON.parse(t.stdout) as { seconds: number }).seconds };
      }).seconds;
    };
    const one = seconds(1);
    const two = seconds(2);
    parseStage[format] = { oneThreadSeconds: one, twoThreadsSeconds: two, speedup: Math.round((one / two) * 100) / 100 };
  }

  let stateful: Record<string, unknown> | undefined;
  if (args.state) {
    const dir = path.join(args.out, 'audit-state');
    const store = path.join(dir, 'state.db');
    const statefulRun = (asOf: string, out: string) => {
      const cmd = ['node', BIN, 'audit', '--config', data.configFile, '--out', path.join(dir, out), '--state', store, '--as-of', asOf, data.acquirerFile, data.posFile];
      return timeProcess(cmd, env);
    };
    const nextDay = (iso: string) => new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    log('settle-audit audit --state, a new store');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const first = statefulRun(data.asOf, 'first');
    const storeMiB = Math.round(statSync(store).size / 2 ** 20);
    log('settle-audit audit --state, the same files the next day');
    const again = statefulRun(nextDay(data.asOf), 'again');
    rmSync(dir, { recursive: true, force: true });
    stateful = {
      seconds: first.seconds,
      peakRssMiB: first.peakRssMiB,
      storeMiB,
      redeliveredSeconds: again.seconds,
      redeliveredPeakRssMiB: again.peakRssMiB,
      load: first.load,
    };
  }

  let withBank:
    | {
        seconds: number;
        peakRssMiB: number | null;
        unscreenedSeconds: number;
        unscreenedPeakRssMiB: number | null;
        creditedShort: { findings: number; seconds: number; peakRssMiB: number | null };
        /** With `--state` too: into a new store, with the screen and without. */
        stateful?: { seconds: number; peakRssMiB: number | null; storeMiB: number; unscreenedSeconds: number; unscreenedPeakRssMiB: number | null };
        runs: Record<string, number[]>;
      }
    | undefined;
  if (args.bank) {
    const dir = path.join(args.out, 'audit-bank');
    const bankRun = (screen: 'on' | 'off', bankDir = data.bankDir) => {
      log(`settle-audit audit with the bank statements${bankDir === data.bankDir ? '' : ` of ${SHORT_MERCHANTS} merchants credited short`}, screen ${screen}`);
      return median(args.runs, () => {
        rmSync(dir, { recursive: true, force: true });
        const cmd = ['node', BIN, 'audit', '--config', data.configFile, '--out', dir, '--as-of', data.asOf, data.acquirerFile, data.posFile, bankDir];
        return timeProcess(cmd, { ...env, SETTLE_AUDIT_SCREEN: screen });
      });
    };
    const on = bankRun('on');
    const off = bankRun('off');
    // A month with a thousand findings: what the reports of a month gone wrong cost.
    const short = bankRun('on', data.bankShortDir);
    const shortFindings = (JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { counts: { findings: number } }).counts.findings;
    rmSync(dir, { recursive: true, force: true });
    let stateful: NonNullable<typeof withBank>['stateful'];
    const statefulRuns: Record<string, number[]> = {};
    if (args.state) {
      const store = path.join(args.out, 'audit-bank-state.db');
      let storeMiB = 0;
      const statefulRun = (screen: 'on' | 'off') => {
        log(`settle-audit audit --state with the bank statements, a new store, screen ${screen}`);
        return median(args.runs, () => {
          rmSync(dir, { recursive: true, force: true });
          for (const f of [store, `${store}-wal`, `${store}-shm`]) rmSync(f, { force: true });
          const cmd = ['node', BIN, 'audit', '--config', data.configFile, '--out', dir, '--state', store, '--as-of', data.asOf, data.acquirerFile, data.posFile, data.bankDir];
          const run = timeProcess(cmd, { ...env, SETTLE_AUDIT_SCREEN: screen });
          storeMiB = Math.round(statSync(store).size / 2 ** 20);
          return run;
        });
      };
      const sOn = statefulRun('on');
      const storeOn = storeMiB;
      const sOff = statefulRun('off');
      for (const f of [store, `${store}-wal`, `${store}-shm`]) rmSync(f, { force: true });
      rmSync(dir, { recursive: true, force: true });
      stateful = { seconds: sOn.seconds, peakRssMiB: sOn.peakRssMiB, storeMiB: storeOn, unscreenedSeconds: sOff.seconds, unscreenedPeakRssMiB: sOff.peakRssMiB };
      Object.assign(statefulRuns, { statefulScreened: sOn.all, statefulUnscreened: sOff.all });
    }
    withBank = {
      seconds: on.seconds,
      peakRssMiB: on.peakRssMiB,
      unscreenedSeconds: off.seconds,
      unscreenedPeakRssMiB: off.peakRssMiB,
      creditedShort: { findings: shortFindings, seconds: short.seconds, peakRssMiB: short.peakRssMiB },
      ...(stateful ? { stateful } : {}),
      runs: { screened: on.all, unscreened: off.all, creditedShort: short.all, ...statefulRuns },
    };
  }

  let speedup: Record<string, unknown> | undefined;
  if (args.speedupRows > 0) {
    const small = month(args.out, args.speedupRows, log);
    const runs: Record<string, AuditRun> = {};
    for (const workers of [1, 2]) {
      log(`speed-up: ${args.speedupRows} rows, ${workers} worker(s)`);
      runs[workers] = audit(small, path.join(args.out, `audit-${workers}w`), args.runs, { ...env, SETTLE_AUDIT_WORKERS: String(workers) });
    }
    const one = runs[1]!;
    const two = runs[2]!;
    const ratio = (k: string) => Math.round(((one.durationsMs[k] ?? 0) / (two.durationsMs[k] || 1)) * 100) / 100;
    // CSV splitting alone on the same acquirer file: fast-csv (of record), udsv, and the parsers' splitCsvLine.
    const csv: Record<string, number> = {};
    for (const parser of ['fast-csv', 'udsv', 'lines']) {
      log(`CSV splitting with ${parser}, ${args.speedupRows} rows`);
      csv[parser] = median(args.runs, () => timeProcess(['node', CSV_PARSERS, parser, small.acquirerFile])).seconds;
    }
    speedup = {
      rows: args.speedupRows,
      csvSplittingSeconds: { fastCsv: csv['fast-csv'], udsv: csv.udsv, splitCsvLine: csv.lines },
      oneWorker: { seconds: one.seconds, partitionSeconds: s(one.durationsMs.partition), auditStageSeconds: s(one.durationsMs.audit), load: one.load },
      twoWorkers: { seconds: two.seconds, partitionSeconds: s(two.durationsMs.partition), auditStageSeconds: s(two.durationsMs.audit), load: two.load },
      partitionSpeedup: ratio('partition'),
      auditStageSpeedup: ratio('audit'),
    };
  }

  const runAuditMs = ['load', 'partition', 'audit', 'identity', 'rules'].reduce((n, k) => n + (full.durationsMs[k] ?? 0), 0);
  const result = {
    rows: args.rows,
    posRows: data.posRows,
    bytes: data.bytes,
    auditSeconds: full.seconds,
    auditPeakRssMiB: full.peakRssMiB,
    floorSeconds: floor.seconds,
    duckdbSeconds: duck.seconds,
    ratio: Math.round((full.seconds / duck.seconds) * 100) / 100,
    // The audit less its PDF reports, against the same DuckDB figure: the SQL renders no report.
    // Not the target's ratio, which is the whole run's; it tells the reports' share apart. The
    // reports' time is the last run's (as every stage's), the audit's the median's.
    ratioWithoutReports: full.durationsMs.reports === undefined ? null : Math.round(((full.seconds - full.durationsMs.reports / 1000) / duck.seconds) * 100) / 100,
    stages: {
      generateSeconds: data.generateSeconds === null ? null : Math.round(data.generateSeconds * 10) / 10,
      audit: {
        loadSeconds: s(full.durationsMs.load),
        partitionSeconds: s(full.durationsMs.partition),
        auditStageSeconds: s(full.durationsMs.audit),
        identitySeconds: s(full.durationsMs.identity),
        runRulesSeconds: s(full.durationsMs.rules),
        outputsAndStartupSeconds: Math.round((full.seconds - runAuditMs / 1000) * 10) / 10,
        // Of those, rendering and writing the PDF reports (summary.json's durations, from the last run).
        reportsSeconds: s(full.durationsMs.reports),
        workerCpuSeconds: {
          read: s(full.durationsMs.readCpu),
          screen: s(full.durationsMs.screenCpu),
          parse: s(full.durationsMs.parseCpu),
          match: s(full.durationsMs.matchCpu),
          rules: s(full.durationsMs.rulesCpu),
        },
      },
      duckdb: { transcodeSeconds: duckOut.transcodeSeconds, querySeconds: duckOut.querySeconds, threads: duckOut.threads, peakRssMiB: duck.peakRssMiB },
      floorPeakRssMiB: floor.peakRssMiB,
      parseStage,
      ...(stateful ? { stateful } : {}),
      ...(withBank ? { withBank } : {}),
      ...(speedup ? { speedup } : {}),
    },
    checks: {
      // The audit and the SQL must agree on what the anti-joins find (planted by the generator).
      chargedWithoutSale: { audit: full.byRule['charged-without-sale'] ?? 0, duckdb: duckOut.chargedWithoutSale.rows, planted: data.planted['charged-without-sale'] ?? 0 },
      // POS sales with no acquirer record: findings once overdue, open items before.
      saleNotSettled: {
        audit: (full.byRule['sale-not-settled'] ?? 0) + full.openSales,
        duckdb: duckOut.saleNotSettled.rows,
        planted: data.planted['sale-not-settled'] ?? 0,
      },
      findingsByRule: full.byRule,
    },
    runs: { count: args.runs, audit: full.all, floor: floor.all, duckdb: duck.all },
    load: { audit: full.load, duckdb: duck.load, floor: floor.load },
    machine: machine(),
    command: `npm run bench -- --rows ${args.rows}${args.runs > 1 ? ` --runs ${args.runs}` : ''}${args.speedupRows !== 1_000_000 ? ` --speedup-rows ${args.speedupRows}` : ''}${args.state ? ' --state' : ''}${args.bank ? ' --bank' : ''}`,
  };
  writeFileSync('bench-result.json', `${JSON.stringify(result, null, 2)}\n`);
  // A copy per size, so that the 5M and 10M figures can be compared (the memory target).
  writeFileSync(path.join(args.out, `bench-result-${args.rows}.json`), `${JSON.stringify(result, null, 2)}\n`);

  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  const rowsOut: [string, string, string][] = [
    ['floor: count newlines', `${floor.seconds.toFixed(2)} s`, `${floor.peakRssMiB ?? '?'} MiB`],
    ['settle-audit audit', `${full.seconds.toFixed(2)} s`, `${full.peakRssMiB ?? '?'} MiB`],
    ['DuckDB (iconv + SQL)', `${duck.seconds.toFixed(2)} s`, `${duck.peakRssMiB ?? '?'} MiB`],
  ];
  process.stdout.write(`\n${args.rows} acquirer + ${data.posRows} POS rows, ${mib(data.bytes)} GBK (${machine().cores} cores, load ${full.load.toFixed(1)})\n\n`);
  process.stdout.write(`${'what'.padEnd(26)}${'seconds'.padStart(12)}${'peak RSS'.padStart(12)}\n`);
  for (const [what, sec, rss] of rowsOut) process.stdout.write(`${what.padEnd(26)}${sec.padStart(12)}${rss.padStart(12)}\n`);
  process.stdout.write(`\naudit / DuckDB = ${result.ratio}\n`);
  if (result.ratioWithoutReports !== null) {
    process.stdout.write(`(the audit less its ${result.stages.audit.reportsSeconds} s of PDF reports / DuckDB = ${result.ratioWithoutReports})\n`);
  }
  process.stdout.write(`stages: ${JSON.stringify(result.stages.audit)}\n`);
  for (const [format, p] of Object.entries(parseStage)) {
    process.stdout.write(`parse stage, ${format}: 1 thread ${p.oneThreadSeconds.toFixed(2)} s, 2 threads ${p.twoThreadsSeconds.toFixed(2)} s: ${p.speedup}×\n`);
  }
  if (stateful) {
    process.stdout.write(
      `audit --state, new store: ${stateful.seconds} s, ${stateful.peakRssMiB ?? '?'} MiB (store ${stateful.storeMiB} MiB); ` +
        `the same files the next day: ${stateful.redeliveredSeconds} s, ${stateful.redeliveredPeakRssMiB ?? '?'} MiB\n`,
    );
  }
  if (withBank) {
    process.stdout.write(
      `audit with the bank statements: ${withBank.seconds} s, ${withBank.peakRssMiB ?? '?'} MiB; ` +
        `without the screen: ${withBank.unscreenedSeconds} s, ${withBank.unscreenedPeakRssMiB ?? '?'} MiB; ` +
        `${SHORT_MERCHANTS} merchants credited short (${withBank.creditedShort.findings} findings): ${withBank.creditedShort.seconds} s, ${withBank.creditedShort.peakRssMiB ?? '?'} MiB\n`,
    );
    const s = withBank.stateful;
    if (s) {
      process.stdout.write(
        `audit --state with the bank statements, new store: ${s.seconds} s, ${s.peakRssMiB ?? '?'} MiB (store ${s.storeMiB} MiB); ` +
          `without the screen: ${s.unscreenedSeconds} s, ${s.unscreenedPeakRssMiB ?? '?'} MiB\n`,
      );
    }
  }
  if (speedup) process.stdout.write(`speed-up, 2 workers over 1 at ${args.speedupRows} rows: partition ${speedup.partitionSpeedup}×, audit stage ${speedup.auditStageSpeedup}×\n`);
  process.stdout.write(`checks: ${JSON.stringify({ chargedWithoutSale: result.checks.chargedWithoutSale, saleNotSettled: result.checks.saleNotSettled })}\n`);
  process.stdout.write(`wrote bench-result.json and ${path.join(args.out, `bench-result-${args.rows}.json`)}\n`);
}

main();
