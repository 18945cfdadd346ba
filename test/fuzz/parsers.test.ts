import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARSERS } from '../../src/parsers/index.js';
import type { Parser } from '../../src/parsers/types.js';
import { admit, checkParse, isContainer, keep, runCase, SEEDS, sniffs } from './_harness.js';
import { mutate, mutation, type Mutation } from './_mutate.js';

/**
 * The fuzz harness: every registered parser (the PARSERS registry, so a parser is covered the day
 * it is registered) is fed random mutations of the real public samples and of a generated month,
 * and of every other format's files too (`FILE@FORMAT_ID` can hand any file to any parser). For
 * every case:
 * - the parser does not crash: it yields events, or throws the AuditError (INPUT_UNREADABLE,
 *   FORMAT_UNKNOWN) that the pipeline records as an unreadable file; any other exception would
 *   abort a whole run;
 * - it does not hang: the generator ends, with a bounded number of events, within HANG_MS;
 * - every amount is a safe integer of minor units (amountMinor, feeMinor, netMinor, each feeParts
 *   value, and the declared and computed figures of control checks);
 * - the row accounting balances: records + rejects + non-data lines = lines, with exactly one
 *   info event, last; every record and reject names the file and a line within it;
 * - no record carries a full card number.
 *
 * Each case goes the way a file goes through the pipeline: the preflight first (a case it refuses,
 * a binary head, a damaged spreadsheet container, never reaches a parser and is counted as
 * refused), then the parse.
 *
 * Spreadsheets and zips are fuzzed apart, fewer of them: each case that passes the container check
 * is opened in the spreadsheet sandbox, a child process (src/pipeline/preflight.ts), before every
 * parser gets it.
 *
 * FUZZ_RUNS sets the cases per parser (default 3000, `npm run fuzz` runs 20000), FUZZ_SEED
 * replays a run. A failure is shrunk, written to a temporary file and reported with its seed.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = process.env.FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED);
/** Each spreadsheet case costs a child process (the sandbox): a hundredth of the text cases. */
const CONTAINER_RUNS = Math.max(20, Math.round(RUNS / 100));

const TEXT = SEEDS.map((s, i) => [s, i] as const).filter(([s]) => !isContainer(s.bytes));
const CONTAINERS = SEEDS.map((s, i) => [s, i] as const).filter(([s]) => isContainer(s.bytes));

/** Shrinks, keeps and reports a failed run. */
function report(label: string, result: fc.RunDetails<[number, Mutation[]]>, parser: Parser | undefined): never {
  const [i, mutations] = result.counterexample!;
  const seed = SEEDS[i]!;
  const bytes = mutate(seed.bytes, mutations);
  const saved = keep(parser?.id ?? 'container', bytes);
  const error = result.errorInstance instanceof Error ? (result.errorInstance.stack ?? result.errorInstance.message) : String(result.errorInstance);
  return expect.fail(
    `fuzz ${label}: crash or broken invariant after ${result.numRuns} cases (FUZZ_SEED=${SEED} replays it; path ${result.counterexamplePath})\n` +
      `seed file: ${seed.name}\nmutations: ${JSON.stringify(mutations, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))}\n` +
      `input kept at ${saved}\n${error}`,
  );
}

describe(`fuzz: every registered parser, ${RUNS} mutated text files each, ${CONTAINER_RUNS} mutated spreadsheets and zips (seed ${SEED})`, () => {
  it('has seeds for the formats it can read', () => {
    expect(TEXT.length).toBeGreaterThan(30);
    expect(CONTAINERS.map(([s]) => s.name)).toEqual(expect.arrayContaining(['ccb-交易明细.xls', 'spdb-debit.xls', 'wechat-personal-records.xlsx']));
  });

  it.each(PARSERS.map((p) => [p.id, p] as const))('%s', (_id, parser) => {
    const own = TEXT.filter(([s]) => sniffs(parser, s)).map(([, i]) => i);
    const any = fc.constantFrom(...TEXT.map(([, i]) => i));
    // Its own files most of the time; any file some of the time (a forced format gets anything).
    const seedIndex = own.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...own) }, { weight: 1, arbitrary: any }) : any;
    const started = performance.now();
    let slowest = 0;
    let refused = 0;
    const result = fc.check(
      fc.property(seedIndex, fc.array(mutation, { maxLength: 6 }), (i: number, mutations: Mutation[]) => {
        const seed = SEEDS[i]!;
        const t = performance.now();
        const verdict = runCase(parser, seed, mutate(seed.bytes, mutations));
        slowest = Math.max(slowest, performance.now() - t);
        if ('refused' in verdict) refused++;
        if ('problem' in verdict) throw new Error(verdict.problem);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (result.failed) report(parser.id, result, parser);
    console.log(
      `fuzz ${parser.id}: ${result.numRuns} cases (${refused} refused by the preflight, as the pipeline would), ${own.length} own seeds of ` +
        `${TEXT.length}, 0 failures, ${((performance.now() - started) / 1000).toFixed(1)} s, slowest case ${Math.round(slowest)} ms (seed ${SEED})`,
    );
  });

  it('spreadsheets and zips, through the spreadsheet sandbox, then every parser', () => {
    const started = performance.now();
    let refused = 0;
    let parses = 0;
    const result = fc.check(
      fc.property(fc.constantFrom(...CONTAINERS.map(([, i]) => i)), fc.array(mutation, { maxLength: 4 }), (i: number, mutations: Mutation[]) => {
        const seed = SEEDS[i]!;
        const bytes = mutate(seed.bytes, mutations);
        if (admit(seed.name, bytes)) {
          refused++;
          return;
        }
        for (const parser of PARSERS) {
          parses++;
          const problem = checkParse(parser, seed, bytes);
          if (problem) throw new Error(`${parser.id}: ${problem}`);
        }
      }),
      { numRuns: CONTAINER_RUNS, seed: SEED },
    );
    if (result.failed) report('spreadsheets', result, undefined);
    console.log(
      `fuzz spreadsheets and zips: ${result.numRuns} cases (${refused} refused by the preflight or the sandbox), ${parses} parses by ` +
        `${PARSERS.length} parsers, 0 failures, ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${SEED})`,
    );
  });
});
