import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMonth, type GeneratedMonth } from '../../bench/generate.js';
import { ACQUIRER_NAME, icbcStatement, type BankRow } from '../../samples/generator.js';
import { chinaCalendar, dueDate } from '../../src/model/calendar.js';
import { parseContract, type ContractConfig } from '../../src/model/contract.js';
import { runAudit, type AuditResult } from '../../src/pipeline/audit.js';
import { runStatefulAudit } from '../../src/pipeline/stateful-audit.js';
import { ruleById } from '../../src/rules/index.js';
import { rateHistoryOf, type RateMonth } from '../../src/rules/types.js';
import { StateStore } from '../../src/state/store.js';
import { withEnv } from '../_env.js';

/**
 * The bulk path's screen (src/pipeline/bulk/screen.ts) clears merchants without parsing them; it
 * must never change a result. Every run here is made twice on the bulk path, with the screen and
 * without (`SETTLE_AUDIT_SCREEN=off`), and must give the same findings, rejects and summary.
 * Each month also says how many merchants the screen cleared: all of a clean month's, and none
 * whose month a change made into something it cannot prove quiet. With bank statements, the bank
 * rules run on what the screen adds up, and a merchant they find anything about is parsed.
 */

const BULK = { SETTLE_AUDIT_BULK_MIN_BYTES: '0', SETTLE_AUDIT_WORKERS: '2' };

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'settle-audit-screen-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** What a user gets from a run, durations left out (they differ run to run). */
function comparable(r: AuditResult) {
  const { durationsMs: _durations, ...summary } = r.summary;
  return { findings: r.findings, rejects: r.rejects, summary, unreadable: r.unreadable };
}

interface Month {
  config: ContractConfig;
  files: string[];
  asOf: string;
  history?: RateMonth[];
}

const audit = (screen: 'on' | 'off', m: Month) =>
  withEnv({ ...BULK, SETTLE_AUDIT_SCREEN: screen }, () =>
    runAudit({ config: m.config, files: m.files, asOf: m.asOf, warn: () => undefined, ...(m.history ? { history: rateHistoryOf(m.history) } : {}) }),
  );

/** Audits a month with the screen and without; both results, once they are checked equal. */
async function both(m: Month): Promise<{ on: AuditResult; off: AuditResult }> {
  const [on, off] = [await audit('on', m), await audit('off', m)];
  expect(comparable(on)).toEqual(comparable(off));
  // What each merchant's report lists as its input files.
  expect(on.merchantFiles).toEqual(off.merchantFiles);
  expect(off.screened?.merchants).toBe(0);
  return { on, off };
}

async function month(name: string, rows: number, merchants: number, anomalies: number): Promise<{ generated: GeneratedMonth; month: Month }> {
  const generated = generateMonth(path.join(work, name), { rows, merchants, anomalies });
  const config = parseContract(await readFile(generated.configFile, 'utf8'), generated.configFile);
  return { generated, month: { config, files: [generated.acquirerFile, generated.posFile], asOf: generated.asOf } };
}

describe('the screen on a generated month with anomalies of every planted kind', () => {
  it('gives what parsing every merchant gives, and clears every merchant without one', async () => {
    const { generated, month: m } = await month('planted', 20_000, 40, 2);
    const { on } = await both(m);
    for (const [rule, n] of Object.entries(generated.planted)) expect(on.summary.counts.byRule[rule], rule).toBe(n);
    // Merchants with a finding of a merchant rule, or a line the parser rejects, cannot be cleared;
    // every other merchant is (a terminal's identity drift is a run rule's, from figures the screen gives).
    const touched = new Set([...on.findings.filter((f) => ruleById(f.rule)?.scope === 'merchant').map((f) => f.merchantId), ...on.rejects.map((r) => r.raw.split(',')[0])]);
    expect(on.screened?.of).toBe(40);
    expect(on.screened?.merchants).toBe(40 - [...touched].filter((id) => m.config.merchants.some((c) => c.id === id)).length);
    expect(on.screened?.merchants).toBeGreaterThan(25);
  });
});

