import { makeFinding, type Finding } from '../model/finding.js';
import { isSale, type AcquirerTxn } from '../model/records.js';
import { dateOf, evidence, yuan } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'mcc-mismatch';

/** A UnionPay merchant category with a fee class below the standard one. */
export interface PreferentialMcc {
  name: string;
  /** 减免类: issuer and network fees waived; 优惠类: reduced. */
  kind: '减免类' | '优惠类';
}

/**
 * MCCs whose card fees are waived or reduced, the classes that 跳码 (settling a standard business
 * under a cheaper category) abuses. 减免类: the non-profit medical, education and charity
 * categories whose issuer and network fees the 2016 NDRC/PBOC fee reform waived, and government
 * services (UnionPay groups them with the waived ones). 优惠类: the supermarket, utility, fuel and
 * transport-ticket categories that kept reduced fees. A short list, not the full UnionPay MCC table.
 */
export const PREFERENTIAL_MCC: Readonly<Record<string, PreferentialMcc>> = {
  '8062': { name: '公立医院', kind: '减免类' },
  '8011': { name: '医生', kind: '减免类' },
  '8021': { name: '牙科医生', kind: '减免类' },
  '8099': { name: '医疗保健服务', kind: '减免类' },
  '8211': { name: '中小学校', kind: '减免类' },
  '8220': { name: '普通高校', kind: '减免类' },
  '8241': { name: '函授学校', kind: '减免类' },
  '8351': { name: '儿童保育服务', kind: '减免类' },
  '8398': { name: '慈善和社会公益服务组织', kind: '减免类' },
  '8651': { name: '政治组织', kind: '减免类' },
  '9211': { name: '法庭费用', kind: '减免类' },
  '9222': { name: '罚款', kind: '减免类' },
  '9223': { name: '保释金', kind: '减免类' },
  '9311': { name: '纳税', kind: '减免类' },
  '9399': { name: '政府服务', kind: '减免类' },
  '5411': { name: '大型仓储式超级市场', kind: '优惠类' },
  '4900': { name: '公共事业（电力、煤气、自来水）', kind: '优惠类' },
  '5541': { name: '加油站', kind: '优惠类' },
  '5542': { name: '自助加油站', kind: '优惠类' },
  '4111': { name: '市内通勤交通', kind: '优惠类' },
  '4112': { name: '铁路客运', kind: '优惠类' },
  '4131': { name: '公路客运', kind: '优惠类' },
  '4511': { name: '航空公司', kind: '优惠类' },
};

/**
 * 跳码: acquirer records settled under another MCC than the contract's → high, one finding per
 * month (of the transaction date) and MCC with the count, the amount and every row (DESIGN.md
 * section 5). A preferential MCC used for a standard business is called out in the message.
 */
export const mccMismatch = defineRule({
  id: ID,
  severity: 'high',
  needs: ['acquirer'],
  scope: 'merchant',
  title: '跳码（MCC 与合同不符）',
  description: "Acquirer records settled under another MCC than the contract's; a preferential MCC on a standard business is called out.",
  check({ data, config }) {
    const contracted = data.merchant.mcc;
    if (!contracted) return [];
    const groups = new Map<string, { month: string; mcc: string; records: AcquirerTxn[] }>();
    for (const a of data.acquirer) {
      const mcc = a.mcc?.trim();
      if (!mcc || mcc === contracted) continue;
      const month = dateOf(a.txnTime).slice(0, 7);
      const key = `${month}|${mcc}`;
      const g = groups.get(key) ?? { month, mcc, records: [] };
      g.records.push(a);
      groups.set(key, g);
    }
    const findings: Finding[] = [];
    for (const g of [...groups.values()].sort((x, y) => x.month.localeCompare(y.month) || x.mcc.localeCompare(y.mcc))) {
      const first = g.records[0];
      const sales = g.records.filter((a) => isSale(a.txnType));
      const amount = sales.reduce((s, a) => s + a.amountMinor, 0);
      const used = PREFERENTIAL_MCC[g.mcc];
      const own = PREFERENTIAL_MCC[contracted];
      const callout =
        used && !own
          ? `${g.mcc} 属于银联${used.kind}商户类别（${used.name}），合同约定的 ${contracted} 是标准类：以${used.kind} MCC 清算标准类商户的交易是典型的跳码，涉嫌违规套用低费率类别。`
          : '';
      findings.push(
        makeFinding(ID, 'high', {
          merchantId: data.merchant.id,
          date: first ? dateOf(first.txnTime) : undefined,
          currency: first?.currency ?? config.currency,
          amountMinor: amount,
          message: `${g.month} 有 ${g.records.length} 笔交易（消费合计 ${yuan(amount)}）以 MCC ${g.mcc} 清算，而合同约定的 MCC 为 ${contracted}。${callout}`,
          evidence: evidence(...g.records),
          keys: [g.month, g.mcc],
        }),
      );
    }
    return findings;
  },
});
