import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditError, ErrorCode } from '../../src/model/errors.js';
import { isPan } from '../../src/model/pan.js';
import type { FeeParts } from '../../src/model/records.js';
import { detectEncoding } from '../../src/parsers/_text.js';
import type { ParseEvent, Parser, ParseOptions } from '../../src/parsers/types.js';
import { SNIFF_BYTES } from '../../src/pipeline/detect.js';
import { DEFAULT_PREFLIGHT_LIMITS, DEFAULT_SPREADSHEET_LIMITS, preflightBytes } from '../../src/pipeline/preflight.js';
import { generateSampleSet } from '../../samples/generator.js';
import { syntheticSeeds } from './_seeds.js';

/**
 * The fuzz harness's parts: seeds (public samples and a generated month), the invariants one
 * parse must keep, and where a failing input is kept. test/fuzz/parsers.test.ts drives them.
 */

/** A parse of a few kilobytes takes milliseconds; seconds means a loop or a catastrophic regex. */
export const HANG_MS = 5000;
const OPTIONS: ParseOptions = { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} };
const ALLOWED = new Set<string>([ErrorCode.INPUT_UNREADABLE, ErrorCode.FORMAT_UNKNOWN]);

export interface Seed {
  name: string;
  bytes: Uint8Array;
  /** Files delivered beside it (the UnionPay RD summary beside the ZM file). */
  companions: Map<string, Uint8Array>;
}

/**
 * Keeps a text seed small enough for thousands of cases a second: its first lines (header,
 * preamble, rows) and its last ones (summary, footer, totals), which is where parsers branch.
 */
function trimmed(bytes: Uint8Array, head = 50, tail = 4): Uint8Array {
  if (bytes.length <= 8192 || bytes.includes(0)) return bytes;
  const text = Buffer.from(bytes);
  const ends: number[] = [];
  for (let i = text.indexOf(0x0a); i !== -1; i = text.indexOf(0x0a, i + 1)) ends.push(i);
  if (ends.length <= head + tail) return bytes;
  return new Uint8Array(Buffer.concat([text.subarray(0, ends[head - 1]! + 1), text.subarray(ends[ends.length - tail - 1]! + 1)]));
}

function collectSeeds(): Seed[] {
  const seeds: Seed[] = [];
  const walk = (dir: string) => {
    const files = readdirSync(dir).sort();
    const here = new Map<string, Uint8Array>();
    for (const f of files) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f !== 'SOURCES.txt') here.set(f, new Uint8Array(readFileSync(p)));
    }
    for (const [name, bytes] of here) seeds.push({ name, bytes: trimmed(bytes), companions: here });
  };
  walk(path.resolve('samples/public'));
  const month = generateSampleSet();
  for (const [name, bytes] of month.files) seeds.push({ name: path.basename(name), bytes: trimmed(bytes, 30, 3), companions: new Map() });
  for (const [name, bytes] of syntheticSeeds()) seeds.push({ name, bytes, companions: new Map() });
  return seeds;
}

/** The public samples, a generated month (trimmed), and synthetic files of the formats without a public sample. */
export const SEEDS = collectSeeds();

/** Whether a parser claims a seed: its own files. */
export function sniffs(parser: Parser, seed: Seed): boolean {
  try {
    return parser.sniff(seed.bytes.subarray(0, SNIFF_BYTES), seed.name) > 0;
  } catch {
    return false;
  }
}

const isInt = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n);

/** What one case came to: refused by the preflight (the parser never sees it), or parsed with or without a problem. */
export type Verdict = { refused: string } | { problem: string } | { ok: true };

/** Zip and OLE2 heads: spreadsheets, and archives a forced format reads. */
export const isContainer = (b: Uint8Array): boolean => (b[0] === 0x50 && b[1] === 0x4b) || (b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0);

/** The sandbox's time limit in the fuzz runs: a case that needs it is a hang anyway. */
const FUZZ_SPREADSHEET_LIMITS = { ...DEFAULT_SPREADSHEET_LIMITS, timeoutMs: 5000 };

/**
 * The pipeline's gate for a file in memory (preflightBytes): a file it refuses never reaches a
 * parser. Containers go through the spreadsheet sandbox, a child process each: only the
 * spreadsheet fuzz test hands them over.
 */
export function admit(name: string, bytes: Uint8Array): { refused: string } | undefined {
  try {
    preflightBytes(name, bytes, DEFAULT_PREFLIGHT_LIMITS, FUZZ_SPREADSHEET_LIMITS);
    return undefined;
  } catch (err) {
    if (err instanceof AuditError && err.code === ErrorCode.INPUT_UNREADABLE) return { refused: err.message };
    throw err;
  }
}

