import cliProgress from 'cli-progress';

/**
 * Progress of a long run on stderr (DESIGN.md section 2: progress to stderr, results to files):
 * bytes read, rows, rate and ETA on one redrawn line. Quiet when stderr is not a terminal (a
 * cron job's log gets no bar noise) and when SETTLE_AUDIT_PROGRESS=0.
 */
export interface Progress {
  /** Adds work done: bytes of input and rows, in the named stage. */
  advance(stage: string, bytes: number, rows: number): void;
  stop(): void;
}

const quiet: Progress = { advance: () => undefined, stop: () => undefined };

/** Bars are drawn on a terminal only, and not when SETTLE_AUDIT_PROGRESS=0. */
const shown = (stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv) => stream.isTTY === true && env.SETTLE_AUDIT_PROGRESS !== '0';

/** One redrawn line: the stage, the bar and its percentage, then `figures`; the ETA over the last `etaBuffer` updates. */
function singleBar(stream: NodeJS.WriteStream, figures: string, etaBuffer: number) {
  return new cliProgress.SingleBar({
    stream,
    format: `{stage} [{bar}] {percentage}% | ${figures}`,
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer,
    fps: 5,
  });
}

const mib = (n: number) => (n / (1024 * 1024)).toFixed(0);
const count = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n));

/**
 * A progress bar over `totalBytes` of work (the bulk path counts each input byte twice: once when
 * partitioned, once when audited). Returns a silent one when there is no terminal to draw on.
 */
export function progressBar(totalBytes: number, stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Progress {
  if (!shown(stream, env) || totalBytes <= 0) return quiet;
  const bar = singleBar(stream, '{done}/{all} MiB | {rows} rows | {rate} MiB/s | ETA {eta_formatted}', 20);
  const started = performance.now();
  let done = 0;
  let rows = 0;
  bar.start(totalBytes, 0, { stage: 'reading'.padEnd(12), done: '0', all: mib(totalBytes), rows: '0', rate: '0' });
  return {
    advance(stage, bytes, moreRows) {
      done += bytes;
      rows += moreRows;
      const seconds = (performance.now() - started) / 1000;
      bar.update(Math.min(done, totalBytes), {
        stage: stage.padEnd(12),
        done: mib(done),
        all: mib(totalBytes),
        rows: count(rows),
        rate: seconds > 0 ? mib(done / seconds) : '0',
      });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Progress through a known number of items (the PDF reports), when the bar over bytes has ended. */
export interface Counter {
  /** One more item done. */
  tick(): void;
  stop(): void;
}

const quietCounter: Counter = { tick: () => undefined, stop: () => undefined };

/**
 * A bar over `total` items named `label`: the reports of a run with a thousand merchants take
 * seconds after the input is read, and a bar that ended then would leave the terminal silent.
 * Quiet as progressBar is.
 */
export function progressCounter(label: string, total: number, stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Counter {
  if (!shown(stream, env) || total <= 0) return quietCounter;
  const bar = singleBar(stream, '{value}/{total} | ETA {eta_formatted}', 50);
  bar.start(total, 0, { stage: label.padEnd(12) });
  return {
    tick: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
