import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { isPan } from '../../src/model/pan.js';

/** The command line as a user runs it, for the end-to-end safety tests. */

export const MERCHANT = '898310048990001';

export const CONFIG = `timezone: Asia/Shanghai
merchants:
  - id: "${MERCHANT}"
    name: 上海味道餐饮有限公司
    pricing:
      - { from: 2026-01-01, card: debit, rate: "0.55%", cap: "20.00" }
      - { from: 2026-01-01, card: credit, rate: "0.60%" }
`;

/** An acquirer-csv export (header synonyms of src/parsers/_headers.ts), with a card number column. */
export const HEADER = '商户名称,商户编号,终端号,交易时间,交易类型,卡类型,卡号,交易金额,手续费,结算金额,参考号';

export interface Row {
  name?: string;
  time?: string;
  kind?: string;
  card?: string;
  amount?: string;
  fee?: string;
  net?: string;
  ref: string;
}

export const row = (r: Row): string =>
  [r.name ?? '上海味道餐饮有限公司', MERCHANT, '10078087', r.time ?? '2026-11-20 10:11:12', '消费', r.kind ?? '借记卡', r.card ?? '622202******0123', r.amount ?? '100.00', r.fee ?? '0.55', r.net ?? '99.45', r.ref].join(',');

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `settle-audit-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `settle-audit` in-process; returns the exit code and everything written to stderr. */
export async function runCli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stderr: lines.join('') };
  } finally {
    process.stderr.write = write;
  }
}

export const readJson = async <T = unknown>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

/** Bare card numbers by the masking rule (13–19 digits, scheme prefix, Luhn) left in a text. */
export const pansIn = (text: string): string[] => (text.match(/(?<!\d)\d{13,19}(?!\d)/g) ?? []).filter(isPan);

/**
 * Splits CSV text into cells, RFC 4180 quoting, as a spreadsheet reads it (the tests must not
 * trust the writer's own idea of its output).
 */
export function csvCells(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
