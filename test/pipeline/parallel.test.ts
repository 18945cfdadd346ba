import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { CORE_SCHEMA, dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContract, type ContractConfig } from '../../src/model/contract.js';
import { runAudit, type AuditResult } from '../../src/pipeline/audit.js';
import { maskedForOutput } from '../../src/pipeline/outputs.js';
import { renderReports } from '../../src/reports/index.js';
import { readPdf } from '../reports/_pdf.js';
import { rateHistoryOf, type RateMonth } from '../../src/rules/types.js';
import { writeSampleSet } from '../../samples/write-bundled.js';
import { withEnv } from '../_env.js';

/**
 * The bulk path (partitioned, parallel) must find exactly what the single-threaded in-memory path
 * finds: same findings, rejects, summary (durations aside) and unreadable inputs. The bundled
 * samples are small, so the bulk path is forced on them through its environment settings, once
 * with everything in memory and once spilled to disk in tiny byte ranges and many buckets (so
 * that lines of one merchant are cut across ranges and spill chunks).
 */

const BUNDLED = 'samples/bundled';
const SINGLE = { SETTLE_AUDIT_BULK_MIN_BYTES: 'off' };
const BULK_MEMORY = { SETTLE_AUDIT_BULK_MIN_BYTES: '0', SETTLE_AUDIT_WORKERS: '2' };
const BULK_SPILLED = {
  SETTLE_AUDIT_BULK_MIN_BYTES: '0',
  SETTLE_AUDIT_SPILL_BYTES: '0',
  SETTLE_AUDIT_RANGE_BYTES: '3001',
  SETTLE_AUDIT_BUCKET_BYTES: '2000',
  SETTLE_AUDIT_WORKERS: '2',
};

let work: string;
let bundled: { inputDir: string; config: ContractConfig; asOf: string };

/** What a user gets from a run, durations left out (they differ run to run). */
function comparable(r: AuditResult) {
  const { durationsMs: _durations, ...summary } = r.summary;
  return { findings: r.findings, rejects: r.rejects, summary, unreadable: r.unreadable };
}

const audit = (env: Record<string, string>, config: ContractConfig, files: string[], asOf: string) =>
  withEnv(env, () => runAudit({ config, files, asOf, warn: () => undefined }));

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'settle-audit-parallel-'));
  // The committed set when present (npm run samples); otherwise the same set, generated here.
  const dir = existsSync(path.join(BUNDLED, 'contracts.yaml')) ? BUNDLED : (await writeSampleSet(path.join(work, 'bundled'))).inputDir.replace(/\/input$/, '');
  const expected = JSON.parse(await readFile(path.join(dir, 'expected-findings.json'), 'utf8')) as { asOf: string };
  bundled = {
    inputDir: path.join(dir, 'input'),
    config: parseContract(await readFile(path.join(dir, 'contracts.yaml'), 'utf8'), 'contracts.yaml'),
    asOf: expected.asOf,
  };
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bulk path on the bundled samples', () => {
  let single: AuditResult;
  beforeAll(async () => {
    single = await audit(SINGLE, bundled.config, [bundled.inputDir], bundled.asOf);
  });

  it('is a run with findings of many rules, single-threaded', () => {
    expect(single.summary.durationsMs.partition).toBeUndefined();
    expect(Object.keys(single.summary.counts.byRule).length).toBeGreaterThan(10);
  });

  it.each([
    ['in memory', BULK_MEMORY],
    ['spilled, in 3 kB ranges and 2 kB buckets', BULK_SPILLED],
  ])('finds exactly what the single-threaded path finds (%s)', async (_name, env) => {
    const bulk = await audit(env, bundled.config, [bundled.inputDir], bundled.asOf);
    expect(bulk.summary.durationsMs.partition).toBeDefined();
    expect(comparable(bulk)).toEqual(comparable(single));
  });

  it('gives every merchant the same PDF report, which lists only the merchant’s own input files', async () => {
    const bulk = await audit(BULK_SPILLED, bundled.config, [bundled.inputDir], bundled.asOf);
    const reportsOf = async (r: AuditResult) => new Map((await renderReports(maskedForOutput(r), { threads: 1 })).map((p) => [p.name, p.bytes]));
    const [fromBulk, fromSingle] = [await reportsOf(bulk), await reportsOf(single)];
    expect([...fromBulk.keys()]).toEqual([...fromSingle.keys()]);
    for (const [name, bytes] of fromSingle) expect(Buffer.compare(fromBulk.get(name)!, bytes), name).toBe(0);
    // Each merchant's files carry its id or its account in their names: another merchant's do not show.
    const ids = bundled.config.merchants.map((m) => m.id);
    const first = (await readPdf(fromBulk.get(`merchant-${ids[0]}.pdf`)!)).flat.join('');
    expect(first).toContain(`pos_${ids[0]}_202610.csv`);
    for (const other of ids.slice(1)) expect(first, other).not.toContain(`_${other}_`);
  });

  it('gives the workers the rate history a stateful run passes: the same fee-rate-creep findings', async () => {
    // Three earlier months at 0.10 % for every merchant and card kind: October's rates are far above that trend.
    const months: RateMonth[] = bundled.config.merchants.flatMap((m) =>
      ['debit', 'credit', 'qr'].flatMap((cardKind) =>
        ['2026-09', '2026-08', '2026-07'].map((month) => ({ merchantId: m.id, cardKind, month, amountMinor: 10_000_000, feeMinor: 10_000 })),
      ),
    );
    const history = rateHistoryOf(months);
    const run = (env: Record<string, string>) => withEnv(env, () => runAudit({ config: bundled.config, files: [bundled.inputDir], asOf: bundled.asOf, history, warn: () => undefined }));
    const withHistory = await run(SINGLE);
    const creep = (r: AuditResult) => r.findings.filter((f) => f.rule === 'fee-rate-creep').length;
    expect(creep(withHistory)).toBeGreaterThan(creep(single));
    const bulk = await run(BULK_MEMORY);
    expect(bulk.summary.durationsMs.partition).toBeDefined();
    expect(comparable(bulk)).toEqual(comparable(withHistory));
  });
});

