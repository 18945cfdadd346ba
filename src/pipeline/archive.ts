import { crc32, createGunzip } from 'node:zlib';
import type Yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { AuditError, ErrorCode } from '../model/errors.js';
import { decode } from '../parsers/_text.js';

/**
 * Archives, expanded in memory with limits (DESIGN.md section 10). The rules:
 * - zip-slip: an entry named with `..`, an absolute path or a drive letter is refused, and with
 *   it the whole archive (it was built to attack, not to deliver);
 * - zip bombs: before anything is inflated, the central directory's declared sizes are summed
 *   against a budget shared by everything one delivered file expands to, nested archives
 *   included, and each large entry's compression ratio is bounded; while inflating, an entry that
 *   yields more than it declared is refused (yauzl checks the declared size as it streams), so a
 *   forged header cannot make the budget lie;
 * - an entry that is damaged (bad CRC, corrupt deflate data), encrypted, or compressed with a
 *   method other than stored/deflate is reported unreadable on its own; the other entries are read.
 */

/** Bounds on what an archive may expand to (DESIGN.md section 10: zip bombs). */
export interface ArchiveLimits {
  /**
   * Total bytes one delivered file may expand to, nested archives included. Entries are held in
   * memory, and DESIGN.md section 11 asks a month's audit to fit in 1 GiB.
   */
  maxExpandedBytes: number;
  /**
   * Expanded size over compressed size, per entry and for a delivered file as a whole. Settlement
   * text compresses 5–20 times; a block of zeros deflates about 1000 times.
   */
  maxRatio: number;
  /** Entries (and archives) smaller than this are not held to the ratio: tiny files compress oddly. */
  ratioFloorBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxExpandedBytes: 1024 ** 3,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
  maxEntries: 10_000,
};

/**
 * What a delivered file has expanded to so far, shared by its nested archives: the limit is the
 * smaller of `maxExpandedBytes` and `maxRatio` times the delivered size.
 */
export interface ExpansionBudget {
  readonly delivered: string;
  readonly limit: number;
  expanded: number;
}

/** A budget for one delivered file of `size` bytes. */
export function expansionBudget(delivered: string, size: number, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): ExpansionBudget {
  return { delivered, limit: Math.min(limits.maxExpandedBytes, Math.max(limits.ratioFloorBytes, size * limits.maxRatio)), expanded: 0 };
}

export interface ArchiveEntry {
  /** Path inside the archive, names decoded (GBK when the UTF-8 flag is not set). */
  name: string;
  bytes: Uint8Array;
  /** Set when this entry alone could not be read; `bytes` is then empty. */
  error?: AuditError;
}

export const isZip = (b: Uint8Array): boolean =>
  b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 0x03 && b[3] === 0x04) || (b[2] === 0x05 && b[3] === 0x06));
export const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;

const refused = (archive: string, why: string, context: Record<string, unknown> = {}) =>
  new AuditError(ErrorCode.ARCHIVE_REFUSED, `${archive}: archive refused: ${why}`, { file: archive, ...context });

const overBudget = (archive: string, budget: ExpansionBudget, total: number) =>
  refused(
    archive,
    `expands to more than ${budget.limit} bytes (${total} declared or inflated so far from ${budget.delivered}); the limit is ` +
      `the smaller of the expansion limit and the compression-ratio limit times the delivered file's size`,
  );

/**
 * Expands a zip in memory with limits. Entry names that are not flagged UTF-8 are read as UTF-8
 * when valid, else GBK, as Chinese Windows tools (and Alipay's bill zips) write them. Folders,
 * `__MACOSX/` resource forks and hidden files (`.DS_Store`) are skipped, as a folder's hidden
 * files are. Throws ARCHIVE_REFUSED for a hostile archive, INPUT_UNREADABLE for one that is not
 * a zip at all; an entry that alone cannot be read comes back with `error` set.
 */
export async function expandZip(
  archive: string,
  bytes: Uint8Array,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  budget: ExpansionBudget = expansionBudget(archive, bytes.length, limits),
): Promise<ArchiveEntry[]> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { zip, listed } = await listEntries(archive, buffer, limits);
  const seen = new Set<string>();
  let declared = 0;
  for (const { entry, name } of listed) {
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split('/').includes('..')) {
      throw refused(archive, `entry "${name}" points outside the archive (zip-slip)`, { entry: name });
    }
    // Two entries of one name would make one of them vanish: refuse rather than pick.
    if (seen.has(name)) throw refused(archive, `two entries are named "${name}"`, { entry: name });
    seen.add(name);
    const size = entry.uncompressedSize;
    const ratio = entry.compressedSize > 0 ? size / entry.compressedSize : size > 0 ? Infinity : 1;
    if (size > limits.ratioFloorBytes && ratio > limits.maxRatio) {
      throw refused(
        archive,
        `entry "${name}" would expand to ${size} bytes from ${entry.compressedSize}, a compression ratio of ` +
          `${Number.isFinite(ratio) ? Math.round(ratio) : 'infinity'}:1 (limit ${limits.maxRatio}:1): a zip bomb, or not a settlement file`,
        { entry: name },
      );
    }
    declared += size;
    if (budget.expanded + declared > budget.limit) throw overBudget(archive, budget, budget.expanded + declared);
  }

  const entries: ArchiveEntry[] = [];
  for (const { entry, name } of listed) {
    entries.push(await inflateEntry(archive, zip, entry, name, budget));
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** First pass: the central directory only. Nothing is inflated until every entry passed. */
/**
 * yauzl, loaded when an archive is first expanded: every run loads this module with the inputs,
 * and most expand none (yauzl costs a process about 30 ms to load).
 */
let yauzl: typeof Yauzl | undefined;

async function listEntries(archive: string, buffer: Buffer, limits: ArchiveLimits): Promise<{ zip: ZipFile; listed: { entry: Entry; name: string }[] }> {
  yauzl ??= (await import('yauzl')).default;
  const listed: { entry: Entry; name: string }[] = [];
  try {
    const zip = await yauzl.fromBufferPromise(buffer, { decodeStrings: false, validateEntrySizes: true, autoClose: false });
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      if (name.endsWith('/') || skipped(name)) continue;
      listed.push({ entry, name });
      if (listed.length > limits.maxEntries) throw refused(archive, `more than ${limits.maxEntries} entries`);
    }
    return { zip, listed };
  } catch (err) {
    if (err instanceof AuditError) throw err;
    throw new AuditError(ErrorCode.INPUT_UNREADABLE, `${archive}: not a readable zip archive (${(err as Error).message})`, { file: archive }, err);
  }
}

