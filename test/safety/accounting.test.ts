import { access, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditError, ErrorCode } from '../../src/model/errors.js';
import { parseContract } from '../../src/model/contract.js';
import { maskPans } from '../../src/model/pan.js';
import type { AcquirerTxn } from '../../src/model/records.js';
import { PARSERS } from '../../src/parsers/index.js';
import { decode, splitLines } from '../../src/parsers/_text.js';
import { defineParser, type Parser } from '../../src/parsers/types.js';
import { runAudit } from '../../src/pipeline/audit.js';
import { generateSampleSet } from '../../samples/generator.js';
import { CONFIG, HEADER, readJson, row, runCli, tempDir } from './_run.js';

/**
 * Row accounting (DESIGN.md section 10, "lose nothing"): for every input, rows + rejects +
 * header/summary lines = lines in the file, reported per file in summary.json; a parser that
 * loses a row makes the run fail loudly instead of reporting.
 */

interface Manifest {
  file: string;
  format: string | null;
  lines: number;
  rows: number;
  rejects: number;
  nonDataLines: number;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('accounting'));
  await writeFile(path.join(dir, 'contracts.yaml'), CONFIG);
});
afterAll(async () => cleanup());

describe('summary.json accounts for every line of every file', () => {
  it('the generated month and the public samples: rows + rejects + non-data lines = lines, per file', async () => {
    const set = generateSampleSet();
    const generated = path.join(dir, 'generated');
    for (const [name, bytes] of set.files) {
      await mkdir(path.dirname(path.join(generated, name)), { recursive: true });
      await writeFile(path.join(generated, name), bytes);
    }
    await writeFile(path.join(dir, 'month.yaml'), set.config);
    const samples = path.join(dir, 'public');
    await cp(path.resolve('samples/public'), samples, { recursive: true });
    const out = path.join(dir, 'out');
    const { code, stderr } = await runCli('audit', '--config', path.join(dir, 'month.yaml'), '--out', out, '--as-of', set.asOf, generated, samples);
    expect(stderr).not.toContain('does not balance');
    expect([0, 3]).toContain(code);

    const summary = await readJson<{ inputs: Manifest[] }>(path.join(out, 'summary.json'));
    const read = summary.inputs.filter((i) => i.format !== null);
    // Every generated file, and every public sample of a registered format, was read.
    expect(read.filter((i) => i.file.startsWith(generated))).toHaveLength(set.files.size);
    expect(new Set(read.map((i) => i.format)).size).toBeGreaterThanOrEqual(Math.min(PARSERS.length, 4));
    for (const i of read) {
      expect({ file: i.file, sum: i.rows + i.rejects + i.nonDataLines }).toEqual({ file: i.file, sum: i.lines });
    }
    // Lines are the file's physical lines, counted here independently of any parser. (A bank
    // file is named after its account, a debit card number: summary.json shows it masked.)
    for (const [name, bytes] of set.files) {
      const entry = read.find((i) => i.file === maskPans(path.join(generated, name)))!;
      expect({ name, lines: entry.lines }).toEqual({ name, lines: splitLines(Buffer.from(bytes).toString('latin1')).length });
    }
  });
});

describe('a parser that loses a row', () => {
  // Registered for this test only: it yields a record for every data line but the second, silently.
  const broken: Parser = defineParser({
    id: 'broken-test',
    role: 'acquirer',
    description: 'drops its second data row (test only)',
    sniff: () => 0,
    *parse(input) {
      const lines = splitLines(decode(input.bytes, input.encoding));
      for (let i = 1; i < lines.length; i++) {
        if (i === 2) continue;
        const record: AcquirerTxn = {
          source: { file: input.file, line: i + 1 },
          format: 'broken-test',
          merchantId: '898310048990001',
          txnType: 'sale',
          txnTime: '2026-11-20T10:11:12+08:00',
          settleDate: '2026-11-21',
          currency: 'CNY',
          amountMinor: 10000,
          feeMinor: 55,
          netMinor: 9945,
          cardKind: 'debit',
        };
        yield { kind: 'record', role: 'acquirer', record };
      }
      yield { kind: 'info', info: { units: lines.length, nonDataUnits: 1 } };
    },
  });
  const registry = PARSERS as Parser[];
  beforeAll(() => {
    registry.push(broken);
  });
  afterAll(() => {
    registry.splice(registry.indexOf(broken), 1);
  });

  const text = [HEADER, row({ ref: 'R1' }), row({ ref: 'R2' }), row({ ref: 'R3' })].join('\n');
  const expected = (file: string) =>
    `${file}: row accounting does not balance: 2 rows + 0 rejects + 1 header/summary lines = 3, but the file has 4 (parser broken-test)`;

  it('runAudit throws ACCOUNTING_UNBALANCED naming the file and the parser', async () => {
    const file = path.join(dir, 'lossy.csv');
    await writeFile(file, text);
    const run = runAudit({ config: parseContract(CONFIG, 'contracts.yaml'), files: [`${file}@broken-test`], asOf: '2026-11-30' });
    await expect(run).rejects.toThrow(AuditError);
    await expect(run).rejects.toMatchObject({ code: ErrorCode.ACCOUNTING_UNBALANCED, message: expected(file) });
  });

  it('the command line exits 3 with that message and writes no report', async () => {
    const file = path.join(dir, 'lossy-cli.csv');
    await writeFile(file, text);
    const out = path.join(dir, 'out-lossy');
    const { code, stderr } = await runCli('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', out, '--as-of', '2026-11-30', `${file}@broken-test`);
    expect(code).toBe(3);
    expect(stderr).toContain(expected(file));
    await expect(access(path.join(out, 'summary.json'))).rejects.toThrow();
    await expect(access(path.join(out, 'findings.json'))).rejects.toThrow();
  });

  it('the same file through a correct parser balances (the test file is not at fault)', async () => {
    const file = path.join(dir, 'sound.csv');
    await writeFile(file, text);
    const result = await runAudit({ config: parseContract(CONFIG, 'contracts.yaml'), files: [file], asOf: '2026-11-30' });
    expect(result.summary.inputs[0]).toMatchObject({ lines: 4, rows: 3, rejects: 0, nonDataLines: 1 });
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