/**
 * A harder input made here from the bundled samples: every acquirer file merged into one GBK
 * file in time order (merchants interleaved, as a group's monthly export is), every POS journal
 * into one UTF-8 file, in a folder with the bank statements, plus the lines a byte-level
 * partitioner could get wrong: a quoted row, a padded merchant id, a merchant alias, an unknown
 * merchant, blank lines, a `#` comment, LF, CRLF and lone-CR line ends, a 合计 footer that
 * disagrees with the rows, and a last line without a newline.
 */
describe('bulk path on a merged month with awkward lines', () => {
  const ALIAS = '1900000109';
  let dir: string;
  let config: ContractConfig;
  let single: AuditResult;
  let first: string;

  beforeAll(async () => {
    dir = path.join(work, 'merged');
    await mkdir(path.join(dir, 'bank'), { recursive: true });
    const raw = load(await readFile(path.join(bundled.inputDir, '..', 'contracts.yaml'), 'utf8'), { schema: CORE_SCHEMA }) as { merchants: { id: string; aliases?: string[] }[] };
    first = raw.merchants[0]!.id;
    raw.merchants[0]!.aliases = [...(raw.merchants[0]!.aliases ?? []), ALIAS];
    config = parseContract(dump(raw, { schema: CORE_SCHEMA }), 'contracts.yaml');

    const acquirer = await mergeRows(path.join(bundled.inputDir, 'acquirer'));
    const rows = acquirer.rows;
    const ofFirst = rows.map((r, i) => [r, i] as const).filter(([r]) => r.startsWith(`${first},`));
    // An alias, a padded id, and a quoted merchant name on three of the first merchant's rows.
    rows[ofFirst[2]![1]] = rows[ofFirst[2]![1]]!.replace(`${first},`, `${ALIAS},`);
    rows[ofFirst[4]![1]] = rows[ofFirst[4]![1]]!.replace(`${first},`, `  ${first} ,`);
    rows[ofFirst[6]![1]] = rows[ofFirst[6]![1]]!.replace(/^([^,]*),([^,]*),/, '$1,"$2",');
    const unknown = rows[10]!.replace(/^[^,]*,/, '999999999999999,');
    const body = [
      ...rows.slice(0, 20).map((r) => `${r}\r\n`),
      `${unknown}\r\n`,
      '\r\n',
      ',,,,\n',
      '# 以下为补录交易\r\n',
      ...rows.slice(20, 40).map((r) => `${r}\n`),
      `${rows[40]}\r`,
      ...rows.slice(41).map((r) => `${r}\r\n`),
      `合计,${rows.length + 1}笔,,,,,,,,1.00,,,,,,,`,
    ];
    await writeFile(path.join(dir, 'acquirer_all_202610.csv'), iconv.encode(`${acquirer.header}\r\n${body.join('')}`, 'gbk'));

    const pos = await mergeRows(path.join(bundled.inputDir, 'pos'));
    await writeFile(path.join(dir, 'pos_all_202610.csv'), Buffer.from(`${pos.header}\n${pos.rows.join('\n')}\n`, 'utf8'));
    for (const f of await readdir(path.join(bundled.inputDir, 'bank'))) {
      await writeFile(path.join(dir, 'bank', f), await readFile(path.join(bundled.inputDir, 'bank', f)));
    }
    single = await audit(SINGLE, config, [dir], bundled.asOf);
  });

  it('holds the awkward lines the single-threaded path reads', () => {
    expect(single.summary.unknownMerchants).toContainEqual(expect.objectContaining({ role: 'acquirer', merchantId: '999999999999999' }));
    expect(single.findings.some((f) => f.rule === 'file-totals-mismatch')).toBe(true);
    const file = single.summary.inputs.find((i) => i.file.endsWith('acquirer_all_202610.csv'))!;
    expect(file.rows + file.rejects + file.nonDataLines).toBe(file.lines);
    // The alias and padded rows count for the first merchant.
    const totals = single.summary.controlTotals.byMerchant.find((m) => m.merchantId === first)!;
    expect(totals.acquirer.count).toBeGreaterThan(6);
  });

  it.each([
    ['in memory', BULK_MEMORY],
    ['spilled, in 3 kB ranges and 2 kB buckets', BULK_SPILLED],
    ['spilled, one worker', { ...BULK_SPILLED, SETTLE_AUDIT_WORKERS: '1' }],
  ])('finds exactly what the single-threaded path finds (%s)', async (_name, env) => {
    const bulk = await audit(env, config, [dir], bundled.asOf);
    expect(bulk.summary.durationsMs.partition).toBeDefined();
    expect(comparable(bulk)).toEqual(comparable(single));
  });
});

