import { mkdtemp, readFile, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { contractSchema } from '../../src/model/contract.js';
import { runAudit } from '../../src/pipeline/audit.js';
import { loadInputs } from '../../src/pipeline/inputs.js';
import { PARSERS } from '../../src/parsers/index.js';

/** Files as users deliver them: the acquirer's daily zip, a gzipped bill, a folder, a forced format. */
const PUBLIC = path.resolve('samples/public');
const formats = PARSERS.map((p) => p.id);
const config = contractSchema.parse({
  merchants: [{ id: '802310048993424', name: 'UnionPay 示例商户', pricing: [] }],
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'settle-audit-inputs-'));
});

describe('inputs', () => {
  it('expands the UnionPay daily zip and reads the ZM file against its RD summary', async () => {
    const zip = path.join(PUBLIC, 'unionpay-acp-zm', '802310048993424_20150905.zip');
    const { inputs } = await loadInputs([zip], formats);
    expect(inputs.map((i) => path.basename(i.file))).toEqual([
      '802310048993424_20150905.zip!INN15090588ZM_802310048993424',
      '802310048993424_20150905.zip!RD201015090501_802310048993424',
    ]);
    const result = await runAudit({ config, files: [zip], asOf: '2015-09-30' });
    const zm = result.summary.controlTotals.bySource.find((s) => s.file.endsWith('ZM_802310048993424'))!;
    expect(zm).toMatchObject({ format: 'unionpay-acp-zm', count: 8, amountMinor: 1_322_700, feeMinor: 7_936, netMinor: 1_314_764 });
    expect(result.summary.checks.length).toBeGreaterThanOrEqual(4);
    expect(result.summary.checks.every((c) => c.ok)).toBe(true);
    expect(result.summary.inputs.every((i) => i.sha256 === result.summary.inputs[0]!.sha256)).toBe(true);
  });

  it('reads a gzipped WeChat bill like the plain one', async () => {
    const plain = path.join(PUBLIC, 'wechatpay-merchant-bill', 'sandbox_downloadbill_ALL_20160504.tsv');
    const gz = path.join(dir, 'bill_ALL_20160504.tsv.gz');
    await writeFile(gz, gzipSync(await readFile(plain)));
    const a = await runAudit({ config, files: [plain], asOf: '2016-05-31' });
    const b = await runAudit({ config, files: [gz], asOf: '2016-05-31' });
    expect(b.summary.inputs[0]).toMatchObject({ format: 'wechat-trade-bill', rows: a.summary.inputs[0]!.rows });
    expect(b.summary.controlTotals.bySource[0]!.netMinor).toBe(a.summary.controlTotals.bySource[0]!.netMinor);
    expect(b.summary.inputs[0]!.rows).toBe(1269);
  });

  it('walks a folder, detecting each file, and names zip entries with GBK names correctly', async () => {
    const folder = path.join(dir, 'delivery');
    await mkdir(path.join(folder, 'bank'), { recursive: true });
    await copyFile(path.join(PUBLIC, 'cn-bank-statements', 'icbc-debit-v2.csv'), path.join(folder, 'bank', 'icbc.csv'));
    const acquirer = ['商户编号,终端号,交易时间,交易金额,手续费,参考号', '802310048993424,T1,2026-11-20 10:00:00,100.00,0.60,R1'].join('\n');
    await writeFile(path.join(folder, 'daily.zip'), zipWithGbkName('收单明细.csv', new Uint8Array(iconv.encode(acquirer, 'gbk'))));
    const result = await runAudit({ config, files: [folder], asOf: '2026-11-30' });
    expect(result.summary.inputs.map((i) => [path.relative(folder, i.file), i.format])).toEqual([
      ['bank/icbc.csv', 'bank-statement-cn'],
      ['daily.zip!收单明细.csv', 'acquirer-csv'],
    ]);
  });

  it('forces a format with FILE@FORMAT_ID', async () => {
    const file = path.join(dir, 'odd.txt');
    await writeFile(file, ['商户编号,终端号,交易时间,交易金额,参考号', '802310048993424,T1,2026-11-20 10:00:00,100.00,R1'].join('\n'));
    const result = await runAudit({ config, files: [`${file}@pos-journal`], asOf: '2026-11-30' });
    expect(result.summary.inputs[0]).toMatchObject({ format: 'pos-journal', role: 'pos', rows: 1 });
  });
});

/**
 * A real zip made with fflate, its entry name then rewritten in GBK without the UTF-8 flag, as
 * Chinese Windows tools write it: a placeholder name of the same byte length is replaced in both
 * the local header and the central directory.
 */
function zipWithGbkName(name: string, data: Uint8Array): Uint8Array {
  const raw = iconv.encode(name, 'gbk');
  const placeholder = 'n'.repeat(raw.length);
  const buf = Buffer.from(zipSync({ [placeholder]: data }));
  let replaced = 0;
  for (let at = buf.indexOf(placeholder); at >= 0; at = buf.indexOf(placeholder, at + 1)) {
    raw.copy(buf, at);
    replaced++;
  }
  if (replaced !== 2) throw new Error('expected the name in the local header and the central directory');
  return new Uint8Array(buf);
}