/** A generated month's two files as lines of text, to change and write back as GBK. */
interface Text {
  acquirer: string[];
  pos: string[];
  /** The generator ends lines with CRLF. */
  eol: string;
  config: ContractConfig;
  history?: RateMonth[];
}

/** The merchant of the first acquirer record: the one every change below is made to. */
const TARGET = 1;
const cells = (line: string) => line.split(',');
const posOf = (t: Text, acquirerLine: number) => t.pos.findIndex((l) => cells(l)[8] === cells(t.acquirer[acquirerLine]!)[12]);
function setCell(lines: string[], at: number, cell: number, value: string) {
  const c = cells(lines[at]!);
  c[cell] = value;
  lines[at] = c.join(',');
}
/**
 * Adds a copy of the target sale, its acquirer record and its POS sale, under another reference
 * (269999999999), with `change` made to both copies' cells.
 */
function copySale(t: Text, change: (acquirer: string[], pos: string[]) => void = () => undefined) {
  const copy = cells(t.acquirer[TARGET]!);
  const posCopy = cells(t.pos[posOf(t, TARGET)]!);
  copy[12] = posCopy[8] = '269999999999';
  change(copy, posCopy);
  t.acquirer.splice(TARGET + 1, 0, copy.join(','));
  t.pos.splice(1, 0, posCopy.join(','));
}
const yuan = (minor: number) => (minor / 100).toFixed(2);
const fen = (text: string) => Math.round(Number(text) * 100);

/**
 * Changes to the target merchant's month, and whether the screen may still clear it ('clean') or
 * must leave it to the parser ('parsed'). Acquirer cells: 0 merchant, 1 name, 2 terminal, 3 date,
 * 4 time, 5 settlement date, 6 type, 7 card, 8 card kind, 9 amount, 10 fee, 11 net, 12 reference,
 * 13 batch, 14 trace, 15 MCC. POS cells: 0 merchant, 1 store, 2 terminal, 3 order, 4 time, 5 type,
 * 6 payment, 7 amount, 8 reference, 9 trace, 10 last 4, 11 status.
 */
