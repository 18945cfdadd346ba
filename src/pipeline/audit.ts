import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { chinaCalendar, type BusinessCalendar } from '../model/calendar.js';
import { merchantIndex, type ContractConfig } from '../model/contract.js';
import { AuditError, ErrorCode } from '../model/errors.js';
import { compareFindings, type Finding } from '../model/finding.js';
import type { AcquirerTxn, BankEntry, ControlCheck, PosSale, Reject, Role } from '../model/records.js';
import type { ManifestEntry, RuleStatus, RunSummary } from '../model/summary.js';
import { PARSERS } from '../parsers/index.js';
import { RULES } from '../rules/index.js';
import { merchantCarryOf, type MerchantCarry } from '../state/carry.js';
import { noHistory, type MerchantData, type OpenItem, type RateHistory, type StatementAccount } from '../rules/types.js';
import { carriedDays, freshCarriedPos, joinCarriedDays, type CarriedRecords } from './carried.js';
import { withCarriedDays } from '../state/store.js';
import { loadInputs, type InputFile } from './inputs.js';
import { buildMerchantData } from './merchant-data.js';
import { parseInput, type ParsedInput } from './parse-input.js';
import { TOOL } from './tool.js';
import { countFindings, dateRange, manifestLine, merchantTotalsOf, ruleStatusOf, sourceTotalsOf, withFindings } from './totals.js';

export interface AuditOptions {
  config: ContractConfig;
  files: readonly string[];
  /** The day the audit is as of; default: today in the contract's zone. */
  asOf?: string;
  /** The clock; only used when no `asOf` is given. */
  now?: Date;
  calendar?: BusinessCalendar;
  history?: RateHistory;
  /** Reports a warning (a skipped file) to the user. */
  warn?: (message: string) => void;
  /**
   * Decides, before parsing, whether a delivered file is skipped: returns why (it was audited in an
   * earlier run, say), or undefined to audit it. The state store uses it for re-delivered files.
   */
  skipDelivered?: (file: { path: string; sha256: string }) => string | undefined;
  /** Records of earlier runs still awaiting their counterpart (see CarriedRecords). */
  carried?: CarriedRecords;
  /**
   * With `carried`: a folder where the bulk path's workers write the records of the settlement
   * days each merchant leaves open (`SpilledRecords` in its `carry`), for the state store's commit
   * to read. The caller removes it after committing. Without it, they come back in memory.
   */
  carrySpill?: string;
}

/** A delivered file `skipDelivered` left out, and why. */
export interface SkippedInput {
  file: string;
  sha256: string;
  reason: string;
}

export interface AuditResult {
  findings: Finding[];
  rejects: Reject[];
  summary: RunSummary;
  merchants: MerchantData[];
  /**
   * What the state store keeps of each merchant, made for stateful runs (`carried` given) in the
   * merchants' contract order. The bulk path leaves `merchants` empty and makes these instead.
   */
  carry?: MerchantCarry[];
  /** Inputs that could not be read at all: the run completes, and exits 3. */
  unreadable: ManifestEntry[];
  /** Delivered files skipped before parsing (`skipDelivered`). */
  skipped?: SkippedInput[];
  /**
   * On the bulk path, which keeps no merchant's records: the input files of each merchant's
   * records and statements (inputFilesOf), by merchant id, for its report's manifest.
   */
  merchantFiles?: Record<string, string[]>;
  /** On the bulk path: merchants whose result the screen gave (pipeline/bulk/screen.ts), of all it audited. */
  screened?: { merchants: number; of: number };
}

/**
 * One audit run: read and parse every input, split by merchant, match, run every rule whose
 * roles are present, and assemble findings and the summary. Writes nothing: the caller does.
 */
