import { makeFinding, type Finding } from '../model/finding.js';
import { isSale, type AcquirerTxn } from '../model/records.js';
import { clock, dateOf, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'fee-above-regulation';

/**
 * A regulated maximum, in parts per ten million of the amount (0.02925% is not a whole ppm), with
 * its per-transaction cap in fen where there is one.
 */
export interface Ceiling {
  perTenMillion: number;
  capMinor?: number;
  label: string;
}

/**
 * Regulated card fees in mainland China (DESIGN.md section 8): the 2016 NDRC/PBOC fee reform
 * (发卡行服务费 and 网络服务费 ceilings from 2016-09-06) and 银发〔2021〕169号 (standard-class
 * merchants, 9折 from 2021-09-30 for three years: issuer 0.315%, network 0.02925%, caps unchanged).
 */
const REFORM_FROM = '2016-09-06';
const STANDARD_FROM = '2021-09-30';
/** Three years from 2021-09-30: the last day the 9折 ceilings apply. */
const STANDARD_UNTIL = '2024-09-29';

const ISSUER_DEBIT: Ceiling = { perTenMillion: 35_000, capMinor: 1300, label: '0.35%，封顶 13 元' };
const ISSUER_DEBIT_STANDARD: Ceiling = { perTenMillion: 31_500, capMinor: 1300, label: '标准类商户 0.315%，封顶 13 元' };
const ISSUER_CREDIT: Ceiling = { perTenMillion: 45_000, label: '0.45%' };
const NETWORK: Ceiling = { perTenMillion: 3_250, capMinor: 325, label: '0.0325%，封顶 3.25 元' };
const NETWORK_DEBIT_STANDARD: Ceiling = { perTenMillion: 2_925, capMinor: 325, label: '标准类商户 0.02925%，封顶 3.25 元' };

/**
 * The regulated ceilings for a sale, or undefined where none apply (QR payments, before the reform).
 * A card of unknown kind gets the credit ceilings, the more permissive, so that nothing is called
 * above regulation on a guess.
 */
export function ceilingsFor(cardKind: AcquirerTxn['cardKind'], date: string, standardClass: boolean): { issuer: Ceiling; network: Ceiling } | undefined {
  if (date < REFORM_FROM || cardKind === 'qr') return undefined;
  if (cardKind === 'debit') {
    const standard = standardClass && date >= STANDARD_FROM && date <= STANDARD_UNTIL;
    return standard ? { issuer: ISSUER_DEBIT_STANDARD, network: NETWORK_DEBIT_STANDARD } : { issuer: ISSUER_DEBIT, network: NETWORK };
  }
  return { issuer: ISSUER_CREDIT, network: NETWORK };
}

/** The ceiling in fen for an amount: round-half-up(amount × rate), capped. BigInt: no float on money. */
export function ceilingMinor(amountMinor: number, c: Ceiling): number {
  const exact = (BigInt(Math.abs(amountMinor)) * BigInt(c.perTenMillion) + 5_000_000n) / 10_000_000n;
  const n = Number(exact);
  return c.capMinor !== undefined ? Math.min(n, c.capMinor) : n;
}

/**
 * 超监管上限: an itemised issuer fee (发卡行服务费) or network fee (网络服务费) above the
 * regulated maximum for the card kind → high, one finding per sale naming each part above it.
 */
export const feeAboveRegulation = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '手续费超监管上限',
  description: 'An itemised issuer or network fee above the regulated maximum (2016 fee reform, 银发〔2021〕169号).',
  check({ data, config }) {
    const tolerance = config.tolerances.feeFen;
    const findings: Finding[] = [];
    for (const a of data.acquirer) {
      if (!isSale(a.txnType) || !a.feeParts) continue;
      const ceilings = ceilingsFor(a.cardKind, dateOf(a.txnTime), data.merchant.standardClass);
      if (!ceilings) continue;
      const parts = [
        { name: '发卡行服务费', actual: a.feeParts.issuerMinor, ceiling: ceilings.issuer },
        { name: '网络服务费', actual: a.feeParts.networkMinor, ceiling: ceilings.network },
      ];
      const above = parts.flatMap((p) => {
        if (p.actual === undefined) return [];
        const allowed = ceilingMinor(a.amountMinor, p.ceiling);
        return p.actual - allowed > tolerance ? [{ ...p, actual: p.actual, allowed }] : [];
      });
      if (above.length === 0) continue;
      const expected = above.reduce((s, p) => s + p.allowed, 0);
      const actual = above.reduce((s, p) => s + p.actual, 0);
      const ref = a.reference ?? a.orderId;
      const kind = a.cardKind === 'debit' ? '借记卡' : a.cardKind === 'credit' ? '贷记卡' : '银行卡';
      const detail = above.map((p) => `${p.name} ${yuan(p.actual)} 超过上限（${p.ceiling.label}）${yuan(p.allowed)}`).join('；');
      findings.push(
        makeFinding(ID, 'high', {
          merchantId: data.merchant.id,
          terminalId: a.terminalId,
          reference: ref,
          txnTime: a.txnTime,
          currency: a.currency,
          amountMinor: a.amountMinor,
          expectedMinor: expected,
          actualMinor: actual,
          differenceMinor: actual - expected,
          message: `${clock(a.txnTime)} ${kind}交易 ${yuan(a.amountMinor)}（参考号 ${ref ?? '-'}）：${detail}，合计多收 ${yuan(actual - expected)}。`,
          evidence: [{ file: a.source.file, line: a.source.line }],
          keys: [ref, a.terminalId, a.trace, a.txnTime],
        }),
      );
    }
    return findings;
  },
});
