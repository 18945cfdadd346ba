import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { chinaCalendar } from '../../model/calendar.js';
import type { ContractConfig } from '../../model/contract.js';
import { AuditError, ErrorCode } from '../../model/errors.js';
import { explicitHeaders, resolveMap } from '../../parsers/_mapped.js';
import { readTabular } from '../../parsers/_tabular.js';
import type { ParserInput } from '../../parsers/types.js';
import type { AuditOptions } from '../audit.js';
import { isGzip, isZip } from '../archive.js';
import { detect } from '../detect.js';
import { splitForcedFormat, walk } from '../inputs.js';
import { classifyHead } from '../preflight.js';
import { LineWalker } from './_lines.js';
import type { FilePlan } from './types.js';

/**
 * Formats the bulk path reads: header-mapped, line-oriented tables whose every data line is one
 * record of the merchant named in one cell, and whose footer checks are sums over rows (_merge.ts).
 */
export const BULK_FORMATS: ReadonlySet<string> = new Set(['acquirer-csv', 'pos-journal']);

const MiB = 1024 * 1024;

/** How the bulk path is sized. Every field can be set from the environment (see `bulkTuning`). */
export interface BulkTuning {
  /** A file this large or larger (and of a bulk format) is read by the bulk path. */
  minBytes: number;
  /** Bulk inputs larger than this in total are spilled to temporary files between the stages. */
  spillBytes: number;
  /** Bytes of input per merchant bucket: stage-2 memory is about one bucket, whatever the file size. */
  bucketBytes: number;
  /** Byte range per stage-1 task; default: a quarter of a file per worker, 8–64 MiB. */
  rangeBytes?: number;
  workers: number;
  /** Whether stage 2 screens each merchant before parsing it (screen.ts). */
  screen: boolean;
}

/**
 * The defaults. From 16 MiB (about 100 000 rows of an acquirer export) the bulk path takes as long
 * as the in-memory path and needs less memory; below, its fixed costs (starting the threads) make
 * it slower. Measured on a generated month of 1 000 merchants, both files of a size (BENCHMARKS.md):
 * 100 000 rows 11.1 s and 880 MiB in memory against 11.3 s and 710 MiB on the bulk path; 200 000
 * rows 13.5–13.9 s and 1.1 GiB against 12.1–12.7 s and 755 MiB; 60 000 rows (100 merchants) 3.9–4.1 s
 * against 4.5–4.6 s.
 */
export const BULK_DEFAULTS: Readonly<Omit<BulkTuning, 'workers'>> = {
  minBytes: 16 * MiB,
  spillBytes: 256 * MiB,
  bucketBytes: 16 * MiB,
  screen: true,
};

const ENV = {
  minBytes: 'SETTLE_AUDIT_BULK_MIN_BYTES',
  spillBytes: 'SETTLE_AUDIT_SPILL_BYTES',
  bucketBytes: 'SETTLE_AUDIT_BUCKET_BYTES',
  rangeBytes: 'SETTLE_AUDIT_RANGE_BYTES',
  workers: 'SETTLE_AUDIT_WORKERS',
  screen: 'SETTLE_AUDIT_SCREEN',
} as const;

/**
 * The tuning, from the environment over the defaults. `SETTLE_AUDIT_BULK_MIN_BYTES=off` turns
 * the bulk path off; `=0` sends every file of a bulk format through it (the parity test does).
 * `SETTLE_AUDIT_SCREEN=off` parses every merchant (the screen's tests compare the two).
 */
export function bulkTuning(env: NodeJS.ProcessEnv = process.env): BulkTuning | null {
  if (env[ENV.minBytes] === 'off') return null;
  const read = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new AuditError(ErrorCode.USAGE, `${name} must be an integer ≥ ${min}${name === ENV.minBytes ? ' or "off"' : ''}, got "${raw}"`);
    }
    return n;
  };
  const range = env[ENV.rangeBytes];
  return {
    minBytes: read(ENV.minBytes, BULK_DEFAULTS.minBytes, 0),
    spillBytes: read(ENV.spillBytes, BULK_DEFAULTS.spillBytes, 0),
    bucketBytes: read(ENV.bucketBytes, BULK_DEFAULTS.bucketBytes, 1),
    ...(range !== undefined && range !== '' ? { rangeBytes: read(ENV.rangeBytes, 0, 1) } : {}),
    workers: read(ENV.workers, availableParallelism(), 1),
    screen: screenOn(env[ENV.screen]),
  };
}

function screenOn(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new AuditError(ErrorCode.USAGE, `${ENV.screen} must be "on" or "off", got "${raw}"`);
}

/** A bulk file before the run numbers its inputs. */
export type PlannedFile = Omit<FilePlan, 'slot'>;

