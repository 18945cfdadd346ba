/**
 * Reads a PDF back the way a reader's viewer does (pdfjs-dist), and inspects its raw objects for
 * what a viewer does not show: font embedding and PDF/A markers.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface ReadPdf {
  numPages: number;
  /** Text items of each page, in drawing order. */
  items: string[][];
  /** Each page's text with the items joined and all white space removed, for searching wrapped text. */
  flat: string[];
  attachments: Record<string, { filename: string; content: Uint8Array; description?: string }>;
  outline: string[];
  metadata: { info: Record<string, unknown>; xmp: Record<string, unknown> };
}

export const squash = (text: string): string => text.replace(/\s+/g, '');

export async function readPdf(bytes: Buffer): Promise<ReadPdf> {
  // pdfjs may detach the buffer it is given: hand it a copy.
  const pdf = await getDocument({ data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false }).promise;
  try {
    const items: string[][] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      items.push(content.items.map((i) => ('str' in i ? i.str : '')).filter((s) => s !== ''));
    }
    const outline = ((await pdf.getOutline()) ?? []).flatMap(function titles(o: { title: string; items: unknown[] }): string[] {
      return [o.title, ...(o.items as { title: string; items: unknown[] }[]).flatMap(titles)];
    });
    const meta = await pdf.getMetadata();
    const xmp = meta.metadata ? Object.fromEntries([...meta.metadata]) : {};
    return {
      numPages: pdf.numPages,
      items,
      flat: items.map((page) => squash(page.join(''))),
      attachments: ((await pdf.getAttachments()) ?? {}) as ReadPdf['attachments'],
      outline,
      metadata: { info: meta.info as Record<string, unknown>, xmp },
    };
  } finally {
    await pdf.destroy();
  }
}

/** Object number → the object's dictionary text (up to its stream, if any), found through the xref table. */
export function rawObjects(bytes: Buffer): Map<number, string> {
  const text = bytes.toString('latin1');
  const xrefAt = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  const xref = /^xref\s+0 (\d+)\s+/.exec(text.slice(xrefAt));
  if (!xref) throw new Error('no classic xref table (the checks below read one)');
  const size = Number(xref[1]);
  const table = text.slice(xrefAt + xref[0].length);
  const out = new Map<number, string>();
  for (let n = 1; n < size; n++) {
    const entry = table.slice(n * 20, n * 20 + 18);
    if (!entry.endsWith(' n')) continue;
    const offset = Number(entry.slice(0, 10));
    const body = text.slice(offset, offset + 20_000);
    const header = `${n} 0 obj`;
    if (!body.startsWith(header)) throw new Error(`xref entry ${n} does not point at "${header}"`);
    const end = Math.min(...['\nstream\n', '\nendobj'].map((m) => body.indexOf(m)).filter((i) => i >= 0));
    out.set(n, body.slice(header.length, end));
  }
  return out;
}

const ref = (dict: string, key: string): number | undefined => {
  const m = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  return m ? Number(m[1]) : undefined;
};

/**
 * Every font dictionary of the file with whether its glyphs are embedded: a Type0 font through its
 * descendant CIDFont's descriptor, a simple font through its own; embedded = FontFile, FontFile2
 * or FontFile3 present. The standard 14 fonts have no descriptor, so they show as not embedded.
 */
export function fonts(bytes: Buffer): { id: number; baseFont: string; embedded: boolean }[] {
  const objects = rawObjects(bytes);
  const out: { id: number; baseFont: string; embedded: boolean }[] = [];
  for (const [id, dict] of objects) {
    if (!/\/Type \/Font\b/.test(dict)) continue;
    const baseFont = /\/BaseFont \/(\S+)/.exec(dict)?.[1] ?? '?';
    let holder = dict;
    if (/\/Subtype \/Type0\b/.test(dict)) {
      const descendant = /\/DescendantFonts \[(\d+) 0 R\]/.exec(dict)?.[1];
      holder = descendant ? (objects.get(Number(descendant)) ?? '') : '';
    }
    const descriptorId = ref(holder, 'FontDescriptor');
    const descriptor = descriptorId === undefined ? '' : (objects.get(descriptorId) ?? '');
    out.push({ id, baseFont, embedded: /\/FontFile[23]? \d+ 0 R/.test(descriptor) });
  }
  return out;
}