/**
 * Inflates one entry into a buffer of its declared size. yauzl stops the stream as soon as an
 * entry yields more than it declared (a forged header): that refuses the whole archive.
 */
async function inflateEntry(archive: string, zip: ZipFile, entry: Entry, name: string, budget: ExpansionBudget): Promise<ArchiveEntry> {
  const unreadable = (why: string, cause?: unknown): ArchiveEntry => ({
    name,
    bytes: new Uint8Array(0),
    error: new AuditError(ErrorCode.INPUT_UNREADABLE, `${archive}!${name}: cannot be read: ${why}`, { file: `${archive}!${name}` }, cause),
  });
  if (entry.isEncrypted()) return unreadable('the entry is encrypted');
  if (!entry.canDecodeFileData()) return unreadable(`compression method ${entry.compressionMethod} is not supported (stored and deflate are)`);
  const out = Buffer.allocUnsafe(entry.uncompressedSize);
  let filled = 0;
  let crc = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (filled + chunk.length > out.length) throw new Error(`too many bytes in the stream: expected ${out.length}`);
      chunk.copy(out, filled);
      filled += chunk.length;
      crc = crc32(chunk, crc);
    }
  } catch (err) {
    const message = (err as Error).message;
    if (/too many bytes/i.test(message)) {
      throw refused(archive, `entry "${name}" inflates to more than the ${entry.uncompressedSize} bytes its header declares (a forged header)`, { entry: name });
    }
    return unreadable(message, err);
  }
  if (filled !== entry.uncompressedSize) return unreadable(`${filled} bytes inflated, ${entry.uncompressedSize} declared`);
  if (crc >>> 0 !== entry.crc32 >>> 0) return unreadable('CRC-32 mismatch: the entry is damaged');
  budget.expanded += filled;
  return { name, bytes: out };
}

/** Metadata the sender never meant to deliver: macOS resource forks and hidden files. */
const skipped = (name: string): boolean => name.startsWith('__MACOSX/') || (name.split('/').pop() ?? '').startsWith('.');

/**
 * Decodes an entry's name. With the UTF-8 flag (APPNOTE 4.4.4 bit 11) or an Info-ZIP Unicode
 * Path field, yauzl's own decoding applies; otherwise valid UTF-8 is UTF-8 and the rest GBK,
 * never CP437, which no Chinese tool writes. Backslashes (written by some Windows tools) become
 * slashes, so `..\` is seen as the `../` it is.
 */
function entryName(entry: Entry): string {
  const raw = entry.fileNameRaw;
  let name: string;
  if ((entry.generalPurposeBitFlag & 0x800) !== 0 || entry.extraFields.some((f) => f.id === 0x7075)) {
    // Loaded by listEntries, which lists every entry named here.
    name = yauzl!.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
  } else {
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      name = decode(raw, 'gb18030');
    }
  }
  return name.replace(/\\/g, '/');
}

/**
 * Expands a gzip file (all its members) with the same budget as zips. The ratio is watched as the
 * output grows, against the input zlib has consumed so far, so a gzip bomb is stopped after about
 * `ratioFloorBytes` of output whatever size it would reach: memory stays bounded by the floor,
 * not by the bomb. (The trailer's declared size is 32 bits and covers the last member only: not
 * something to trust.)
 */
export async function expandGzip(
  file: string,
  bytes: Uint8Array,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  budget: ExpansionBudget = expansionBudget(file, bytes.length, limits),
): Promise<Uint8Array> {
  const gunzip = createGunzip();
  const chunks: Buffer[] = [];
  let out = 0;
  gunzip.end(bytes);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      out += chunk.length;
      if (out > limits.ratioFloorBytes && out > gunzip.bytesWritten * limits.maxRatio) {
        throw refused(
          file,
          `expands to more than ${out} bytes from the first ${gunzip.bytesWritten} of its ${bytes.length}, a compression ratio above ` +
            `${limits.maxRatio}:1: a gzip bomb, or not a settlement file`,
        );
      }
      if (budget.expanded + out > budget.limit) throw overBudget(file, budget, budget.expanded + out);
      chunks.push(chunk);
    }
  } catch (err) {
    gunzip.destroy();
    if (err instanceof AuditError) throw err;
    throw new AuditError(ErrorCode.INPUT_UNREADABLE, `${file}: not a readable gzip file (${(err as Error).message})`, { file }, err);
  }
  budget.expanded += out;
  return Buffer.concat(chunks, out);
}
