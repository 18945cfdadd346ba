import { makeFinding } from '../model/finding.js';
import { baseName } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'unparseable-row';

/** Every rejected row is also a finding: money may hide in a row nobody could read. */
export const unparseableRow = defineRule({
  id: ID,
  severity: 'high',
  needs: [],
  scope: 'run',
  title: '无法解析的行',
  description: 'A row that could not be parsed (also in rejects.csv).',
  check({ rejects, fileMerchant, config }) {
    return rejects.map((r) =>
      makeFinding(ID, 'high', {
        merchantId: fileMerchant.get(r.file) ?? '',
        currency: config.currency,
        message: `${r.file} 第 ${r.line} 行无法解析：${r.reason}`,
        evidence: [{ file: r.file, line: r.line }],
        keys: [baseName(r.file), r.line, r.raw],
      }),
    );
  },
});
