// The nemesis schedule interpreter (SPEC section 9), target-agnostic: it schedules faults on the
// Scheduler, applies them through the target's capabilities (validated against the schedule
// before the run), undoes them after their duration, records every action, and heals at the end.

import type { CrashKind, FaultSpec, NemesisConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Capabilities, NodeId, Scheduler, Target, Timer } from '../targets/types.js';
import { crashFor, requireCapabilities } from './capabilities.js';
import { partitionGroups } from './shapes.js';

const NS_PER_MS = 1_000_000;

export interface NemesisEnv {
  /** The target's node names. */
  nodes: NodeId[];
  /** The target's capabilities; the schedule was validated against them (validateSchedule). */
  faults: Partial<Capabilities>;
  scheduler: Scheduler;
  rng: Rng;
  /** Records one nemesis event (process "nemesis", type info) at the scheduler's current time. */
  record(f: string, value: Record<string, unknown>): void;
}

export interface Nemesis {
  /** Starts the schedule; times in it are relative to this moment. */
  start(): void;
  /** Cancels every pending fault and undo (does not heal). */
  stop(): void;
  /** Undoes every active fault: heals partitions, resumes paused and restarts killed nodes, resets clocks. */
  healAll(): void;
  /** Faults currently in effect (for tests). */
  active(): { killed: NodeId[]; paused: NodeId[]; skewed: NodeId[]; partitioned: boolean };
}

/**
 * Checks a schedule against the target before the run: every fault it needs is one of the
 * target's capabilities, and every node it names is one of the target's nodes.
 */
export function validateSchedule(cfg: NemesisConfig, target: Pick<Target, 'name' | 'nodes' | 'faults' | 'lacks'>): void {
  requireCapabilities(cfg, target.name, target.faults, target.lacks);
  const nodes = target.nodes();
  cfg.schedule.forEach((f, i) => {
    if (f.node !== undefined && f.node !== 'random' && f.node !== 'leader' && !nodes.includes(f.node)) {
      throw new UserError(`unknown node ${JSON.stringify(f.node)}; expected random, leader or one of ${nodes.join(', ')}`, {
        field: `nemesis ${cfg.name}: schedule[${i}].node`,
      });
    }
  });
}

