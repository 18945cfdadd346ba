/**
 * TEST HOOK, never set in production. `SETTLE_AUDIT_CRASH_AT=<point>` makes the process kill itself
 * with SIGKILL when it reaches that point, so a test can prove that a crash there leaves the state
 * store as it was before the run and no half-written output under its final name (DESIGN.md
 * section 7). SIGKILL, not an exception: no `finally`, no exit handler, no flush runs, as in a
 * power cut or the OOM killer.
 */
export const CRASH_POINTS = {
  /** Outputs written to the staging folder, nothing published yet. */
  OUTPUTS: 'outputs',
  /** The first output file published under its final name, the others not yet. */
  PUBLISH: 'publish',
  /** Every state row written inside the run's transaction, COMMIT not yet issued. */
  STATE_COMMIT: 'state-commit',
} as const;
export type CrashPoint = (typeof CRASH_POINTS)[keyof typeof CRASH_POINTS];

export const CRASH_ENV = 'SETTLE_AUDIT_CRASH_AT';

/** Kills the process here when the test hook names this point; does nothing otherwise. */
export function crashPoint(point: CrashPoint): void {
  if (process.env[CRASH_ENV] !== point) return;
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered at once; block so not one more statement runs if it were not.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}
