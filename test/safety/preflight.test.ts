import { createWriteStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditError, ErrorCode } from '../../src/model/errors.js';
import { parseContract } from '../../src/model/contract.js';
import { runAudit } from '../../src/pipeline/audit.js';
import { loadInputs } from '../../src/pipeline/inputs.js';
import {
  classifyHead,
  containerProblem,
  DEFAULT_PREFLIGHT_LIMITS,
  DEFAULT_SPREADSHEET_LIMITS,
  Preflight,
  preflightBytes,
  preflightFile,
  spreadsheetProblem,
} from '../../src/pipeline/preflight.js';
import { generateSampleSet } from '../../samples/generator.js';
import { mutate, type Mutation } from '../fuzz/_mutate.js';
import { CONFIG, HEADER, readJson, row, runCli, tempDir } from './_run.js';

/**
 * The preflight (DESIGN.md section 10): a file with a binary head, in UTF-16 or Shift-JIS, or with
 * a line longer than 4 MiB is refused before it is read whole, with a message naming it, and the
 * rest of the run goes on. Every hostile file is built here, in the test.
 */

const PUBLIC = path.resolve('samples/public');
const MiB = 1024 * 1024;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('preflight'));
  await writeFile(path.join(dir, 'contracts.yaml'), CONFIG);
});
afterAll(async () => cleanup());

const goodCsv = (n = 3) => [HEADER, ...Array.from({ length: n }, (_, i) => row({ ref: `R${i + 1}` }))].join('\r\n');
const JAPANESE_HEADER = '加盟店名,加盟店番号,端末番号,取引日時,取引種別,カード種別,カード番号,取引金額,手数料,精算金額,参照番号';
const japaneseCsv = [JAPANESE_HEADER, ...Array.from({ length: 5 }, (_, i) => `株式会社テスト商店 渋谷${i}号店,898310048990001,10078087,2026-11-20 10:11:12,売上,デビット,622202******0123,100.00,0.55,99.45,R${i}`)].join('\r\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e5273fcb0000000049454e44ae426082', 'hex');

