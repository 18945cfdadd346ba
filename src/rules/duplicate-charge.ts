import { makeFinding, type Finding } from '../model/finding.js';
import type { AcquirerTxn, PosSale } from '../model/records.js';
import { acquirerUndo, exactDuplicates, type Undo } from './_links.js';
import { perMerchantAndConfig } from './_memo.js';
import { clock, evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'duplicate-charge';

const minutes = (iso: string): number => Date.parse(iso) / 60_000;
const last4 = (masked: string | undefined): string | undefined => {
  const tail = masked?.slice(-4);
  return tail && /^\d{4}$/.test(tail) ? tail : undefined;
};

/** An acquirer sale with no POS sale that looks like a second charge of a sale the POS did record. */
export interface NearDuplicate {
  twin: AcquirerTxn;
  pos: PosSale;
}

/**
 * The looser duplicate of DESIGN.md section 5: an acquirer sale left without a POS sale, on the
 * same terminal, for the same amount and the same card (last 4, both sides known) as a sale the POS
 * did record, within the duplicate window. Shared with charged-without-sale, which leaves these to
 * this rule. Sales the acquirer fully gave back, and exact duplicates (same RRN or trace), are not here.
 */
export const nearDuplicates = perMerchantAndConfig((data, config): ReadonlyMap<AcquirerTxn, NearDuplicate> => {
  const window = config.tolerances.duplicateWindowMinutes;
  const exact = exactDuplicates(data);
  const undo = acquirerUndo(data);
  const firsts = new Set(exact.values());
  const out = new Map<AcquirerTxn, NearDuplicate>();
  for (const a of data.posMatch.unmatchedAcquirerSales) {
    const card = last4(a.cardMasked);
    if (!card || exact.has(a) || firsts.has(a) || given(a, undo.get(a))) continue;
    const twins = data.posMatch.sales
      .filter(
        (p) =>
          p.acquirer.terminalId === a.terminalId &&
          p.acquirer.amountMinor === a.amountMinor &&
          last4(p.acquirer.cardMasked) === card &&
          Math.abs(minutes(p.acquirer.txnTime) - minutes(a.txnTime)) <= window,
      )
      .sort((x, y) => Math.abs(minutes(x.acquirer.txnTime) - minutes(a.txnTime)) - Math.abs(minutes(y.acquirer.txnTime) - minutes(a.txnTime)));
    const twin = twins[0];
    if (twin) out.set(a, { twin: twin.acquirer, pos: twin.pos });
  }
  return out;
});

const given = (a: AcquirerTxn, u: Readonly<Undo> | undefined): boolean => (u?.undoneMinor ?? 0) >= a.amountMinor;

/**
 * 重复扣款: the same sale charged twice. The same RRN on the same clearing date, or the same
 * (terminal, batch, trace), is certain (ISO 8583 field 37 is unique within a clearing day) →
 * critical. The same card, amount and terminal within the duplicate window while the POS recorded
 * one sale → high. A charge the acquirer voided or refunded in full does not count.
 */
export const duplicateCharge = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '重复扣款',
  description: 'The same sale charged twice: same RRN and date or same terminal, batch and trace; or same card, amount and terminal within minutes with one POS sale.',
  check({ data, config, roles }) {
    const undo = acquirerUndo(data);
    const findings: Finding[] = [];
    const groups = new Map<AcquirerTxn, AcquirerTxn[]>();
    for (const [repeat, first] of exactDuplicates(data)) {
      const g = groups.get(first);
      if (g) g.push(repeat);
      else groups.set(first, [first, repeat]);
    }
    for (const [first, group] of groups) {
      const standing = group.filter((a) => !given(a, undo.get(a)));
      standing.slice(1).forEach((a, i) => {
        const how = a.reference && a.reference === first.reference ? `参考号 ${a.reference}` : `终端 ${a.terminalId ?? '-'} 批次 ${a.batch ?? '-'} 凭证号 ${a.trace ?? '-'}`;
        findings.push(
          makeFinding(ID, 'critical', {
            merchantId: data.merchant.id,
            terminalId: a.terminalId,
            reference: a.reference ?? a.orderId,
            txnTime: a.txnTime,
            currency: a.currency,
            amountMinor: a.amountMinor,
            expectedMinor: 0,
            actualMinor: a.amountMinor,
            differenceMinor: a.amountMinor,
            message: `${clock(first.txnTime)} 的交易 ${yuan(first.amountMinor)}（${how}）被重复清算：同一笔交易在 ${a.settleDate} 又扣款 ${yuan(a.amountMinor)}。`,
            evidence: evidence(first, a),
            keys: [first.reference ?? first.orderId, first.terminalId, first.batch, first.trace, first.settleDate, i + 1],
          }),
        );
      });
    }
    // The looser pattern needs the POS journal to say the customer bought once.
    if (roles.has('pos')) {
      for (const [a, { twin, pos }] of nearDuplicates(data, config)) {
        findings.push(
          makeFinding(ID, 'high', {
            merchantId: data.merchant.id,
            terminalId: a.terminalId,
            reference: a.reference ?? a.orderId,
            txnTime: a.txnTime,
            currency: a.currency,
            amountMinor: a.amountMinor,
            expectedMinor: 0,
            actualMinor: a.amountMinor,
            differenceMinor: a.amountMinor,
            message: `卡号尾号 ${last4(a.cardMasked) ?? '-'} 在终端 ${a.terminalId ?? '-'} 于 ${clock(twin.txnTime)} 和 ${clock(a.txnTime)} 各被扣款 ${yuan(a.amountMinor)}，收银系统只记录了一笔销售，疑似重复扣款。`,
            evidence: evidence(pos, twin, a),
            keys: [a.reference ?? a.orderId, a.terminalId, a.trace, a.txnTime, a.amountMinor],
          }),
        );
      }
    }
    return findings;
  },
});