export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const started = performance.now();
  const { config } = options;
  const calendar = options.calendar ?? chinaCalendar;
  const asOf = options.asOf ?? DateTime.fromJSDate(options.now ?? new Date()).setZone(config.timezone).toISODate()!;
  const generatedAt = generationTime(options, asOf, config.timezone);
  const knownFormats = PARSERS.map((p) => p.id);
  // Large acquirer/POS exports go to the bulk path: partitioned by merchant, audited in worker threads, in bounded memory.
  const { planBulk, runBulkAudit } = await import('./bulk/index.js');
  const bulk = await planBulk(options, knownFormats);
  if (bulk) return runBulkAudit(bulk, options, { asOf, generatedAt, started });
  const { inputs, skipped } = skipDelivered(await loadInputs(options.files, knownFormats), options);
  const tLoaded = performance.now();

  const parsed: ParsedInput[] = [];
  const unreadable: ManifestEntry[] = [];
  for (const input of inputs) {
    try {
      parsed.push(parseInput(input, { timezone: config.timezone, currency: config.currency, columnMaps: config.columnMaps }));
    } catch (err) {
      const perFile: string[] = [ErrorCode.FORMAT_UNKNOWN, ErrorCode.INPUT_UNREADABLE, ErrorCode.ARCHIVE_REFUSED];
      if (!(err instanceof AuditError) || !perFile.includes(err.code)) throw err;
      const entry = unreadableEntry(input, err.message);
      if (input.fromFolder) options.warn?.(`skipped: ${err.message}`);
      else unreadable.push(entry);
      parsed.push(emptyParse(input, entry));
    }
  }
  checkAccounting(parsed);
  const tParsed = performance.now();

  const records = collect(parsed);
  const carried = freshCarriedPos(options.carried?.pos, records.pos);
  const { merchants, unknown } = buildMerchantData({ ...records, pos: [...records.pos, ...carried] }, config, calendar);
  const days = withCarriedDays(options.carried?.daysFrom, (store) => carriedDays(store, merchants.map((m) => m.merchant.id), records.acquirer));
  joinCarriedDays(merchants, days, config, calendar);
  const carriedPos = new Set(carried);
  const roles = new Set<Role>(parsed.filter((p) => p.format !== '').map((p) => p.role));
  const tMatched = performance.now();

  const rejects = parsed.flatMap((p) => p.rejects);
  const checks = parsed.flatMap((p) => p.checks);
  const fileMerchant = merchantOfFiles(parsed, config, merchants);
  const open: OpenItem[] = [];
  const findings: Finding[] = [];
  const ruleStatus: RuleStatus[] = [];
  for (const rule of RULES) {
    const missing = rule.needs.filter((r) => !roles.has(r));
    const before = findings.length;
    if (missing.length === 0) {
      if (rule.scope === 'run') {
        findings.push(...rule.check({ merchants, rejects, checks, fileMerchant, config, asOf, roles }));
      } else {
        for (const data of merchants) {
          findings.push(...rule.check({ data, config, calendar, asOf, roles, history: options.history ?? noHistory, open }));
        }
      }
    }
    ruleStatus.push(ruleStatusOf(rule, missing, findings.length - before));
  }
  findings.sort(compareFindings);
  const tRules = performance.now();

  const summary: RunSummary = {
    runId: runId(parsed, config, asOf),
    tool: TOOL,
    asOf,
    timezone: config.timezone,
    generatedAt,
    period: periodOf(records),
    inputs: parsed.map(manifestEntry),
    roles: [...roles].sort(),
    controlTotals: {
      bySource: parsed.filter((p) => p.format !== '').map((p) => sourceTotalsOf(p.file, p.role, p.format, p.records)),
      byMerchant: merchants.map((m) => withFindings(merchantTotalsOf(m, carriedPos), findings)),
    },
    checks: checks.map((c) => ({ ...c, ok: c.declared === c.computed })),
    rules: ruleStatus,
    counts: countFindings(findings),
    rejects: rejects.length,
    openItems: open.sort((a, b) => a.merchantId.localeCompare(b.merchantId) || a.date.localeCompare(b.date)),
    unknownMerchants: unknown,
    durationsMs: {
      load: Math.round(tLoaded - started),
      parse: Math.round(tParsed - tLoaded),
      match: Math.round(tMatched - tParsed),
      rules: Math.round(tRules - tMatched),
    },
  };
  const carry = options.carried ? merchants.map((m) => merchantCarryOf(m, config)) : undefined;
  return { findings, rejects, summary, merchants, unreadable, skipped, ...(carry ? { carry } : {}) };
}

/** Leaves out the delivered files `skipDelivered` declines, with a warning naming each once. */
function skipDelivered(loaded: { inputs: InputFile[] }, options: AuditOptions): { inputs: InputFile[]; skipped: SkippedInput[] } {
  const delivery = deliveryFilter(options);
  const inputs = loaded.inputs.filter((input) => delivery.keep(input.delivered, input.sha256));
  return { inputs, skipped: delivery.skipped };
}

/**
 * `skipDelivered` asked once per delivered file, in input order (it remembers the files it has
 * seen): `keep` says whether a file is audited, `skipped` lists the others, each warned of once.
 * An archive's entries share the archive's path and hash: one decision for all of them.
 */
export function deliveryFilter(options: AuditOptions): { keep(path: string, sha256: string): boolean; skipped: SkippedInput[] } {
  const decide = options.skipDelivered;
  const verdict = new Map<string, string | undefined>();
  const skipped: SkippedInput[] = [];
  return {
    skipped,
    keep(path, sha256) {
      if (!decide) return true;
      if (!verdict.has(path)) {
        const reason = decide({ path, sha256 });
        verdict.set(path, reason);
        if (reason !== undefined) {
          skipped.push({ file: path, sha256, reason });
          options.warn?.(`skipped: ${path}: ${reason}`);
        }
      }
      return verdict.get(path) === undefined;
    },
  };
}

/**
 * The generation time printed in reports. With an explicit `--as-of` the run is a reproducible
 * audit as of that day, so its timestamps are pinned to the end of that day: the same inputs and
 * the same `--as-of` give byte-identical reports. SOURCE_DATE_EPOCH overrides both.
 */
