// Shrinking a memory-target run's configuration for one checker: a greedy delta-debugging loop
// over the dimensions of the test — fewer ops (or less time), clients, sessions per user, keys,
// nodes (where the design allows), fewer and shorter faults — each candidate replayed in-process
// on virtual time with the same seed, kept only if that checker still fails and the history is no
// longer. Every candidate goes through config.yaml and back (configToYaml, loadRunConfig), so the
// result is a valid configuration whose config.yaml repeats it exactly.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, Checker } from '../checkers/types.js';
import { configToYaml } from '../config/dump.js';
import { loadRunConfig } from '../config/load.js';
import type { DesignConfig, FaultSpec, RunConfig } from '../config/types.js';
import { isUserError } from '../errors.js';
import { executeRun } from '../runner/execute.js';
import { Budget, checkOne, type ShrinkOptions, type StopReason } from './search.js';

/** The sizes a shrink reports, before and after. */
export interface ConfigSizes {
  events: number;
  ops: number;
  timeLimitMs: number;
  concurrency: number;
  sessionsPerUser: number;
  keys: number;
  nodes: number;
  faults: number;
}

export interface ConfigShrink {
  /** The smallest failing configuration found (as loaded back from its YAML). */
  config: RunConfig;
  result: CheckResult;
  before: ConfigSizes;
  after: ConfigSizes;
  tries: number;
  stoppedBy: StopReason;
}

interface State {
  config: RunConfig;
  events: number;
  result: CheckResult;
}

/** One integer of the configuration the search may lower. */
interface IntDim {
  get(c: RunConfig): number;
  set(c: RunConfig, v: number): RunConfig;
  /** The least value worth trying (undefined: the dimension does not apply to this config). */
  min(c: RunConfig): number | undefined;
}

const design = (c: RunConfig): DesignConfig | undefined => (c.target.type === 'memory' ? c.target : undefined);
const withWorkload = (c: RunConfig, k: 'ops' | 'timeLimitMs' | 'concurrency' | 'keys' | 'sessionsPerUser', v: number): RunConfig => ({ ...c, workload: { ...c.workload, [k]: v } });
const withFault = (c: RunConfig, i: number, f: FaultSpec | undefined): RunConfig => {
  const schedule = c.nemesis.schedule.slice();
  if (f === undefined) schedule.splice(i, 1);
  else schedule[i] = f;
  return { ...c, nemesis: { ...c.nemesis, schedule } };
};

function workloadDim(k: 'ops' | 'timeLimitMs' | 'concurrency' | 'keys' | 'sessionsPerUser'): IntDim {
  // ops and timeLimitMs: 0 means "no limit", which is not a smaller run.
  const zeroIsNone = k === 'ops' || k === 'timeLimitMs';
  return { get: (c) => c.workload[k], set: (c, v) => withWorkload(c, k, v), min: (c) => (zeroIsNone && c.workload[k] === 0 ? undefined : 1) };
}

/** Fewer nodes: not with datacenters (they list their nodes); leaderless keeps at least quorum n. */
const nodesDim: IntDim = {
  get: (c) => design(c)?.nodes ?? 0,
  set: (c, v) => ({ ...c, target: { ...design(c)!, nodes: v } }),
  min: (c) => {
    const d = design(c);
    if (!d || d.datacenters) return undefined;
    return d.topology === 'leaderless' ? d.quorum.n : 2;
  },
};

function faultDim(i: number, k: 'durationMs' | 'restartAfterMs'): IntDim {
  return {
    get: (c) => c.nemesis.schedule[i]?.[k] ?? 0,
    set: (c, v) => withFault(c, i, { ...c.nemesis.schedule[i], [k]: v }),
    min: (c) => (c.nemesis.schedule[i]?.[k] === undefined ? undefined : 1),
  };
}

const WORKLOAD_DIMS = [workloadDim('ops'), workloadDim('timeLimitMs'), workloadDim('concurrency'), workloadDim('sessionsPerUser'), workloadDim('keys'), nodesDim];

