import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditError, ErrorCode } from '../../src/model/errors.js';
import { DEFAULT_ARCHIVE_LIMITS, expandGzip, expandZip } from '../../src/pipeline/archive.js';
import { loadInputs } from '../../src/pipeline/inputs.js';
import { buildZip, entry, gzipOf, zeroBomb, type ZipSpec } from './_zip.js';
import { CONFIG, HEADER, row, runCli, tempDir } from './_run.js';

/**
 * Archives from outside (DESIGN.md section 10): zip-slip names refused, zip and gzip bombs stopped
 * early in bounded memory, nesting decided by a rule, a damaged entry reported on its own. The
 * hostile archives are laid out byte by byte in the test (test/safety/_zip.ts).
 */

const MiB = 1024 * 1024;
const GOOD = [HEADER, row({ ref: 'R1' }), row({ ref: 'R2' })].join('\r\n');

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('archive'));
  await writeFile(path.join(dir, 'contracts.yaml'), CONFIG);
});
afterAll(async () => cleanup());

async function refusal(promise: Promise<unknown>): Promise<AuditError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AuditError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got none');
}

/** Peak RSS growth while `run` runs, sampled every 5 ms (Buffers live outside the JS heap, in RSS). */
async function peakGrowth<T>(run: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const value = await run();
    return { value, growth: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(sampler);
  }
}

describe('zip-slip', () => {
  it.each([['../evil.csv'], ['..\\evil.csv'], ['reports/../../evil.csv'], ['/etc/cron.d/evil'], ['C:/Windows/evil.csv']])(
    'an entry named %s refuses the archive',
    async (name) => {
      const zip = buildZip([entry('good.csv', GOOD), entry(name, GOOD)]);
      const err = await refusal(expandZip('slip.zip', zip));
      expect(err.code).toBe(ErrorCode.ARCHIVE_REFUSED);
      expect(err.message).toBe(`slip.zip: archive refused: entry "${name.replace(/\\/g, '/')}" points outside the archive (zip-slip)`);
    },
  );

  it('end to end: exit 3 with the message, nothing written beside the archive', async () => {
    const file = path.join(dir, 'delivery.zip');
    await writeFile(file, buildZip([entry('good.csv', GOOD), entry('../evil.csv', GOOD)]));
    const { code, stderr } = await runCli('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', path.join(dir, 'out-slip'), file);
    expect(code).toBe(3);
    expect(stderr).toContain(`${file}: archive refused: entry "../evil.csv" points outside the archive (zip-slip)`);
    await expect(access(path.join(dir, 'evil.csv'))).rejects.toThrow();
  });
});

describe('zip bombs', () => {
  it('a 3 MB zip that expands to 3 GiB is refused before inflating, in bounded memory', async () => {
    const data = zeroBomb(768);
    const zip = buildZip([{ name: 'settlement.csv', data, method: 8, uncompressedSize: 768 * 4 * MiB }]);
    expect(zip.length).toBeLessThan(4 * MiB);
    const { value: err, growth } = await peakGrowth(() => refusal(expandZip('bomb.zip', zip)));
    expect(err.code).toBe(ErrorCode.ARCHIVE_REFUSED);
    expect(err.message).toMatch(/^bomb\.zip: archive refused: entry "settlement\.csv" would expand to 3221225472 bytes from \d+, a compression ratio of 10\d\d:1 \(limit 200:1\)/);
    expect(growth).toBeLessThan(100 * MiB);
  });

  it('a header that declares 1000 bytes for 400 MiB of zeros is caught while inflating (a forged size)', async () => {
    const zip = buildZip([{ name: 'small.csv', data: zeroBomb(100), method: 8, uncompressedSize: 1000, crc: 0 }]);
    const { value: err, growth } = await peakGrowth(() => refusal(expandZip('forged.zip', zip)));
    expect(err.message).toBe('forged.zip: archive refused: entry "small.csv" inflates to more than the 1000 bytes its header declares (a forged header)');
    expect(growth).toBeLessThan(100 * MiB);
  });

  it('many small entries, each under the ratio floor, are held to the whole archive\'s budget', async () => {
    // 400 entries of 900 KiB of zeros: each too small for the per-entry ratio, 351 MiB in all from ~400 KB.
    const plain = Buffer.alloc(900 * 1024);
    const data = deflateRawSync(plain);
    const specs: ZipSpec[] = Array.from({ length: 400 }, (_, i) => ({ name: `part-${i}.csv`, data, method: 8, plain }));
    const zip = buildZip(specs);
    const err = await refusal(expandZip('many.zip', zip));
    expect(err.code).toBe(ErrorCode.ARCHIVE_REFUSED);
    expect(err.message).toMatch(new RegExp(`^many\\.zip: archive refused: expands to more than ${zip.length * 200} bytes`));
  });

  it('the total expanded size is bounded too (limits lowered for the test)', async () => {
    const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => row({ ref: `R${i}`, amount: `${(i % 997) + 1}.00` })).join('\r\n'));
    const zip = buildZip([entry('a.csv', text), entry('b.csv', text), entry('c.csv', text)]);
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxExpandedBytes: 2 * text.length };
    const err = await refusal(expandZip('big.zip', zip, limits));
    expect(err.message).toMatch(new RegExp(`^big\\.zip: archive refused: expands to more than ${2 * text.length} bytes \\(${3 * text.length} declared`));
  });

  it('a gzip of 3 GiB of zeros stops after about a MiB of output', async () => {
    const gz = gzipOf(zeroBomb(768), 0);
    const { value: err, growth } = await peakGrowth(() => refusal(expandGzip('bomb.csv.gz', gz)));
    expect(err.message).toMatch(/^bomb\.csv\.gz: archive refused: expands to more than \d+ bytes from the first \d+ of its \d+, a compression ratio above 200:1/);
    expect(growth).toBeLessThan(100 * MiB);
  });

  it('end to end, a bomb among the inputs: exit 3 with a clear message', async () => {
    const file = path.join(dir, 'bomb.zip');
    await writeFile(file, buildZip([{ name: 'settlement.csv', data: zeroBomb(768), method: 8, uncompressedSize: 768 * 4 * MiB }]));
    const { code, stderr } = await runCli('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', path.join(dir, 'out-bomb'), file);
    expect(code).toBe(3);
    expect(stderr).toContain(`${file}: archive refused: entry "settlement.csv" would expand to 3221225472 bytes`);
  });
});

