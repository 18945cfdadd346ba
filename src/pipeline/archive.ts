import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { AuditError, ErrorCode } from '../model/errors.js';
import { decode } from '../parsers/_text.js';

/** Bounds on what an archive may expand to (DESIGN.md section 10: zip bombs). */
export interface ArchiveLimits {
  /** Total bytes all entries of one archive may expand to. */
  maxExpandedBytes: number;
  /** Expanded size over compressed size, per entry. */
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxExpandedBytes: 4 * 1024 ** 3,
  maxRatio: 200,
  maxEntries: 10_000,
};

export interface ArchiveEntry {
  /** Path inside the archive, names decoded (GBK when the UTF-8 flag is not set). */
  name: string;
  bytes: Uint8Array;
}

export const isZip = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
export const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;

/**
 * Expands a zip in memory with limits. Entry names that are not flagged UTF-8 are read as GBK,
 * as Chinese Windows tools (and Alipay's bill zips) write them. An entry that would land outside
 * the archive's folder (`../`, an absolute path) is refused: zip-slip.
 */
export function expandZip(archive: string, bytes: Uint8Array, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): ArchiveEntry[] {
  let declared = 0;
  let count = 0;
  let refusal: string | undefined;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(file) {
        if (file.name.endsWith('/')) return false;
        count++;
        declared += file.originalSize;
        const ratio = file.size > 0 ? file.originalSize / file.size : file.originalSize > 0 ? Infinity : 1;
        if (count > limits.maxEntries) refusal ??= `more than ${limits.maxEntries} entries`;
        else if (declared > limits.maxExpandedBytes) refusal ??= `expands to more than ${limits.maxExpandedBytes} bytes`;
        else if (ratio > limits.maxRatio && file.originalSize > 1024 * 1024)
          refusal ??= `entry "${file.name}" has a compression ratio of ${Math.round(ratio)}:1 (limit ${limits.maxRatio}:1)`;
        return refusal === undefined;
      },
    });
  } catch (err) {
    throw new AuditError(ErrorCode.INPUT_UNREADABLE, `${archive}: not a readable zip archive (${(err as Error).message})`, { file: archive }, err);
  }
  if (refusal) throw new AuditError(ErrorCode.ARCHIVE_REFUSED, `${archive}: archive refused: ${refusal}`, { file: archive });
  const entries: ArchiveEntry[] = [];
  let total = 0;
  for (const [rawName, data] of Object.entries(files)) {
    const name = decodeEntryName(rawName);
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).includes('..')) {
      throw new AuditError(ErrorCode.ARCHIVE_REFUSED, `${archive}: archive refused: entry "${name}" points outside the archive (zip-slip)`, {
        file: archive,
        entry: name,
      });
    }
    total += data.length;
    if (total > limits.maxExpandedBytes) {
      throw new AuditError(ErrorCode.ARCHIVE_REFUSED, `${archive}: archive refused: expands to more than ${limits.maxExpandedBytes} bytes`, {
        file: archive,
      });
    }
    entries.push({ name, bytes: data });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** fflate hands non-UTF-8 names over as Latin-1: take the bytes back and read them as UTF-8 if valid, else GBK. */
function decodeEntryName(name: string): string {
  if ([...name].some((c) => c.charCodeAt(0) > 0xff)) return name;
  const raw = Buffer.from(name, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return decode(raw, 'gb18030');
  }
}

export function expandGzip(file: string, bytes: Uint8Array, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.min(limits.maxExpandedBytes, 2 ** 31 - 1) });
  } catch (err) {
    const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test((err as Error).message);
    throw new AuditError(
      tooBig ? ErrorCode.ARCHIVE_REFUSED : ErrorCode.INPUT_UNREADABLE,
      tooBig ? `${file}: archive refused: expands to more than ${limits.maxExpandedBytes} bytes` : `${file}: not a readable gzip file (${(err as Error).message})`,
      { file },
      err,
    );
  }
}
