/**
 * The document's bytes taken as pdfkit writes them (gatherOutput, _streams.ts) are the bytes its
 * stream gives: the same document written both ways.
 */
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { gatherOutput } from '../../src/reports/pdf/_streams.js';

/** A document with text in a standard font, a shape, a second page and Chinese in its information: written and ended. */
function write(doc: PDFKit.PDFDocument): void {
  doc.text('Settlement audit 结算审计 (escaped) \\ backslash', 50, 50);
  doc.rect(40, 40, 200, 30).fill('#EDF1F7');
  doc.addPage();
  doc.text('Page 2', 50, 50);
  doc.end();
}

const options = { info: { Title: '商户结算审计报告', CreationDate: new Date('2026-11-10T15:59:59Z') } };

async function throughStream(): Promise<Buffer> {
  const doc = new PDFDocument(options);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => doc.on('end', resolve));
  write(doc);
  await ended;
  return Buffer.concat(chunks);
}

async function gathered(): Promise<Buffer> {
  const doc = new PDFDocument(options);
  const chunks: Uint8Array[] = [];
  expect(gatherOutput(doc, (b) => chunks.push(b))).toBe(true);
  doc.resume();
  const ended = new Promise((resolve) => doc.on('end', resolve));
  write(doc);
  await ended;
  return Buffer.concat(chunks);
}

describe('a document whose bytes are taken as pdfkit writes them', () => {
  it('has the bytes its stream gives, header and cross-reference table included', async () => {
    const [a, b] = [await throughStream(), await gathered()];
    expect(b.subarray(0, 8).toString('latin1')).toBe('%PDF-1.3');
    expect(b.length).toBeGreaterThan(1000);
    expect(b.equals(a)).toBe(true);
  });
});