describe('nesting, by rule', () => {
  const csvZip = buildZip([entry('a.csv', GOOD)]);

  it('a delivery zip holding a .csv.zip and a .csv.gz is read (two levels)', async () => {
    const file = path.join(dir, 'daily.zip');
    await writeFile(file, buildZip([entry('alipay.csv.zip', csvZip), entry('b.csv.gz', gzipSync(GOOD))]));
    const { inputs } = await loadInputs([file], []);
    expect(inputs.map((i) => [i.file, i.delivered, Buffer.from(i.bytes).toString('utf8')])).toEqual([
      [`${file}!alipay.csv.zip!a.csv`, file, GOOD],
      [`${file}!b.csv`, file, GOOD],
    ]);
  });

  it('a third level of archive is refused', async () => {
    const file = path.join(dir, 'deep.zip');
    await writeFile(file, buildZip([entry('level1.zip', buildZip([entry('level2.zip', csvZip)]))]));
    // The refused archive becomes one unreadable input; the run reports it and goes on with the rest.
    const { inputs } = await loadInputs([file], []);
    expect(inputs.map((i) => [i.file, i.refused?.code])).toEqual([[`${file}!level1.zip!level2.zip`, ErrorCode.ARCHIVE_REFUSED]]);
    expect(inputs[0]!.refused!.message).toBe(`${file}!level1.zip!level2.zip: archive refused: archives nested more than 2 deep`);
  });

  it('a zip not named .zip inside an archive (an .xlsx) is a file, not an archive', async () => {
    const file = path.join(dir, 'with-xlsx.zip');
    await writeFile(file, buildZip([entry('statement.xlsx', csvZip)]));
    const { inputs } = await loadInputs([file], []);
    expect(inputs.map((i) => i.file)).toEqual([`${file}!statement.xlsx`]);
    expect(inputs[0]!.refused).toBeUndefined();
  });
});

describe('entries', () => {
  it('a damaged, an encrypted and a bzip2 entry are each unreadable on their own; the good one is read', async () => {
    const damaged = { ...entry('damaged.csv', GOOD), crc: 0x12345678 };
    const encrypted = { ...entry('secret.csv', GOOD), flags: 0x801 };
    const bzip2 = { ...entry('bz.csv', GOOD), method: 12 as 0 };
    const file = path.join(dir, 'mixed.zip');
    await writeFile(file, buildZip([entry('good.csv', GOOD), damaged, encrypted, bzip2]));
    const { inputs } = await loadInputs([file], []);
    const byName = Object.fromEntries(inputs.map((i) => [i.file.split('!')[1], i]));
    expect(Buffer.from(byName['good.csv']!.bytes).toString()).toBe(GOOD);
    expect(byName['damaged.csv']!.refused?.message).toBe(`${file}!damaged.csv: cannot be read: CRC-32 mismatch: the entry is damaged`);
    expect(byName['secret.csv']!.refused?.message).toBe(`${file}!secret.csv: cannot be read: the entry is encrypted`);
    expect(byName['bz.csv']!.refused?.message).toBe(`${file}!bz.csv: cannot be read: compression method 12 is not supported (stored and deflate are)`);
    for (const n of ['damaged.csv', 'secret.csv', 'bz.csv']) expect(byName[n]!.refused!.code).toBe(ErrorCode.INPUT_UNREADABLE);
  });

  it('GBK names without the UTF-8 flag are read as GBK; __MACOSX and hidden files are skipped', async () => {
    const gbkName = iconv.encode('支付宝_业务明细.csv', 'gbk');
    const zip = buildZip([{ ...entry(gbkName, GOOD), flags: 0 }, entry('__MACOSX/._x.csv', 'junk'), entry('.DS_Store', 'junk'), entry('dir/', '')]);
    const entries = await expandZip('names.zip', zip);
    expect(entries.map((e) => e.name)).toEqual(['支付宝_业务明细.csv']);
  });

  it('two entries of the same name are refused rather than one silently lost', async () => {
    const err = await refusal(expandZip('twice.zip', buildZip([entry('a.csv', GOOD), entry('a.csv', `${GOOD}\r\n${row({ ref: 'R3' })}`)])));
    expect(err.message).toBe('twice.zip: archive refused: two entries are named "a.csv"');
  });

  it('a file that starts like a zip but is not one is one unreadable input, and the run goes on', async () => {
    const broken = path.join(dir, 'broken.zip');
    const good = path.join(dir, 'good.csv');
    await writeFile(broken, Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(100, 7)]));
    await writeFile(good, GOOD);
    const { code, stderr } = await runCli('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', path.join(dir, 'out-broken'), '--as-of', '2026-11-30', broken, good);
    expect(code).toBe(3);
    expect(stderr).toMatch(new RegExp(`unreadable: ${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a readable zip archive \\(`));
    expect(stderr).toMatch(/2 input\(s\)/);
  });
});