export function createNemesis(cfg: NemesisConfig, env: NemesisEnv): Nemesis {
  const { scheduler, rng, record } = env;
  const faults = boundFaults(env.faults);
  const allNodes = env.nodes.slice();
  const timers = new Set<Timer>();
  const killed = new Set<NodeId>();
  const paused = new Set<NodeId>();
  const skewed = new Set<NodeId>();
  /** node -> the strobe timer flipping its clock */
  const strobes = new Map<NodeId, Timer>();
  let partitioned = false;
  let stopped = false;

  const later = (delayMs: number, fn: () => void): void => {
    const t = scheduler.after(Math.max(0, Math.round(delayMs * NS_PER_MS)), () => {
      timers.delete(t);
      if (!stopped) fn();
    });
    timers.add(t);
  };

  const liveLeader = (): NodeId | undefined => {
    const l = faults.leader?.();
    return l !== undefined && !killed.has(l) ? l : undefined;
  };

  /** The node a spec names among candidates, or undefined when none fits. */
  const chooseNode = (spec: FaultSpec, candidates: NodeId[]): NodeId | undefined => {
    const want = spec.node ?? 'random';
    if (want === 'leader') {
      const l = liveLeader();
      return l !== undefined && candidates.includes(l) ? l : undefined;
    }
    if (want === 'random') return candidates.length ? rng.pick(candidates) : undefined;
    return candidates.includes(want) ? want : undefined;
  };

  const restart = (n: NodeId): void => {
    if (!killed.has(n)) return;
    killed.delete(n);
    faults.restart(n);
    record('restart', { node: n });
  };
  const resume = (n: NodeId): void => {
    if (!paused.has(n)) return;
    paused.delete(n);
    faults.resume(n);
    record('resume', { node: n });
  };
  const resetClock = (n: NodeId): void => {
    const s = strobes.get(n);
    if (s) {
      s.cancel();
      strobes.delete(n);
    }
    if (!skewed.has(n)) return;
    skewed.delete(n);
    faults.skewClock(n, 0);
    record('reset-clock', { node: n });
  };
  const healPartition = (): void => {
    if (!partitioned) return;
    partitioned = false;
    faults.heal();
    record('heal', { partition: 'healed' });
  };

  const healAll = (): void => {
    healPartition();
    for (const n of [...paused]) resume(n);
    for (const n of [...killed]) restart(n);
    for (const n of [...new Set([...skewed, ...strobes.keys()])]) resetClock(n);
  };

  const apply = (spec: FaultSpec): void => {
    const nodes = allNodes;
    switch (spec.fault) {
      case 'kill':
      case 'kill-leader': {
        const live = nodes.filter((n) => !killed.has(n));
        const n = spec.fault === 'kill-leader' ? liveLeader() : chooseNode(spec, live);
        if (n === undefined) {
          record(spec.fault, { node: null, skipped: spec.fault === 'kill-leader' ? 'no leader' : 'no live node' });
          return;
        }
        const crash = crashFor(spec, env.faults);
        killed.add(n);
        if (paused.delete(n)) faults.resume(n);
        faults.kill(n, crash);
        record(spec.fault, { node: n, crash });
        if (spec.restartAfterMs !== undefined) later(spec.restartAfterMs, () => restart(n));
        return;
      }
      case 'pause':
      case 'pause-leader': {
        const candidates = nodes.filter((n) => !killed.has(n) && !paused.has(n));
        const l = spec.fault === 'pause-leader' ? liveLeader() : undefined;
        const n = spec.fault === 'pause-leader' ? (l !== undefined && !paused.has(l) ? l : undefined) : chooseNode(spec, candidates);
        if (n === undefined) {
          record(spec.fault, { node: null, skipped: spec.fault === 'pause-leader' ? 'no running leader' : 'no running node' });
          return;
        }
        paused.add(n);
        faults.pause(n);
        record(spec.fault, { node: n });
        if (spec.durationMs !== undefined) later(spec.durationMs, () => resume(n));
        return;
      }
      case 'partition': {
        const groups = partitionGroups(spec.shape ?? 'random', nodes, liveLeader(), rng);
        partitioned = true;
        faults.partition(groups);
        record('partition', { shape: spec.shape ?? 'random', groups });
        if (spec.durationMs !== undefined) later(spec.durationMs, healPartition);
        return;
      }
      case 'clock-skew': {
        const n = chooseNode(spec, nodes.filter((x) => !strobes.has(x)));
        if (n === undefined) {
          record('clock-skew', { node: null, skipped: 'no node' });
          return;
        }
        const offsetMs = spec.offsetMs ?? 0;
        skewed.add(n);
        faults.skewClock(n, offsetMs);
        if (spec.strobe) {
          const periodMs = spec.strobe.periodMs;
          let on = true;
          const flip = (): void => {
            on = !on;
            faults.skewClock(n, on ? offsetMs : 0);
            const t = scheduler.after(Math.round(periodMs * NS_PER_MS), () => {
              if (strobes.get(n) === t && !stopped) flip();
            });
            strobes.set(n, t);
          };
          const t0 = scheduler.after(Math.round(periodMs * NS_PER_MS), () => {
            if (strobes.get(n) === t0 && !stopped) flip();
          });
          strobes.set(n, t0);
          record('clock-skew', { node: n, offsetMs, strobe: { periodMs } });
        } else {
          record('clock-skew', { node: n, offsetMs });
        }
        if (spec.durationMs !== undefined) later(spec.durationMs, () => resetClock(n));
        return;
      }
      case 'heal':
        healAll();
        return;
    }
  };

  const schedule = (spec: FaultSpec): void => {
    const first = spec.atMs ?? spec.everyMs ?? 0;
    const tick = (): void => {
      apply(spec);
      if (spec.everyMs !== undefined && spec.everyMs > 0) later(spec.everyMs, tick);
    };
    later(first, tick);
  };

  return {
    start() {
      stopped = false;
      for (const spec of cfg.schedule) schedule(spec);
    },
    stop() {
      stopped = true;
      for (const t of timers) t.cancel();
      timers.clear();
      for (const t of strobes.values()) t.cancel();
    },
    healAll() {
      const wasStopped = stopped;
      healAll();
      stopped = wasStopped;
    },
    active: () => ({ killed: [...killed], paused: [...paused], skewed: [...skewed], partitioned }),
  };
}

/** The capabilities as plain calls; a call to a capability the target lacks is a bug (validated before). */
function boundFaults(f: Partial<Capabilities>) {
  const need = <K extends keyof Capabilities>(k: K): Capabilities[K] => {
    const c = f[k];
    if (c === undefined) throw new Error(`nemesis: the target has no ${k} capability (the schedule was not validated)`);
    return c;
  };
  return {
    leader: f.leader ? () => f.leader!.leader() : undefined,
    kill: (n: NodeId, crash: CrashKind) => need('kill').kill(n, crash),
    restart: (n: NodeId) => need('kill').restart(n),
    pause: (n: NodeId) => need('pause').pause(n),
    resume: (n: NodeId) => need('pause').resume(n),
    partition: (g: NodeId[][]) => need('partition').partition(g),
    heal: () => need('partition').heal(),
    skewClock: (n: NodeId, offsetMs: number) => need('clock').skewClock(n, offsetMs),
  };
}
