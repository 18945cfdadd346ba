import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

/** The command line as a new user meets it: wrong paths, a broken config, damaged files. */

const CONFIG = `timezone: Asia/Shanghai
merchants:
  - id: "898310048990001"
    name: 上海味道餐饮有限公司
    pricing:
      - { from: 2026-01-01, card: debit, rate: "0.55%", cap: "20.00" }
`;
const HEADER = '商户编号,商户名称,终端号,交易时间,交易类型,卡类型,交易金额,手续费,结算金额,参考号';
const row = (ref: string, amount: string) => `898310048990001,上海味道餐饮有限公司,10078087,2026-11-20 10:11:12,消费,借记卡,${amount},0.55,99.45,${ref}`;

let dir: string;
let stderr: string[];

async function run(...args: string[]): Promise<number> {
  stderr = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return await main(args);
  } finally {
    process.stderr.write = write;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-cli-'));
  await writeFile(path.join(dir, 'contracts.yaml'), CONFIG);
});

describe('bad input, as a new user would try it', () => {
  it('a missing input file exits 3 naming the file', async () => {
    const code = await run('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', path.join(dir, 'out-missing'), path.join(dir, 'nope.csv'));
    expect(code).toBe(3);
    expect(stderr.join('')).toContain(`${path.join(dir, 'nope.csv')}: no such file or folder`);
  });

  it('a missing config exits 2 naming it', async () => {
    await writeFile(path.join(dir, 'a.csv'), [HEADER, row('R1', '100.00')].join('\n'));
    const code = await run('audit', '--config', path.join(dir, 'missing.yaml'), '--out', path.join(dir, 'o'), path.join(dir, 'a.csv'));
    expect(code).toBe(2);
    expect(stderr.join('')).toContain('missing.yaml: config cannot be read (ENOENT)');
  });

  it.each([
    ['YAML that does not parse', 'merchants: [\n  - id: "1"\n    name: x\n  oops: : :', /not valid YAML/],
    ['a bad rate', CONFIG.replace('"0.55%"', '"fifty"'), /invalid config at merchants\[0\]\.pricing\[0\]\.rate: expected a rate like "0\.55%", got "fifty"/],
    ['an unknown field', `${CONFIG}colour: blue\n`, /invalid config at \(root\): .*colour/],
    ['no merchants', 'timezone: Asia/Shanghai\nmerchants: []\n', /invalid config at merchants: at least one merchant is needed/],
    ['a bad time zone', CONFIG.replace('Asia/Shanghai', 'Mars/Olympus'), /invalid config at timezone: unknown time zone "Mars\/Olympus"/],
  ])('a corrupt config (%s) exits 2 naming the field', async (_what, text, message) => {
    const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, text);
    const code = await run('audit', '--config', file, '--out', path.join(dir, 'o'), path.join(dir, 'a.csv'));
    expect(code).toBe(2);
    expect(stderr.join('')).toMatch(message);
    expect(stderr.join('')).toContain(file);
  });

  it('a GBK file with a truncated row and a non-numeric amount: rejects with file, line and reason, the rest audited', async () => {
    const file = path.join(dir, 'gbk-damaged.csv');
    const text = [HEADER, row('R1', '100.00'), '898310048990001,上海味道餐饮有限公司,1007', row('R3', '1O0.00'), row('R4', '100.00')].join('\r\n');
    await writeFile(file, iconv.encode(text, 'gbk'));
    const out = path.join(dir, 'out-gbk');
    const code = await run('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', out, '--as-of', '2026-11-30', file);
    expect(code).toBe(0);
    const rejects = (await readFile(path.join(out, 'rejects.csv'), 'utf8')).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rejects[0]).toBe('file,line,reason,raw');
    expect(rejects[1]).toContain(`${file},3,"expected 10 cells, got 3 (row cut short or misaligned)"`);
    expect(rejects[2]).toContain(`${file},4,"amount: expected a decimal, got ""1O0.00"""`);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.inputs[0]).toMatchObject({ format: 'acquirer-csv', encoding: 'gb18030', lines: 5, rows: 2, rejects: 2, nonDataLines: 1 });
    const findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8'));
    expect(findings.filter((f: { rule: string }) => f.rule === 'unparseable-row').map((f: { evidence: { line: number }[] }) => f.evidence[0]!.line)).toEqual([3, 4]);
  });

  it('a file of unknown layout exits 3, lists the formats tried and how to force one, and still writes the outputs', async () => {
    const odd = path.join(dir, 'notes.txt');
    await writeFile(odd, 'hello\nthis is not a settlement file\n');
    const out = path.join(dir, 'out-odd');
    const code = await run('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', out, '--as-of', '2026-11-30', path.join(dir, 'a.csv'), odd);
    expect(code).toBe(3);
    const message = stderr.join('');
    expect(message).toContain('notes.txt: a layout no parser recognises. Formats tried: unionpay-acp-zm, wechat-trade-bill,');
    expect(message).toContain('acquirer-csv, pos-journal');
    expect(message).toContain('@FORMAT_ID');
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.inputs.map((i: { format: string | null }) => i.format)).toEqual(['acquirer-csv', null]);
  });

  it('bad usage exits 2', async () => {
    expect(await run('audit', '--out', 'x', 'a.csv')).toBe(2);
    expect(await run('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', 'x', '--as-of', '20261130', 'a.csv')).toBe(2);
    expect(stderr.join('')).toContain('--as-of: expected YYYY-MM-DD, got "20261130"');
    expect(await run('frobnicate')).toBe(2);
  });

  it('--fail-on high exits 1 when a high finding exists', async () => {
    await mkdir(path.join(dir, 'f'), { recursive: true });
    const file = path.join(dir, 'f', 'fee.csv');
    await writeFile(file, [HEADER, row('R9', '100.00').replace(',0.55,99.45,', ',0.90,99.10,')].join('\n'));
    const code = await run('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', path.join(dir, 'out-fail'), '--as-of', '2026-11-30', '--fail-on', 'high', file);
    expect(code).toBe(1);
  });
});
