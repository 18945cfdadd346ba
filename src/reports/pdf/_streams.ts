/**
 * How the reports' streams are written: page content gathered as text and converted once, font
 * subsets stored as they are, every other stream deflated at zlib level 3 with zlib's largest hash
 * table instead of pdfkit's default (level 6).
 *
 * Deflate. pdfkit 0.20 deflates every stream (page contents, embedded font subsets, ToUnicode
 * maps, the attached CSV) with `zlib.deflateSync(data)` and has no option for the level
 * (`compress` only turns compression on or off). Profiling a run of a thousand merchant reports
 * showed deflate at about a tenth of a report's CPU time, most of it on the font subsets. Measured
 * on the streams of 200 reports of the benchmark month, per report:
 *
 *   level 6 (pdfkit)        font subsets 1.40 ms, 50.9 KB   pages 0.53 ms,  9.0 KB
 *   level 3                 font subsets 1.09 ms, 51.7 KB   pages 0.29 ms, 10.0 KB
 *   level 3, memLevel 9     font subsets 0.92 ms, 51.7 KB   pages 0.29 ms, 10.0 KB
 *   level 1, memLevel 9     font subsets 0.87 ms, 52.3 KB   pages 0.28 ms, 10.4 KB
 *
 * Deflate with given parameters is deterministic: the same report still gives the same bytes.
 *
 * Font subsets stored. A subset is glyph outlines, which deflate only shrinks by a quarter, at
 * the highest cost per byte of any stream. Measured again on 200 reports, per report (72.3 KB of
 * subsets before compression):
 *
 *   level 3, memLevel 9         50.4 KB   1.01 ms
 *   level 1, memLevel 9         51.0 KB   0.89 ms
 *   Huffman codes only          59.0 KB   0.54 ms
 *   stored                      72.3 KB   0.08 ms (the copy)
 *
 * Stored, a report takes about a tenth less CPU and is 18.5 KiB larger (73.3 → 91.8 KiB on
 * average), which a run writing a thousand reports trades willingly: the time is the user's, the
 * bytes are a few megabytes of disk. _fonts.ts marks the subsets it encodes (storedAsIs).
 *
 * Page content as text. pdfkit writes each operator (`BT`, `1 0 0 1 48 62 Tm`, `[<0012…>] TJ`)
 * to the page's stream by converting it to bytes on its own, one small array each, thousands a
 * report, then joins them when the page ends. Gathered as one string and converted once at the
 * end (or before bytes written between, in order), the same bytes take about a fifth of the time
 * (measured on 3,000 such operators: 560 µs pdfkit's way, 120 µs gathered) and far less garbage.
 *
 * How. pdfkit compresses a stream when its PDFReference is finalized, if `compress` is set (and
 * then has already named FlateDecode as its filter). Each reference the document creates gets a
 * write that gathers text, and a finalize that deflates its buffered chunks itself (or, for bytes
 * marked storedAsIs, drops the filter) and clears `compress`, so that pdfkit writes them as they
 * are. A reference that does not look like that (another pdfkit) is left to pdfkit.
 */
import { deflateSync } from 'node:zlib';
import { RecentMap } from './_recent-map.js';

/** zlib's options for every stream: see above. */
export const DEFLATE = { level: 3, memLevel: 9 } as const;

/** The most operator text a stream gathers before converting it to bytes (see writeStreams). */
const TEXT_HELD = 8 * 1024;

/** Bytes to be written as they are, not deflated (storedAsIs). */
const storedBytes = new WeakSet<Uint8Array>();

/**
 * Marks `bytes` as a stream's whole content to be written as it is, without FlateDecode: a font
 * subset (see above). Returns `bytes`.
 */
export function storedAsIs(bytes: Uint8Array): Uint8Array {
  storedBytes.add(bytes);
  return bytes;
}

/** The largest stream whose deflated bytes are kept for the next document (SAME_STREAMS). */
const SAME_STREAM_BYTES = 4096;

/**
 * Small streams every report of a run writes alike, deflated once per thread: pdfkit's sRGB
 * colour profile (3 KB, PDF/A's output intent) and the findings CSV of a merchant without
 * findings (its header). Keyed by their bytes; deflate with fixed options gives the same bytes.
 */
const SAME_STREAMS = new RecentMap<string, Buffer>(16);