/**
 * A large file the preflight refuses only after the bulk path has partitioned it (a line longer
 * than its 4 MiB bound, past the head it plans from): it must end up unreadable, as the in-memory
 * path reports it, and the other files' findings must not keep its records.
 */
describe('bulk path with a file the preflight refuses late', () => {
  it('reports it unreadable and audits the rest as the single-threaded path does', async () => {
    const dir = path.join(work, 'refused');
    await mkdir(dir, { recursive: true });
    const acquirer = await mergeRows(path.join(bundled.inputDir, 'acquirer'));
    const endless = `${acquirer.rows[3]!.replace(/,[^,]*$/, ',')}${'9'.repeat(5 * 1024 * 1024)}`;
    const text = `${acquirer.header}\r\n${acquirer.rows.slice(0, 3).join('\r\n')}\r\n${endless}\r\n`;
    const bad = path.join(dir, 'acquirer_extra.csv');
    await writeFile(bad, iconv.encode(text, 'gbk'));
    const files = [bundled.inputDir, bad];
    const single = await audit(SINGLE, bundled.config, files, bundled.asOf);
    expect(single.unreadable.map((u) => u.file)).toEqual([bad]);
    const bulk = await audit(BULK_SPILLED, bundled.config, files, bundled.asOf);
    expect(bulk.summary.durationsMs.partition).toBeDefined();
    expect(comparable(bulk)).toEqual(comparable(single));
  });
});

/**
 * Stage 1 finds the merchant cell on raw bytes, which only works for delimiters that are never
 * part of a character. A GBK `|` can be the second byte of one (亅 is 0x81 0x7C): a pipe-separated
 * GBK export whose merchant name comes before the merchant id must still be read as the
 * single-threaded path reads it.
 */
