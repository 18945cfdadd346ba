import { writeToBuffer } from 'fast-csv';
import type { Finding } from '../model/finding.js';
import { formatDecimal } from '../model/money.js';
import type { Reject } from '../model/records.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * A cell a spreadsheet would execute starts with `=`, `+`, `-`, `@`, TAB or CR (CSV injection).
 * Such text gets a leading apostrophe; plain numbers (amounts, which may be negative) stay numbers.
 */
export function neutraliseCell(value: string): string {
  if (/^-?\d+(\.\d+)?$/.test(value)) return value;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export const FINDING_COLUMNS = [
  'id',
  'rule',
  'severity',
  'merchantId',
  'terminalId',
  'reference',
  'txnTime',
  'date',
  'currency',
  'amount',
  'expected',
  'actual',
  'difference',
  'message',
  'evidence',
] as const;

const yuanCell = (minor: number | undefined) => (minor === undefined ? '' : formatDecimal(minor));

/** findings.csv: UTF-8 with BOM so Excel opens Chinese correctly, one column per field, amounts in yuan. */
export async function findingsCsv(findings: readonly Finding[]): Promise<Buffer> {
  // A merchant without findings attaches the header alone: made once (a fast-csv stream costs
  // about 40 µs), a copy each time.
  if (findings.length === 0) return Buffer.from((headerOnly ??= await csvOf([])));
  return csvOf(findings);
}

/** findings.csv of no findings: the same bytes in every report. */
let headerOnly: Buffer | undefined;

async function csvOf(findings: readonly Finding[]): Promise<Buffer> {
  const rows = findings.map((f) =>
    [
      f.id,
      f.rule,
      f.severity,
      f.merchantId,
      f.terminalId ?? '',
      f.reference ?? '',
      f.txnTime ?? '',
      f.date ?? '',
      f.currency,
      yuanCell(f.amountMinor),
      yuanCell(f.expectedMinor),
      yuanCell(f.actualMinor),
      yuanCell(f.differenceMinor),
      f.message,
      f.evidence.map((e) => `${e.file}:${e.line}`).join('; '),
    ].map(neutraliseCell),
  );
  const body = await writeToBuffer([[...FINDING_COLUMNS], ...rows], { headers: false, quoteColumns: false, rowDelimiter: '\r\n' });
  return Buffer.concat([BOM, body, Buffer.from('\r\n')]);
}

/** rejects.csv: every row that could not be parsed, with its file, line, reason and raw text. */
export async function rejectsCsv(rejects: readonly Reject[]): Promise<Buffer> {
  const rows = rejects.map((r) => [r.file, String(r.line), r.reason, r.raw].map(neutraliseCell));
  const body = await writeToBuffer([['file', 'line', 'reason', 'raw'], ...rows], { headers: false, rowDelimiter: '\r\n' });
  return Buffer.concat([BOM, body, Buffer.from('\r\n')]);
}
