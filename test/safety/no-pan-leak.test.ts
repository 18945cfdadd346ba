import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPan, luhnValid, maskPans } from '../../src/model/pan.js';
import { maskCard } from '../../src/parsers/_text.js';
import { generateSampleSet } from '../../samples/generator.js';
import { readPdf } from '../reports/_pdf.js';
import { CONFIG, HEADER, pansIn, readJson, row, runCli, tempDir } from './_run.js';

/**
 * A merchant's hand-edited file carrying full card numbers where they should not be: in the card
 * column of a row that is rejected, pasted into the reference column of a row that becomes a
 * finding, typed into the time column (so the reject's reason quotes it), and in the merchant id
 * column (an unknown merchant in summary.json). No output shows any of them in full: not the
 * JSON, not the CSVs, not the PDFs (their text and their attached CSV), not the log.
 */

/** Appends the Luhn check digit. */
const withCheckDigit = (body: string): string => `${body}${[...'0123456789'].find((d) => luhnValid(`${body}${d}`))!}`;

const VISA = '4111111111111111';
const MASTERCARD = '5555555555554444';
const AMEX_GROUPED = '3782 822463 10005';
const UNIONPAY = withCheckDigit('622202100111222333');
const DISCOVER = '6011000990139424';
const ALL = [VISA, MASTERCARD, AMEX_GROUPED.replace(/ /g, ''), UNIONPAY, DISCOVER];

let dir: string;
let cleanup: () => Promise<void>;
let out: string;
let stderr: string;
let code: number;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('pan'));
  await writeFile(path.join(dir, 'contracts.yaml'), CONFIG);
  const file = path.join(dir, 'merchant-upload.csv');
  await writeFile(
    file,
    [
      HEADER,
      row({ ref: 'R1', card: VISA }),
      // A credit card fee of 0.90 on 100.00 against a contracted 0.60%: a fee-overcharge finding whose reference is a card number.
      row({ ref: MASTERCARD, kind: '贷记卡', fee: '0.90', net: '99.10', time: '2026-11-20 11:11:12' }),
      row({ ref: 'R3', card: UNIONPAY, amount: '1O0.00' }),
      row({ ref: 'R4', time: AMEX_GROUPED }),
      row({ ref: 'R5', time: '2026-11-20 14:11:12' }).replace('898310048990001', DISCOVER),
    ].join('\r\n'),
  );
  out = path.join(dir, 'out');
  ({ code, stderr } = await runCli('audit', '--config', path.join(dir, 'contracts.yaml'), '--out', out, '--as-of', '2026-11-30', file));
});
afterAll(async () => cleanup());

describe('no full card number in any output', () => {
  it('the run completes and the card numbers really were in the input', async () => {
    expect(code).toBe(0);
    const input = await readFile(path.join(dir, 'merchant-upload.csv'), 'utf8');
    for (const pan of [VISA, MASTERCARD, AMEX_GROUPED, UNIONPAY, DISCOVER]) expect(input).toContain(pan);
  });

  it.each(['findings.json', 'findings.csv', 'summary.json', 'rejects.csv'])('%s', async (name) => {
    const text = await readFile(path.join(out, name), 'utf8');
    for (const pan of ALL) expect(text.replace(/[ -]/g, '')).not.toContain(pan);
    expect(pansIn(text)).toEqual([]);
    expect(maskPans(text)).toBe(text);
  });

  it('rejects.csv keeps the rows, with the card numbers masked in the raw text and in the reason', async () => {
    const text = await readFile(path.join(out, 'rejects.csv'), 'utf8');
    expect(text).toContain(`,4,"amount: expected a decimal, got ""1O0.00""","上海味道餐饮有限公司,898310048990001,10078087,2026-11-20 10:11:12,消费,借记卡,${UNIONPAY.slice(0, 6)}*********${UNIONPAY.slice(-4)},1O0.00,`);
    expect(text).toContain(`,5,"txnTime: expected a date-time, got ""378282*****0005""",`);
  });

  it('the finding keeps its evidence, with the reference masked; summary.json masks the unknown merchant id', async () => {
    const findings = await readJson<{ rule: string; reference?: string; evidence: { line: number }[] }[]>(path.join(out, 'findings.json'));
    const overcharge = findings.find((f) => f.rule === 'fee-overcharge');
    expect(overcharge).toMatchObject({ reference: '555555******4444', evidence: [{ line: 3 }] });
    const summary = await readJson<{ unknownMerchants: { merchantId: string }[]; inputs: { rows: number; rejects: number }[] }>(path.join(out, 'summary.json'));
    expect(summary.unknownMerchants.map((u) => u.merchantId)).toEqual(['601100******9424']);
    expect(summary.inputs[0]).toMatchObject({ rows: 3, rejects: 2 });
  });

  it('the PDFs, read back: page text and the attached findings CSV', async () => {
    const reports = (await readdir(path.join(out, 'reports'))).filter((f) => f.endsWith('.pdf'));
    expect(reports).toContain('compliance.pdf');
    let attachedOvercharge = false;
    for (const name of reports) {
      const pdf = await readPdf(await readFile(path.join(out, 'reports', name)));
      const text = pdf.flat.join('');
      for (const pan of ALL) expect(text).not.toContain(pan);
      for (const a of Object.values(pdf.attachments)) {
        const csv = Buffer.from(a.content).toString('utf8');
        for (const pan of ALL) expect(csv).not.toContain(pan);
        expect(pansIn(csv)).toEqual([]);
        if (csv.includes('555555******4444')) attachedOvercharge = true;
      }
    }
    expect(attachedOvercharge).toBe(true);
  });

  it('the log', () => {
    expect(stderr).toContain('2 reject(s)');
    for (const pan of ALL) expect(stderr).not.toContain(pan);
    expect(pansIn(stderr)).toEqual([]);
  });
});

describe('a bank export named after its account, a debit card number (the generated month)', () => {
  it('every output shows the name masked, and the merchant\'s own report still lists the file', async () => {
    const set = generateSampleSet();
    const month = path.join(dir, 'month');
    for (const [name, bytes] of set.files) {
      await mkdir(path.dirname(path.join(month, name)), { recursive: true });
      await writeFile(path.join(month, name), bytes);
    }
    await writeFile(path.join(dir, 'month.yaml'), set.config);
    const account = '6222020303334445556';
    expect(isPan(account)).toBe(true);
    expect([...set.files.keys()]).toContain(`bank/icbc_${account}_202610.csv`);
    const monthOut = path.join(dir, 'month-out');
    const run = await runCli('audit', '--config', path.join(dir, 'month.yaml'), '--out', monthOut, '--as-of', set.asOf, month);
    expect(run.code).toBe(0);
    for (const name of ['findings.json', 'findings.csv', 'summary.json', 'rejects.csv']) {
      const text = await readFile(path.join(monthOut, name), 'utf8');
      expect(text).not.toContain(account);
    }
    const summary = await readFile(path.join(monthOut, 'summary.json'), 'utf8');
    expect(summary).toContain(`icbc_${maskCard(account)}_202610.csv`);
    // Its merchant (898110070990003) finds the file in its own view of the manifest, by the masked name.
    const pdf = await readPdf(await readFile(path.join(monthOut, 'reports', 'merchant-898110070990003.pdf')));
    const text = pdf.flat.join('');
    expect(text).toContain(`icbc_${maskCard(account)}_202610.csv`);
    expect(text).not.toContain(account);
    expect(run.stderr).not.toContain(account);
  });
});

