import iconv from 'iconv-lite';
import { detectEncoding } from '../../src/parsers/_text.js';
import type { ParseEvent, Parser, ParseOptions } from '../../src/parsers/types.js';
import type { AcquirerTxn, BankEntry, ControlCheck, PosSale, Reject } from '../../src/model/records.js';

export const OPTIONS: ParseOptions = { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} };

export const gbk = (text: string): Uint8Array => new Uint8Array(iconv.encode(text, 'gbk'));
export const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

export interface Parsed {
  acquirer: AcquirerTxn[];
  bank: BankEntry[];
  pos: PosSale[];
  rejects: Reject[];
  checks: ControlCheck[];
  events: ParseEvent[];
}

/** Runs a parser over bytes the way the pipeline does, and sorts its events by kind. */
export function runParser(parser: Parser, file: string, bytes: Uint8Array, options: ParseOptions = OPTIONS): Parsed {
  const events = [...parser.parse({ file, bytes, encoding: detectEncoding(bytes), options, companions: new Map() })];
  const out: Parsed = { acquirer: [], bank: [], pos: [], rejects: [], checks: [], events };
  for (const e of events) {
    if (e.kind === 'record') {
      if (e.role === 'acquirer') out.acquirer.push(e.record);
      else if (e.role === 'bank') out.bank.push(e.record);
      else out.pos.push(e.record);
    } else if (e.kind === 'reject') out.rejects.push(e.reject);
    else if (e.kind === 'check') out.checks.push(e.check);
  }
  return out;
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
