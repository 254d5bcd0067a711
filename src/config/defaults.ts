// Built-in defaults: the memory target's design, the append and register workloads, no nemesis.
// The default run (`replcheck run`) is async replication with reads from any replica: short, and
// it shows read-your-writes and monotonic-reads anomalies of a common real-world set-up.

import type { NemesisConfig, RunConfig, DesignConfig, WorkloadConfig } from './types.js';

export function defaultTarget(type: DesignConfig['type'] = 'memory'): DesignConfig {
  return {
    type,
    name: type,
    description:
      type === 'memory'
        ? 'simulated 3-node single-leader cluster, async followers, reads from any replica'
        : `${type} 3-node single-leader cluster, async followers, reads from any replica`,
    nodes: 3,
    topology: 'single-leader',
    replication: 'async',
    readFrom: 'any',
    readYourWritesScope: 'session',
    maxLagMs: 100,
    leaderWindowMs: 1000,
    failover: { enabled: true, timeoutMs: 1000, promote: 'most-up-to-date', fencing: true },
    quorum: { n: 3, w: 2, r: 2, readRepair: false },
    conflicts: 'lww',
    log: 'row',
    lagMs: [5, 50],
    latencyMs: [1, 5],
    clientTimeoutMs: 1000,
    settleMs: 2000,
  };
}

export function defaultWorkload(kind: WorkloadConfig['kind'] = 'append'): WorkloadConfig {
  const common = {
    name: kind,
    kind,
    keys: 5,
    ops: 2000,
    timeLimitMs: 0,
    concurrency: 6,
    sessionsPerUser: 2,
    thinkMs: [0, 10] as [number, number],
    nondeterministic: 0,
  };
  if (kind === 'register') {
    return { ...common, description: 'read / write / cas on a few registers (for linearizability)', mix: { read: 2, write: 1, cas: 1 }, maxAppendsPerKey: 0 };
  }
  return { ...common, description: 'append unique elements to lists and read whole lists', mix: { append: 1, read: 1 }, maxAppendsPerKey: 200 };
}

export function noNemesis(): NemesisConfig {
  return { name: 'none', description: 'no faults', schedule: [] };
}

export function defaultRunConfig(seed: number): RunConfig {
  return { seed, target: defaultTarget(), workload: defaultWorkload(), nemesis: noNemesis(), checkers: [] };
}
