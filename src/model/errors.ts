/**
 * Error codes, declared once; the type is derived from the constant so the two cannot drift.
 * Bad data never throws: it becomes a reject and a finding. These are for runs that cannot go on.
 */
export const ErrorCode = {
  USAGE: 'USAGE',
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_UNREADABLE: 'CONFIG_UNREADABLE',
  INPUT_MISSING: 'INPUT_MISSING',
  INPUT_UNREADABLE: 'INPUT_UNREADABLE',
  FORMAT_UNKNOWN: 'FORMAT_UNKNOWN',
  ARCHIVE_REFUSED: 'ARCHIVE_REFUSED',
  ACCOUNTING_UNBALANCED: 'ACCOUNTING_UNBALANCED',
  STATE: 'STATE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Exit codes of the command line (DESIGN.md section 2). */
export const ExitCode = {
  OK: 0,
  FINDINGS: 1,
  USAGE: 2,
  INPUT: 3,
} as const;

const exitByCode: Record<ErrorCode, number> = {
  USAGE: ExitCode.USAGE,
  CONFIG_INVALID: ExitCode.USAGE,
  CONFIG_UNREADABLE: ExitCode.USAGE,
  INPUT_MISSING: ExitCode.INPUT,
  INPUT_UNREADABLE: ExitCode.INPUT,
  FORMAT_UNKNOWN: ExitCode.INPUT,
  ARCHIVE_REFUSED: ExitCode.INPUT,
  ACCOUNTING_UNBALANCED: ExitCode.INPUT,
  STATE: ExitCode.INPUT,
  INTERNAL: ExitCode.INPUT,
};

export class AuditError extends Error {
  override readonly name = 'AuditError';
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.context = context;
  }

  get exitCode(): number {
    return exitByCode[this.code];
  }
}
