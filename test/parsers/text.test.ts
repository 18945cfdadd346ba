import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ownValue, parseLocalDateTime } from '../../src/parsers/_text.js';

/** What Luxon itself says for a local time in a zone: parseLocalDateTime's cached offsets must agree. */
function luxon(text: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text)!;
  const dt = DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]! }, { zone });
  return dt.isValid ? dt.toISO({ suppressMilliseconds: true }) : null;
}

describe('parseLocalDateTime', () => {
  it.each([
    ['2026-11-20 10:11:12', 'Asia/Shanghai', '2026-11-20T10:11:12+08:00'],
    ['2026/1/5 9:05', 'Asia/Shanghai', '2026-01-05T09:05:00+08:00'],
    ['20261120101112', 'Asia/Shanghai', '2026-11-20T10:11:12+08:00'],
    ['2026年11月20日 10:11', 'Asia/Shanghai', '2026-11-20T10:11:00+08:00'],
    ['2026-11-20 24:00', 'Asia/Shanghai', '2026-11-21T00:00:00+08:00'],
    ['2026-02-30 10:00:00', 'Asia/Shanghai', null],
    ['2026-11-20 10:11:12', 'UTC', '2026-11-20T10:11:12Z'],
  ])('%s in %s', (text, zone, iso) => expect(parseLocalDateTime(text, zone)).toBe(iso));

  it('refuses impossible dates even when a valid neighbour was cached first', () => {
    // Offsets are cached by a numeric key of the local quarter hour: day 33 of October must not
    // reuse 1 November's entry, nor hour 24 the next day's.
    expect(parseLocalDateTime('2026-11-01 10:00:00', 'Asia/Shanghai')).toBe('2026-11-01T10:00:00+08:00');
    expect(parseLocalDateTime('2026-10-33 10:00:00', 'Asia/Shanghai')).toBeNull();
    expect(parseLocalDateTime('2026-13-01 10:00:00', 'Asia/Shanghai')).toBeNull();
    expect(parseLocalDateTime('2026-10-01 10:60:00', 'Asia/Shanghai')).toBeNull();
    expect(parseLocalDateTime('2026-10-0a 10:00:00', 'Asia/Shanghai')).toBeNull();
    expect(parseLocalDateTime(' 2026-10-01 10:00:00 ', 'Asia/Shanghai')).toBe('2026-10-01T10:00:00+08:00');
  });

  it.each(['Europe/Amsterdam', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'])(
    'agrees with Luxon minute by minute across the daylight-saving changes of %s',
    (zone) => {
      const days = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01'];
      let checked = 0;
      for (const day of days) {
        for (let minute = 0; minute < 24 * 60; minute += 7) {
          const text = `${day} ${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
          expect(parseLocalDateTime(text, zone), text).toBe(luxon(text, zone));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(1000);
    },
  );
});

describe('ownValue', () => {
  it('finds what a table holds, and nothing for a name Object.prototype has', () => {
    const table: Record<string, string> = { SUCCESS: 'sale' };
    expect(ownValue(table, 'SUCCESS')).toBe('sale');
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) expect(ownValue(table, name)).toBeUndefined();
  });
});