/**
 * The run's FILE arguments, in order. An argument without a large file is loaded as runAudit
 * loads it; a folder holding one has its other files loaded one by one, as members of the folder.
 */
export type InputGroup =
  | { kind: 'arg'; arg: string }
  | { kind: 'bulk'; file: PlannedFile }
  | { kind: 'folder'; forced?: string; entries: ({ kind: 'small'; path: string } | { kind: 'bulk'; file: PlannedFile })[] };

export interface BulkPlan {
  groups: InputGroup[];
  tuning: BulkTuning;
}

/** The head read to detect a file and find its header. */
const HEAD_BYTES = MiB;

/**
 * Decides whether a run takes the bulk path: when one of its files is at least `minBytes` and of a
 * bulk format, on the default calendar and with a rate history made of months, if any (a custom
 * calendar or history object cannot cross into worker threads). Returns null otherwise, and when
 * an argument is missing: the in-memory path then runs and reports it.
 */
export async function planBulk(options: AuditOptions, knownFormats: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<BulkPlan | null> {
  if (options.history && !options.history.months) return null;
  if (options.calendar && options.calendar !== chinaCalendar) return null;
  const tuning = bulkTuning(env);
  if (!tuning) return null;
  const groups: InputGroup[] = [];
  let any = false;
  for (const arg of options.files) {
    const { target, format } = splitForcedFormat(arg, knownFormats);
    let info;
    try {
      info = await stat(target);
    } catch {
      return null;
    }
    if (!info.isDirectory()) {
      const file = await planFile(target, info.size, format, options.config, tuning);
      groups.push(file ? { kind: 'bulk', file } : { kind: 'arg', arg });
      any ||= file !== null;
      continue;
    }
    const entries: Extract<InputGroup, { kind: 'folder' }>['entries'] = [];
    for (const p of await walk(target)) {
      const file = await planFile(p, (await stat(p)).size, format, options.config, tuning);
      entries.push(file ? { kind: 'bulk', file } : { kind: 'small', path: p });
      any ||= file !== null;
    }
    groups.push(entries.some((e) => e.kind === 'bulk') ? { kind: 'folder', ...(format ? { forced: format } : {}), entries } : { kind: 'arg', arg });
  }
  return any ? { groups, tuning } : null;
}

/** The plan of one file, or null when it is small, an archive, or not of a bulk format. */
async function planFile(file: string, size: number, forced: string | undefined, config: ContractConfig, tuning: BulkTuning): Promise<PlannedFile | null> {
  if (size < tuning.minBytes || size === 0) return null;
  const head = await readHead(file, Math.min(size, HEAD_BYTES));
  if (isGzip(head) || (isZip(head) && !forced && /\.zip$/i.test(file))) return null;
  const kind = classifyHead(head);
  if (!('kind' in kind) || kind.kind !== 'text') return null;
  let detection;
  try {
    detection = detect(file, head, forced);
  } catch {
    return null;
  }
  const { parser, encoding } = detection;
  if (!BULK_FORMATS.has(parser.id) || (encoding !== 'utf-8' && encoding !== 'gb18030')) return null;
  const input: ParserInput = {
    file,
    bytes: head,
    encoding,
    options: { timezone: config.timezone, currency: config.currency, columnMaps: config.columnMaps },
    companions: new Map(),
  };
  const table = readTabular(head, encoding, explicitHeaders(input, parser.id));
  if (!('headers' in table)) return null;
  const merchantColumn = resolveMap(table, input, parser.id).merchantId;
  if (merchantColumn === undefined) return null;
  // Stage 1 finds cells on raw bytes, which a GBK `|` does not allow: 0x7C can be the second byte
  // of a character. Such a file is read as a whole, like any small one.
  if (encoding === 'gb18030' && table.delimiter === '|') return null;
  // The header line must end inside the head, so that every later line is a data line of a range.
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const walker = new LineWalker(buf, buf.length);
  let at = 0;
  for (let n = 0; n < table.headerLine; n++) {
    const span = walker.line(at, size === head.length);
    if (!span) return null;
    at = span.next;
  }
  const headBytes = Uint8Array.prototype.slice.call(head, 0, at);
  // Each partition parse is the head followed by lines ended with LF. A head ended by a lone CR
  // (a file converted to CRLF twice: "\r\r\n") would make CRLF of it with the first of them, and
  // that blank line would vanish: the head's last terminator becomes the LF it stands for.
  if (at > 0 && headBytes[at - 1] === 0x0d) headBytes[at - 1] = 0x0a;
  return {
    file,
    path: file,
    size,
    format: parser.id,
    role: parser.role,
    encoding,
    delimiter: table.delimiter,
    merchantColumn,
    head: headBytes,
    headLines: table.headerLine,
  };
}

async function readHead(file: string, n: number): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await fh.read(buf, done, n - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  } finally {
    await fh.close();
  }
}