describe('classifyHead', () => {
  it.each([
    ['a PNG image', PNG, /a PNG image, not a settlement export/],
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), /a PDF document/],
    ['a 7-Zip archive', Buffer.from('377abcaf271c000400', 'hex'), /7-Zip archive \(settle-audit reads \.zip and \.gz\)/],
    ['an ELF executable', Buffer.concat([Buffer.from('7f454c46020101', 'hex'), Buffer.alloc(64)]), /an executable/],
    ['NUL bytes in text', Buffer.from('a,b,c\n1,2,\u0000\n'), /binary content \(NUL bytes or control characters/],
    ['UTF-16LE with its BOM', iconv.encode(`\ufeff${goodCsv()}`, 'utf16le'), /UTF-16LE text \(byte-order mark FF FE\)/],
    ['UTF-16BE with its BOM', iconv.encode(`\ufeff${goodCsv()}`, 'utf16be'), /UTF-16BE text/],
    ['UTF-16LE without a BOM', iconv.encode(goodCsv(), 'utf16le'), /UTF-16LE text without a byte-order mark/],
    ['Shift-JIS', iconv.encode(japaneseCsv, 'Shift_JIS'), /not GBK or UTF-8 \(\d+ of \d+ double-byte characters fall in GBK's rarely used extension area: Shift-JIS/],
    ['undecodable bytes', Buffer.from(Array.from({ length: 400 }, (_, i) => (i % 2 ? 0xff : 0x41))), /decodes as neither UTF-8 nor GBK/],
  ])('refuses %s', (_what, bytes, reason) => {
    expect(classifyHead(bytes)).toEqual({ refuse: expect.stringMatching(reason) });
  });

  it.each([
    ['a zip', 'container', Buffer.from('504b0304140000000800', 'hex')],
    ['a gzip', 'container', Buffer.from('1f8b0800000000000003', 'hex')],
    ['a legacy .xls (OLE2)', 'container', Buffer.from('d0cf11e0a1b11ae10000', 'hex')],
    ['XML with a BOM and blank lines', 'xml', Buffer.from('\ufeff\r\n  <?xml version="1.0"?><Document/>')],
    ['a GBK CSV', 'text', iconv.encode(goodCsv(), 'gbk')],
    ['a UTF-8 CSV', 'text', Buffer.from(goodCsv())],
    ['Latin-1 MT940 with umlauts', 'text', iconv.encode(':20:STARTUMS\r\n:86:166?00GUTSCHRIFT?20Überweisung Müller Straße Köln Düsseldorf Nürnberg München Würzburg Lübeck\r\n'.repeat(8), 'latin1')],
    ['an empty file', 'text', Buffer.alloc(0)],
  ])('accepts %s as %s', (_what, kind, bytes) => {
    expect(classifyHead(bytes)).toEqual({ kind });
  });
});

describe('the line bound, across chunks', () => {
  const limits = { ...DEFAULT_PREFLIGHT_LIMITS, maxLineBytes: 100, headBytes: 16 };
  const feed = (parts: string[]) => {
    const scan = new Preflight(limits);
    for (const p of parts) {
      const r = scan.push(Buffer.from(p));
      if (r) return r;
    }
    return scan.end();
  };

  it.each([
    ['a line of exactly the bound', ['a,b\n', 'x'.repeat(100), '\n'], undefined],
    ['a line one byte over, split over three chunks', ['a,b\n', 'x'.repeat(40), 'x'.repeat(40), 'x'.repeat(21), '\n'], /^line 2 \(from byte 4\) runs longer than 100 bytes/],
    ['a last line without a newline, over', ['a,b\r\n', 'y'.repeat(101)], /^line 2 \(from byte 5\)/],
    ['CR-only line ends (old Mac exports), 300 bytes of short lines', [`${'a,b\r'.repeat(75)}`], undefined],
    ['CRLF lines', ['a,b\r\n'.repeat(60)], undefined],
    ['a long line after many short ones', ['h\n'.repeat(50), 'z'.repeat(150)], /^line 51 \(from byte 100\)/],
  ])('%s', (_what, parts, expected) => {
    const result = feed(parts);
    if (expected === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(expected);
  });

  it('does not bound XML, which may be one long line (camt.053)', () => {
    expect(feed(['<?xml version="1.0"?>', `<Document>${'<Ntry/>'.repeat(100)}</Document>`])).toBeUndefined();
  });
});

describe('no false refusals', () => {
  it('every public sample and every generated sample passes the preflight', async () => {
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(d, e.name));
        else files.push(path.join(d, e.name));
      }
    };
    await walk(PUBLIC);
    expect(files.length).toBeGreaterThan(40);
    const kinds = await Promise.all(files.map(async (f) => [path.relative(PUBLIC, f), await preflightFile(f)] as const));
    // And read whole, as an archive entry or a spreadsheet is: the container check passes them too.
    for (const f of files) expect(preflightBytes(f, new Uint8Array(await readFile(f)))).toBe(kinds.find(([n]) => n === path.relative(PUBLIC, f))![1]);
    expect(kinds.filter(([f]) => f.endsWith('.xml')).every(([, k]) => k === 'xml')).toBe(true);
    expect(kinds.filter(([f]) => /\.(xls|xlsx|zip)$/.test(f)).every(([, k]) => k === 'container')).toBe(true);
    for (const [name, bytes] of generateSampleSet().files) expect(preflightBytes(name, bytes)).toBe('text');
  });
});

