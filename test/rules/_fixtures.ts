/**
 * A small builder for rule tests: records with sensible defaults (one merchant, one terminal,
 * CNY, fees at the contract's rates), a contract made by the real schema, then the real
 * partitioning and matching (buildMerchantData) and the rule. Each record gets the next line of
 * its file, from line 2 (line 1 is the header), so evidence can be asserted exactly.
 */
import { applyRate } from '../../src/model/money.js';
import { chinaCalendar } from '../../src/model/calendar.js';
import { contractSchema, pricingFor, type ContractConfig } from '../../src/model/contract.js';
import type { Finding } from '../../src/model/finding.js';
import { isSale, ROLES, type AcquirerTxn, type BankEntry, type ControlCheck, type PosSale, type Reject, type Role } from '../../src/model/records.js';
import { buildMerchantData } from '../../src/pipeline/merchant-data.js';
import { noHistory, type MerchantData, type MerchantRule, type OpenItem, type RateHistory, type RunRule, type StatementAccount } from '../../src/rules/types.js';

export const MERCHANT = '898310048990001';
export const MERCHANT_NAME = '上海味道餐饮有限公司';
export const ACCOUNT = '6222021001112223334';
export const TERMINAL = '10078087';
export const PAYER = '银联商务股份有限公司';
export const ACQ_FILE = 'INN26112088ZM_898310048990001';
export const BANK_FILE = 'icbc-202611.csv';
export const POS_FILE = 'pos_898310048990001_202611.csv';

type Json = Record<string, unknown>;

/**
 * The default contract (DESIGN.md section 6): debit 0.55% capped at 20 元, credit 0.60%,
 * QR 0.38%, T+1, paid by 银联商务. `merchant` overrides fields of the first merchant; `extra`
 * adds more merchants.
 */
export function contract(over: { merchant?: Json; tolerances?: Json; licensedPayers?: string[]; extra?: Json[] } = {}): ContractConfig {
  return contractSchema.parse({
    licensedPayers: over.licensedPayers ?? [PAYER, '财付通支付科技有限公司'],
    merchants: [
      {
        id: MERCHANT,
        name: MERCHANT_NAME,
        mcc: '5812',
        account: { name: MERCHANT_NAME, number: ACCOUNT },
        settlement: { cycle: 'T+1' },
        pricing: [
          { from: '2026-01-01', card: 'debit', rate: '0.55%', cap: '20.00' },
          { from: '2026-01-01', card: 'credit', rate: '0.60%' },
          { from: '2026-01-01', card: 'qr', rate: '0.38%' },
        ],
        ...over.merchant,
      },
      ...(over.extra ?? []),
    ],
    ...(over.tolerances ? { tolerances: over.tolerances } : {}),
  });
}

/** `2026-11-20 10:11` → `2026-11-20T10:11:00+08:00` (Asia/Shanghai has no DST). */
export const at = (local: string): string => `${local.replace(' ', 'T')}${local.length === 16 ? ':00' : ''}+08:00`;

type Where = { file?: string; line?: number };
export type AcqInput = Partial<Omit<AcquirerTxn, 'source' | 'txnTime'>> & Where & { at?: string };
export type PosInput = Partial<Omit<PosSale, 'source' | 'txnTime'>> & Where & { at?: string };
export type BankInput = Partial<Omit<BankEntry, 'source'>> & Where;