describe('bulk path on a GBK file separated by |', () => {
  it('reads it as the single-threaded path does', async () => {
    const dir = path.join(work, 'pipe');
    await mkdir(dir, { recursive: true });
    const swap = (line: string) => {
      const cells = line.split(',');
      [cells[0], cells[1]] = [cells[1]!, cells[0]!];
      return cells.join('|');
    };
    const acquirer = await mergeRows(path.join(bundled.inputDir, 'acquirer'));
    const first = acquirer.rows[0]!.split(',')[0]!;
    // The rows of the header's layout (the bundled exports differ in their optional columns).
    const width = acquirer.header.split(',').length;
    const rows = acquirer.rows
      .filter((r) => r.split(',').length === width)
      .map((r) => swap(r.startsWith(`${first},`) ? r.replace(/^([^,]*),([^,]*),/, '$1,$2亅,') : r));
    const file = path.join(dir, 'acquirer_pipe_202610.csv');
    await writeFile(file, iconv.encode(`${swap(acquirer.header)}\r\n${rows.join('\r\n')}\r\n`, 'gbk'));
    expect(iconv.encode('亅', 'gbk')[1]).toBe(0x7c);
    const files = [file, path.join(bundled.inputDir, 'pos')];
    const single = await audit(SINGLE, bundled.config, files, bundled.asOf);
    const input = single.summary.inputs.find((i) => i.file === file)!;
    expect(input.rows).toBe(rows.length);
    expect(single.rejects.filter((r) => r.file === file)).toEqual([]);
    const bulk = await audit(BULK_SPILLED, bundled.config, files, bundled.asOf);
    expect(comparable(bulk)).toEqual(comparable(single));
  });
});

/**
 * A CRLF file converted to CRLF again ends every line with "\r\r\n": a line, then a blank one.
 * The head the bulk path parses each partition with then ends with a lone CR.
 */
describe('bulk path on a file with "\\r\\r\\n" line ends', () => {
  it('reads it as the single-threaded path does, blank lines included', async () => {
    const dir = path.join(work, 'double-cr');
    await mkdir(dir, { recursive: true });
    const acquirer = await mergeRows(path.join(bundled.inputDir, 'acquirer'));
    const width = acquirer.header.split(',').length;
    const rows = acquirer.rows.filter((r) => r.split(',').length === width);
    const file = path.join(dir, 'acquirer_crcr_202610.csv');
    await writeFile(file, iconv.encode(`${[acquirer.header, ...rows].join('\r\r\n')}\r\r\n`, 'gbk'));
    const files = [file, path.join(bundled.inputDir, 'pos')];
    const single = await audit(SINGLE, bundled.config, files, bundled.asOf);
    const input = single.summary.inputs.find((i) => i.file === file)!;
    expect(input.rows).toBe(rows.length);
    expect(input.nonDataLines).toBe(1 + rows.length + 1);
    for (const env of [BULK_MEMORY, BULK_SPILLED]) {
      const bulk = await audit(env, bundled.config, files, bundled.asOf);
      expect(comparable(bulk)).toEqual(comparable(single));
    }
  });
});

/** The header and the data rows (footers left out) of every file in a folder, in time order. */
async function mergeRows(folder: string): Promise<{ header: string; rows: string[] }> {
  let header = '';
  const rows: { key: string; row: string }[] = [];
  for (const f of (await readdir(folder)).sort()) {
    const bytes = await readFile(path.join(folder, f));
    const text = isUtf8(bytes) ? bytes.toString('utf8') : iconv.decode(bytes, 'gbk');
    const lines = text.split(/\r\n|\n/).filter((l) => l !== '');
    header ||= lines[0]!;
    for (const line of lines.slice(1)) {
      if (line.startsWith('合计')) continue;
      const time = /\d{4}-\d{2}-\d{2}(?:,| )\d{2}:\d{2}:\d{2}/.exec(line)?.[0] ?? '';
      rows.push({ key: time.replace(',', ' '), row: line });
    }
  }
  rows.sort((a, b) => a.key.localeCompare(b.key));
  return { header, rows: rows.map((r) => r.row) };
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
