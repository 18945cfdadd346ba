import { Piscina } from 'piscina';
import type { ContractConfig } from '../../model/contract.js';
import { AuditError, ErrorCode, type ErrorCode as Code } from '../../model/errors.js';
import type { RateMonth } from '../../rules/types.js';
import type { BulkWorkerData, TaskOutcome } from './types.js';

/**
 * The bulk path's worker pool: `threads` piscina workers running worker.ts, each given the
 * contract and the rate history once. The built package runs the compiled worker.js; from sources (the tests run
 * TypeScript directly) a small JS entry loads worker.ts through tsx.
 */
export function bulkPool(config: ContractConfig, history: readonly RateMonth[], threads: number): Piscina {
  const fromSource = import.meta.url.endsWith('.ts');
  return new Piscina({
    filename: new URL(fromSource ? './_worker-source.mjs' : './worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    workerData: { config, history } satisfies BulkWorkerData,
    // A worker that finished its tasks waits for the next stage rather than exiting.
    idleTimeout: 60_000,
  });
}

/** Unwraps a task's outcome, turning a worker's plain error back into an AuditError. */
export function unwrap<T>(outcome: TaskOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  const known = Object.values(ErrorCode) as string[];
  const code = (known.includes(outcome.error.code) ? outcome.error.code : ErrorCode.INTERNAL) as Code;
  throw new AuditError(code, outcome.error.message, outcome.error.context);
}
