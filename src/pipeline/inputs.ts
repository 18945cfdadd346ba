import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuditError, ErrorCode } from '../model/errors.js';
import {
  DEFAULT_ARCHIVE_LIMITS,
  expandGzip,
  expandZip,
  expansionBudget,
  isGzip,
  isZip,
  type ArchiveLimits,
  type ExpansionBudget,
} from './archive.js';
import { checkContainer, hashFile, preflightBytes, preflightFile } from './preflight.js';

/** One file to parse, after folders and archives are expanded. */
export interface InputFile {
  /** The name shown in findings and reports: the path as given, or `archive.zip!entry`. */
  file: string;
  bytes: Uint8Array;
  /** The sha256 of the bytes as delivered (of the archive for an archive's entries). */
  sha256: string;
  /** The delivered file this came from (the archive, or the file itself). */
  delivered: string;
  forcedFormat?: string;
  /** Found by walking a folder: a file of unknown format there is skipped with a warning, not an error. */
  fromFolder: boolean;
  /** Files delivered beside this one (same archive or folder), by base name. */
  companions: Map<string, Uint8Array>;
  /**
   * Why this file cannot be read at all (refused by the preflight, an I/O error, a damaged archive
   * entry); `bytes` is then empty. parseInput throws it, so the run records the file as unreadable
   * (exit 3) and still audits the others.
   */
  refused?: AuditError;
}

export interface DeliveredFile {
  path: string;
  bytes: number;
  sha256: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Splits `FILE@FORMAT_ID` when the suffix names a known format. */
export function splitForcedFormat(arg: string, knownFormats: readonly string[]): { target: string; format?: string } {
  const at = arg.lastIndexOf('@');
  if (at > 0) {
    const format = arg.slice(at + 1);
    if (knownFormats.includes(format)) return { target: arg.slice(0, at), format };
  }
  return { target: arg };
}

/**
 * Resolves the command line's FILE arguments into input files: folders are walked (sorted,
 * hidden files skipped), `.zip` and `.gz` expanded with limits, one level of nested archive
 * allowed (a daily delivery zip holding an Alipay `.csv.zip`), deeper nesting refused. Every
 * file, and every archive entry, passes the preflight before it is read whole.
 */
export async function loadInputs(
  args: readonly string[],
  knownFormats: readonly string[],
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<{ inputs: InputFile[]; delivered: DeliveredFile[] }> {
  const inputs: InputFile[] = [];
  const delivered: DeliveredFile[] = [];
  for (const arg of args) {
    const { target, format } = splitForcedFormat(arg, knownFormats);
    let info;
    try {
      info = await stat(target);
    } catch {
      throw new AuditError(ErrorCode.INPUT_MISSING, `${target}: no such file or folder`, { file: target });
    }
    const paths = info.isDirectory() ? await walk(target) : [target];
    const group: InputFile[] = [];
    for (const p of paths) {
      let bytes: Uint8Array;
      try {
        await preflightFile(p);
        bytes = await readFile(p);
      } catch (err) {
        const refusal =
          err instanceof AuditError ? err : new AuditError(ErrorCode.INPUT_UNREADABLE, `${p}: cannot be read (${(err as Error).message})`, { file: p }, err);
        const hash = await hashFile(p).catch(() => '');
        delivered.push({ path: p, bytes: await stat(p).then((s) => s.size, () => 0), sha256: hash });
        group.push(refusedInput(p, hash, p, format, refusal, info.isDirectory()));
        continue;
      }
      const hash = sha256(bytes);
      delivered.push({ path: p, bytes: bytes.length, sha256: hash });
      const budget = expansionBudget(p, bytes.length, limits);
      for (const f of await expand(p, bytes, hash, format, limits, budget, 0)) group.push({ ...f, fromFolder: info.isDirectory() });
    }
    const companions = new Map(group.filter((g) => !g.refused).map((g) => [baseName(g.file), g.bytes]));
    for (const g of group) g.companions = companions;
    inputs.push(...group);
  }
  return { inputs, delivered };
}

type Expanded = Omit<InputFile, 'fromFolder'>;

function refusedInput(file: string, sha: string, delivered: string, format: string | undefined, refused: AuditError, fromFolder: boolean): InputFile {
  return { file, bytes: new Uint8Array(0), sha256: sha, delivered, forcedFormat: format, fromFolder, companions: new Map(), refused };
}

/** How deep archives may nest: a delivery zip holding an Alipay `.csv.zip` is two; a third is refused. */
const MAX_ARCHIVE_DEPTH = 2;

/**
 * The nesting rule, by bytes and name together: a zip is expanded when its name ends in `.zip`
 * and no format is forced (an `.xlsx` is a zip that a parser reads; a forced format reads the
 * bytes as they are); a gzip is always expanded (no parser reads gzip). Anything else is a file,
 * and goes through the preflight. A third level of archive is refused, not guessed at.
 */
async function expand(
  name: string,
  bytes: Uint8Array,
  hash: string,
  format: string | undefined,
  limits: ArchiveLimits,
  budget: ExpansionBudget,
  depth: number,
): Promise<Expanded[]> {
  const delivered = name.split('!')[0] ?? name;
  const zip = isZip(bytes) && !format && /\.zip$/i.test(name);
  if (zip || isGzip(bytes)) {
    if (depth >= MAX_ARCHIVE_DEPTH) {
      const err = new AuditError(ErrorCode.ARCHIVE_REFUSED, `${name}: archive refused: archives nested more than ${MAX_ARCHIVE_DEPTH} deep`, { file: name });
      return [refusedInput(name, hash, delivered, format, err, false)];
    }
  }
  // A damaged or hostile archive is one file that cannot be read, like a damaged CSV: it is
  // reported (exit 3) and nothing of it is extracted, while the other inputs are still audited.
  const unreadable = (err: unknown) => {
    if (err instanceof AuditError && (err.code === ErrorCode.INPUT_UNREADABLE || err.code === ErrorCode.ARCHIVE_REFUSED)) {
      return [refusedInput(name, hash, delivered, format, err, false)];
    }
    throw err;
  };
  if (zip) {
    let entries;
    try {
      entries = await expandZip(name, bytes, limits, budget);
    } catch (err) {
      return unreadable(err);
    }
    const out: Expanded[] = [];
    for (const e of entries) {
      const entry = `${name}!${e.name}`;
      if (e.error) out.push(refusedInput(entry, hash, delivered, undefined, e.error, false));
      else out.push(...(await expand(entry, e.bytes, hash, undefined, limits, budget, depth + 1)));
    }
    const companions = new Map(out.filter((o) => !o.refused).map((o) => [baseName(o.file), o.bytes]));
    for (const o of out) o.companions = companions;
    return out;
  }
  if (isGzip(bytes)) {
    let expanded;
    try {
      expanded = await expandGzip(name, bytes, limits, budget);
    } catch (err) {
      return unreadable(err);
    }
    return expand(name.replace(/\.gz$/i, ''), expanded, hash, format, limits, budget, depth + 1);
  }
  try {
    // An archive's entry was never on disk: the preflight runs on its bytes in memory. A file
    // from disk passed it already, but a spreadsheet's structure needs the whole file.
    if (depth > 0) preflightBytes(name, bytes);
    else checkContainer(name, bytes);
  } catch (err) {
    return [refusedInput(name, hash, delivered, format, err as AuditError, false)];
  }
  return [{ file: name, bytes, sha256: hash, delivered, forcedFormat: format, companions: new Map() }];
}

/** A folder's files as inputs are read from it: sorted by name, hidden ones skipped, depth first. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export const baseName = (file: string): string => file.split(/[!/\\]/).pop() ?? file;