export function configSizes(c: RunConfig, events: number): ConfigSizes {
  const w = c.workload;
  return { events, ops: w.ops, timeLimitMs: w.timeLimitMs, concurrency: w.concurrency, sessionsPerUser: w.sessionsPerUser, keys: w.keys, nodes: design(c)?.nodes ?? 0, faults: c.nemesis.schedule.length };
}

/** Replays configurations in-process: through YAML and back, then on the simulator, then the checker. */
class Replayer {
  private readonly dir = mkdtempSync(join(tmpdir(), 'replcheck-shrink-'));

  constructor(private readonly checker: Checker) {}

  /** The candidate's state when it is valid and the checker fails on its history, else undefined. */
  async failing(c: RunConfig): Promise<State | undefined> {
    const file = join(this.dir, 'config.yaml');
    let config: RunConfig;
    try {
      writeFileSync(file, configToYaml(c));
      config = loadRunConfig({ config: file }).config;
      const ex = await executeRun(config, { historyPath: join(this.dir, 'history.jsonl') });
      await ex.durable;
      if (!ex.history) return undefined;
      const result = await checkOne(this.checker, ex.history);
      return result?.valid === false ? { config, events: ex.history.eventCount, result } : undefined;
    } catch (e) {
      if (isUserError(e)) return undefined; // not a valid configuration (or fault schedule) for this design
      throw e;
    }
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The greedy loop's moves on one state; each returns whether it made the state smaller. */
class Search {
  constructor(
    public state: State,
    private readonly replay: Replayer,
    private readonly budget: Budget,
  ) {}

  /** Keeps a candidate that still fails with a history no longer than the current one. */
  async accept(c: RunConfig): Promise<boolean> {
    if (!this.budget.spend()) return false;
    const s = await this.replay.failing(c);
    if (!s || s.events > this.state.events) return false;
    this.state = s;
    return true;
  }

  /** The least failing value of a dimension: its minimum first, then a binary search below the current value. */
  async lower(dim: IntDim): Promise<boolean> {
    const start = dim.get(this.state.config);
    const min = dim.min(this.state.config);
    if (min === undefined || start <= min) return false;
    if (await this.accept(dim.set(this.state.config, min))) return true;
    let lo = min + 1;
    let hi = start;
    while (lo < hi && !this.budget.spent) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (await this.accept(dim.set(this.state.config, mid))) hi = mid;
      else lo = mid + 1;
    }
    return dim.get(this.state.config) < start;
  }

  /** Fewer faults (drop an entry; a repeating one made a single shot), then shorter ones. Last entry first. */
  async faults(): Promise<boolean> {
    let changed = false;
    for (let i = this.state.config.nemesis.schedule.length - 1; i >= 0 && !this.budget.spent; i--) {
      if (await this.accept(withFault(this.state.config, i, undefined))) {
        changed = true;
        continue;
      }
      const f = this.state.config.nemesis.schedule[i];
      if (f.everyMs !== undefined) {
        const { everyMs, ...once } = f;
        if (await this.accept(withFault(this.state.config, i, { ...once, atMs: f.atMs ?? everyMs }))) changed = true;
      }
      for (const k of ['durationMs', 'restartAfterMs'] as const) if (await this.lower(faultDim(i, k))) changed = true;
    }
    return changed;
  }
}

/**
 * The smallest configuration found that still fails `checker` (the seed is never changed). Throws
 * a plain Error when the input itself does not fail on replay (the caller says why).
 */
export async function shrinkConfig(input: RunConfig, checker: Checker, opts: ShrinkOptions = {}): Promise<ConfigShrink> {
  const budget = new Budget(opts);
  const replay = new Replayer(checker);
  try {
    budget.spend();
    const first = await replay.failing(input);
    if (!first) throw new Error(`replaying the configuration does not fail ${checker.name}`);
    const search = new Search(first, replay, budget);
    for (let changed = true; changed && !budget.spent; ) {
      changed = false;
      for (const dim of WORKLOAD_DIMS) if (await search.lower(dim)) changed = true;
      if (await search.faults()) changed = true;
    }
    const s = search.state;
    return { config: s.config, result: s.result, before: configSizes(first.config, first.events), after: configSizes(s.config, s.events), tries: budget.used, stoppedBy: budget.reason };
  } finally {
    replay.close();
  }
}
