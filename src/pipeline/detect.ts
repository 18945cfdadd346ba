import { AuditError, ErrorCode } from '../model/errors.js';
import { detectEncoding } from '../parsers/_text.js';
import { PARSERS, parserById } from '../parsers/index.js';
import type { Encoding, Parser } from '../parsers/types.js';

/** How many bytes of a file the sniffers see. */
export const SNIFF_BYTES = 64 * 1024;

export interface Detection {
  parser: Parser;
  encoding: Encoding;
  score: number;
}

/**
 * Picks the parser for a file: the forced one (`FILE@FORMAT_ID`), else the one whose sniffer is
 * most sure. Encoding: a UTF-8 BOM or valid UTF-8 means UTF-8, otherwise GB18030.
 */
export function detect(file: string, bytes: Uint8Array, forced?: string): Detection {
  // Spreadsheets keep their directory at the end: their sniffers need the whole (small) file.
  const spreadsheet = (bytes[0] === 0x50 && bytes[1] === 0x4b) || (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0);
  const head = spreadsheet ? bytes : bytes.subarray(0, SNIFF_BYTES);
  const encoding = detectEncoding(bytes.subarray(0, SNIFF_BYTES));
  if (forced) {
    const parser = parserById(forced);
    if (!parser) throw new AuditError(ErrorCode.USAGE, `${file}: unknown format "${forced}"; known: ${PARSERS.map((p) => p.id).join(', ')}`);
    return { parser, encoding: encoding === 'binary' ? 'binary' : encoding, score: 1 };
  }
  let best: Detection | undefined;
  for (const parser of PARSERS) {
    let score: number;
    try {
      score = parser.sniff(head, file);
    } catch {
      // A sniffer that throws on odd bytes simply does not claim the file.
      score = 0;
    }
    if (score > 0 && (!best || score > best.score)) best = { parser, encoding, score };
  }
  if (!best) {
    const what = encoding === 'binary' ? 'a binary file, not a settlement export' : 'a layout no parser recognises';
    throw new AuditError(
      ErrorCode.FORMAT_UNKNOWN,
      `${file}: ${what}. Formats tried: ${PARSERS.map((p) => p.id).join(', ')}. ` +
        `If you know the format, force it with ${file}@FORMAT_ID (for example ${file}@acquirer-csv), ` +
        `or map its columns under columnMaps in the config.`,
      { file },
    );
  }
  return best;
}
