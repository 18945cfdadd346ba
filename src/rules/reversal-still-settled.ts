import { isReversal } from './_links.js';
import { stillSettled } from './_still-settled.js';
import { defineRule } from './types.js';

const ID = 'reversal-still-settled';

/**
 * 冲正未冲: a sale reversed at the POS (冲正, ISO 8583 0400, including a terminal's timeout
 * auto-reversal) that the acquirer still settled → critical (DESIGN.md section 5). A reversal the
 * acquirer honoured but whose fee it kept against the contract is reported as medium, as for voids.
 */
export const reversalStillSettled = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer', 'pos'],
  scope: 'merchant',
  title: '冲正交易仍被清算',
  description: 'A sale reversed at the POS (incl. timeout auto-reversal) that the acquirer still settled.',
  check({ data }) {
    return stillSettled(ID, data, isReversal, '冲正');
  },
});
