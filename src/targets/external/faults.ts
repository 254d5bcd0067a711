// The capabilities of an external target as calls: signals to the processes replcheck started,
// iptables rules in the nodes' namespaces, or the target file's commands. Each fault works in the
// background while holding the scheduler; a fault that cannot be applied fails the run (exit 2).

import type { ExternalTargetConfig } from '../../config/types.js';
import type { NetnsCluster } from '../real/netns.js';
import type { RealScheduler } from '../real/scheduler.js';
import type { Capabilities, NodeId } from '../types.js';
import { externalCapabilities } from './capabilities.js';
import type { ExternalNodes } from './external-nodes.js';
import type { Lifecycle, LifecycleContext } from './lifecycle.js';

/** Fault work under way, so teardown can wait for it (bounded). */
export class PendingWork {
  private readonly running = new Set<Promise<void>>();

  add(p: Promise<void>): void {
    const q = p.catch(() => undefined).finally(() => this.running.delete(q));
    this.running.add(q);
  }

  async settle(timeoutMs = SETTLE_MS): Promise<void> {
    if (this.running.size === 0) return;
    await Promise.race([Promise.all([...this.running]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}

const SETTLE_MS = 60_000;

export interface FaultEnv {
  /** The lifecycle module's hooks with their context, when the target has one. */
  lifecycle(): { hooks: Lifecycle; ctx: LifecycleContext } | undefined;
  pending: PendingWork;
  nodes: ExternalNodes;
  scheduler: RealScheduler;
  net(): NetnsCluster | undefined;
  leader(): NodeId | undefined;
  index(id: NodeId): number;
}

/** Runs work in the background, holding the scheduler; a failure ends the run with its error. */
function background(env: Pick<FaultEnv, 'scheduler' | 'pending'>, work: () => Promise<void>): void {
  const release = env.scheduler.hold();
  const p = work();
  env.pending.add(p);
  p.then(release, (e: unknown) => {
    env.scheduler.fail(e);
    release();
  });
}

function killFaults(cfg: ExternalTargetConfig, env: FaultEnv): Capabilities['kill'] {
  const { nodes } = env;
  return {
    kill: (id) => {
      const i = env.index(id);
      nodes.slots[i].alive = false;
      if (nodes.owned) nodes.kill(i);
      else {
        nodes.slots[i].ready = false;
        background(env, () => nodes.command('kill', i));
      }
      const l = env.lifecycle();
      if (l?.hooks.afterKill) background(env, () => l.hooks.afterKill!(id, l.ctx));
    },
    restart: (id) => {
      const i = env.index(id);
      nodes.slots[i].alive = true;
      const l = env.lifecycle();
      background(env, async () => {
        if (l?.hooks.restart) await l.hooks.restart(id, l.ctx);
        else if (nodes.owned) await nodes.restart(i);
        else await nodes.command('restart', i);
        nodes.slots[i].ready = true;
      });
    },
  };
}

function pauseFaults(env: FaultEnv): Capabilities['pause'] {
  const { nodes } = env;
  const apply = (id: NodeId, what: 'pause' | 'resume'): void => {
    const i = env.index(id);
    if (nodes.owned) return void (what === 'pause' ? nodes.pause(i) : nodes.resume(i));
    background(env, () => nodes.command(what, i));
  };
  return { pause: (id) => apply(id, 'pause'), resume: (id) => apply(id, 'resume') };
}

function partitionFaults(cfg: ExternalTargetConfig, env: FaultEnv): Capabilities['partition'] {
  const { nodes } = env;
  const viaCommands = cfg.commands.partition !== undefined;
  return {
    partition: (groups) => {
      const net = env.net();
      if (viaCommands || net === undefined) return background(env, () => nodes.command('partition', undefined, { groups: JSON.stringify(groups) }));
      background(env, () => net.partition(groups.map((g) => g.map((id) => env.index(id)))));
    },
    heal: () => {
      const net = env.net();
      if (viaCommands || net === undefined) return background(env, () => nodes.command('heal', undefined));
      background(env, () => net.heal());
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
    out.clock = { skewClock: (id, offsetMs) => background(env, () => env.nodes.command('skewClock', env.index(id), { offsetMs: String(offsetMs) })) };
  }
  if (has.includes('leader')) out.leader = { leader: () => env.leader() };
  return out;
}
