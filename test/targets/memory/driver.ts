// A tiny local workload driver for the simulator tests: concurrent clients over the callback
// target, an optional fault schedule, heal + settle + final reads; returns a plain event trace.

import type { DesignConfig } from '../../../src/config/types.js';
import { defaultTarget } from '../../../src/config/defaults.js';
import { Rng } from '../../../src/rng.js';
import { createMemoryTarget, type MemoryTarget } from '../../../src/targets/memory/index.js';
import type { Client, FinalRead } from '../../../src/targets/types.js';

/** The default target with the values these tests were tuned for. */
export function baseConfig(over: Partial<DesignConfig> = {}): DesignConfig {
  const d = defaultTarget('memory');
  return {
    ...d,
    name: 'test',
    readFrom: 'leader',
    failover: { ...d.failover, timeoutMs: 500 },
    quorum: { ...d.quorum, readRepair: true },
    lagMs: [0, 20],
    latencyMs: [0.5, 2],
    ...over,
  };
}

export interface TraceEvent {
  time: number;
  process: number | 'nemesis';
  session?: string;
  user?: string;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  key?: string;
  value: unknown;
  node?: string;
  error?: string;
  final?: boolean;
}

export interface Fault {
  atMs: number;
  /** Applies the fault; returns a description for the trace. */
  apply(t: MemoryTarget): unknown;
}

export interface DriveOptions {
  seed: number;
  ops: number;
  clients?: number;
  keys?: number;
  kind?: 'append' | 'register';
  readShare?: number;
  /** Fraction of appends that are nondeterministic statements. */
  nondeterministic?: number;
  thinkMs?: [number, number];
  faults?: Fault[];
  sessionsPerUser?: number;
}

export interface DriveResult {
  trace: TraceEvent[];
  finals: Record<string, FinalRead[]>;
  target: MemoryTarget;
  invokes: number;
  completions: number;
}

export async function drive(cfg: DesignConfig, o: DriveOptions): Promise<DriveResult> {
  const rng = new Rng(o.seed);
  const target = createMemoryTarget(cfg, rng.fork(), { workload: o.kind ?? 'append' });
  const wrng = rng.fork();
  const sched = target.scheduler;
  const trace: TraceEvent[] = [];
  const clients = o.clients ?? 5;
  const keys = o.keys ?? 3;
  const readShare = o.readShare ?? 0.5;
  const think = o.thinkMs ?? [0, 2];
  const spu = o.sessionsPerUser ?? 1;
  let issued = 0;
  let invokes = 0;
  let completions = 0;
  let nextProcess = clients;
  const counters = new Map<string, number>();
  let liveClients = clients;
  const keySet = Array.from({ length: keys }, (_, i) => `k${i + 1}`);

  const finishAll = () => {
    target.faults.partition.heal();
    for (const id of target.nodes()) {
      target.faults.pause.resume(id);
      target.faults.kill.restart(id);
      target.faults.clock.skewClock(id, 0);
    }
    sched.after(cfg.settleMs * 1e6, () => {
      const finals: Record<string, FinalRead[]> = {};
      let left = keySet.length;
      for (const k of keySet) {
        target.finalRead(k, (reads) => {
          finals[k] = reads;
          for (const r of reads)
            trace.push({ time: sched.nowNs(), process: -1, type: 'ok', f: 'read', key: k, value: r.completion.value, node: r.node, final: true });
          if (--left === 0) {
            result.finals = finals;
            target.teardown(() => {});
          }
        });
      }
    });
  };

  const startClient = (slot: number, process: number) => {
    const session = `s${slot}`;
    const user = `u${Math.floor(slot / spu)}`;
    const client: Client = target.client({ process, session, user });
    const step = () => {
      if (issued >= o.ops) {
        if (--liveClients === 0) finishAll();
        return;
      }
      issued++;
      const key = wrng.pick(keySet);
      let f: string;
      let value: unknown = null;
      if (wrng.chance(readShare)) f = 'read';
      else if ((o.kind ?? 'append') === 'append') {
        f = 'append';
        const c = (counters.get(key) ?? 0) + 1;
        counters.set(key, c);
        value = o.nondeterministic && wrng.chance(o.nondeterministic) ? { nondeterministic: wrng.chance(0.5) ? 'clock' : 'random' } : c;
      } else if (wrng.chance(0.5)) {
        f = 'write';
        const c = (counters.get(key) ?? 0) + 1;
        counters.set(key, c);
        value = c;
      } else {
        f = 'cas';
        const c = (counters.get(key) ?? 0) + 1;
        counters.set(key, c);
        value = [wrng.int(0, c - 1) || null, c];
      }
      trace.push({ time: sched.nowNs(), process, session, user, type: 'invoke', f, key, value });
      invokes++;
      let calls = 0;
      client.invoke({ f, key, value }, (c) => {
        calls++;
        if (calls > 1) throw new Error(`done called ${calls} times for process ${process}`);
        completions++;
        trace.push({ time: sched.nowNs(), process, session, user, type: c.type, f, key, value: c.value, node: c.node, error: c.error });
        if (c.type === 'info') {
          sched.after(wrng.between(think[0], think[1]) * 1e6, () => startClient(slot, nextProcess++));
          return;
        }
        sched.after(wrng.between(think[0], think[1]) * 1e6, step);
      });
    };
    step();
  };

  const result: DriveResult = { trace, finals: {}, target, invokes: 0, completions: 0 };
  target.setup(() => {
    for (const fault of o.faults ?? []) {
      sched.after(fault.atMs * 1e6, () => {
        const what = fault.apply(target);
        trace.push({ time: sched.nowNs(), process: 'nemesis', type: 'info', f: 'fault', value: what ?? null });
      });
    }
    for (let i = 0; i < clients; i++) startClient(i, i);
  });
  await sched.run();
  result.invokes = invokes;
  result.completions = completions;
  return result;
}