const CHANGES: [string, 'clean' | 'parsed', (t: Text) => void][] = [
  ['nothing changed', 'clean', () => undefined],
  ['a fee 1 fen under the contract', 'clean', (t) => setCell(t.acquirer, TARGET, 10, yuan(fen(cells(t.acquirer[TARGET]!)[10]!) - 1))],
  ['a fee 1 fen over the contract (within the tolerance)', 'parsed', (t) => setCell(t.acquirer, TARGET, 10, yuan(fen(cells(t.acquirer[TARGET]!)[10]!) + 1))],
  ['a fee 5 fen over the contract', 'parsed', (t) => setCell(t.acquirer, TARGET, 10, yuan(fen(cells(t.acquirer[TARGET]!)[10]!) + 5))],
  [
    'a 3 元 add-on on every sale',
    'parsed',
    (t) => {
      const id = cells(t.acquirer[TARGET]!)[0];
      t.acquirer.forEach((l, i) => {
        if (i > 0 && cells(l)[0] === id) setCell(t.acquirer, i, 10, yuan(fen(cells(l)[10]!) + 300));
      });
    },
  ],
  ['another MCC on one record', 'parsed', (t) => setCell(t.acquirer, TARGET, 15, '8062')],
  ['an acquirer record twice', 'parsed', (t) => t.acquirer.splice(TARGET + 1, 0, t.acquirer[TARGET]!)],
  ['the same terminal, batch and trace under another reference', 'parsed', (t) => copySale(t)],
  [
    'the same batch and trace on another terminal, under another reference',
    'clean',
    (t) =>
      copySale(t, (acquirer, pos) => {
        acquirer[2] = pos[2] = '19999999';
      }),
  ],
  ['a POS sale missing', 'parsed', (t) => t.pos.splice(posOf(t, TARGET), 1)],
  ['an acquirer sale missing', 'parsed', (t) => t.acquirer.splice(TARGET, 1)],
  ['a POS sale for less', 'parsed', (t) => setCell(t.pos, posOf(t, TARGET), 7, yuan(fen(cells(t.pos[posOf(t, TARGET)]!)[7]!) - 100))],
  ['a declined POS sale', 'parsed', (t) => setCell(t.pos, posOf(t, TARGET), 11, '失败')],
  ['an acquirer refund', 'parsed', (t) => setCell(t.acquirer, TARGET, 6, '退货')],
  ['a POS void', 'parsed', (t) => setCell(t.pos, posOf(t, TARGET), 5, '撤销')],
  ['a date the month does not have', 'parsed', (t) => setCell(t.acquirer, TARGET, 3, '2026-10-32')],
  ['a time without seconds', 'parsed', (t) => setCell(t.acquirer, TARGET, 4, '08:00')],
  ['a settlement date that is no date', 'parsed', (t) => setCell(t.acquirer, TARGET, 5, '2026-13-01')],
  ['a quoted name', 'parsed', (t) => setCell(t.acquirer, TARGET, 1, `"${cells(t.acquirer[TARGET]!)[1]}"`)],
  ['a padded amount', 'parsed', (t) => setCell(t.pos, posOf(t, TARGET), 7, ` ${cells(t.pos[posOf(t, TARGET)]!)[7]}`)],
  ['an amount with three decimals', 'parsed', (t) => setCell(t.acquirer, TARGET, 9, `${cells(t.acquirer[TARGET]!)[9]}0`)],
  ['an empty cell after the last', 'parsed', (t) => (t.acquirer[TARGET] = `${t.acquirer[TARGET]},`)],
  ['a cell missing', 'parsed', (t) => (t.acquirer[TARGET] = t.acquirer[TARGET]!.replace(/,[^,]*$/, ''))],
  ['a reference with letters', 'parsed', (t) => setCell(t.acquirer, TARGET, 12, 'A61001000001')],
  [
    'the same reference with letters on both sides',
    'clean',
    (t) => {
      setCell(t.pos, posOf(t, TARGET), 8, 'A61001000001');
      setCell(t.acquirer, TARGET, 12, 'A61001000001');
    },
  ],
  ['a reference with a leading zero on one side', 'parsed', (t) => setCell(t.pos, posOf(t, TARGET), 8, `0${cells(t.pos[posOf(t, TARGET)]!)[8]}`)],
  ['another name on one record (identity drift)', 'clean', (t) => setCell(t.acquirer, TARGET, 1, '另一家店')],
  // The sale's POS record is then left without its acquirer record.
  ['an id the contract does not know', 'parsed', (t) => setCell(t.acquirer, TARGET, 0, '999999999999999')],
  ['LF line ends', 'clean', (t) => (t.eol = '\n')],
  ['a CR inside a line', 'parsed', (t) => setCell(t.acquirer, TARGET, 7, '\r')],
  ['a blank line', 'clean', (t) => t.acquirer.splice(TARGET + 1, 0, '')],
  [
    'a rate history for the merchant',
    'parsed',
    (t) => {
      const id = cells(t.acquirer[TARGET]!)[0]!;
      t.history = ['2026-07', '2026-08', '2026-09'].flatMap((month) => ['debit', 'credit', 'qr'].map((cardKind) => ({ merchantId: id, cardKind, month, amountMinor: 1_000_000, feeMinor: 1_000 })));
    },
  ],
  [
    'a rate history the month stays below',
    'clean',
    (t) => {
      const id = cells(t.acquirer[TARGET]!)[0]!;
      t.history = ['2026-07', '2026-08', '2026-09'].flatMap((month) => ['debit', 'credit', 'qr'].map((cardKind) => ({ merchantId: id, cardKind, month, amountMinor: 1_000_000, feeMinor: 100_000 })));
    },
  ],
];