function generationTime(options: AuditOptions, asOf: string, zone: string): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return DateTime.fromSeconds(Number(epoch)).setZone(zone).toISO({ suppressMilliseconds: true })!;
  if (options.asOf) return DateTime.fromISO(`${asOf}T23:59:59`, { zone }).toISO({ suppressMilliseconds: true })!;
  return DateTime.fromJSDate(options.now ?? new Date()).setZone(zone).toISO({ suppressMilliseconds: true })!;
}

/**
 * Every line of every file is a record, a reject, or a non-data line (header, preamble, summary).
 * If a parser's count does not add up, a row went missing: fail loudly rather than report.
 */
function checkAccounting(parsed: ParsedInput[]): void {
  for (const p of parsed) {
    if (p.format === '') continue;
    const accounted = p.records.length + p.rejects.length + p.info.nonDataUnits;
    if (accounted !== p.info.units) {
      throw new AuditError(
        ErrorCode.ACCOUNTING_UNBALANCED,
        `${p.file}: row accounting does not balance: ${p.records.length} rows + ${p.rejects.length} rejects + ` +
          `${p.info.nonDataUnits} header/summary lines = ${accounted}, but the file has ${p.info.units} (parser ${p.format})`,
        { file: p.file },
      );
    }
  }
}

function collect(parsed: ParsedInput[]) {
  const acquirer: AcquirerTxn[] = [];
  const bank: BankEntry[] = [];
  const pos: PosSale[] = [];
  const statements: StatementAccount[] = [];
  for (const p of parsed) {
    if (p.role === 'bank' && p.format !== '' && (p.info.accountNumber || p.info.accountName)) {
      statements.push({ file: p.file, number: p.info.accountNumber, name: p.info.accountName });
    }
    for (const r of p.records) {
      if (r.role === 'acquirer') acquirer.push(r.record);
      else if (r.role === 'pos') pos.push(r.record);
      else {
        // A statement names its account once, in its preamble; its lines inherit it.
        if (!r.record.accountNumber && p.info.accountNumber) r.record.accountNumber = p.info.accountNumber;
        if (!r.record.accountName && p.info.accountName) r.record.accountName = p.info.accountName;
        bank.push(r.record);
      }
    }
  }
  return { acquirer, bank, pos, statements };
}

function merchantOfFiles(parsed: ParsedInput[], config: ContractConfig, merchants: MerchantData[]): Map<string, string> {
  const index = merchantIndex(config);
  const out = new Map<string, string>();
  for (const p of parsed) {
    const ids = new Set<string>();
    if (p.info.merchantId) ids.add(index.get(p.info.merchantId)?.id ?? p.info.merchantId);
    for (const r of p.records) {
      if (r.role === 'bank') continue;
      ids.add(index.get(r.record.merchantId)?.id ?? r.record.merchantId);
    }
    if (p.role === 'bank') {
      for (const m of merchants) if (m.bank.some((b) => b.source.file === p.file) || m.statements.some((s) => s.file === p.file)) ids.add(m.merchant.id);
    }
    if (ids.size === 1) out.set(p.file, [...ids][0]!);
  }
  return out;
}

function runId(parsed: ParsedInput[], config: ContractConfig, asOf: string): string {
  const h = createHash('sha256');
  h.update(asOf);
  h.update(JSON.stringify(config));
  for (const p of [...parsed].sort((a, b) => a.file.localeCompare(b.file))) h.update(`${p.file}\u0000${p.sha256}`);
  return `SA-${asOf.replace(/-/g, '')}-${h.digest('hex').slice(0, 8).toUpperCase()}`;
}

function periodOf(records: ReturnType<typeof collect>): RunSummary['period'] {
  const { min, max } = dateRange(records.acquirer, records.pos, records.bank);
  return min !== undefined && max !== undefined ? { from: min, to: max } : null;
}

function manifestEntry(p: ParsedInput): ManifestEntry {
  return manifestLine({
    ...p,
    variant: p.info.variant,
    units: p.info.units,
    rows: p.records.length,
    rejects: p.rejects.length,
    nonDataUnits: p.info.nonDataUnits,
    error: (p as ParsedInput & { error?: string }).error,
  });
}

function unreadableEntry(input: InputFile, error: string): ManifestEntry {
  return {
    file: input.file,
    delivered: input.delivered,
    sha256: input.sha256,
    bytes: input.bytes.length,
    format: null,
    role: null,
    encoding: null,
    lines: 0,
    rows: 0,
    rejects: 0,
    nonDataLines: 0,
    error,
  };
}

function emptyParse(input: InputFile, entry: ManifestEntry): ParsedInput {
  return Object.assign(
    {
      file: input.file,
      delivered: input.delivered,
      sha256: input.sha256,
      bytes: input.bytes.length,
      format: '',
      role: 'acquirer' as const,
      encoding: '',
      records: [],
      rejects: [],
      checks: [] as ControlCheck[],
      info: { units: 0, nonDataUnits: 0 },
    },
    { error: entry.error },
  );
}
