import { parseAmount } from '../model/money.js';
import { remember } from '../model/remember.js';
import { HEADER_SYNONYMS, mapHeaders, type CanonicalField } from './_headers.js';
import { parseLocalDateTime } from './_text.js';
import type { TabularFile, TabularRow } from './_tabular.js';
import type { ParseEvent, ParserInput } from './types.js';

/** A row of a header-mapped export, read field by field; every problem is collected as a reason. */
export class MappedRow {
  readonly problems: string[] = [];

  constructor(
    readonly row: TabularRow,
    private readonly map: Partial<Record<CanonicalField, number>>,
    private readonly zone: string,
  ) {}

  has(field: CanonicalField): boolean {
    return this.map[field] !== undefined;
  }

  text(field: CanonicalField): string | undefined {
    const i = this.map[field];
    if (i === undefined) return undefined;
    const v = this.row.cells[i];
    return v === undefined || v === '' ? undefined : v;
  }

  required(field: CanonicalField): string {
    const v = this.text(field);
    if (v === undefined) this.problems.push(`${field}: missing`);
    return v ?? '';
  }

  /** An amount in minor units; `undefined` when the column is absent or empty and not required. */
  amount(field: CanonicalField, required: boolean): number | undefined {
    const v = this.text(field);
    if (v === undefined) {
      if (required) this.problems.push(`${field}: missing`);
      return undefined;
    }
    const parsed = parseAmount(v);
    if (!parsed.ok) {
      this.problems.push(`${field}: ${parsed.reason}`);
      return undefined;
    }
    return parsed.minor;
  }

  /** The transaction time, from one date-time column or a date and a time column. */
  time(): string {
    const whole = this.text('txnTime');
    const date = this.text('txnDate');
    const clock = this.text('txnClock');
    // Some exports give one date-time column; others a date column and a time-only column.
    const wholeHasDate = whole !== undefined && opensWithYear(whole);
    const text = wholeHasDate ? whole : date ? `${date} ${clock ?? whole ?? ''}`.trim() : whole;
    if (!text) {
      this.problems.push('txnTime: missing');
      return '';
    }
    const iso = parseLocalDateTime(text, this.zone);
    if (!iso) this.problems.push(`txnTime: expected a date-time, got "${text}"`);
    return iso ?? '';
  }

  date(field: CanonicalField): string | undefined {
    const v = this.text(field);
    if (v === undefined) return undefined;
    const date = localDateOf(v, this.zone);
    if (date === null) {
      this.problems.push(`${field}: expected a date, got "${v}"`);
      return undefined;
    }
    return date;
  }
}

/** Whether a time cell opens with four digits (a year), as `/^\d{4}/` would say, read from character codes: it runs on every row. */
function opensWithYear(text: string): boolean {
  if (text.length < 4) return false;
  for (let i = 0; i < 4; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The calendar date a date cell names (`YYYY-MM-DD`), or null when it names none, remembered per
 * zone and cell text: a month's file names some thirty settlement dates on millions of rows, and
 * each row then shares one string instead of parsing and keeping its own.
 */
function localDateOf(text: string, zone: string): string | null {
  let dateOf = datesByZone.get(zone);
  if (!dateOf) datesByZone.set(zone, (dateOf = remember(10_000, (t) => parseLocalDateTime(t, zone)?.slice(0, 10) ?? null)));
  return dateOf(text);
}

const datesByZone = new Map<string, (text: string) => string | null>();

/**
 * A file in which no header row was found: every line is a reject saying so (nothing is dropped),
 * blank lines excepted.
 */
export function* headerlessEvents(lines: readonly string[], input: ParserInput, formatId: string): Generator<ParseEvent> {
  let blank = 0;
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '') {
      blank++;
      continue;
    }
    yield {
      kind: 'reject',
      reject: {
        file: input.file,
        line: i + 1,
        reason: `no header row with known column names in the first 40 lines; map the columns under columnMaps["${formatId}"] in the config`,
        raw,
      },
    };
  }
  yield { kind: 'info', info: { units: lines.length, nonDataUnits: blank, variant: 'no-header' } };
}

/** The header texts the config's explicit column map names for a format. */
export const explicitHeaders = (input: ParserInput, formatId: string): string[] => Object.values(input.options.columnMaps[formatId] ?? {});

/** Resolves the header map: the config's `columnMaps[formatId]` first, then the synonyms. */
export function resolveMap(table: TabularFile, input: ParserInput, formatId: string) {
  const explicit = input.options.columnMaps[formatId] ?? {};
  return mapHeaders(table.headers, explicit);
}

/** The events every header-mapped parser emits besides its records: broken rows, footer, accounting. */
export function* tableHousekeeping(table: TabularFile, input: ParserInput, variant: string): Generator<ParseEvent> {
  for (const b of table.broken) yield { kind: 'reject', reject: { file: input.file, line: b.line, reason: b.reason, raw: b.raw } };
  yield {
    kind: 'info',
    info: {
      units: table.lineCount,
      nonDataUnits: table.headerLine + table.footer.length + table.blank,
      variant,
    },
  };
}

export function missingColumns(map: Partial<Record<CanonicalField, number>>, needed: readonly CanonicalField[]): CanonicalField[] {
  return needed.filter((f) => map[f] === undefined);
}

export const describeSynonyms = (field: CanonicalField): string => HEADER_SYNONYMS[field].slice(0, 4).join('/');
