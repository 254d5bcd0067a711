// The capabilities of an external target as calls: signals to the processes replcheck started,
// iptables rules in the nodes' namespaces, or the target file's commands. Each fault works in the
// background while holding the scheduler; a fault that cannot be applied fails the run (exit 2).

import type { ExternalTargetConfig } from '../../config/types.js';
import type { NetnsCluster } from '../real/netns.js';
import type { RealScheduler } from '../real/scheduler.js';
import type { Capabilities, NodeId } from '../types.js';
import { externalCapabilities } from './capabilities.js';
import type { ExternalNodes } from './external-nodes.js';

export interface FaultEnv {
  nodes: ExternalNodes;
  scheduler: RealScheduler;
  net(): NetnsCluster | undefined;
  leader(): NodeId | undefined;
  index(id: NodeId): number;
}

/** Runs work in the background, holding the scheduler; a failure ends the run with its error. */
function background(sched: RealScheduler, work: () => Promise<void>): void {
  const release = sched.hold();
  work().then(release, (e: unknown) => {
    sched.fail(e);
    release();
  });
}

function killFaults(cfg: ExternalTargetConfig, env: FaultEnv): Capabilities['kill'] {
  const { nodes, scheduler } = env;
  return {
    kill: (id) => {
      const i = env.index(id);
      nodes.slots[i].alive = false;
      if (nodes.owned) nodes.kill(i);
      else {
        nodes.slots[i].ready = false;
        background(scheduler, () => nodes.command('kill', i));
      }
    },
    restart: (id) => {
      const i = env.index(id);
      nodes.slots[i].alive = true;
      background(scheduler, async () => {
        if (nodes.owned) await nodes.restart(i);
        else await nodes.command('restart', i);
        nodes.slots[i].ready = true;
      });
    },
  };
}

function pauseFaults(env: FaultEnv): Capabilities['pause'] {
  const { nodes, scheduler } = env;
  const apply = (id: NodeId, what: 'pause' | 'resume'): void => {
    const i = env.index(id);
    if (nodes.owned) return void (what === 'pause' ? nodes.pause(i) : nodes.resume(i));
    background(scheduler, () => nodes.command(what, i));
  };
  return { pause: (id) => apply(id, 'pause'), resume: (id) => apply(id, 'resume') };
}

function partitionFaults(cfg: ExternalTargetConfig, env: FaultEnv): Capabilities['partition'] {
  const { nodes, scheduler } = env;
  const viaCommands = cfg.commands.partition !== undefined;
  return {
    partition: (groups) => {
      const net = env.net();
      if (viaCommands || net === undefined) return background(scheduler, () => nodes.command('partition', undefined, { groups: JSON.stringify(groups) }));
      background(scheduler, () => net.partition(groups.map((g) => g.map((id) => env.index(id)))));
    },
    heal: () => {
      const net = env.net();
      if (viaCommands || net === undefined) return background(scheduler, () => nodes.command('heal', undefined));
      background(scheduler, () => net.heal());
    },
  };
}

/** Only the capabilities the target file gives (externalCapabilities decides which). */
export function buildFaults(cfg: ExternalTargetConfig, env: FaultEnv): Partial<Capabilities> {
  const has = externalCapabilities(cfg);
  const out: Partial<Capabilities> = {};
  if (has.includes('kill')) out.kill = killFaults(cfg, env);
  if (has.includes('pause')) out.pause = pauseFaults(env);
  if (has.includes('partition')) out.partition = partitionFaults(cfg, env);
  if (has.includes('clock')) {
    out.clock = { skewClock: (id, offsetMs) => background(env.scheduler, () => env.nodes.command('skewClock', env.index(id), { offsetMs: String(offsetMs) })) };
  }
  if (has.includes('leader')) out.leader = { leader: () => env.leader() };
  return out;
}
