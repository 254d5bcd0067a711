// A small driver for the http target tests: concurrent append/read clients on the real-time
// scheduler, faults at given times, then heal + settle + final reads + teardown; plain results.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesignConfig } from '../../../src/config/types.js';
import { defaultTarget } from '../../../src/config/defaults.js';
import { Rng } from '../../../src/rng.js';
import { pidAlive } from '../../../src/targets/real/processes.js';
import { createHttpTarget, type HttpTarget, type HttpTargetOptions } from '../../../src/targets/http/index.js';
import type { Completion, FinalRead } from '../../../src/targets/types.js';

let snapshot: string | undefined;

/**
 * A private copy of the compiled code (all of dist/, so no module the node server needs is missed):
 * other people rebuilding dist/ while a test starts nodes must not hand a node a half-written file.
 */
export function nodeServerSnapshot(): string {
  if (snapshot !== undefined) return snapshot;
  const dist = fileURLToPath(new URL('../../../dist/', import.meta.url));
  if (!fs.existsSync(path.join(dist, 'targets/http/node-server.js'))) throw new Error('build first: npx tsc -p tsconfig.json');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-http-test-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  fs.cpSync(dist, dir, { recursive: true, filter: (src) => !src.endsWith('.map') });
  // the copy imports the project's dependencies (the launcher's execa) from where they are installed
  fs.symlinkSync(fileURLToPath(new URL('../../../node_modules', import.meta.url)), path.join(dir, 'node_modules'), 'dir');
  snapshot = path.join(dir, 'targets/http/node-server.js');
  return snapshot;
}

/** Removes the private copy (afterAll of each test file). */
export function removeNodeServerSnapshot(): void {
  if (snapshot === undefined) return;
  fs.rmSync(path.dirname(path.dirname(path.dirname(snapshot))), { recursive: true, force: true });
  snapshot = undefined;
}

/** The default http target with the values these tests were tuned for (sync, leader reads). */
export function httpConfig(over: Partial<DesignConfig> = {}): DesignConfig {
  const d = defaultTarget('http');
  return {
    ...d,
    name: 'http-test',
    replication: 'sync',
    readFrom: 'leader',
    quorum: { ...d.quorum, readRepair: true },
    lagMs: [0, 5],
    latencyMs: [0, 0],
    clientTimeoutMs: 2000,
    settleMs: 800,
    ...over,
  };
}

export interface OpRecord {
  process: number;
  f: string;
  key: string;
  value: unknown;
  startMs: number;
  endMs: number;
  c: Completion;
}

export interface FaultAt {
  atMs: number;
  apply(t: HttpTarget): void;
}

export interface DriveOptions {
  seed: number;
  /** Stop issuing after this many ops or this long, whichever first. */
  ops: number;
  durationMs: number;
  clients?: number;
  keys?: number;
  readShare?: number;
  faults?: FaultAt[];
  /** Skip heal/resume/restart before the final reads. */
  noHeal?: boolean;
  targetOptions?: HttpTargetOptions;
  /** Called with the target as soon as it exists (register it for cleanup). */
  onTarget?(t: HttpTarget): void;
}

export interface DriveResult {
  ops: OpRecord[];
  finals: Record<string, FinalRead[]>;
  target: HttpTarget;
  leaderAtEnd: string | undefined;
  keys: string[];
}

export async function driveHttp(cfg: DesignConfig, o: DriveOptions): Promise<DriveResult> {
  const rng = new Rng(o.seed);
  const target = createHttpTarget(cfg, rng.fork(), { workload: 'append', nodeScript: nodeServerSnapshot(), ...o.targetOptions });
  o.onTarget?.(target);
  const sched = target.scheduler;
  const wrng = rng.fork();
  const keys = Array.from({ length: o.keys ?? 3 }, (_, i) => `k${i + 1}`);
  const counters = new Map<string, number>();
  const ops: OpRecord[] = [];
  const result: DriveResult = { ops, finals: {}, target, leaderAtEnd: undefined, keys };
  let issued = 0;
  let live = o.clients ?? 4;
  let nextProcess = live;
  let stopAtNs = 0;
  /** Op times are ms since set-up finished (fault times count from there too). */
  let t0Ns = 0;

  const finishAll = (): void => {
    if (!o.noHeal) {
      target.faults.partition.heal();
      for (const id of target.nodes()) {
        target.faults.pause.resume(id);
        target.faults.kill.restart(id);
        target.faults.clock.skewClock(id, 0);
      }
    }
    sched.after(cfg.settleMs * 1e6, () => {
      result.leaderAtEnd = target.faults.leader.leader();
      let left = keys.length;
      for (const k of keys) {
        target.finalRead(k, (reads) => {
          result.finals[k] = reads;
          if (--left === 0) target.teardown(() => sched.stop());
        });
      }
    });
  };

  const client = (process: number): void => {
    const c = target.client({ process, session: `s${process}` });
    const step = (): void => {
      if (issued >= o.ops || sched.nowNs() >= stopAtNs) {
        if (--live === 0) finishAll();
        return;
      }
      issued++;
      const key = wrng.pick(keys);
      let f = 'read';
      let value: unknown = null;
      if (!wrng.chance(o.readShare ?? 0.4)) {
        f = 'append';
        const n = (counters.get(key) ?? 0) + 1;
        counters.set(key, n);
        value = n;
      }
      const startMs = (sched.nowNs() - t0Ns) / 1e6;
      c.invoke({ f, key, value }, (comp) => {
        ops.push({ process, f, key, value, startMs, endMs: (sched.nowNs() - t0Ns) / 1e6, c: comp });
        if (comp.type === 'info') {
          live++;
          const p = nextProcess++;
          sched.after(1e6, () => client(p));
          if (--live === 0) finishAll();
          return;
        }
        sched.after(wrng.between(0, 3) * 1e6, step);
      });
    };
    step();
  };

  target.setup(() => {
    t0Ns = sched.nowNs();
    stopAtNs = t0Ns + o.durationMs * 1e6;
    for (const fault of o.faults ?? []) sched.after(fault.atMs * 1e6, () => fault.apply(target));
    for (let i = 0; i < (o.clients ?? 4); i++) client(i);
  });
  await sched.run();
  return result;
}

/** Counts of completions by f and type, e.g. { 'append:ok': 120 }. */
export function tally(ops: OpRecord[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const op of ops) {
    const k = `${op.f}:${op.c.type}`;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

/**
 * Stops every process the targets started, by PID (a paused one is resumed first so SIGKILL
 * lands), empties the list, and returns the PIDs still alive after a bounded wait (none expected).
 */
export async function stopTargets(targets: HttpTarget[]): Promise<number[]> {
  const pids = targets.flatMap((t) => t.allPids());
  for (const pid of pids) {
    for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, sig);
      } catch {
        // gone
      }
    }
  }
  targets.length = 0;
  const deadline = Date.now() + 3000;
  while (pids.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return pids.filter(pidAlive);
}

