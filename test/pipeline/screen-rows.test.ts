import { describe, expect, it } from 'vitest';
import { parseAmount } from '../../src/model/money.js';
import { parseLocalDateTime } from '../../src/parsers/_text.js';
import { LocalTimes, cutLine, keyOf, pairKey, plainAmount, wordsOf } from '../../src/pipeline/bulk/_screen-rows.js';
import { CUT_ALPHABET, everyLine } from '../_lines.js';

/**
 * The screen's byte-level readings must agree with the parser's own functions wherever the screen
 * reads a cell at all, and keys must keep apart exactly the texts that differ.
 */

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('plainAmount', () => {
  it.each(['0', '1', '0.5', '219.78', '12.3', '100.', '000123.40', '9007199254740.99', '1234567890123.45'])('reads %s as parseAmount does', (text) => {
    const parsed = parseAmount(text);
    expect(parsed.ok).toBe(true);
    expect(plainAmount(bytes(text), 0, text.length)).toBe(parsed.ok ? parsed.minor : NaN);
  });

  // Some of these the parser reads (a sign, padding, 16 digits): the screen leaves them to it.
  it.each(['', '-1.00', '+1.00', '1,234.00', ' 1.00', '1.00 ', '1.234', '.5', '¥1.00', '1e3', '90071992547409.91', '99999999999999', '9999999999999999'])('leaves %j to the parser', (text) => {
    expect(plainAmount(bytes(text), 0, text.length)).toBe(-1);
  });
});

describe('keyOf and pairKey', () => {
  const key = (text: string) => keyOf(bytes(text), 0, text.length);

  it('tells apart texts that differ, leading zeros included, and joins none that differ', () => {
    const texts = ['12', '012', '0012', '123456789012', '0123456789012', '12345678901234', '123456789012345', 'A1', 'a1', '1A'];
    const keys = texts.map(key);
    expect(new Set(keys).size).toBe(texts.length);
    expect(key('012')).toBe(key('012'));
    expect([key('12'), key('---'), key('-1'), key('123456789012345'), key('12A')]).toEqual([2e14 + 12, '---', '-1', '123456789012345', '12A']);
  });

  it('has no key for an empty, padded, dashed or piped cell', () => {
    for (const text of ['', ' 12', '12 ', '-', '--', '1|2', '`12', '=12']) expect(key(text), text).toBeUndefined();
  });

  it('keeps pairs apart however their texts split', () => {
    const pairs: [string, string][] = [
      ['1', '23'],
      ['12', '3'],
      ['01', '23'],
      ['1', '023'],
      ['1234567', '1'],
      ['12345678', '1'],
      ['1', '12345678'],
      ['A', '1'],
      ['1', 'A'],
      ['123456', '000001'],
      ['123456', '00001'],
    ];
    const keys = pairs.map(([b, t]) => pairKey(key(b)!, key(t)!));
    expect(new Set(keys).size).toBe(pairs.length);
    expect(pairKey(key('100101')!, key('000002')!)).toBe(pairKey(key('100101')!, key('000002')!));
    expect(typeof pairKey(key('100101')!, key('000002')!)).toBe('number');
  });
});

describe('LocalTimes', () => {
  it.each([
    ['Asia/Shanghai', '2026-10-01', '08:00:00', 'read'],
    ['Asia/Shanghai', '2024-02-29', '23:59:59', 'read'],
    ['Asia/Shanghai', '2026-02-29', '12:00:00', 'left'],
    ['Asia/Shanghai', '2026-10-32', '12:00:00', 'left'],
    ['Asia/Shanghai', '2026-10-01', '24:00:00', 'left'],
    ['Asia/Shanghai', '2026-10-01', '08:60:00', 'left'],
    // Times the clocks skip (the parser moves them), and one they pass twice (kept as written).
    ['Europe/Berlin', '2026-03-29', '02:30:00', 'left'],
    ['America/New_York', '2026-03-08', '02:15:00', 'left'],
    ['Europe/Berlin', '2026-10-25', '02:30:00', 'read'],
  ])('in %s, %s %s: %s, as the parser keeps it as written or not', (zone, date, time, expected) => {
    const text = `${date} ${time}`;
    const read = new LocalTimes(zone).dateTime(bytes(text), 0, text.length);
    const kept = parseLocalDateTime(text, zone)?.startsWith(`${date}T${time}`) === true;
    expect(read === null ? 'left' : 'read').toBe(expected);
    expect(read !== null).toBe(kept);
    if (read !== null) expect(read).toBe(date);
  });
});

