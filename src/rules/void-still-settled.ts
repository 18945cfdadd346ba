import { isVoid } from './_links.js';
import { stillSettled } from './_still-settled.js';
import { defineRule } from './types.js';

const ID = 'void-still-settled';

/**
 * 撤销未撤: a sale voided at the POS (撤销, incl. 预授权完成撤销) that the acquirer still settled
 * → critical; voided by the acquirer too but with its fee kept against the contract → medium
 * (DESIGN.md section 5).
 */
export const voidStillSettled = defineRule({
  id: ID,
  severity: 'critical',
  needs: ['acquirer', 'pos'],
  scope: 'merchant',
  title: '撤销交易仍被清算',
  description: 'A sale voided at the POS that the acquirer still settled, or whose fee it kept against the contract.',
  check({ data }) {
    return stillSettled(ID, data, isVoid, '撤销');
  },
});