/**
 * Runs one case the way the pipeline does: the preflight first, then the parse. Exceptions other
 * than the allowed AuditErrors propagate: a crash.
 */
export function runCase(parser: Parser, seed: Seed, bytes: Uint8Array): Verdict {
  const refused = admit(seed.name, bytes);
  if (refused) return refused;
  const problem = checkParse(parser, seed, bytes);
  return problem ? { problem } : { ok: true };
}

/** Checks one parse; returns what is wrong, or undefined. Exceptions other than the allowed ones propagate. */
export function checkParse(parser: Parser, seed: Seed, bytes: Uint8Array): string | undefined {
  const events: ParseEvent[] = [];
  const maxEvents = 4 * bytes.length + 64;
  const started = performance.now();
  const tooSlow = () => {
    const ms = performance.now() - started;
    return ms > HANG_MS ? `parse took ${Math.round(ms)} ms (hang bound ${HANG_MS} ms)` : undefined;
  };
  try {
    for (const e of parser.parse({ file: seed.name, bytes, encoding: detectEncoding(bytes.subarray(0, SNIFF_BYTES)), options: OPTIONS, companions: seed.companions })) {
      events.push(e);
      if (events.length > maxEvents) return `more than ${maxEvents} events from ${bytes.length} bytes: a loop`;
    }
  } catch (err) {
    if (err instanceof AuditError && ALLOWED.has(err.code)) return tooSlow();
    throw err;
  }
  const slow = tooSlow();
  if (slow) return slow;
  const infos = events.filter((e) => e.kind === 'info');
  if (infos.length !== 1 || events[events.length - 1]?.kind !== 'info') return `expected exactly one info event, last; got ${infos.length}`;
  const info = infos[0]!.info;
  let records = 0;
  let rejects = 0;
  // Line-oriented formats count physical lines; XML ones count entries but may cite the physical
  // line (camt053); a parser may cite the line after the last for what is missing at the end.
  // Line breaks as splitLines and XML count them: CRLF, LF, or a lone CR.
  let physical = 1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) physical++;
  }
  const lastLine = Math.max(info.units, physical) + 1;
  const lineOk = (line: number) => Number.isInteger(line) && line >= 1 && line <= lastLine;
  for (const e of events) {
    if (e.kind === 'record') {
      records++;
      const r = e.record;
      if (r.source.file !== seed.name || !lineOk(r.source.line)) return `record names ${r.source.file}:${r.source.line} (file has ${info.units} units, ${physical} lines)`;
      const amounts: [string, unknown][] = [['amountMinor', r.amountMinor]];
      if (e.role === 'acquirer') {
        amounts.push(['feeMinor', e.record.feeMinor], ['netMinor', e.record.netMinor]);
        for (const [k, v] of Object.entries(e.record.feeParts ?? {}) as [keyof FeeParts, unknown][]) amounts.push([`feeParts.${k}`, v]);
        if (e.record.cardMasked && (e.record.cardMasked.match(/\d{13,19}/g) ?? []).some(isPan)) return `full card number in cardMasked: ${e.record.cardMasked}`;
      }
      for (const [k, v] of amounts) if (!isInt(v)) return `line ${r.source.line}: ${k} = ${String(v)} is not a safe integer of minor units`;
    } else if (e.kind === 'reject') {
      rejects++;
      if (e.reject.file !== seed.name || !lineOk(e.reject.line)) return `reject names ${e.reject.file}:${e.reject.line} (file has ${info.units} units, ${physical} lines)`;
      if (typeof e.reject.reason !== 'string' || e.reject.reason === '') return `reject at line ${e.reject.line} has no reason`;
    } else if (e.kind === 'check') {
      if (!isInt(e.check.declared) || !isInt(e.check.computed)) return `check ${e.check.name}: declared ${e.check.declared}, computed ${e.check.computed}: not safe integers`;
    }
  }
  if (records + rejects + info.nonDataUnits !== info.units) {
    return `accounting: ${records} records + ${rejects} rejects + ${info.nonDataUnits} non-data = ${records + rejects + info.nonDataUnits}, units ${info.units}`;
  }
  return undefined;
}

/** Where a shrunk failing input is kept, so it can be replayed and turned into a regression test. */
export function keep(label: string, bytes: Uint8Array): string {
  const file = path.join(tmpdir(), `settle-audit-fuzz-${label}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.bin`);
  writeFileSync(file, bytes);
  return file;
}
