import { describe, expect, it } from 'vitest';
import { reversalStillSettled } from '../../src/rules/reversal-still-settled.js';
import { ACQ_FILE, POS_FILE, ev, scenario, type Scenario } from './_fixtures.js';

/** A sale the terminal reversed on a timeout (冲正, same RRN), and what the acquirer did with it. */
function reversed(s: Scenario, acquirer: (s: Scenario) => void) {
  s.posRec({ at: '2026-11-20 19:02:11', amountMinor: 12_900, reference: '632019000001', trace: '000901' });
  s.posRec({ at: '2026-11-20 19:03:11', txnType: 'reversal', amountMinor: 12_900, reference: '632019000001', trace: '000902', originalTrace: '000901' });
  acquirer(s);
  s.sale({ at: '2026-11-23 09:00', reference: '632309000001', amountMinor: 1_000 });
}

const settled = (s: Scenario) => s.acq({ at: '2026-11-20 19:02:11', amountMinor: 12_900, reference: '632019000001', trace: '000901' });

describe('reversal-still-settled', () => {
  it.each([
    {
      name: 'settled by the acquirer although reversed',
      acquirer: settled,
      expected: [
        {
          rule: 'reversal-still-settled',
          severity: 'critical',
          reference: '632019000001',
          txnTime: '2026-11-20T19:02:11+08:00',
          amountMinor: 12_900,
          expectedMinor: 0,
          actualMinor: 12_900,
          differenceMinor: 12_900,
          evidence: [...ev(POS_FILE, 3, 2), ...ev(ACQ_FILE, 2)],
        },
      ],
    },
    {
      name: 'reversed by the acquirer too, fee returned',
      acquirer: (s: Scenario) => {
        settled(s);
        s.acq({ at: '2026-11-20 19:03:11', txnType: 'reversal', amountMinor: 12_900, reference: '632019000001', originalTrace: '000901' });
      },
      expected: [],
    },
    {
      name: 'reversed by the acquirer, fee kept',
      acquirer: (s: Scenario) => {
        settled(s);
        s.acq({ at: '2026-11-20 19:03:11', txnType: 'reversal', amountMinor: 12_900, feeMinor: 0, reference: '632019000001', originalTrace: '000901' });
      },
      expected: [{ severity: 'medium', actualMinor: 77, differenceMinor: 77 }],
    },
    { name: 'never sent for settlement', acquirer: () => undefined, expected: [] },
  ])('$name', ({ acquirer, expected }) => {
    const s = scenario();
    reversed(s, acquirer);
    const { findings } = s.run(reversalStillSettled);
    expect(findings).toMatchObject(expected);
    if (expected[0]?.severity === 'critical') expect(findings[0]?.message).toContain('在收银端冲正，但收单机构仍在 2026-11-20 清算了该笔交易');
  });

  it('leaves a void to void-still-settled', () => {
    const s = scenario();
    s.posRec({ at: '2026-11-20 19:02', amountMinor: 12_900, reference: '632019000001' });
    s.posRec({ at: '2026-11-20 19:05', txnType: 'void', amountMinor: 12_900, originalReference: '632019000001' });
    settled(s);
    s.acq({ at: '2026-11-23 08:00', amountMinor: 500 });
    expect(s.run(reversalStillSettled).findings).toEqual([]);
  });
});
