import type { BusinessCalendar } from '../model/calendar.js';
import { merchantIndex, type ContractConfig, type MerchantContract } from '../model/contract.js';
import type { AcquirerTxn, BankEntry, PosSale, Role } from '../model/records.js';
import { expectedDays, matchAcquirerBank } from '../matching/acquirer-bank.js';
import { matchPosAcquirer } from '../matching/pos-acquirer.js';
import type { MerchantData, StatementAccount } from '../rules/types.js';

/** Parsed records of a run, before they are split by merchant. */
export interface RunRecords {
  acquirer: AcquirerTxn[];
  bank: BankEntry[];
  pos: PosSale[];
  /** Bank statements' own accounts, with the file they came from. */
  statements: StatementAccount[];
}

export interface Partitioned {
  merchants: MerchantData[];
  /** Records whose merchant the contract does not know: reported, never silently dropped. */
  unknown: { role: Role; merchantId: string; count: number; file: string }[];
}

const digits = (s: string | undefined) => (s ?? '').replace(/\D/g, '');

/**
 * The merchant index of each configuration, made once: the bulk path calls buildMerchantData for
 * one merchant at a time, and indexing every merchant of the contract for each of them cost more
 * than splitting that merchant's records. A configuration does not change during a run.
 */
const indexes = new WeakMap<ContractConfig, Map<string, MerchantContract>>();

function indexOf(config: ContractConfig): Map<string, MerchantContract> {
  let index = indexes.get(config);
  if (!index) indexes.set(config, (index = merchantIndex(config)));
  return index;
}

/**
 * Splits a run's records by merchant (ids and aliases from the contract; bank lines by the
 * statement's account number, or the merchant's account name when the statement names no number),
 * then matches each merchant's POS, acquirer and bank records. Pure: no I/O.
 */
export function buildMerchantData(records: RunRecords, config: ContractConfig, calendar: BusinessCalendar): Partitioned {
  const index = indexOf(config);
  const byMerchant = new Map<MerchantContract, { acquirer: AcquirerTxn[]; bank: BankEntry[]; pos: PosSale[]; statements: StatementAccount[] }>();
  const bucket = (m: MerchantContract) => {
    let b = byMerchant.get(m);
    if (!b) {
      b = { acquirer: [], bank: [], pos: [], statements: [] };
      byMerchant.set(m, b);
    }
    return b;
  };
  const unknown = new Map<string, Partitioned['unknown'][number]>();
  const miss = (role: Role, merchantId: string, file: string) => {
    const key = `${role}|${merchantId}|${file}`;
    const u = unknown.get(key) ?? { role, merchantId, count: 0, file };
    u.count++;
    unknown.set(key, u);
  };
  // A merchant's records mostly come together (the bulk path brings one merchant at a time): the
  // merchant of the record before is the likely one, and asking the maps again for it is not needed.
  let lastId: string | undefined;
  let last: ReturnType<typeof bucket> | undefined;
  const bucketOf = (merchantId: string) => {
    if (merchantId !== lastId) {
      const m = index.get(merchantId);
      lastId = merchantId;
      last = m && bucket(m);
    }
    return last;
  };
  for (const a of records.acquirer) {
    const b = bucketOf(a.merchantId);
    if (b) b.acquirer.push(a);
    else miss('acquirer', a.merchantId, a.source.file);
  }
  for (const p of records.pos) {
    const b = bucketOf(p.merchantId);
    if (b) b.pos.push(p);
    else miss('pos', p.merchantId, p.source.file);
  }
  for (const b of records.bank) {
    const m = merchantForAccount(config, b.accountNumber, b.accountName);
    if (m) bucket(m).bank.push(b);
    else miss('bank', b.accountNumber ?? '', b.source.file);
  }
  for (const s of records.statements) {
    const m = merchantForAccount(config, s.number, s.name);
    if (m) bucket(m).statements.push(s);
  }
  const merchants: MerchantData[] = [];
  for (const m of config.merchants) {
    const b = byMerchant.get(m);
    if (!b) continue;
    const days = expectedDays(b.acquirer, m.settlement.cycle, calendar);
    merchants.push({
      merchant: m,
      ...b,
      posMatch: matchPosAcquirer(b.pos, b.acquirer, config.tolerances.matchWindowMinutes),
      days,
      bankMatch: matchAcquirerBank(days, b.bank),
      coverage: {
        acquirer: latest(b.acquirer, (a) => a.settleDate),
        bank: latest(b.bank, (e) => e.bookingDate),
        // The date of the latest time is the latest date (a prefix keeps the order of the text),
        // without cutting a date out of every record.
        pos: latest(b.pos, (p) => p.txnTime)?.slice(0, 10),
      },
    });
  }
  return { merchants, unknown: [...unknown.values()] };
}

/**
 * The input files a merchant's records and bank statements come from, sorted: what its report's
 * manifest lists, and nothing of another merchant's.
 */
export function inputFilesOf(data: MerchantData): string[] {
  const files = new Set<string>();
  for (const records of [data.acquirer, data.pos, data.bank]) for (const r of records) files.add(r.source.file);
  for (const s of data.statements) files.add(s.file);
  return [...files].sort();
}

function merchantForAccount(config: ContractConfig, number: string | undefined, name: string | undefined): MerchantContract | undefined {
  const n = digits(number);
  if (n) {
    const byNumber = config.merchants.find((m) => m.account && digits(m.account.number) === n);
    if (byNumber) return byNumber;
    // Statements often mask the middle of the account: match on the visible tail.
    const tail = n.slice(-4);
    const masked = /[*xX]/.test(number ?? '');
    if (masked) {
      const candidates = config.merchants.filter((m) => m.account && digits(m.account.number).endsWith(tail));
      if (candidates.length === 1) return candidates[0];
    }
  }
  if (name) {
    const byName = config.merchants.filter((m) => m.account?.name === name || m.name === name);
    if (byName.length === 1) return byName[0];
  }
  if (!n && !name && config.merchants.length === 1) return config.merchants[0];
  return undefined;
}

/** The greatest of the records' values in code-unit order, or undefined when there are none. */
function latest<T>(records: readonly T[], valueOf: (r: T) => string): string | undefined {
  let max: string | undefined;
  for (const r of records) {
    const v = valueOf(r);
    if (max === undefined || v > max) max = v;
  }
  return max;
}
