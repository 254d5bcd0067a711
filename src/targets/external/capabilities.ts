// What an external target can do, from its file alone (before anything starts): processes it
// starts itself can be killed and paused by PID; otherwise a fault needs its command. Partitions
// need network namespaces (root, Linux) or partition/heal commands.

import type { ExternalTargetConfig } from '../../config/types.js';
import { netnsSupport } from '../real/netns.js';
import type { Capability } from '../types.js';

/** Whether this target's nodes get network namespaces (and why not, when they do not). */
export function usesNamespaces(t: ExternalTargetConfig): { ok: boolean; why?: string } {
  if (t.network === 'loopback') return { ok: false, why: 'network: loopback' };
  if (t.start === undefined) return { ok: false, why: 'replcheck does not start these nodes' };
  const s = netnsSupport();
  if (s.ok) return { ok: true };
  return { ok: false, why: s.why };
}

export function externalCapabilities(t: ExternalTargetConfig): Capability[] {
  const c = t.commands;
  const out: Capability[] = [];
  if (t.start !== undefined || (c.kill && c.restart)) out.push('kill');
  if (t.start !== undefined || (c.pause && c.resume)) out.push('pause');
  if ((c.partition && c.heal) || (t.network !== 'loopback' && usesNamespaces(t).ok)) out.push('partition');
  if (c.skewClock) out.push('clock');
  if (t.leader !== 'none') out.push('leader');
  return out;
}