describe('damaged spreadsheets, refused before the spreadsheet library loops on them', () => {
  const u32 = (b: Buffer, o: number) => b.readUInt32LE(o);

  it('an .xls whose directory sector chain loops back on itself', async () => {
    const xls = Buffer.from(await readFile(path.join(PUBLIC, 'cn-bank-statements/ccb-交易明细.xls')));
    expect(containerProblem(xls)).toBeUndefined();
    // [MS-CFB] 2.2: the first FAT sector is listed at 76, the directory starts at the sector named at 48.
    const fat = u32(xls, 76);
    const dirSector = u32(xls, 48);
    xls.writeUInt32LE(dirSector, (fat + 1) * 512 + 4 * dirSector);
    expect(containerProblem(xls)).toBe(`a damaged OLE2 (.xls) container: the sector chain through sector ${dirSector} loops`);
    const file = path.join(dir, 'looping.xls');
    await writeFile(file, xls);
    const { inputs } = await loadInputs([file], []);
    expect(inputs[0]!.refused?.message).toBe(`${file}: refused: a damaged OLE2 (.xls) container: the sector chain through sector ${dirSector} loops (file of ${xls.length} bytes)`);
  });

  // Found by the fuzz harness: xlsx 0.18.5 (SheetJS) never returns on these two (checked by hand:
  // still running after 10 minutes), so a parser that hands them over would hang the run.
  it.each([
    ['an .xls whose inserted bytes make a stream chain loop', 'cn-bank-statements/ccb-交易明细.xls', [
      { op: 'flip', at: 284008764, value: 105 },
      { op: 'insert', at: 548749024, bytes: new Uint8Array([87, 78]) },
      { op: 'insert', at: 953147209, bytes: new Uint8Array([198, 118, 254, 113, 237, 31, 9, 168, 32, 104]) },
    ], /^a damaged OLE2 \(\.xls\) container: the sector chain through sector \d+ loops$/],
    ['an .xlsx cut to a corrupt fragment', 'wechat-personal-export/wechat-personal-records.xlsx', [
      { op: 'truncate', at: 12 },
      { op: 'swapLines', a: 1645796838, b: 2147483620 },
    ], /^a damaged zip container: no end-of-central-directory record$/],
  ] as const)('%s (a fuzz finding)', async (_what, sample, mutations, reason) => {
    const bytes = mutate(new Uint8Array(await readFile(path.join(PUBLIC, sample))), mutations as readonly Mutation[]);
    expect(containerProblem(bytes)).toMatch(reason);
    expect(() => preflightBytes('delivered.xls', bytes)).toThrow(/^delivered\.xls: refused: a damaged (OLE2|zip)/);
  });

  it('an .xls that passes the structure check but makes the spreadsheet library exhaust its heap: the sandbox refuses it, this process lives', async () => {
    // A fuzz finding too: opened in-process, it took the test runner down with "JavaScript heap out of memory".
    const spdb = new Uint8Array(await readFile(path.join(PUBLIC, 'cn-bank-statements/spdb-debit.xls')));
    const bytes = mutate(spdb, [
      { op: 'cell', line: 819082414, cell: 1104424293, text: ':62F:C261120CNY0,', gbk: true },
      { op: 'insert', at: 1773824178, bytes: new Uint8Array([167, 200, 238, 15, 105, 72, 194, 56]) },
      { op: 'flip', at: 472249401, value: 100 },
      { op: 'dupLine', line: 1880631219 },
      { op: 'delete', at: 812357484, length: 57 },
      { op: 'cell', line: 1762470870, cell: 1813651313, text: '5.', gbk: true },
    ]);
    expect(containerProblem(bytes)).toBeUndefined();
    const limits = { ...DEFAULT_SPREADSHEET_LIMITS, maxHeapMb: 128 };
    expect(spreadsheetProblem(bytes, limits)).toMatch(/^the spreadsheet library crashed opening it \(.+\): a damaged workbook$/);
    expect(spreadsheetProblem(spdb, limits)).toBeUndefined();
  });

  it('an .xlsx with a corrupt deflate stream, and one cut short', async () => {
    const xlsx = Buffer.from(await readFile(path.join(PUBLIC, 'wechat-personal-export/wechat-personal-records.xlsx')));
    expect(containerProblem(xlsx)).toBeUndefined();
    const corrupt = Buffer.from(xlsx);
    // The first entry's data starts after its 30-byte local header, name and extra field.
    const start = 30 + corrupt.readUInt16LE(26) + corrupt.readUInt16LE(28);
    corrupt.fill(0xff, start, start + 8);
    expect(containerProblem(corrupt)).toMatch(/^a damaged zip container: entry 1 does not inflate to its declared \d+ bytes/);
    expect(containerProblem(xlsx.subarray(0, xlsx.length - 100))).toMatch(/^a damaged zip container/);
  });
});

