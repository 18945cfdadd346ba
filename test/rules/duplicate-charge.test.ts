import { describe, expect, it } from 'vitest';
import { duplicateCharge } from '../../src/rules/duplicate-charge.js';
import { ACQ_FILE, POS_FILE, contract, ev, scenario, type Scenario } from './_fixtures.js';

const CARD = '622202******3334';

describe('duplicate-charge: the exact kind (same RRN and date, or same terminal, batch and trace)', () => {
  it('reports the second charge of an RRN on the same clearing date as critical', () => {
    const s = scenario();
    s.sale({ at: '2026-11-20 10:11:12', reference: '632010000001', amountMinor: 38_800 });
    s.acq({ at: '2026-11-20 10:11:12', reference: '632010000001', amountMinor: 38_800 });
    const { findings } = s.run(duplicateCharge);
    expect(findings).toMatchObject([
      {
        rule: 'duplicate-charge',
        severity: 'critical',
        terminalId: '10078087',
        reference: '632010000001',
        txnTime: '2026-11-20T10:11:12+08:00',
        amountMinor: 38_800,
        expectedMinor: 0,
        actualMinor: 38_800,
        differenceMinor: 38_800,
        evidence: ev(ACQ_FILE, 2, 3),
      },
    ]);
    expect(findings[0]?.message).toBe('2026-11-20 10:11 的交易 388.00 元（参考号 632010000001）被重复清算：同一笔交易在 2026-11-20 又扣款 388.00 元。');
  });

  it.each([
    {
      name: 'same terminal, batch and trace under another RRN',
      build: (s: Scenario) => {
        s.acq({ reference: '632010000001', batch: '000012', trace: '000345' });
        s.acq({ reference: '632010000002', batch: '000012', trace: '000345' });
      },
      found: ['critical'],
    },
    {
      name: 'the same RRN on another clearing date (field 37 is unique within a day only)',
      build: (s: Scenario) => {
        s.acq({ at: '2026-11-20 10:11', reference: '632010000001' });
        s.acq({ at: '2026-11-21 10:11', reference: '632010000001' });
      },
      found: [],
    },
    {
      name: 'three copies: two duplicates',
      build: (s: Scenario) => {
        for (let i = 0; i < 3; i++) s.acq({ reference: '632010000001' });
      },
      found: ['critical', 'critical'],
    },
    {
      name: 'a copy the acquirer refunded in full',
      build: (s: Scenario) => {
        s.acq({ reference: '632010000001' });
        s.acq({ reference: '632010000001' });
        s.acq({ at: '2026-11-21 09:00', txnType: 'refund', reference: '632109000001', originalReference: '632010000001' });
      },
      found: [],
    },
    {
      name: 'a copy the acquirer voided',
      build: (s: Scenario) => {
        s.acq({ reference: '632010000001' });
        s.acq({ reference: '632010000001' });
        s.acq({ at: '2026-11-20 10:30', txnType: 'void', reference: '632010300001', originalReference: '632010000001' });
      },
      found: [],
    },
    {
      name: 'a copy the acquirer refunded only in part',
      build: (s: Scenario) => {
        s.acq({ reference: '632010000001' });
        s.acq({ reference: '632010000001' });
        s.acq({ at: '2026-11-21 09:00', txnType: 'refund', amountMinor: 5_000, reference: '632109000001', originalReference: '632010000001' });
      },
      found: ['critical'],
    },
  ])('$name', ({ build, found }) => {
    const s = scenario();
    build(s);
    const { findings } = s.run(duplicateCharge);
    expect(findings.map((f) => f.severity)).toEqual(found);
    expect(new Set(findings.map((f) => f.id)).size).toBe(found.length);
  });
});

describe('duplicate-charge: the near kind (same card, amount and terminal within the window, one POS sale)', () => {
  const twice = (s: Scenario, second: string, o: { card2?: string; posTwice?: boolean } = {}) => {
    s.sale({ at: '2026-11-20 10:11', reference: '632010000001', cardMasked: CARD, amountMinor: 25_600 });
    s.acq({ at: second, reference: '632010000002', cardMasked: o.card2 ?? CARD, amountMinor: 25_600 });
    if (o.posTwice) s.posRec({ at: second, reference: '632010000002', amountMinor: 25_600, cardLast4: '3334' });
  };

  it.each([
    { name: '3 minutes apart', second: '2026-11-20 10:14', found: true },
    { name: 'exactly 10 minutes apart (the window)', second: '2026-11-20 10:21', found: true },
    { name: '11 minutes apart', second: '2026-11-20 10:22', found: false },
  ])('$name', ({ second, found }) => {
    const s = scenario();
    twice(s, second);
    const { findings } = s.run(duplicateCharge);
    expect(findings).toMatchObject(
      found
        ? [
            {
              severity: 'high',
              reference: '632010000002',
              amountMinor: 25_600,
              differenceMinor: 25_600,
              evidence: [...ev(POS_FILE, 2), ...ev(ACQ_FILE, 2, 3)],
            },
          ]
        : [],
    );
    if (found) expect(findings[0]?.message).toContain('卡号尾号 3334 在终端 10078087 于 2026-11-20 10:11 和');
  });

  it.each([
    { name: 'another card', o: { card2: '622202******9999' } },
    { name: 'two sales in the POS journal (the customer bought twice)', o: { posTwice: true } },
  ])('is silent for $name', ({ o }) => {
    const s = scenario();
    twice(s, '2026-11-20 10:14', o);
    expect(s.run(duplicateCharge).findings).toEqual([]);
  });

  it('needs the POS journal to know the customer bought once', () => {
    const s = scenario();
    twice(s, '2026-11-20 10:14');
    expect(s.run(duplicateCharge, { roles: ['acquirer', 'bank'] }).findings).toEqual([]);
  });

  it('follows a configured window of 5 minutes', () => {
    const s = scenario(contract({ tolerances: { duplicateWindowMinutes: 5 } }));
    twice(s, '2026-11-20 10:16');
    expect(s.run(duplicateCharge).findings).toHaveLength(1);
    const t = scenario(contract({ tolerances: { duplicateWindowMinutes: 5 } }));
    twice(t, '2026-11-20 10:17');
    expect(t.run(duplicateCharge).findings).toEqual([]);
  });
});
