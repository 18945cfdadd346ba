import { createRequire } from 'node:module';
import type * as JsYaml from 'js-yaml';
import { z } from 'zod';
import { AuditError, ErrorCode } from './errors.js';
import { parseAmount, parseRate, type RatePpm } from './money.js';

/**
 * The contract configuration (DESIGN.md section 6), validated on load.
 * Amounts and rates stay text in YAML and are turned into exact integers here.
 */

const amountText = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const parsed = parseAmount(String(v));
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    }
    return parsed.minor;
  });

const rateText = z.string().transform((v, ctx) => {
  const parsed = parseRate(v);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  }
  return parsed.ppm;
});

const isoDate = z
  .union([z.string(), z.date()])
  .transform((v, ctx) => {
    const s = v instanceof Date ? v.toISOString().slice(0, 10) : v;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `expected a date YYYY-MM-DD, got "${s}"` });
      return z.NEVER;
    }
    return s;
  });

const cycle = z.string().regex(/^[TD]\+\d{1,2}$/, 'expected a settlement cycle like T+1, D+0 or D+1');

const pricingRow = z
  .object({
    from: isoDate,
    to: isoDate.optional(),
    card: z.enum(['debit', 'credit', 'qr', 'any']),
    rate: rateText,
    cap: amountText.optional(),
    /** A channel label (e.g. wechat, alipay, unionpay) when prices differ by channel. */
    channel: z.string().optional(),
  })
  .strict();

const columnMap = z.record(z.string(), z.string());

const merchant = z
  .object({
    id: z.coerce.string().min(1),
    aliases: z.array(z.coerce.string()).default([]),
    name: z.string().min(1),
    mcc: z.coerce.string().regex(/^\d{4}$/, 'expected a 4-digit MCC').optional(),
    /** Whether the merchant is a standard-class merchant (the 2021 9折 regulated caps apply). */
    standardClass: z.boolean().default(false),
    account: z
      .object({ name: z.string().min(1), number: z.coerce.string().min(1) })
      .strict()
      .optional(),
    settlement: z.object({ cycle: cycle.default('T+1') }).strict().default({ cycle: 'T+1' }),
    pricing: z.array(pricingRow).default([]),
    fixedFee: amountText.default(0),
    allowedDeductions: z.array(z.string()).default([]),
    /** Whether the contract lets the acquirer keep the fee of a voided sale. */
    feeKeptOnVoid: z.boolean().default(false),
  })
  .strict();

const tolerances = z
  .object({
    feeFen: z.number().int().min(0).default(1),
    matchWindowMinutes: z.number().int().min(0).default(5),
    duplicateWindowMinutes: z.number().int().min(0).default(10),
    graceBusinessDays: z.number().int().min(0).default(2),
    hiddenSurchargeShare: z.number().min(0).max(1).default(0.8),
    rateCreepPpm: z.number().int().min(0).default(500),
  })
  .strict()
  .default({
    feeFen: 1,
    matchWindowMinutes: 5,
    duplicateWindowMinutes: 10,
    graceBusinessDays: 2,
    hiddenSurchargeShare: 0.8,
    rateCreepPpm: 500,
  });

export const contractSchema = z
  .object({
    timezone: z.string().default('Asia/Shanghai'),
    currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
    licensedPayers: z.array(z.string()).default([]),
    merchants: z.array(merchant).min(1, 'at least one merchant is needed'),
    tolerances,
    /** Column maps for acquirer-csv / pos-journal layouts the header synonyms miss: canonical field → header. */
    columnMaps: z.record(z.string(), columnMap).default({}),
  })
  .strict();

export type ContractConfig = z.output<typeof contractSchema>;
export type MerchantContract = ContractConfig['merchants'][number];
export type PricingRow = MerchantContract['pricing'][number];
export type Tolerances = ContractConfig['tolerances'];
export type { RatePpm };

/**
 * The YAML parser (js-yaml), loaded when a contract is first read: every worker thread imports
 * this module for its types and schema, and none of them reads YAML. js-yaml because a run waits
 * for its contract before anything else: the benchmark's contract of 1 000 merchants (500 KB)
 * took 220–310 ms to parse with the `yaml` package and 50–65 ms with js-yaml.
 */
let yamlModule: typeof JsYaml | undefined;
const yaml = (): typeof JsYaml => (yamlModule ??= createRequire(import.meta.url)('js-yaml') as typeof JsYaml);

/** Parses and validates a contract from YAML or JSON text; the error names the file and the field. */
export function parseContract(text: string, file: string): ContractConfig {
  let raw: unknown;
  try {
    // YAML 1.2's core schema: `from: 2026-01-01` stays the text it is, as JSON would have it.
    const { load, CORE_SCHEMA } = yaml();
    raw = load(text, { schema: CORE_SCHEMA, filename: file });
  } catch (err) {
    const mark = (err as { mark?: { line?: number } }).mark;
    const line = mark?.line === undefined ? undefined : mark.line + 1;
    const reason = (err as { reason?: string }).reason ?? (err as Error).message.split('\n')[0];
    throw new AuditError(ErrorCode.CONFIG_INVALID, `${file}${line ? `:${line}` : ''}: not valid YAML: ${reason}`, { file, line }, err);
  }
  const result = contractSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
    throw new AuditError(
      ErrorCode.CONFIG_INVALID,
      `${file}: invalid config at ${path.replace(/^\./, '') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { file, path },
    );
  }
  checkTimezone(result.data.timezone, file);
  return result.data;
}

function checkTimezone(zone: string, file: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new AuditError(ErrorCode.CONFIG_INVALID, `${file}: invalid config at timezone: unknown time zone "${zone}"`, {
      file,
      path: 'timezone',
    });
  }
}

/** Finds the merchant a record belongs to, by its id or one of its aliases. */
export function merchantIndex(config: ContractConfig): Map<string, MerchantContract> {
  const index = new Map<string, MerchantContract>();
  for (const m of config.merchants) {
    index.set(m.id, m);
    for (const alias of m.aliases) index.set(alias, m);
  }
  return index;
}

/** The pricing row in force for a card kind on a date (the latest `from` not after it). */
export function pricingFor(
  merchantContract: MerchantContract,
  card: 'debit' | 'credit' | 'qr' | 'unknown',
  date: string,
  channel?: string,
): PricingRow | undefined {
  const candidates = merchantContract.pricing.filter(
    (p) =>
      (p.card === card || p.card === 'any') &&
      p.from <= date &&
      (p.to === undefined || date <= p.to) &&
      (p.channel === undefined || channel === undefined || p.channel === channel),
  );
  candidates.sort((a, b) => b.from.localeCompare(a.from) || (a.card === 'any' ? 1 : -1));
  return candidates[0];
}
