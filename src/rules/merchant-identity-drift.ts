import { makeFinding, type Finding } from '../model/finding.js';
import { isSale, type AcquirerTxn } from '../model/records.js';
import { dateOf, evidence, yuan } from './_shared.js';
import { defineRule, type MerchantData } from './types.js';

const ID = 'merchant-identity-drift';

/** Spelling differences that are not a different name: spaces and full-width brackets. */
const normaliseName = (s: string): string => s.replace(/\s+/g, '').replace(/（/g, '(').replace(/）/g, ')');

interface Seen {
  data: MerchantData;
  txn: AcquirerTxn;
}

/** The most frequent value (ties: the smallest), ignoring missing ones. */
function mostCommon(xs: (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const x of xs) if (x !== undefined && x !== '') counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0];
}

const distinct = (xs: (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => x !== undefined && x !== ''))].sort();

/** What a terminal's first record says about its identity, and whether a later record differs. */
interface FirstIdentity {
  id: string;
  name: string | undefined;
  mcc: string | undefined;
  idDiffers: boolean;
  nameDiffers: boolean;
  mccDiffers: boolean;
  someMerchantWithoutMcc: boolean;
}

/**
 * The terminals that may have drifted: more than one merchant id, name as written, or MCC (where a
 * merchant has no contracted MCC). A superset of those the rule reports, which it checks again in
 * full: most terminals keep one identity, and are ruled out here by comparing each record with the
 * terminal's first, without a record copied or a name normalised.
 */
function driftCandidates(merchants: readonly MerchantData[]): Set<string> {
  const byTerminal = new Map<string, FirstIdentity>();
  for (const data of merchants) {
    const id = data.merchant.id;
    const withoutMcc = !data.merchant.mcc;
    for (const txn of data.acquirer) {
      if (!txn.terminalId) continue;
      const first = byTerminal.get(txn.terminalId);
      if (!first) {
        const { merchantName: name, mcc } = txn;
        byTerminal.set(txn.terminalId, { id, name, mcc, idDiffers: false, nameDiffers: false, mccDiffers: false, someMerchantWithoutMcc: withoutMcc });
        continue;
      }
      if (id !== first.id) first.idDiffers = true;
      if (txn.merchantName !== first.name) first.nameDiffers = true;
      if (txn.mcc !== first.mcc) first.mccDiffers = true;
      if (withoutMcc) first.someMerchantWithoutMcc = true;
    }
  }
  const candidates = new Set<string>();
  for (const [terminal, t] of byTerminal) {
    if (t.idDiffers || t.nameDiffers || (t.mccDiffers && t.someMerchantWithoutMcc)) candidates.add(terminal);
  }
  return candidates;
}

/** The records of the given terminals, each with its merchant, in the order of the merchants and their records. */
function recordsOfTerminals(merchants: readonly MerchantData[], terminals: ReadonlySet<string>): Map<string, Seen[]> {
  const byTerminal = new Map<string, Seen[]>();
  if (terminals.size === 0) return byTerminal;
  for (const data of merchants) {
    for (const txn of data.acquirer) {
      if (!txn.terminalId || !terminals.has(txn.terminalId)) continue;
      const list = byTerminal.get(txn.terminalId);
      const seen = { data, txn };
      if (list) list.push(seen);
      else byTerminal.set(txn.terminalId, [seen]);
    }
  }
  return byTerminal;
}

/**
 * 商户信息漂移 (移机 / 套用商户): one terminal settled under several merchant ids, merchant names or
 * MCCs in the period → high, one finding per terminal (DESIGN.md section 5). Merchant ids are the
 * contract's (an alias is the same merchant). Where every merchant involved has a contracted MCC,
 * an MCC that differs is mcc-mismatch's finding, not this one.
 */
export const merchantIdentityDrift = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer'],
  scope: 'run',
  title: '终端商户信息漂移',
  description: 'One terminal settled under several merchant ids, names or MCCs in the period.',
  check({ merchants, config }) {
    const byTerminal = recordsOfTerminals(merchants, driftCandidates(merchants));
    const findings: Finding[] = [];
    for (const [terminal, seen] of [...byTerminal.entries()].sort(([x], [y]) => x.localeCompare(y))) {
      const ids = distinct(seen.map((s) => s.data.merchant.id));
      const names = distinct(seen.map((s) => (s.txn.merchantName ? normaliseName(s.txn.merchantName) : undefined)));
      const mccs = distinct(seen.map((s) => s.txn.mcc));
      const mccDrift = mccs.length > 1 && seen.some((s) => !s.data.merchant.mcc);
      if (ids.length < 2 && names.length < 2 && !mccDrift) continue;

      // What most of the terminal's records say is taken as its own identity; the rest is the drift.
      // A record that does not name a merchant name or MCC does not differ on it.
      const usualId = mostCommon(seen.map((s) => s.data.merchant.id));
      const usualName = mostCommon(seen.map((s) => (s.txn.merchantName ? normaliseName(s.txn.merchantName) : undefined)));
      const usualMcc = mostCommon(seen.map((s) => s.txn.mcc));
      const differs = (s: Seen) =>
        s.data.merchant.id !== usualId ||
        (names.length > 1 && s.txn.merchantName !== undefined && normaliseName(s.txn.merchantName) !== usualName) ||
        (mccDrift && s.txn.mcc !== undefined && s.txn.mcc !== usualMcc);
      const home = seen.find((s) => !differs(s));
      const drifted = seen.filter(differs);
      const amount = drifted.filter((s) => isSale(s.txn.txnType)).reduce((sum, s) => sum + s.txn.amountMinor, 0);
      const what = [
        ids.length > 1 ? `${ids.length} 个商户号（${ids.join('、')}）` : '',
        names.length > 1 ? `${names.length} 个商户名称（${names.join('、')}）` : '',
        mccDrift ? `${mccs.length} 个 MCC（${mccs.join('、')}）` : '',
      ].filter((s) => s !== '');
      const times = seen.map((s) => s.txn.txnTime).sort();
      const from = dateOf(times[0] ?? '');
      const to = dateOf(times[times.length - 1] ?? '');
      findings.push(
        makeFinding(ID, 'high', {
          merchantId: home?.data.merchant.id ?? usualId ?? '',
          terminalId: terminal,
          date: from,
          currency: home?.txn.currency ?? config.currency,
          amountMinor: amount,
          message: `终端 ${terminal} 在 ${from} 至 ${to} 期间以 ${what.join('、')}清算；其中 ${drifted.length} 笔（消费合计 ${yuan(amount)}）与该终端通常的商户信息不同，疑似移机或套用他人商户。`,
          evidence: evidence(home?.txn, ...drifted.map((s) => s.txn)),
          keys: [terminal],
        }),
      );
    }
    return findings;
  },
});
