import { describe, expect, it } from 'vitest';
import { voidStillSettled } from '../../src/rules/void-still-settled.js';
import { ACQ_FILE, POS_FILE, contract, ev, scenario, type Scenario } from './_fixtures.js';

/** Sale 88.00 元 at 12:30 (fee 53), voided at the POS at 12:34; the acquirer's files reach the next Monday. */
function voided(s: Scenario, acquirer: (s: Scenario) => void) {
  s.posRec({ at: '2026-11-20 12:30:05', amountMinor: 8_800, reference: '632012000001', trace: '000777' });
  s.posRec({ at: '2026-11-20 12:34', txnType: 'void', amountMinor: 8_800, reference: '632012000002', originalReference: '632012000001' });
  acquirer(s);
  s.sale({ at: '2026-11-23 09:00', reference: '632309000001', amountMinor: 1_000 });
}

const settledSale = (s: Scenario) => s.acq({ at: '2026-11-20 12:30:05', amountMinor: 8_800, reference: '632012000001', trace: '000777' });

describe('void-still-settled', () => {
  it('reports a sale voided at the POS that the acquirer settled anyway as critical', () => {
    const s = scenario();
    voided(s, settledSale);
    const { findings } = s.run(voidStillSettled);
    expect(findings).toMatchObject([
      {
        rule: 'void-still-settled',
        severity: 'critical',
        terminalId: '10078087',
        reference: '632012000001',
        txnTime: '2026-11-20T12:30:05+08:00',
        amountMinor: 8_800,
        expectedMinor: 0,
        actualMinor: 8_800,
        differenceMinor: 8_800,
        evidence: [...ev(POS_FILE, 3, 2), ...ev(ACQ_FILE, 2)],
      },
    ]);
    expect(findings[0]?.message).toBe(
      '2026-11-20 12:30 的销售 88.00 元（参考号 632012000001）已于 2026-11-20 12:34 在收银端撤销，但收单机构仍在 2026-11-20 清算了该笔交易，顾客仍被扣款 88.00 元。',
    );
  });

  it.each([
    { name: 'voided the same day and never sent for settlement', acquirer: () => undefined, expected: [] },
    {
      name: 'voided by the acquirer too, fee returned',
      acquirer: (s: Scenario) => {
        settledSale(s);
        s.acq({ at: '2026-11-20 12:34', txnType: 'void', amountMinor: 8_800, reference: '632012000002', originalReference: '632012000001' });
      },
      expected: [],
    },
    {
      name: 'voided by the acquirer, fee kept',
      acquirer: (s: Scenario) => {
        settledSale(s);
        s.acq({ at: '2026-11-20 12:34', txnType: 'void', amountMinor: 8_800, feeMinor: 0, reference: '632012000002', originalReference: '632012000001' });
      },
      expected: [{ severity: 'medium', actualMinor: 53, differenceMinor: 53, evidence: [...ev(POS_FILE, 3, 2), ...ev(ACQ_FILE, 2, 3)] }],
    },
    {
      name: 'voided by the acquirer, 1 fen of the fee kept',
      acquirer: (s: Scenario) => {
        settledSale(s);
        s.acq({ at: '2026-11-20 12:34', txnType: 'void', amountMinor: 8_800, feeMinor: -52, reference: '632012000002', originalReference: '632012000001' });
      },
      expected: [{ severity: 'medium', actualMinor: 1, differenceMinor: 1 }],
    },
    {
      name: 'refunded by the acquirer the next day, fee returned',
      acquirer: (s: Scenario) => {
        settledSale(s);
        s.acq({ at: '2026-11-21 10:00', txnType: 'refund', amountMinor: 8_800, reference: '632110000001', originalReference: '632012000001' });
      },
      expected: [],
    },
    {
      name: 'refunded by the acquirer in part only',
      acquirer: (s: Scenario) => {
        settledSale(s);
        s.acq({ at: '2026-11-21 10:00', txnType: 'refund', amountMinor: 8_000, reference: '632110000001', originalReference: '632012000001' });
      },
      expected: [{ severity: 'critical', amountMinor: 8_800, actualMinor: 800, differenceMinor: 800, evidence: [...ev(POS_FILE, 3, 2), ...ev(ACQ_FILE, 2, 3)] }],
    },
  ])('$name', ({ acquirer, expected }) => {
    const s = scenario();
    voided(s, acquirer);
    expect(s.run(voidStillSettled).findings).toMatchObject(expected);
  });

  it('lets the acquirer keep the fee where the contract allows it', () => {
    const s = scenario(contract({ merchant: { feeKeptOnVoid: true } }));
    voided(s, (t) => {
      settledSale(t);
      t.acq({ at: '2026-11-20 12:34', txnType: 'void', amountMinor: 8_800, feeMinor: 0, originalReference: '632012000001' });
    });
    expect(s.run(voidStillSettled).findings).toEqual([]);
  });

  it('waits while the acquirer files reach no day after the void (a void after the cut-off clears the next day)', () => {
    const s = scenario();
    s.posRec({ at: '2026-11-20 12:30', amountMinor: 8_800, reference: '632012000001' });
    s.posRec({ at: '2026-11-20 23:58', txnType: 'void', amountMinor: 8_800, originalReference: '632012000001' });
    settledSale(s);
    expect(s.run(voidStillSettled).findings).toEqual([]);
    s.acq({ at: '2026-11-21 08:00', reference: '632108000001', amountMinor: 500 });
    expect(s.run(voidStillSettled).findings).toMatchObject([{ severity: 'critical' }]);
  });

  it('leaves a reversal to reversal-still-settled', () => {
    const s = scenario();
    s.posRec({ at: '2026-11-20 12:30', amountMinor: 8_800, reference: '632012000001' });
    s.posRec({ at: '2026-11-20 12:31', txnType: 'reversal', amountMinor: 8_800, reference: '632012000001' });
    settledSale(s);
    s.acq({ at: '2026-11-23 08:00', amountMinor: 500 });
    expect(s.run(voidStillSettled).findings).toEqual([]);
  });

  it('keeps separate ids for the critical and the fee-kept finding of the same sale', () => {
    const critical = scenario();
    voided(critical, settledSale);
    const fee = scenario();
    voided(fee, (s) => {
      settledSale(s);
      s.acq({ at: '2026-11-21 10:00', txnType: 'void', amountMinor: 8_800, feeMinor: 0, originalReference: '632012000001' });
    });
    expect(critical.run(voidStillSettled).findings[0]?.id).not.toBe(fee.run(voidStillSettled).findings[0]?.id);
  });
});