describe('hostile files, end to end: each refused naming the file, the rest audited, exit 3', () => {
  it('binary named .csv, UTF-16LE, Shift-JIS, a 100 MB line, NUL garbage', async () => {
    const files: Record<string, Uint8Array | string> = {
      'good.csv': goodCsv(),
      'photo.csv': PNG,
      'utf16.csv': iconv.encode(`\ufeff${goodCsv()}`.replace(/,/g, '\t'), 'utf16le'),
      'sjis.csv': iconv.encode(japaneseCsv, 'Shift_JIS'),
      'nul.csv': Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.alloc(4096)]),
    };
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    // A 100 MB line between good rows, streamed so the test itself stays small.
    const longLine = path.join(dir, 'long-line.csv');
    const out = createWriteStream(longLine);
    out.write(`${goodCsv(2)}\r\n`);
    const chunk = Buffer.alloc(4 * MiB, 'x');
    for (let i = 0; i < 25; i++) if (!out.write(chunk)) await once(out, 'drain');
    out.end(`\r\n${row({ ref: 'AFTER' })}\r\n`);
    await once(out, 'finish');
    expect((await stat(longLine)).size).toBeGreaterThan(100 * 1000 * 1000);

    const args = [...Object.keys(files).map((f) => path.join(dir, f)), longLine];
    const outDir = path.join(dir, 'out-hostile');
    const { code, stderr } = await runCli('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', outDir, '--as-of', '2026-11-30', ...args);
    expect(code).toBe(3);
    const reasons: Record<string, RegExp> = {
      'photo.csv': /refused: a PNG image, not a settlement export/,
      'utf16.csv': /refused: UTF-16LE text \(byte-order mark FF FE\)/,
      'sjis.csv': /refused: text that is not GBK or UTF-8 .*Shift-JIS/,
      'nul.csv': /refused: binary content/,
      'long-line.csv': /refused: line 4 \(from byte \d+\) runs longer than 4 MiB without a line break/,
    };
    const summary = await readJson<{ inputs: { file: string; error?: string; rows: number; lines: number; sha256: string }[] }>(path.join(outDir, 'summary.json'));
    for (const [name, reason] of Object.entries(reasons)) {
      const file = path.join(dir, name);
      expect(stderr).toContain(`unreadable: ${file}: refused:`);
      const entry = summary.inputs.find((i) => i.file === file);
      expect(entry?.error).toMatch(reason);
      expect(entry?.error).toContain(file);
      expect(entry?.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(summary.inputs.find((i) => i.file === path.join(dir, 'good.csv'))).toMatchObject({ rows: 3, lines: 4 });
    expect(await readFile(path.join(outDir, 'findings.json'), 'utf8')).toMatch(/^\[/);
  });
});

describe('a 1 GB file without a newline', () => {
  it('is refused after reading a few MiB, in bounded memory, and the run goes on', async () => {
    const big = path.join(dir, 'endless.csv');
    const out = createWriteStream(big);
    const chunk = Buffer.alloc(8 * MiB, '1234567890,');
    for (let written = 0; written < 1024 * MiB; written += chunk.length) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    const good = path.join(dir, 'beside.csv');
    await writeFile(good, goodCsv());
    expect((await stat(big)).size).toBe(1024 * MiB);

    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const result = await runAudit({ config: parseContract(CONFIG, 'contracts.yaml'), files: [big, good], asOf: '2026-11-30' });
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(result.unreadable.map((u) => u.file)).toEqual([big]);
      expect(result.unreadable[0]!.error).toBe(
        `${big}: refused: line 1 (from byte 0) runs longer than 4 MiB without a line break; a settlement export has short lines ` +
          `(a file that is one endless line is not one) (file of ${1024 * MiB} bytes)`,
      );
      expect(result.summary.inputs.find((i) => i.file === good)).toMatchObject({ rows: 3 });
    } finally {
      clearInterval(sampler);
      await writeFile(big, '');
    }
    // Read whole, the file alone would add 1 GiB; the preflight holds a chunk and the head.
    expect(peak - before).toBeLessThan(100 * MiB);
  });

  it('loadInputs reports it as a refused input, not an exception', async () => {
    const small = path.join(dir, 'line.csv');
    await writeFile(small, 'x'.repeat(5 * MiB));
    const { inputs } = await loadInputs([small], []);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.bytes.length).toBe(0);
    expect(inputs[0]!.refused).toBeInstanceOf(AuditError);
    expect(inputs[0]!.refused!.code).toBe(ErrorCode.INPUT_UNREADABLE);
  });
});
