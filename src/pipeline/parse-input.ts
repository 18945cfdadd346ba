import { maskedReject } from '../model/pan.js';
import type { ControlCheck, CanonicalRecord, Reject } from '../model/records.js';
import type { FileInfo, ParseOptions } from '../parsers/types.js';
import { detect } from './detect.js';
import type { InputFile } from './inputs.js';

/** What one input file yielded. */
export interface ParsedInput {
  file: string;
  delivered: string;
  sha256: string;
  bytes: number;
  format: string;
  role: CanonicalRecord['role'];
  encoding: string;
  records: CanonicalRecord[];
  rejects: Reject[];
  checks: ControlCheck[];
  info: FileInfo;
}

/** Detects and parses one input. Throws an AuditError only when the file cannot be read at all. */
export function parseInput(input: InputFile, options: ParseOptions): ParsedInput {
  if (input.refused) throw input.refused;
  const { parser, encoding } = detect(input.file, input.bytes, input.forcedFormat);
  const records: CanonicalRecord[] = [];
  const rejects: Reject[] = [];
  const checks: ControlCheck[] = [];
  let info: FileInfo = { units: 0, nonDataUnits: 0 };
  for (const event of parser.parse({ file: input.file, bytes: input.bytes, encoding, options, companions: input.companions })) {
    switch (event.kind) {
      case 'record':
        records.push({ role: event.role, record: event.record } as CanonicalRecord);
        break;
      case 'reject':
        rejects.push(maskedReject(event.reject));
        break;
      case 'check':
        checks.push(event.check);
        break;
      case 'info':
        info = event.info;
        break;
    }
  }
  rejects.sort((a, b) => a.line - b.line);
  return {
    file: input.file,
    delivered: input.delivered,
    sha256: input.sha256,
    bytes: input.bytes.length,
    format: parser.id,
    role: parser.role,
    encoding,
    records,
    rejects,
    checks,
    info,
  };
}