function deflated(bytes: Uint8Array): Buffer {
  if (bytes.length > SAME_STREAM_BYTES) return deflateSync(bytes, DEFLATE);
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let out = SAME_STREAMS.get(key);
  if (out === undefined) {
    out = deflateSync(bytes, DEFLATE);
    SAME_STREAMS.set(key, out);
  }
  return out;
}

/** pdfkit's PDFReference (js/pdfkit.js): the members used here. */
interface Reference {
  compress: boolean;
  data: { Filter?: unknown };
  buffer: Uint8Array[];
  write(chunk: string | Uint8Array): void;
  finalize(): void;
}

function isReference(value: unknown): value is Reference {
  const r = value as Partial<Reference> | null | undefined;
  return (
    typeof r?.compress === 'boolean' &&
    typeof r.finalize === 'function' &&
    typeof r.write === 'function' &&
    Array.isArray(r.buffer) &&
    typeof r.data === 'object'
  );
}

/** Has `doc` write its streams as said above: content operators gathered as text, deflated with DEFLATE's options or stored. */
export function writeStreams(doc: PDFKit.PDFDocument): void {
  const d = doc as unknown as { ref?: (data?: object) => unknown };
  const ref = d.ref;
  if (typeof ref !== 'function') return;
  d.ref = function (this: unknown, data?: object) {
    const reference = ref.call(this, data);
    if (isReference(reference)) {
      const { write, finalize } = reference;
      // The operators written since the last bytes, each followed by a newline as pdfkit does.
      let text = '';
      const writeText = () => {
        if (text === '') return;
        // latin1 keeps the low byte of each UTF-16 unit, as pdfkit's fromBinaryString does.
        write.call(reference, Buffer.from(text, 'latin1'));
        text = '';
      };
      reference.write = (chunk) => {
        if (!(chunk instanceof Uint8Array)) {
          text += `${chunk}\n`;
          // Held as bytes past this size: a report's pages stay open until it ends (pdfkit's
          // bufferPages, for "Page X of Y"), and gathered text is a string of thousands of
          // pieces, about three times the memory of its bytes.
          if (text.length >= TEXT_HELD) writeText();
          return;
        }
        writeText();
        write.call(reference, chunk);
      };
      reference.finalize = () => {
        writeText();
        const { buffer } = reference;
        if (reference.compress && reference.data.Filter === 'FlateDecode' && Array.isArray(buffer) && buffer.length > 0) {
          if (buffer.length === 1 && storedBytes.has(buffer[0]!)) {
            delete reference.data.Filter;
          } else {
            reference.buffer = [deflated(buffer.length === 1 ? buffer[0]! : Buffer.concat(buffer))];
          }
          reference.compress = false;
        }
        finalize.call(reference);
      };
    }
    return reference;
  };
}

/** pdfkit's PDFDocument as it writes its bytes (js/pdfkit.js): the members used by gatherOutput. */
interface DocumentOutput {
  _write(data: string | Uint8Array): void;
  _offset: number;
}

/**
 * Has `doc` hand its bytes to `take` as it writes them, instead of through its stream. pdfkit
 * writes a document as a Readable stream: each piece of each object (a dictionary, `stream`, the
 * data, `endstream`, `endobj`) is converted to bytes by a loop over its characters and pushed
 * through the stream machinery on its own, hundreds a report. Handed over directly, the strings
 * are converted by Buffer's latin1 encoding, which keeps the low byte of each UTF-16 unit as
 * pdfkit's conversion does, so the bytes are the same; pdfkit's count of bytes written, which its
 * cross-reference table is made from, is kept as it keeps it. The stream still ends as before.
 * Returns false, leaving the document as it is, for a pdfkit that does not write this way.
 */
export function gatherOutput(doc: PDFKit.PDFDocument, take: (bytes: Uint8Array) => void): boolean {
  const d = doc as unknown as Partial<DocumentOutput>;
  if (typeof d._write !== 'function' || typeof d._offset !== 'number') return false;
  const output = d as DocumentOutput;
  // What pdfkit wrote before (the header, from its constructor) waits in the stream, not yet read.
  const written = (doc as unknown as { read(): Uint8Array | null }).read();
  if (written) take(written);
  output._write = (data) => {
    const bytes = data instanceof Uint8Array ? data : Buffer.from(`${data}\n`, 'latin1');
    take(bytes);
    output._offset += bytes.length;
  };
  return true;
}
