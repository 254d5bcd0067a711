// A small fake Target for tests: one linearizable store behind n named nodes on a virtual-time
// scheduler; ops to a killed or paused node time out (writes: info, applied or not at random).

import type { DesignConfig } from '../../src/config/types.js';
import type { Rng } from '../../src/rng.js';
import { fullCapabilities, type Capability, type FlatFaults, Target, Completion, FinalRead, Invocation, NodeId, Scheduler, SessionInfo, Timer } from '../../src/targets/types.js';

interface Ev {
  t: number;
  s: number;
  fn: (() => void) | undefined;
}

/** A binary-heap-free virtual scheduler (sorted insert; fine for tests). */
export class FakeScheduler implements Scheduler {
  private q: Ev[] = [];
  private seq = 0;
  private now = 0;
  private stopped = false;
  nowNs(): number {
    return this.now;
  }
  after(delayNs: number, fn: () => void): Timer {
    const ev: Ev = { t: this.now + Math.max(0, delayNs), s: this.seq++, fn };
    let i = this.q.length;
    while (i > 0 && (this.q[i - 1].t > ev.t || (this.q[i - 1].t === ev.t && this.q[i - 1].s > ev.s))) i--;
    this.q.splice(i, 0, ev);
    return { cancel: () => (ev.fn = undefined) };
  }
  async run(): Promise<void> {
    this.stopped = false;
    while (this.q.length > 0 && !this.stopped) {
      const ev = this.q.shift()!;
      if (!ev.fn) continue;
      this.now = ev.t;
      ev.fn();
    }
  }
  stop(): void {
    this.stopped = true;
  }
}

export interface FaultCall {
  timeNs: number;
  call: string;
  args: unknown[];
}

export interface FakeTarget extends Target {
  calls: FaultCall[];
  tornDown: boolean;
}

/** `only`: keep just these capabilities (default: all). */
export function createFakeTarget(
  cfg: Pick<DesignConfig, 'nodes' | 'clientTimeoutMs' | 'name'>,
  rng: Rng,
  kind: 'append' | 'register' = 'append',
  only?: Capability[],
): FakeTarget {
  const scheduler = new FakeScheduler();
  const names = Array.from({ length: cfg.nodes }, (_, i) => `n${i + 1}`);
  const killed = new Set<NodeId>();
  const paused = new Set<NodeId>();
  const store = new Map<string, unknown>();
  const calls: FaultCall[] = [];
  let clockN = 0;
  const log = (call: string, ...args: unknown[]) => calls.push({ timeNs: scheduler.nowNs(), call, args });
  const up = (n: NodeId) => !killed.has(n) && !paused.has(n);

  const apply = (op: Invocation): Completion => {
    if (op.f === 'read') {
      const v = store.get(op.key);
      return { type: 'ok', value: kind === 'append' ? (Array.isArray(v) ? v.slice() : []) : (v ?? null) };
    }
    if (op.f === 'append') {
      const el = op.value !== null && typeof op.value === 'object' ? `c${++clockN}` : op.value;
      const cur = (store.get(op.key) as unknown[] | undefined) ?? [];
      store.set(op.key, [...cur, el]);
      return { type: 'ok', value: el };
    }
    if (op.f === 'write') {
      store.set(op.key, op.value);
      return { type: 'ok', value: op.value };
    }
    const [expected, next] = op.value as [unknown, unknown];
    if ((store.get(op.key) ?? null) !== expected) return { type: 'fail', value: op.value, error: 'cas mismatch' };
    store.set(op.key, next);
    return { type: 'ok', value: op.value };
  };

  const flat: FlatFaults = {
    leader: () => names.find(up),
    kill: (n) => (log('kill', n), killed.add(n)),
    restart: (n) => (log('restart', n), killed.delete(n)),
    partition: (g) => log('partition', g),
    heal: () => log('heal'),
    skewClock: (n, off) => log('skewClock', n, off),
    pause: (n) => (log('pause', n), paused.add(n)),
    resume: (n) => (log('resume', n), paused.delete(n)),
  };
  const faults = fullCapabilities(flat, () => [{ timeNs: 0, node: 'n2', lagMs: 1.5 }]);
  if (only) for (const c of Object.keys(faults) as Capability[]) if (!only.includes(c)) delete faults[c];

  const target: FakeTarget = {
    name: cfg.name,
    scheduler,
    nodes: () => names.slice(),
    faults,
    calls,
    tornDown: false,
    setup: (done) => scheduler.after(1_000_000, done),
    client: (_s: SessionInfo) => ({
      invoke(op, done) {
        const node = rng.pick(names);
        const latencyNs = rng.int(500_000, 3_000_000);
        if (!up(node)) {
          scheduler.after(cfg.clientTimeoutMs * 1e6, () => {
            if (op.f === 'read') return done({ type: 'fail', value: null, node, error: 'timeout' });
            if (rng.chance(0.5)) apply(op);
            done({ type: 'info', value: op.value, node, error: 'timeout' });
          });
          return;
        }
        scheduler.after(latencyNs, () => done({ ...apply(op), node }));
      },
    }),
    finalRead(key, done) {
      scheduler.after(1_000_000, () => {
        const reads: FinalRead[] = names.filter((n) => !killed.has(n)).map((n) => ({ node: n, completion: { ...apply({ f: 'read', key, value: null }), node: n } }));
        done(reads);
      });
    },
    teardown(done) {
      target.tornDown = true;
      scheduler.after(0, done);
    },
  };
  return target;
}
