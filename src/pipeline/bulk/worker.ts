import { Piscina, move, transferableSymbol, valueSymbol } from 'piscina';
import { AuditError } from '../../model/errors.js';
import { bulkContext, type BulkContext } from './_context.js';
import { partitionRange } from './partition.js';
import type { BucketResult, BucketTask, BulkWorkerData, PartitionResult, PartitionTask, TaskOutcome } from './types.js';

/**
 * The piscina worker of the bulk path: one module, one named export per task kind. Each answers
 * `{ ok, value } | { ok: false, error }`: an Error subclass does not survive the trip between
 * threads on Node 20 (its code and context are lost), a plain object does.
 */

let context: BulkContext | undefined;
// Read when the first task arrives: piscina sets its workerData before it runs one.
const ctx = (): BulkContext => {
  if (!context) {
    const { config, history } = Piscina.workerData as BulkWorkerData;
    context = bulkContext(config, history);
  }
  return context;
};

function failure(err: unknown): TaskOutcome<never> {
  if (err instanceof AuditError) return { ok: false, error: { code: err.code, message: err.message, context: err.context } };
  const e = err as Error;
  return { ok: false, error: { code: 'INTERNAL', message: e?.stack ?? String(err), context: {} } };
}

/** Stage 1. In-memory chunks are transferred back, not copied. */
export function partition(task: PartitionTask) {
  let outcome: TaskOutcome<PartitionResult>;
  try {
    outcome = { ok: true, value: partitionRange(task, ctx()) };
  } catch (err) {
    outcome = failure(err);
  }
  const buffers = outcome.ok ? outcome.value.chunks.flatMap((c) => (c.source.kind === 'memory' ? [c.source.data.buffer] : [])) : [];
  return move({
    get [transferableSymbol]() {
      return [...new Set(buffers)];
    },
    get [valueSymbol]() {
      return outcome;
    },
  });
}

/**
 * Stages 2 and 3. The parsers and rules are loaded with the first such task, so that stage 1
 * starts without waiting for them.
 */
export async function audit(task: BucketTask): Promise<TaskOutcome<BucketResult>> {
  try {
    const { auditBucket } = await import('./audit-bucket.js');
    return { ok: true, value: auditBucket(task, ctx()) };
  } catch (err) {
    return failure(err);
  }
}