describe('cutLine', () => {
  const cut = (line: string, cells: number) => {
    const bounds = new Int32Array(2 * cells);
    const buf = bytes(line);
    return cutLine(buf, wordsOf(buf), 0, buf.length, 0x2c, cells, bounds) ? [...Array(cells).keys()].map((i) => line.slice(bounds[2 * i], bounds[2 * i + 1])) : null;
  };

  /** What cutting should give: the line split at each comma, or null where cutLine leaves the line to the parser. */
  const expected = (line: string, cells: number): string[] | null => {
    const parts = line.split(',');
    return line === '' || !/^[0-9A-Za-z]/.test(line) || line.includes('"') || parts.length !== cells ? null : parts;
  };

  it('cuts a line into exactly its cells', () => {
    expect(cut('a,,b,c', 4)).toEqual(['a', '', 'b', 'c']);
    expect(cut('1,2,3,', 4)).toEqual(['1', '2', '3', '']);
  });

  it('leaves to the parser lines with another number of cells, a quote, or a first byte no data row has', () => {
    expect(cut('a,b,c', 4)).toBeNull();
    expect(cut('a,b,c,d,', 4)).toBeNull();
    expect(cut('a,"b",c,d', 4)).toBeNull();
    expect(cut(' a,b,c,d', 4)).toBeNull();
    expect(cut('', 1)).toBeNull();
  });

  it('cuts the same wherever the line lies in memory and wherever its commas and quotes fall in a word', () => {
    // Every line of up to 5 bytes over a, comma, quote and a GBK byte pair's bytes (0xB0 0xA1 as
    // latin1), at each of the four offsets from a word, with bytes around it that must not count.
    const lines = everyLine(CUT_ALPHABET, 5);
    lines.push('1,2,3,4,5,6,7,8,9', '12345678,9', '1234567,,,', 'a"aaaaaaaaaa', 'aaaaaaaa,aaaa"');
    let compared = 0;
    const wrong: string[] = [];
    for (const line of lines) {
      for (let offset = 0; offset < 4; offset++) {
        for (const around of [',', '"', 'x']) {
          const text = around.repeat(offset) + line + around.repeat(4);
          const buf = Buffer.from(text, 'latin1');
          for (const cells of [1, 2, 3, 9]) {
            const bounds = new Int32Array(2 * cells);
            const ok = cutLine(buf, wordsOf(buf), offset, offset + line.length, 0x2c, cells, bounds);
            const got = ok ? [...Array(cells).keys()].map((i) => text.slice(bounds[2 * i], bounds[2 * i + 1])) : null;
            if (JSON.stringify(got) !== JSON.stringify(expected(line, cells))) wrong.push(`${JSON.stringify(line)} at ${offset}, ${cells} cells: ${JSON.stringify(got)}`);
            compared++;
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(compared).toBeGreaterThan(100_000);
  });

  it('reads the last bytes of memory that make no whole word, and a buffer that starts within a word', () => {
    // Seven bytes of memory: its last three are no whole word.
    const memory = Buffer.from(new ArrayBuffer(7));
    memory.write('xxa,b,c', 'latin1');
    const line = memory.subarray(2);
    expect(line.byteOffset % 4).toBe(2);
    const bounds = new Int32Array(6);
    expect(cutLine(line, wordsOf(line), 0, line.length, 0x2c, 3, bounds)).toBe(true);
    expect([...bounds]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(cutLine(line, wordsOf(line), 0, line.length, 0x2c, 2, bounds)).toBe(false);
  });
});
