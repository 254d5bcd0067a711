// A progress bar for long runs (cli-progress), shown only on a TTY; a no-op otherwise so CI logs
// stay clean. The runner calls createProgress once per run and update() as operations complete.

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** Callers pass `process.stdout.isTTY && !quiet`; false gives a no-op. */
  enabled: boolean;
  label?: string;
  /** Where to draw; default process.stdout. */
  stream?: NodeJS.WriteStream;
}

const NOOP: Progress = { update() {}, stop() {} };

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stdout;
  if (!opts.enabled || !stream.isTTY || !(opts.total > 0)) return NOOP;
  const label = opts.label ?? 'ops';
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 10,
      stream,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.total, 0);
  let stopped = false;
  return {
    update(done: number) {
      if (!stopped) bar.update(Math.min(done, opts.total));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
