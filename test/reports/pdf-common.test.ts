/**
 * What every PDF report must do (DESIGN.md section 9), checked on each report of the fixture run:
 * the findings CSV attached byte for byte with its sha256 on the cover, "Page X of Y" and the report
 * id on every page, every font embedded, PDF/A-3b markers, the same bytes on every rendering.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { findingsCsv } from '../../src/reports/csv.js';
import { compliancePdf, complianceReportId } from '../../src/reports/pdf/compliance.js';
import { merchantReportId, merchantReportPdf } from '../../src/reports/pdf/merchant.js';
import { buildFixture, LONG, merchantArgs, QINGFENG, WEIDAO } from './_fixture.js';
import { fonts, rawObjects, readPdf, squash, type ReadPdf } from './_pdf.js';

interface Case {
  name: string;
  reportId: string;
  csvName: string;
  render: () => Promise<{ bytes: Buffer; csv: Buffer }>;
}

const fx = buildFixture();
const merchantCase = (m: { id: string; name: string }): Case => ({
  name: `merchant ${m.name}`,
  reportId: merchantReportId(fx.summary, m.id),
  csvName: `findings-${m.id}.csv`,
  render: async () => {
    const args = await merchantArgs(fx, m.id);
    return { bytes: await merchantReportPdf(args), csv: args.findingsCsv };
  },
});
const cases: Case[] = [
  merchantCase(WEIDAO),
  merchantCase(QINGFENG),
  merchantCase(LONG),
  {
    name: 'compliance',
    reportId: complianceReportId(fx.summary),
    csvName: 'findings.csv',
    render: async () => {
      const csv = await findingsCsv(fx.findings);
      return { bytes: await compliancePdf({ summary: fx.summary, findings: fx.findings, findingsCsv: csv }), csv };
    },
  },
];

describe.each(cases)('$name report', (c) => {
  let bytes: Buffer;
  let csv: Buffer;
  let pdf: ReadPdf;
  beforeAll(async () => {
    ({ bytes, csv } = await c.render());
    pdf = await readPdf(bytes);
  });

  it('carries the findings CSV as an attachment, byte for byte, with its sha256 on the cover', () => {
    const attached = pdf.attachments[c.csvName];
    expect(Object.keys(pdf.attachments)).toEqual([c.csvName]);
    expect(attached).toBeDefined();
    expect(Buffer.from(attached!.content).equals(csv)).toBe(true);
    const sha = createHash('sha256').update(csv).digest('hex');
    expect(pdf.flat[0]).toContain(sha);
  });

  it('prints "Page X of Y" and the report id on every page', () => {
    const n = pdf.numPages;
    expect(n).toBeGreaterThan(1);
    expect(pdf.items[0]!.some((s) => s.includes(`Page 1 of ${n}`))).toBe(true);
    expect(pdf.items[n - 1]!.some((s) => s.includes(`Page ${n} of ${n}`))).toBe(true);
    pdf.items.forEach((page, i) => {
      expect(page.filter((s) => s.includes(`Page ${i + 1} of ${n}`))).toHaveLength(1);
      expect(pdf.flat[i]).toContain(squash(`Report ID: ${c.reportId}`));
    });
  });

  it('has no empty page', () => {
    // A page holds more than its running head and footer.
    pdf.items.forEach((page) => expect(page.length).toBeGreaterThan(4));
  });

  it('embeds every font it uses, as a subset', () => {
    const all = fonts(bytes);
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((f) => !f.embedded)).toEqual([]);
    for (const f of all) expect(f.baseFont).toMatch(/^[A-Z]{6}\+NotoSansSC-(Regular|Bold)$/);
  });

  it('declares PDF/A-3b, dates from the run, and the CSV as associated data', () => {
    expect(pdf.metadata.xmp['pdfaid:part']).toBe('3');
    expect(pdf.metadata.xmp['pdfaid:conformance']).toBe('B');
    expect(pdf.metadata.info.PDFFormatVersion).toBe('1.7');
    // generatedAt 2026-12-01T23:59:59+08:00 is 15:59:59 UTC.
    expect(pdf.metadata.info.CreationDate).toBe('D:20261201155959Z');
    expect(pdf.metadata.info.ModDate).toBe('D:20261201155959Z');
    expect(pdf.metadata.xmp['xmp:createdate']).toBe('2026-12-01T15:59:59Z');
    expect(pdf.metadata.xmp['xmp:modifydate']).toBe('2026-12-01T15:59:59Z');
    const objects = [...rawObjects(bytes).values()];
    const catalog = objects.find((o) => /\/Type \/Catalog\b/.test(o)) ?? '';
    expect(catalog).toMatch(/\/AF \[\d+ 0 R\]/);
    expect(catalog).toMatch(/\/OutputIntents \[\d+ 0 R\]/);
    const filespec = objects.find((o) => /\/Type \/Filespec\b/.test(o)) ?? '';
    expect(filespec).toContain('/AFRelationship /Data');
    const embedded = objects.find((o) => /\/Type \/EmbeddedFile\b/.test(o)) ?? '';
    expect(embedded).toContain('/Subtype /text#2Fcsv');
    expect(embedded).toMatch(/\/ModDate \(D:20261201155959Z\)/);
  });

  it('draws its charts as vector graphics: no raster image in the file', () => {
    const objects = [...rawObjects(bytes).values()];
    expect(objects.filter((o) => /\/Subtype \/Image\b/.test(o))).toEqual([]);
  });

  it('gives the same bytes when rendered again', async () => {
    const again = await c.render();
    expect(again.bytes.equals(bytes)).toBe(true);
  });
});
