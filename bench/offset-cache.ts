import { IANAZone } from 'luxon';

/**
 * A what-if for the benchmark, never loaded by the product: `node --import dist/bench/offset-cache.js`
 * memoises Luxon's IANA-zone offset lookup, which costs an Intl.DateTimeFormat.formatToParts call
 * (~15 µs) on every parseLocalDateTime and is half of the parse stage's time (BENCHMARKS.md). It
 * shows what the same cache inside src/parsers/_text.ts would buy.
 *
 * Exact for real zones: the offset is looked up at both ends of a 15-minute window and cached only
 * when they agree; tzdb has no zone whose offset changes twice within 15 minutes.
 */
const WINDOW_MS = 15 * 60 * 1000;

const zone = IANAZone.create(process.env.SETTLE_AUDIT_ZONE ?? 'Asia/Shanghai') as IANAZone & { offset(ts: number): number };
const exact = zone.offset.bind(zone);
const cache = new Map<number, number>();
zone.offset = (ts: number): number => {
  const window = Math.floor(ts / WINDOW_MS);
  let offset = cache.get(window);
  if (offset === undefined) {
    const start = exact(window * WINDOW_MS);
    if (start !== exact(window * WINDOW_MS + WINDOW_MS - 1)) return exact(ts);
    offset = start;
    cache.set(window, offset);
  }
  return offset;
};
