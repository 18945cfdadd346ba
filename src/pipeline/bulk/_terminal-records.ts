import type { AcquirerTxn } from '../../model/records.js';

/**
 * The acquirer records identity mode sends back for merchant-identity-drift (stage 3 of run.ts),
 * in columns. A drifting terminal's month is thousands of records. Sent as records, the 10 M-row
 * month's five planted terminals (28 000 records) took 23 MiB of the main thread's heap, about
 * 850 bytes a record once cloned (every one of its strings copied, the file's path included), and
 * the sending worker's heap grew from 30 to 82 MiB.
 *
 * The columns keep what merchant-identity-drift reads, and what a record cannot be without: the
 * values records repeat (file, format, merchant id, name, terminal, MCC, type, settlement date,
 * currency, card kind) once per distinct combination, a `shape`; per record, its shape, line, time
 * and amounts. A record rebuilt from them (recordsOf) has no reference, batch, trace, order id, card
 * number, fee parts, payer or remark: no run-scope rule reads those on the bulk path (run.ts,
 * identityMerchants).
 */
export interface TerminalRecords {
  shapes: Shape[];
  /** Per record: the index of its shape, its line in the file. */
  shapeOf: Int32Array;
  lines: Int32Array;
  times: string[];
  /** Per record: amount, fee and net, in minor units. */
  amounts: Float64Array;
}

/** The values a record shares with the others of its shape. */
type Shape = Pick<AcquirerTxn, 'format' | 'merchantId' | 'merchantName' | 'terminalId' | 'mcc' | 'txnType' | 'settleDate' | 'currency' | 'cardKind'> & { file: string };

const SHAPE_FIELDS = ['file', 'format', 'merchantId', 'merchantName', 'terminalId', 'mcc', 'txnType', 'settleDate', 'currency', 'cardKind'] as const;

/** The records on one of `terminals`, in their order, as columns. */
export function terminalRecords(records: readonly AcquirerTxn[], terminals: ReadonlySet<string>): TerminalRecords {
  const kept = records.filter((r) => r.terminalId !== undefined && terminals.has(r.terminalId));
  const shapes: Shape[] = [];
  const shapeIndex = new Map<string, number>();
  const shapeOf = new Int32Array(kept.length);
  const lines = new Int32Array(kept.length);
  const amounts = new Float64Array(3 * kept.length);
  kept.forEach((r, i) => {
    const shape: Shape = {
      file: r.source.file,
      format: r.format,
      merchantId: r.merchantId,
      txnType: r.txnType,
      settleDate: r.settleDate,
      currency: r.currency,
      cardKind: r.cardKind,
      ...(r.merchantName !== undefined ? { merchantName: r.merchantName } : {}),
      ...(r.terminalId !== undefined ? { terminalId: r.terminalId } : {}),
      ...(r.mcc !== undefined ? { mcc: r.mcc } : {}),
    };
    // Absent and empty differ: an absent value is keyed by a character no cell holds.
    const key = SHAPE_FIELDS.map((f) => shape[f] ?? '\u0000').join('\u0001');
    let at = shapeIndex.get(key);
    if (at === undefined) {
      at = shapes.push(shape) - 1;
      shapeIndex.set(key, at);
    }
    shapeOf[i] = at;
    lines[i] = r.source.line;
    amounts[3 * i] = r.amountMinor;
    amounts[3 * i + 1] = r.feeMinor;
    amounts[3 * i + 2] = r.netMinor;
  });
  return { shapes, shapeOf, lines, times: kept.map((r) => r.txnTime), amounts };
}

/** The records the columns hold, in their order; records of a shape share its strings. */
export function recordsOf(columns: TerminalRecords): AcquirerTxn[] {
  const shapes = columns.shapes.map(({ file, ...shared }) => ({ file, shared }));
  const records: AcquirerTxn[] = [];
  for (let i = 0; i < columns.lines.length; i++) {
    const { file, shared } = shapes[columns.shapeOf[i]!]!;
    records.push({
      source: { file, line: columns.lines[i]! },
      ...shared,
      txnTime: columns.times[i]!,
      amountMinor: columns.amounts[3 * i]!,
      feeMinor: columns.amounts[3 * i + 1]!,
      netMinor: columns.amounts[3 * i + 2]!,
    });
  }
  return records;
}
