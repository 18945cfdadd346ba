/**
 * The bulk path: large acquirer and POS exports partitioned by merchant and audited in worker
 * threads, in memory bounded by a partition (DESIGN.md section 11). runAudit hands a run here
 * when `planBulk` says so.
 */
export { BULK_DEFAULTS, BULK_FORMATS, bulkTuning, planBulk, type BulkPlan, type BulkTuning } from './plan.js';
export { runBulkAudit, type BulkRunStart } from './run.js';
