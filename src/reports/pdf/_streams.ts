/**
 * How the reports' streams are compressed: zlib level 3 with zlib's largest hash table, instead of
 * pdfkit's default (level 6).
 *
 * pdfkit 0.20 deflates every stream (page contents, embedded font subsets, ToUnicode maps, the
 * attached CSV) with `zlib.deflateSync(data)` and has no option for the level (`compress` only
 * turns compression on or off). Profiling a run of a thousand merchant reports showed deflate at
 * about a tenth of a report's CPU time, most of it on the font subsets, which hardly compress at
 * any level. Measured on the streams of 200 reports of the benchmark month, per report:
 *
 *   level 6 (pdfkit)        font subsets 1.40 ms, 50.9 KB   pages 0.53 ms,  9.0 KB
 *   level 3                 font subsets 1.09 ms, 51.7 KB   pages 0.29 ms, 10.0 KB
 *   level 3, memLevel 9     font subsets 0.92 ms, 51.7 KB   pages 0.29 ms, 10.0 KB
 *   level 1, memLevel 9     font subsets 0.87 ms, 52.3 KB   pages 0.28 ms, 10.4 KB
 *
 * so 0.7 ms less a report for 2.4 % more bytes (73.3 → 75.1 KB a report). Deflate with given
 * parameters is deterministic: the same report still gives the same bytes.
 *
 * How. pdfkit compresses a stream when its PDFReference is finalized, if `compress` is set (and
 * then has already named FlateDecode as its filter). Each reference the document creates gets a
 * finalize that deflates its buffered chunks itself and clears `compress`, so that pdfkit writes
 * them as they are. A reference that does not look like that (another pdfkit) is left to pdfkit.
 */
import { deflateSync } from 'node:zlib';

/** zlib's options for every stream: see above. */
export const DEFLATE = { level: 3, memLevel: 9 } as const;

/** pdfkit's PDFReference (js/pdfkit.js): the members used here. */
interface Reference {
  compress: boolean;
  data: { Filter?: unknown };
  buffer: Uint8Array[];
  finalize(): void;
}

function isReference(value: unknown): value is Reference {
  const r = value as Partial<Reference> | null | undefined;
  return typeof r?.compress === 'boolean' && typeof r.finalize === 'function' && Array.isArray(r.buffer) && typeof r.data === 'object';
}

/** Has `doc` deflate its streams with DEFLATE's options. */
export function deflateStreams(doc: PDFKit.PDFDocument): void {
  const d = doc as unknown as { ref?: (data?: object) => unknown };
  const ref = d.ref;
  if (typeof ref !== 'function') return;
  d.ref = function (this: unknown, data?: object) {
    const reference = ref.call(this, data);
    if (isReference(reference)) {
      const finalize = reference.finalize;
      reference.finalize = () => {
        const { buffer } = reference;
        if (reference.compress && reference.data.Filter === 'FlateDecode' && Array.isArray(buffer) && buffer.length > 0) {
          reference.buffer = [deflateSync(Buffer.concat(buffer), DEFLATE)];
          reference.compress = false;
        }
        finalize.call(reference);
      };
    }
    return reference;
  };
}
