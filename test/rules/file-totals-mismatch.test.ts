import { describe, expect, it } from 'vitest';
import type { ControlCheck } from '../../src/model/records.js';
import { fileTotalsMismatch } from '../../src/rules/file-totals-mismatch.js';
import { scenario } from './_fixtures.js';

const check = (o: Partial<ControlCheck> = {}): ControlCheck => ({
  file: 'in/802310048993424_20261120.zip!INN26112088ZM_898310048990001',
  line: 212,
  name: '交易总金额',
  currency: 'CNY',
  declared: 1_234_500,
  computed: 1_234_500,
  ...o,
});

describe('file-totals-mismatch', () => {
  it.each([
    { name: 'totals that agree', c: check(), expected: [] },
    {
      name: 'a money total 0.01 元 off',
      c: check({ computed: 1_234_499 }),
      expected: [{ expectedMinor: 1_234_500, actualMinor: 1_234_499, differenceMinor: 1, text: '「交易总金额」为 12345.00，而逐行合计为 12344.99' }],
    },
    {
      name: 'a row count one off (no amounts)',
      c: check({ name: '交易笔数', unit: 'count', declared: 210, computed: 209 }),
      expected: [{ expectedMinor: undefined, actualMinor: undefined, differenceMinor: undefined, text: '「交易笔数」为 210，而逐行合计为 209' }],
    },
  ])('$name', ({ c, expected }) => {
    const findings = scenario().runAll(fileTotalsMismatch, {
      checks: [c],
      fileMerchant: { [c.file]: '898310048990001' },
    });
    expect(findings).toHaveLength(expected.length);
    for (const [i, e] of expected.entries()) {
      const f = findings[i];
      expect(f).toMatchObject({
        rule: 'file-totals-mismatch',
        severity: 'high',
        merchantId: '898310048990001',
        currency: 'CNY',
        evidence: [{ file: c.file, line: 212 }],
      });
      expect([f?.expectedMinor, f?.actualMinor, f?.differenceMinor]).toEqual([e.expectedMinor, e.actualMinor, e.differenceMinor]);
      expect(f?.message).toBe(`${c.file} 第 212 行的${e.text}。`);
    }
  });

  it('names no merchant when the file belongs to none it knows', () => {
    expect(scenario().runAll(fileTotalsMismatch, { checks: [check({ computed: 0 })] })).toMatchObject([{ merchantId: '' }]);
  });

  it("keeps the same id when the file moves to another folder or archive, and tells two files' mismatches apart", () => {
    const id = (file: string) => scenario().runAll(fileTotalsMismatch, { checks: [check({ file, computed: 0 })] })[0]?.id;
    const a = id('inbox/x.zip!INN26112088ZM_898310048990001');
    expect(id('archive/2026-11-20/y.zip!INN26112088ZM_898310048990001')).toBe(a);
    expect(id('INN26112088ZM_898310048990001')).toBe(a);
    expect(id('inbox/x.zip!INN26112188ZM_898310048990001')).not.toBe(a);
  });
});
