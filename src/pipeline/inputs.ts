import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuditError, ErrorCode } from '../model/errors.js';
import { DEFAULT_ARCHIVE_LIMITS, expandGzip, expandZip, isGzip, isZip, type ArchiveLimits } from './archive.js';

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
 * allowed (a daily delivery zip holding an Alipay `.csv.zip`), deeper nesting refused.
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
        bytes = await readFile(p);
      } catch (err) {
        throw new AuditError(ErrorCode.INPUT_UNREADABLE, `${p}: cannot be read (${(err as Error).message})`, { file: p }, err);
      }
      const hash = sha256(bytes);
      delivered.push({ path: p, bytes: bytes.length, sha256: hash });
      for (const f of expand(p, bytes, hash, format, limits, 0)) group.push({ ...f, fromFolder: info.isDirectory() });
    }
    const companions = new Map(group.map((g) => [baseName(g.file), g.bytes]));
    for (const g of group) g.companions = companions;
    inputs.push(...group);
  }
  return { inputs, delivered };
}

type Expanded = Omit<InputFile, 'fromFolder'>;

function expand(name: string, bytes: Uint8Array, hash: string, format: string | undefined, limits: ArchiveLimits, depth: number): Expanded[] {
  if (isZip(bytes) && !format && /\.zip$/i.test(name)) {
    if (depth >= 2) throw new AuditError(ErrorCode.ARCHIVE_REFUSED, `${name}: archive refused: archives nested more than two deep`, { file: name });
    const entries = expandZip(name, bytes, limits);
    const out = entries.flatMap((e) => expand(`${name}!${e.name}`, e.bytes, hash, undefined, limits, depth + 1));
    const companions = new Map(out.map((o) => [baseName(o.file), o.bytes]));
    for (const o of out) o.companions = companions;
    return out;
  }
  if (isGzip(bytes)) {
    if (depth >= 2) throw new AuditError(ErrorCode.ARCHIVE_REFUSED, `${name}: archive refused: archives nested more than two deep`, { file: name });
    return expand(name.replace(/\.gz$/i, ''), expandGzip(name, bytes, limits), hash, format, limits, depth + 1);
  }
  return [{ file: name, bytes, sha256: hash, delivered: name.split('!')[0] ?? name, forcedFormat: format, companions: new Map() }];
}

async function walk(dir: string): Promise<string[]> {
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
