/**
 * Progress on stderr (DESIGN.md section 2): a bar on a terminal, nothing in a cron job's log.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar, progressCounter } from '../../src/pipeline/progress.js';

/** A stream that keeps what is written to it, a terminal or not. */
function capture(isTTY: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 120;
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('progress on stderr', () => {
  it('draws the reading bar with its stage, MiB and rows on a terminal', () => {
    const out = capture(true);
    const bar = progressBar(4 * 1024 * 1024, out.stream, {});
    bar.advance('partitioning', 2 * 1024 * 1024, 20_000);
    bar.stop();
    expect(out.text()).toContain('reading');
    expect(out.text()).toMatch(/\/4 MiB/);
  });

  it('counts the reports on a terminal, up to the last one', () => {
    const out = capture(true);
    const counter = progressCounter('reports', 3, out.stream, {});
    counter.tick();
    counter.tick();
    counter.tick();
    counter.stop();
    expect(out.text()).toContain('reports');
    expect(out.text()).toContain('0/3');
    // The bar is drawn once more when it stops, before it is cleared.
    expect(out.text()).toContain('3/3');
  });

  it('writes nothing when stderr is not a terminal, or when SETTLE_AUDIT_PROGRESS=0', () => {
    for (const [isTTY, env] of [
      [false, {}],
      [true, { SETTLE_AUDIT_PROGRESS: '0' }],
    ] as const) {
      const out = capture(isTTY);
      const bar = progressBar(1024, out.stream, env);
      bar.advance('auditing', 1024, 10);
      bar.stop();
      const counter = progressCounter('reports', 2, out.stream, env);
      counter.tick();
      counter.stop();
      expect(out.text()).toBe('');
    }
  });
});