describe('a change to one merchant’s month', () => {
  let clean: { generated: GeneratedMonth; month: Month };
  let text: Text;

  beforeAll(async () => {
    clean = await month('clean', 3_000, 4, 0);
    const read = async (file: string) => iconv.decode(await readFile(file), 'gbk').split('\r\n').filter((l, i, all) => i < all.length - 1 || l !== '');
    text = { acquirer: await read(clean.generated.acquirerFile), pos: await read(clean.generated.posFile), eol: '\r\n', config: clean.month.config };
  });

  it.each(CHANGES)('%s: the same result with the screen and without', async (name, expected, change) => {
    const t: Text = { ...text, acquirer: [...text.acquirer], pos: [...text.pos] };
    change(t);
    const dir = path.join(work, `change-${CHANGES.findIndex(([n]) => n === name)}`);
    const acquirerFile = path.join(dir, 'acquirer_202610.csv');
    const posFile = path.join(dir, 'pos_202610.csv');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(acquirerFile, iconv.encode(`${t.acquirer.join(t.eol)}${t.eol}`, 'gbk'));
    await writeFile(posFile, iconv.encode(`${t.pos.join(t.eol)}${t.eol}`, 'gbk'));
    const { on } = await both({ config: t.config, files: [acquirerFile, posFile], asOf: clean.month.asOf, ...(t.history ? { history: t.history } : {}) });
    expect(on.screened?.of).toBe(4);
    expect(on.screened?.merchants).toBe(expected === 'clean' ? 4 : 3);
  });

  it('an acquirer record twice under another trace number, with no POS journal: the same result with the screen and without', async () => {
    // Without a POS sale to take each reference once, and with another trace number, only the
    // screen's own check of the acquirer's references stands between a duplicate charge and a
    // cleared merchant.
    const dir = path.join(work, 'change-acquirer-alone');
    const acquirerFile = path.join(dir, 'acquirer_202610.csv');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const acquirer = [...text.acquirer];
    acquirer.splice(TARGET + 1, 0, acquirer[TARGET]!);
    setCell(acquirer, TARGET + 1, 14, '999999');
    await writeFile(acquirerFile, iconv.encode(`${acquirer.join(text.eol)}${text.eol}`, 'gbk'));
    const { on } = await both({ config: text.config, files: [acquirerFile], asOf: clean.month.asOf });
    expect(on.summary.counts.byRule['duplicate-charge']).toBe(1);
    expect(on.screened?.of).toBe(4);
    expect(on.screened?.merchants).toBe(3);
  });
});

/**
 * Changes to the target merchant's bank statement. Each merchant's statement credits the net of
 * each settlement day on its due date (T+1, business days), paid by the acquirer; the month's last
 * days may fall due after the statement ends. 'clean': the screen may still clear the merchant.
 */
const STATEMENT_CHANGES: [string, 'clean' | 'parsed', (rows: BankRow[], all: Map<string, BankRow[]>) => void][] = [
  ['every day credited', 'clean', () => undefined],
  [
    'every statement ending with the month (the last days open)',
    'clean',
    (_rows, all) => {
      for (const [id, rows] of all) all.set(id, rows.filter((r) => r.date <= '2026-10-31'));
    },
  ],
  ['no statement for the merchant (every day open)', 'clean', (rows) => rows.splice(0)],
  ['a credit short by 1 元', 'parsed', (rows) => (rows[3]!.income -= 100)],
  ['a credit three business days late', 'parsed', (rows) => (rows[3]!.date = chinaCalendar.addBusinessDays(rows[3]!.date, 3))],
  ['a credit paid by someone else', 'parsed', (rows) => (rows[3]!.payer = '某某信息技术有限公司')],
  ['a credit missing', 'parsed', (rows) => rows.splice(3, 1)],
  ['a POS service fee taken from the account', 'parsed', (rows) => rows.push({ date: '2026-10-15', summary: 'POS机具服务费', income: 0, expense: 9900, payer: ACQUIRER_NAME })],
];

