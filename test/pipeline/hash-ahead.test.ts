import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMonth } from '../../bench/generate.js';
import { parseContract } from '../../src/model/contract.js';
import { runAudit } from '../../src/pipeline/audit.js';
import { hashAhead, hashedAhead } from '../../src/pipeline/bulk/hash-ahead.js';
import { hashAndPreflightFile } from '../../src/pipeline/preflight.js';
import { withEnv } from '../_env.js';

/**
 * A large audit's files are hashed and preflighted in a thread that starts with the process
 * (hash-ahead.ts): the run must get from it exactly what it would have computed itself, and
 * compute it itself for a file that changed since.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'settle-audit-hash-ahead-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A CSV file of about `mib` MiB. */
function csv(name: string, mib: number): string {
  const file = path.join(dir, name);
  const line = '898310000014078,2026-10-01,219.78,261001000001\n';
  writeFileSync(file, `商户编号,交易日期,交易金额,参考号\n${line.repeat(Math.ceil((mib * 1024 * 1024) / line.length))}`);
  return file;
}

describe('hashAhead', () => {
  it("gives each large file's sha256 and the preflight's verdict, as the file is read here", async () => {
    const text = csv('text.csv', 17);
    const binary = path.join(dir, 'binary.csv');
    writeFileSync(binary, Buffer.alloc(17 * 1024 * 1024, 0));
    hashAhead([text, binary]);
    for (const file of [text, binary]) {
      const got = await hashedAhead(file, statSync(file).size);
      expect(got).toEqual(await hashAndPreflightFile(file));
      expect(got?.sha256).toBe(sha256(file));
    }
    expect((await hashedAhead(binary, statSync(binary).size))?.refusal).toMatch(/binary/);
  });

  it("hashes a folder's large files, not its subfolders' nor files below 16 MiB", async () => {
    const folder = path.join(dir, 'month');
    mkdirSync(path.join(folder, 'sub'), { recursive: true });
    const large = csv('month/large.csv', 17);
    const small = csv('month/small.csv', 1);
    const deeper = csv('month/sub/deeper.csv', 17);
    hashAhead([folder]);
    expect(hashedAhead(large, statSync(large).size)).toBeDefined();
    expect(hashedAhead(small, statSync(small).size)).toBeUndefined();
    expect(hashedAhead(deeper, statSync(deeper).size)).toBeUndefined();
    expect((await hashedAhead(large, statSync(large).size))?.sha256).toBe(sha256(large));
  });

  it('hashes a file again whose size is not what the thread read', async () => {
    const file = csv('grown.csv', 17);
    hashAhead([file]);
    const before = await hashedAhead(file, statSync(file).size);
    appendFileSync(file, '898310000014078,2026-10-02,1.00,261002000001\n');
    const after = await hashedAhead(file, statSync(file).size);
    expect(after?.sha256).toBe(sha256(file));
    expect(after?.sha256).not.toBe(before?.sha256);
  });

  it("gives the bulk path's manifest the files' own sha256", async () => {
    const month = generateMonth(path.join(dir, 'audit'), { rows: 110_000, merchants: 20, anomalies: 1 });
    const files = [month.acquirerFile, month.posFile];
    expect(statSync(month.acquirerFile).size).toBeGreaterThan(16 * 1024 * 1024);
    hashAhead(files);
    const config = parseContract(readFileSync(month.configFile, 'utf8'), month.configFile);
    const result = await withEnv({ SETTLE_AUDIT_BULK_MIN_BYTES: '0', SETTLE_AUDIT_WORKERS: '2' }, () =>
      runAudit({ config, files, asOf: month.asOf, warn: () => undefined }),
    );
    expect(result.summary.inputs.map((i) => i.sha256)).toEqual(files.map(sha256));
  });
});
