import iconv from 'iconv-lite';
import { adyenFile, BATCH_42 } from '../parsers/_adyen-fixture.js';
import { stripeFile, TWO_PAYOUTS } from '../parsers/_stripe-fixture.js';

/**
 * Seeds for the formats that have no public sample in samples/public: an Alipay merchant bill (its
 * 业务明细 and 账务明细 layouts as the alipay-bill parser documents them), and the Adyen and Stripe
 * files of those parsers' own test fixtures. Without them the fuzzer would only throw other
 * formats' files at these parsers and never reach their row and total logic.
 */

const T = '\t';

/** A GBK 业务明细 with four rows and its #合计 trailers. */
function alipayDetail(): Uint8Array {
  const header =
    '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
  const row = (trade: string, order: string, type: string, done: string, amount: string, received: string, refundNo: string, fee: string) =>
    [`${trade}${T}`, `${order}${T}`, `${type}${T}`, '牛肉面（大碗）', done, done, `S001${T}`, `上海味道浦东店${T}`, `cashier01${T}`, `POS-01${T}`, `*明(138****0000)${T}`, amount, received, '0.00', '0.00', '0.00', '0.00', '0.00', '', `0.00${T}`, '0.00', `${refundNo}${T}`, fee, '0.00', '午餐'].join(',');
  const text = [
    '#支付宝业务明细查询',
    '#账号：[20881234567890120156]',
    '#起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    header,
    row('2026112022001400001000000001', 'T20261120001', '交易', '2026-11-20 10:11:12', '32.00', '32.00', '', '-0.12'),
    row('2026112022001400001000000002', 'T20261120002', '交易', '2026-11-20 12:00:09', '100.00', '100.00', '', '-0.36'),
    row('2026112022001400001000000003', 'T20261120003', '交易', '2026-11-21 00:00:01', '8.50', '8.50', '', '-0.03'),
    row('2026112022001400001000000001', 'T20261120001', '退款', '2026-11-20 15:30:00', '-32.00', '-32.00', 'R20261120001', '0.12'),
    '#-----------------------------------------业务明细列表结束------------------------------------',
    '#交易合计：3笔，商家实收共140.50元，商家优惠共0.00元',
    '#退款合计：1笔，商家实收退款共-32.00元，商家优惠退款共0.00元',
    '#导出时间：[2026年11月21日 05:46:49]',
  ];
  return new Uint8Array(iconv.encode(`${text.join('\r\n')}\r\n`, 'gbk'));
}

/** A GBK 账务明细 with three rows and its #合计 trailers. */
function alipayLedger(): Uint8Array {
  const text = [
    '#支付宝账务明细查询',
    '#账号：[20881234567890120156]',
    '#起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]',
    '#-----------------------------------------账务明细列表----------------------------------------',
    '账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注',
    `20261120100000001${T},2026112022001400001000000001${T},T20261120001${T},牛肉面（大碗）${T},2026-11-20 10:11:12${T},*明(138****0000)${T},32.00,0.00,1032.00,支付宝${T},在线支付${T},${T}`,
    `20261120100000002${T},2026112022001400001000000001${T},T20261120001${T},服务费${T},2026-11-20 10:11:12${T},${T},0.00,-0.12,1031.88,支付宝${T},收费${T},${T}`,
    `20261120100000003${T},2026112022001400001000000001${T},T20261120001${T},退款${T},2026-11-20 15:30:00${T},*明(138****0000)${T},0.00,-32.00,999.88,支付宝${T},交易退款${T},${T}`,
    '#----------------------------------------账务明细列表结束-------------------------------------',
    '#支出合计：2笔，共-32.12元',
    '#收入合计：1笔，共32.00元',
    '#导出时间：[2026年11月21日 05:46:49]',
  ];
  return new Uint8Array(iconv.encode(`${text.join('\r\n')}\r\n`, 'gbk'));
}

/** Name → bytes of the synthetic seeds. */
export function syntheticSeeds(): Map<string, Uint8Array> {
  return new Map([
    ['20881234567890120156_20261120_业务明细.csv', alipayDetail()],
    ['20881234567890120156_20261120_账务明细.csv', alipayLedger()],
    ['settlement_detail_report_batch_42.csv', new Uint8Array(Buffer.from(adyenFile(BATCH_42), 'utf8'))],
    ['payout_reconciliation_itemized_5.csv', new Uint8Array(Buffer.from(stripeFile(TWO_PAYOUTS), 'utf8'))],
  ]);
}
