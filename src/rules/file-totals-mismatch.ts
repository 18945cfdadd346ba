import { formatDecimal } from '../model/money.js';
import { makeFinding } from '../model/finding.js';
import { baseName } from './_shared.js';
import { defineRule } from './types.js';

const ID = 'file-totals-mismatch';

/** The rows of a file disagree with the totals the file states about itself. */
export const fileTotalsMismatch = defineRule({
  id: ID,
  severity: 'high',
  needs: [],
  scope: 'run',
  title: '文件合计不符',
  description: "Parsed rows disagree with the file's own totals.",
  check({ checks, fileMerchant }) {
    return checks
      .filter((c) => c.declared !== c.computed)
      .map((c) => {
        const show = (v: number) => (c.unit === 'count' ? String(v) : formatDecimal(v));
        return makeFinding(ID, 'high', {
          merchantId: fileMerchant.get(c.file) ?? '',
          currency: c.currency,
          expectedMinor: c.unit === 'count' ? undefined : c.declared,
          actualMinor: c.unit === 'count' ? undefined : c.computed,
          differenceMinor: c.unit === 'count' ? undefined : c.declared - c.computed,
          message: `${c.file} 第 ${c.line} 行的「${c.name}」为 ${show(c.declared)}，而逐行合计为 ${show(c.computed)}。`,
          evidence: [{ file: c.file, line: c.line }],
          keys: [baseName(c.file), c.name, c.declared, c.computed],
        });
      });
  },
});
