import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Finding } from '../../src/model/finding.js';
import { formatGrouped } from '../../src/model/money.js';
import { readPdf, squash, type ReadPdf } from '../reports/_pdf.js';

/**
 * `settle-audit demo` end to end, as a new user runs it: the outputs appear, and the PDFs, read
 * back, carry each merchant's Chinese name and the amounts of its findings.
 */
let out: string;
let findings: Finding[];

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'settle-audit-demo-'));
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    expect(await main(['demo', '--out', out])).toBe(0);
  } finally {
    process.stderr.write = write;
  }
  findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8'));
}, 120_000);

describe('settle-audit demo', () => {
  it('writes findings, summary, rejects and a PDF per merchant plus the compliance PDF', async () => {
    expect((await readdir(out)).sort()).toEqual(['findings.csv', 'findings.json', 'rejects.csv', 'reports', 'samples', 'summary.json']);
    expect((await readdir(path.join(out, 'reports'))).sort()).toEqual([
      'compliance.pdf',
      'merchant-898110070990003.pdf',
      'merchant-898310048990001.pdf',
      'merchant-898330059990002.pdf',
      'merchant-898440081990004.pdf',
      'merchant-898440091990005.pdf',
      'merchant-898510101990006.pdf',
    ]);
    expect(findings).toHaveLength(22);
  });

  it.each([
    ['898310048990001', '上海味道餐饮有限公司'],
    ['898330059990002', '杭州鲜果超市有限公司'],
    ['898510101990006', '成都老街火锅店（武侯店）'],
    ['898440081990004', '广州清风茶饮店'],
  ])('the report of %s names %s and shows every finding amount', async (id, name) => {
    const pdf: ReadPdf = await readPdf(await readFile(path.join(out, 'reports', `merchant-${id}.pdf`)));
    const text = pdf.flat.join('');
    expect(text).toContain(squash(name));
    const own = findings.filter((f) => f.merchantId === id);
    for (const f of own) {
      if (f.differenceMinor !== undefined) expect(text, `${f.rule} ${f.reference ?? f.date}`).toContain(formatGrouped(f.differenceMinor));
      if (f.reference) expect(text).toContain(f.reference);
    }
    if (own.length === 0) expect(text).toContain('本期未发现问题');
  });

  it('lists every finding in the compliance report, regulatory items among them', async () => {
    const pdf = await readPdf(await readFile(path.join(out, 'reports', 'compliance.pdf')));
    const text = pdf.flat.join('');
    for (const f of findings) if (f.differenceMinor !== undefined) expect(text).toContain(formatGrouped(f.differenceMinor));
    expect(text).toContain('跳码');
    expect(text).toContain('二清');
  });
});