describe('a change to one merchant’s bank statement', () => {
  let clean: { generated: GeneratedMonth; month: Month };
  let statements: Map<string, BankRow[]>;
  let target: string;

  beforeAll(async () => {
    clean = await month('clean-with-bank', 3_000, 4, 0);
    const lines = iconv.decode(await readFile(clean.generated.acquirerFile), 'gbk').split('\r\n').slice(1);
    target = cells(lines[0]!)[0]!;
    statements = new Map();
    for (const m of clean.month.config.merchants) {
      const byDue = new Map<string, number>();
      for (const line of lines) {
        const c = cells(line);
        if (c[0] !== m.id) continue;
        const due = dueDate(c[5]!, m.settlement.cycle, chinaCalendar);
        byDue.set(due, (byDue.get(due) ?? 0) + fen(c[11]!));
      }
      statements.set(m.id, [...byDue].sort().map(([date, net]) => ({ date, summary: '银联入账', income: net, expense: 0, payer: ACQUIRER_NAME })));
    }
  });

  it.each(STATEMENT_CHANGES)('%s: the same result with the screen and without', async (name, expected, change) => {
    const all = new Map([...statements].map(([id, rows]) => [id, rows.map((r) => ({ ...r }))]));
    change(all.get(target)!, all);
    const dir = path.join(work, `statement-${STATEMENT_CHANGES.findIndex(([n]) => n === name)}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const files = [...clean.month.files];
    for (const m of clean.month.config.merchants) {
      const rows = all.get(m.id)!;
      if (rows.length === 0) continue;
      const file = path.join(dir, `icbc_${m.account!.number}_202610.csv`);
      await writeFile(file, icbcStatement({ account: m.account!.number, name: m.account!.name }, rows));
      files.push(file);
    }
    const { on } = await both({ ...clean.month, files });
    expect(on.summary.roles).toContain('bank');
    expect(on.screened?.of).toBe(4);
    expect(on.screened?.merchants).toBe(expected === 'clean' ? 4 : 3);
    if (name.includes('open')) expect(on.summary.openItems.some((o) => o.kind === 'settlement-awaiting-credit' && o.evidence.length > 0)).toBe(true);
  });
});

/**
 * A stateful run (`--state`) with bank statements is screened too: the screen makes each merchant's
 * carry (its settlement days not yet credited, with their records, and its month's fee rates) and
 * joins the days carried from the run before. A generated month is delivered in two halves, split
 * by settlement date, each with the statements of its half: the first half's last settlement day
 * falls due in the second, so every merchant carries it into the second run, which pays it. Both
 * runs are made into a new store with the screen and without; what a user and the next run see
 * (findings, summary, carry plan, the store's tables) must be the same.
 */
describe('a stateful month in two deliveries', () => {
  const SPLIT = '2026-10-15';

  interface Variant {
    /** The merchant (index in the contract) whose carried day the second statement never credits. */
    unpaid?: number;
    /** The second run's as-of date (the month's end otherwise). */
    secondAsOf?: string;
    /** The second delivery repeats the records settled on the first half's last day. */
    repeat?: boolean;
    /** No bank statements are delivered: every settlement day stays open. */
    noStatements?: boolean;
  }

  /**
   * The two deliveries. One debit sale of each half is large enough for the contract's 20 元 cap,
   * which monthlyRates leaves out of the month's rate.
   */
  async function deliveries(name: string, { unpaid, secondAsOf, repeat, noStatements }: Variant): Promise<{ config: ContractConfig; runs: { asOf: string; files: string[] }[] }> {
    const { generated, month: m } = await month(name, 3_000, 4, 0);
    const read = async (file: string) => iconv.decode(await readFile(file), 'gbk').split('\r\n').filter((l) => l !== '');
    const [acquirerHeader, ...acquirerRest] = await read(generated.acquirerFile);
    const [posHeader, ...posLines] = await read(generated.posFile);
    const acquirerLines = acquirerRest.filter((l) => !l.startsWith('合计'));
    for (const half of [(d: string) => d <= SPLIT, (d: string) => d > SPLIT]) {
      const at = acquirerLines.findIndex((l) => cells(l)[8] === '借记卡' && half(cells(l)[5]!));
      const reference = cells(acquirerLines[at]!)[12];
      setCell(acquirerLines, at, 9, '9000.00');
      setCell(acquirerLines, at, 10, '20.00');
      setCell(acquirerLines, at, 11, '8980.00');
      setCell(posLines, posLines.findIndex((l) => cells(l)[8] === reference), 7, '9000.00');
    }
    const halves = [(c: string[]) => c[5]! <= SPLIT, (c: string[]) => (repeat ? c[5]! >= SPLIT : c[5]! > SPLIT)];
    const runs = [];
    for (const [i, inHalf] of halves.entries()) {
      const dir = path.join(work, `${name}-${i + 1}`);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const acquirer = acquirerLines.filter((l) => inHalf(cells(l)));
      const references = new Set(acquirer.map((l) => cells(l)[12]));
      const pos = posLines.filter((l) => references.has(cells(l)[8]));
      // The half's own 合计 line: its count and gross amount.
      const gross = acquirer.reduce((sum, l) => sum + fen(cells(l)[9]!), 0);
      const footer = `合计,${acquirer.length}笔,,,,,,,,${yuan(gross)},,,,,,`;
      const files = [path.join(dir, `acquirer_${i + 1}.csv`), path.join(dir, `pos_${i + 1}.csv`)];
      await writeFile(files[0]!, iconv.encode([acquirerHeader, ...acquirer, footer, ''].join('\r\n'), 'gbk'));
      await writeFile(files[1]!, iconv.encode([posHeader, ...pos, ''].join('\r\n'), 'gbk'));
      // Each merchant's statement of the half: the nets of the days it settled, credited when due,
      // the first half's up to its last day, the second half's from the day after.
      for (const [n, c] of noStatements ? [] : m.config.merchants.entries()) {
        const byDue = new Map<string, number>();
        for (const line of acquirerLines) {
          const l = cells(line);
          if (l[0] !== c.id || (n === unpaid && l[5] === SPLIT)) continue;
          const due = dueDate(l[5]!, c.settlement.cycle, chinaCalendar);
          byDue.set(due, (byDue.get(due) ?? 0) + fen(l[11]!));
        }
        const rows: BankRow[] = [...byDue]
          .filter(([due]) => (i === 0 ? due <= SPLIT : due > SPLIT))
          .sort()
          .map(([date, net]) => ({ date, summary: '银联入账', income: net, expense: 0, payer: ACQUIRER_NAME }));
        const file = path.join(dir, `icbc_${c.account!.number}_${i + 1}.csv`);
        await writeFile(file, icbcStatement({ account: c.account!.number, name: c.account!.name }, rows));
        files.push(file);
      }
      runs.push({ asOf: i === 0 ? SPLIT : (secondAsOf ?? generated.asOf), files });
    }
    return { config: m.config, runs };
  }

  /** Both deliveries into a new store; what each run reports and leaves, and the store's tables after. */
  async function twoRuns(screen: 'on' | 'off', config: ContractConfig, runs: { asOf: string; files: string[] }[]) {
    const file = path.join(work, `stateful-${screen}-${runs[0]!.files[0]!.split(path.sep).at(-2)}.db`);
    await rm(file, { force: true });
    const store = StateStore.open(file);
    const outcomes = [];
    try {
      for (const { asOf, files } of runs) {
        const session = store.beginRun();
        try {
          const outcome = await withEnv({ ...BULK, SETTLE_AUDIT_SCREEN: screen }, () => runStatefulAudit({ config, files, asOf, session }));
          const { durationsMs: _durations, ...summary } = outcome.result.summary;
          const { startedAt: _started, finishedAt: _finished, ...run } = outcome.run!;
          const plan = outcome.plan && { ...outcome.plan, open: outcome.plan.open.map(({ records: _records, ...item }) => item) };
          outcomes.push({ seen: { findings: outcome.findings, summary, plan, run, open: store.openItems() }, screened: outcome.result.screened });
        } finally {
          // Committed by the run; undone only if it failed.
          session.rollback();
        }
      }
    } finally {
      store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      const table = (sql: string) => db.prepare(sql).all();
      return {
        outcomes,
        tables: {
          findings: table('SELECT * FROM findings ORDER BY id'),
          openItems: table('SELECT * FROM open_items ORDER BY key, first_seen'),
          rateHistory: table('SELECT * FROM rate_history ORDER BY merchant_id, month, card_kind, run'),
        },
      };
    } finally {
      db.close();
    }
  }

  /** Whether the merchant's day settled on SPLIT is still open after both runs. */
  const openAfter = (tables: { openItems: unknown[] }, merchantId: string) =>
    tables.openItems.some((row) => {
      const r = row as { kind: string; merchant_id: string; date: string; closed_run: unknown };
      return r.kind === 'settlement-awaiting-credit' && r.merchant_id === merchantId && r.date === SPLIT && r.closed_run === null;
    });

  const VARIANTS: [string, Variant, { screened: [number, number]; findings: (config: ContractConfig) => string[]; open: number[] }][] = [
    ['every carried day credited', {}, { screened: [4, 4], findings: () => [], open: [] }],
    // Not due before the second run's day: it stays open, carried again with its records.
    ['a carried day not yet credited', { unpaid: 1, secondAsOf: '2026-10-16' }, { screened: [4, 4], findings: () => [], open: [1] }],
    [
      'a carried day never credited',
      { unpaid: 1 },
      { screened: [4, 3], findings: (config) => [`settlement-not-received ${config.merchants[1]!.id} ${SPLIT}`], open: [1] },
    ],
    // Each merchant's carried day is also one of its lines' days: the full path joins them.
    ['the second delivery repeating the first half\'s last day', { repeat: true }, { screened: [4, 0], findings: () => [], open: [] }],
    ['the same, audited the day after', { repeat: true, secondAsOf: '2026-10-16' }, { screened: [4, 0], findings: () => [], open: [] }],
    // Every day's records go to the store, which the parser makes for the screened merchants.
    ['no bank statements', { noStatements: true }, { screened: [4, 4], findings: () => [], open: [0, 1, 2, 3] }],
  ];

  it.each(VARIANTS)('%s: the same runs and store with the screen and without', async (name, variant, expected) => {
    const { config, runs } = await deliveries(`stateful-${VARIANTS.findIndex(([n]) => n === name)}`, variant);
    const [on, off] = [await twoRuns('on', config, runs), await twoRuns('off', config, runs)];
    expect(on.outcomes.map((o) => o.seen)).toEqual(off.outcomes.map((o) => o.seen));
    expect(on.tables).toEqual(off.tables);
    expect(on.outcomes.map((o) => o.screened?.merchants)).toEqual(expected.screened);
    expect(off.outcomes.map((o) => o.screened?.merchants)).toEqual([0, 0]);
    // The first run leaves each merchant's last day open, with its records, for the second.
    const [first, second] = on.outcomes.map((o) => o.seen);
    const waiting = first!.plan!.open.filter((item) => item.kind === 'settlement-awaiting-credit' && item.date === SPLIT);
    expect(waiting.map((item) => item.merchantId).sort()).toEqual(config.merchants.map((c) => c.id).sort());
    expect(second!.findings.map((f) => `${f.rule} ${f.merchantId} ${f.date}`)).toEqual(expected.findings(config));
    expect(config.merchants.flatMap((c, n) => (openAfter(on.tables, c.id) ? [n] : []))).toEqual(expected.open);
    // Each run's fee rates, by month and card kind: what fee-rate-creep's history is made of.
    expect(on.tables.rateHistory.length).toBeGreaterThanOrEqual(2 * 4);
  });
});
