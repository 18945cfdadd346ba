import type { BusinessCalendar } from '../model/calendar.js';
import type { ContractConfig, MerchantContract } from '../model/contract.js';
import type { Finding, Severity } from '../model/finding.js';
import type { AcquirerTxn, BankEntry, ControlCheck, PosSale, Reject, Role } from '../model/records.js';
import type { AcquirerBankMatch, ExpectedDay } from '../matching/acquirer-bank.js';
import type { PosAcquirerMatch } from '../matching/pos-acquirer.js';

/** A bank statement's own account, as its file names it. */
export interface StatementAccount {
  file: string;
  number?: string;
  name?: string;
}

/** Everything known about one merchant after parsing and matching: the input of merchant rules. */
export interface MerchantData {
  merchant: MerchantContract;
  acquirer: AcquirerTxn[];
  bank: BankEntry[];
  pos: PosSale[];
  posMatch: PosAcquirerMatch;
  days: ExpectedDay[];
  bankMatch: AcquirerBankMatch;
  statements: StatementAccount[];
  /** The last date each role's files cover: nothing is called missing past what was delivered. */
  coverage: Partial<Record<Role, string>>;
}

/** Something not yet due: reported in summary.json with its due date, not as a finding. */
export interface OpenItem {
  kind: 'sale-awaiting-settlement' | 'settlement-awaiting-credit' | 'refund-awaiting-acquirer';
  merchantId: string;
  reference?: string;
  date: string;
  currency: string;
  amountMinor: number;
  due: string;
  ageDays: number;
  evidence: { file: string; line: number }[];
}

/** Effective fee rate history by merchant, month and card kind (from the state store), for rate creep. */
export interface RateHistory {
  /** Effective rates in ppm of earlier months, newest first. */
  previous(merchantId: string, cardKind: string, beforeMonth: string): number[];
  /**
   * The months it is made of, when it is made of months (`rateHistoryOf`): what worker threads are
   * given to make the same history (a function cannot cross into them).
   */
  readonly months?: readonly RateMonth[];
}

/** One merchant's sales of one card kind in one month, as the state store adds them up. */
export interface RateMonth {
  merchantId: string;
  cardKind: string;
  /** `YYYY-MM`. */
  month: string;
  amountMinor: number;
  feeMinor: number;
}

/** The history of these months (newest first, amounts above zero, as the state store reads them). */
export function rateHistoryOf(months: readonly RateMonth[]): RateHistory {
  return {
    months,
    previous(merchantId, cardKind, beforeMonth) {
      // The same rounding as MonthlyRate.ppm, so a month compares with its own history exactly.
      return months
        .filter((r) => r.merchantId === merchantId && r.cardKind === cardKind && r.month < beforeMonth)
        .map((r) => Math.round((r.feeMinor * 1_000_000) / r.amountMinor));
    },
  };
}

export interface MerchantContext {
  data: MerchantData;
  config: ContractConfig;
  calendar: BusinessCalendar;
  asOf: string;
  roles: ReadonlySet<Role>;
  history: RateHistory;
  open: OpenItem[];
}

export interface RunContext {
  /**
   * Every merchant's data on the single-threaded path. On the bulk path (pipeline/bulk/run.ts),
   * only the acquirer records merchant-identity-drift reads: those of the terminals seen under more
   * than one identity, without the fields pipeline/bulk/_terminal-records.ts leaves out.
   */
  merchants: MerchantData[];
  rejects: readonly Reject[];
  checks: readonly ControlCheck[];
  /** The merchant a file belongs to, where known, so file-level findings land in the right report. */
  fileMerchant: ReadonlyMap<string, string>;
  config: ContractConfig;
  asOf: string;
  roles: ReadonlySet<Role>;
}

interface RuleBase {
  readonly id: string;
  readonly severity: Severity;
  /** Roles the rule needs; it is skipped (and the summary says so) when one is missing. */
  readonly needs: readonly Role[];
  /** A short Chinese title for reports. */
  readonly title: string;
  readonly description: string;
}

export interface MerchantRule extends RuleBase {
  readonly scope: 'merchant';
  check(ctx: MerchantContext): Finding[];
}

export interface RunRule extends RuleBase {
  readonly scope: 'run';
  check(ctx: RunContext): Finding[];
}

export type Rule = MerchantRule | RunRule;

export function defineRule<R extends Rule>(rule: R): R {
  return rule;
}

export const noHistory: RateHistory = rateHistoryOf([]);
