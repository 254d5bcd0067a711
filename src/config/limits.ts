// The range of every knob (DESIGN principle 7: limits on everything), in one place for the
// schemas, the flags and docs/knobs.md. Durations are milliseconds.

const SECOND = 1000;
const HOUR = 3_600_000;

/** The longest run, schedule offset or fault replcheck accepts: 1,000,000 s (about 11.5 days). */
export const MAX_RUN_MS = 1_000_000 * SECOND;

export const LIMITS = {
  workload: {
    keys: { min: 1, max: 1_000_000 },
    ops: { min: 0, max: 100_000_000 },
    /** 0 = no time limit; otherwise at least 1 ms. */
    timeLimitMs: { min: 1, max: MAX_RUN_MS },
    concurrency: { min: 1, max: 10_000 },
    sessionsPerUser: { min: 1, max: 10_000 },
    thinkMs: { min: 0, max: HOUR },
    mixWeight: { min: 0, max: 1_000_000 },
    maxAppendsPerKey: { min: 0, max: 1_000_000 },
  },
  design: {
    nodes: { min: 1, max: 64 },
    quorum: { min: 1, max: 64 },
    maxLagMs: { min: 0, max: HOUR },
    leaderWindowMs: { min: 0, max: HOUR },
    datacenters: { min: 1, max: 64 },
    failoverTimeoutMs: { min: 10, max: HOUR },
    lagMs: { min: 0, max: HOUR },
    latencyMs: { min: 0, max: HOUR },
    clientTimeoutMs: { min: 1, max: HOUR },
    settleMs: { min: 0, max: HOUR },
    /** log: trigger: the capture process's period, changes per read, key patterns (count and length). */
    triggerBatchMs: { min: 1, max: HOUR },
    triggerBatchSize: { min: 1, max: 512 },
    triggerKeys: { min: 1, max: 100 },
    triggerPatternLength: { min: 1, max: 100 },
  },
  nemesis: {
    /** `every` and `strobe.period`: below 1 ms a schedule floods the history. */
    periodMs: { min: 1, max: MAX_RUN_MS },
    atMs: { min: 0, max: MAX_RUN_MS },
    durationMs: { min: 0, max: MAX_RUN_MS },
    restartAfterMs: { min: 0, max: MAX_RUN_MS },
    offsetMs: { min: -24 * HOUR, max: 24 * HOUR },
    entries: { min: 0, max: 1000 },
  },
  /** `checkers:` list length. */
  checkers: { min: 0, max: 100 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** `--time-limit`, seconds. */
  timeLimitSeconds: { min: 0.001, max: 1_000_000 },
} as const;

/** 3600000 -> "1h", 1e9 -> "1000000s", 10 -> "10ms", 0 -> "0". */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % SECOND === 0) return `${ms / SECOND}s`;
  return `${ms}ms`;
}
