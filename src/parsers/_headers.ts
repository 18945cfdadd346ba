/**
 * Header synonyms: the names Chinese and foreign exports give each canonical field.
 * A new acquirer's CSV usually works out of the box; when it does not, the config's
 * `columnMaps` names the header for each field (README, "Mapping a new acquirer's CSV").
 * Matching ignores case, spaces, and brackets like `(元)`.
 */
export const HEADER_SYNONYMS = {
  merchantId: ['商户号', '商户编号', '商户代码', '收单商户号', '商户编码', 'merchant id', 'merchant_id', 'mid', 'merchantid'],
  merchantName: ['商户名称', '商户名', '商户简称', 'merchant name', 'merchant_name'],
  terminalId: ['终端号', '终端编号', '终端代码', '终端id', 'terminal id', 'terminal_id', 'tid', 'terminalid'],
  txnTime: ['交易时间', '交易日期时间', '交易发生时间', '下单时间', '收银时间', '销售时间', 'transaction time', 'txn_time', 'time', 'datetime'],
  txnDate: ['交易日期', 'transaction date', 'txn_date', 'date'],
  txnClock: ['时间', 'clock'],
  settleDate: ['清算日期', '结算日期', '入账日期', '清分日期', 'settlement date', 'settle_date'],
  txnType: ['交易类型', '交易类别', '业务类型', '单据类型', 'transaction type', 'txn_type', 'type'],
  txnCode: ['交易码', '交易代码', 'transaction code', 'txn_code'],
  amount: ['交易金额', '金额', '消费金额', '订单金额', '实收金额', '收款金额', '销售金额', 'amount', 'txn_amount', 'gross'],
  fee: ['手续费', '商户手续费', '手续费金额', '服务费', 'fee', 'commission'],
  issuerFee: ['发卡行服务费', '发卡行手续费', '发卡方手续费', 'issuer fee', 'interchange'],
  networkFee: ['网络服务费', '品牌服务费', '转接清算费', '银联网络服务费', 'network fee', 'scheme fee'],
  net: ['结算金额', '清算金额', '入账金额', '净额', '应结金额', 'net', 'net amount', 'settlement amount'],
  reference: ['参考号', '检索参考号', '系统参考号', 'rrn', 'reference', 'retrieval reference number'],
  batch: ['批次号', '批次', 'batch', 'batch no'],
  trace: ['凭证号', '流水号', '终端流水号', '系统跟踪号', '终端流水', 'trace', 'stan', 'voucher'],
  orderId: ['商户订单号', '订单号', '外部订单号', '交易订单号', 'order id', 'order_id', 'order no'],
  originalReference: ['原参考号', '原检索参考号', 'original rrn', 'original reference'],
  originalTrace: ['原凭证号', '原流水号', 'original trace'],
  originalOrderId: ['原订单号', '原商户订单号', 'original order id'],
  card: ['卡号', '交易卡号', '银行卡号', '支付卡号', 'card', 'card no', 'card number', 'pan'],
  cardLast4: ['卡号后四位', '卡尾号', 'card last4', 'last4'],
  cardKind: ['卡类型', '卡种', '卡类别', '借贷标识', '借贷记标识', '支付方式', '支付渠道', 'card type', 'card_kind', 'payment method'],
  mcc: ['mcc', '商户类别码', '商户类别', '行业类别码', '商户类型码'],
  currency: ['币种', '货币', '交易币种', 'currency'],
  status: ['状态', '交易状态', '交易结果', '应答码', 'status', 'result'],
  payerName: ['付款方', '付款方名称', '清算机构', '支付机构', 'payer'],
} as const satisfies Record<string, readonly string[]>;

export type CanonicalField = keyof typeof HEADER_SYNONYMS;

export function normaliseHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/[\s`"'：:]/g, '')
    .toLowerCase();
}

const synonymIndex = new Map<string, CanonicalField>();
for (const [field, names] of Object.entries(HEADER_SYNONYMS) as [CanonicalField, readonly string[]][]) {
  for (const name of names) synonymIndex.set(normaliseHeader(name), field);
}

/**
 * Maps header cells to canonical fields. An explicit map (canonical field → header text) wins;
 * otherwise the first header matching a synonym claims the field.
 */
export function mapHeaders(
  headers: readonly string[],
  explicit: Readonly<Record<string, string>> = {},
): Partial<Record<CanonicalField, number>> {
  const map: Partial<Record<CanonicalField, number>> = {};
  const normalised = headers.map(normaliseHeader);
  for (const [field, header] of Object.entries(explicit)) {
    const i = normalised.indexOf(normaliseHeader(header));
    if (i >= 0 && field in HEADER_SYNONYMS) map[field as CanonicalField] = i;
  }
  normalised.forEach((h, i) => {
    const field = synonymIndex.get(h);
    if (field !== undefined && map[field] === undefined && !Object.values(map).includes(i)) map[field] = i;
  });
  return map;
}

/** How many cells of a line are known headers: used to find the header line below a preamble. */
export function headerScore(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) if (synonymIndex.has(normaliseHeader(c))) n++;
  return n;
}