/** Drops keys whose value is undefined, so that they do not override the defaults when spread. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export interface Outcome {
  findings: Finding[];
  open: OpenItem[];
  data: MerchantData;
}

export class Scenario {
  readonly acquirer: AcquirerTxn[] = [];
  readonly bank: BankEntry[] = [];
  readonly pos: PosSale[] = [];
  readonly statements: StatementAccount[] = [];
  private readonly lines = new Map<string, number>();

  constructor(readonly config: ContractConfig = contract()) {}

  private source(file: string, line?: number) {
    const n = line ?? (this.lines.get(file) ?? 1) + 1;
    this.lines.set(file, Math.max(n, this.lines.get(file) ?? 1));
    return { file, line: n };
  }

  /** The contracted fee of a sale of this kind and amount on this date (0 where the contract has no price). */
  fee(amountMinor: number, cardKind: AcquirerTxn['cardKind'], date: string, merchantId = MERCHANT): number {
    const m = this.config.merchants.find((x) => x.id === merchantId || x.aliases.includes(merchantId)) ?? this.config.merchants[0];
    const row = m && pricingFor(m, cardKind, date);
    if (!m || !row) return 0;
    const uncapped = applyRate(amountMinor, row.rate);
    return (row.cap !== undefined ? Math.min(uncapped, row.cap) : uncapped) + m.fixedFee;
  }

  /**
   * An acquirer record. Defaults: a credit card sale of 100.00 元 on 2026-11-20 10:11, settled the
   * same day, with the contracted fee; a refund, void or reversal gives the fee back and debits
   * the merchant (net = −amount − fee).
   */
  acq(o: AcqInput = {}): AcquirerTxn {
    const { file = ACQ_FILE, line, at: when, ...given } = o;
    const rest = defined(given);
    const txnTime = at(when ?? '2026-11-20 10:11');
    const txnType = rest.txnType ?? 'sale';
    const amountMinor = rest.amountMinor ?? 10_000;
    const cardKind = rest.cardKind ?? 'credit';
    const merchantId = rest.merchantId ?? MERCHANT;
    const contracted = this.fee(amountMinor, cardKind, txnTime.slice(0, 10), merchantId);
    const feeMinor = rest.feeMinor ?? (isSale(txnType) ? contracted : txnType === 'adjustment' ? 0 : -contracted);
    const netMinor = rest.netMinor ?? (isSale(txnType) ? amountMinor - feeMinor : txnType === 'adjustment' ? -amountMinor : -amountMinor - feeMinor);
    const record: AcquirerTxn = {
      source: this.source(file, line),
      format: 'acquirer-csv',
      terminalId: TERMINAL,
      settleDate: txnTime.slice(0, 10),
      currency: 'CNY',
      ...rest,
      merchantId,
      txnType,
      txnTime,
      amountMinor,
      cardKind,
      feeMinor,
      netMinor,
    };
    // An explicit `terminalId: undefined` means a record without a terminal (wallets have none).
    if ('terminalId' in o && o.terminalId === undefined) delete record.terminalId;
    this.acquirer.push(record);
    return record;
  }

  /** A POS journal line. Defaults: an approved credit card sale of 100.00 元 on 2026-11-20 10:11. */
  posRec(o: PosInput = {}): PosSale {
    const { file = POS_FILE, line, at: when, ...given } = o;
    const rest = defined(given);
    const record: PosSale = {
      source: this.source(file, line),
      format: 'pos-journal',
      merchantId: MERCHANT,
      terminalId: TERMINAL,
      txnType: 'sale',
      currency: 'CNY',
      amountMinor: 10_000,
      approved: true,
      cardKind: 'credit',
      ...rest,
      txnTime: at(when ?? '2026-11-20 10:11'),
    };
    this.pos.push(record);
    return record;
  }

  /** The same sale on both sides, tied by its reference (RRN). */
  sale(o: AcqInput & { reference: string }): { pos: PosSale; acq: AcquirerTxn } {
    const pos = this.posRec({
      at: o.at,
      amountMinor: o.amountMinor,
      reference: o.reference,
      terminalId: o.terminalId,
      cardKind: o.cardKind,
      trace: o.trace,
      batch: o.batch,
      cardLast4: o.cardMasked?.slice(-4),
      merchantId: o.merchantId,
    });
    return { pos, acq: this.acq(o) };
  }

  /** A bank statement line. Defaults: a credit from 银联商务 into the contract's account on 2026-11-23. */
  bankRec(o: BankInput = {}): BankEntry {
    const { file = BANK_FILE, line, ...given } = o;
    const rest = defined(given);
    const record: BankEntry = {
      source: this.source(file, line),
      format: 'bank-statement-cn',
      accountNumber: ACCOUNT,
      accountName: MERCHANT_NAME,
      bookingDate: '2026-11-23',
      direction: 'credit',
      amountMinor: 0,
      currency: 'CNY',
      counterpartyName: PAYER,
      description: '银联商务结算款',
      ...rest,
    };
    this.bank.push(record);
    return record;
  }

  /** A bank credit paying exactly the acquirer's net for the given settlement dates. */
  credit(bookingDate: string, settleDates: string[], o: BankInput = {}): BankEntry {
    const net = this.acquirer.filter((a) => settleDates.includes(a.settleDate)).reduce((s, a) => s + a.netMinor, 0);
    return this.bankRec({ bookingDate, amountMinor: net, ...o });
  }

  statement(s: StatementAccount): this {
    this.statements.push(s);
    return this;
  }

  /** Partitions and matches with the real pipeline code. */
  merchants(): MerchantData[] {
    const { merchants } = buildMerchantData(
      { acquirer: this.acquirer, bank: this.bank, pos: this.pos, statements: this.statements },
      this.config,
      chinaCalendar,
    );
    return merchants;
  }

  /** Runs a merchant rule for the (first) merchant, as the pipeline does. */
  run(rule: MerchantRule, o: { asOf?: string; roles?: Role[]; history?: RateHistory; merchantId?: string } = {}): Outcome {
    const id = o.merchantId ?? MERCHANT;
    const data = this.merchants().find((m) => m.merchant.id === id);
    if (!data) throw new Error(`no records for merchant ${id}`);
    const open: OpenItem[] = [];
    const findings = rule.check({
      data,
      config: this.config,
      calendar: chinaCalendar,
      asOf: o.asOf ?? '2026-12-01',
      roles: new Set(o.roles ?? ROLES),
      history: o.history ?? noHistory,
      open,
    });
    return { findings, open, data };
  }

  /** Runs a run-scope rule over every merchant. */
  runAll(
    rule: RunRule,
    o: { asOf?: string; rejects?: Reject[]; checks?: ControlCheck[]; fileMerchant?: Record<string, string>; roles?: Role[] } = {},
  ): Finding[] {
    return rule.check({
      merchants: this.merchants(),
      rejects: o.rejects ?? [],
      checks: o.checks ?? [],
      fileMerchant: new Map(Object.entries(o.fileMerchant ?? {})),
      config: this.config,
      asOf: o.asOf ?? '2026-12-01',
      roles: new Set(o.roles ?? ROLES),
    });
  }
}

export const scenario = (config?: ContractConfig): Scenario => new Scenario(config);

/** History that returns the given effective rates (ppm, newest first) for every merchant and card kind. */
export const historyOf = (ppm: number[]): RateHistory => ({ previous: () => ppm });

/** Evidence rows, for assertions: `ev(ACQ_FILE, 2, 3)`. */
export const ev = (file: string, ...lines: number[]): { file: string; line: number }[] => lines.map((line) => ({ file, line }));
