// A progress bar for long runs (cli-progress), shown only on a TTY; a no-op otherwise so CI logs
// stay clean. The runner calls createProgress once per run and update() as operations complete.

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** The CLI passes `stream.isTTY && !quiet` (it alone looks at the terminal); false gives a no-op. */
  enabled: boolean;
  label?: string;
  /** What total and update() count: operations (the default), or milliseconds of a time-limited run, shown as whole seconds. */
  unit?: 'ops' | 'ms';
  /** Where to draw. */
  stream: NodeJS.WriteStream;
}

const NOOP: Progress = { update() {}, stop() {} };

/** The line's width limit: the bar is sized so the whole line fits in 80 columns. */
export const PROGRESS_COLUMNS = 80;
/** Widest forms of the placeholders other than the bar: "100", an ETA like "1h23m" (cli-progress), the count. */
const ETA_WIDTH = 8;

function barSize(format: string, countWidth: number): number {
  const fixed = format
    .replace('{bar}', '')
    .replace('{percentage}', '100')
    .replace('{done}', '0'.repeat(countWidth))
    .replace('{eta_formatted}', '0'.repeat(ETA_WIDTH)).length;
  return Math.max(10, Math.min(40, PROGRESS_COLUMNS - 1 - fixed));
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream;
  if (!opts.enabled || !(opts.total > 0)) return NOOP;
  const ms = opts.unit === 'ms';
  const label = opts.label ?? (ms ? 'time' : 'ops');
  const count = (n: number) => (ms ? String(Math.round(n / 1000)) : String(Math.round(n)));
  const all = `${count(opts.total)}${ms ? ' s' : ''}`;
  const format = `${label} [{bar}] {percentage}% | {done}/${all} | {eta_formatted} left`;
  const bar = new cliProgress.SingleBar(
    {
      format,
      barsize: barSize(format, count(opts.total).length),
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 10,
      stream,
      // Whether to draw at all is the caller's decision (it asks the terminal), not cli-progress's.
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.total, 0, { done: count(0) });
  let stopped = false;
  return {
    update(done: number) {
      if (!stopped) {
        const v = Math.min(done, opts.total);
        bar.update(v, { done: count(v) });
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
