// Datacenters (memory target): which datacenter each node sits in, which one a session (device)
// connects to, and the one-way latency range between two endpoints. Pure functions of the config.

import type { DatacentersConfig } from '../config/types.js';
import { hashString } from './routing.js';

export interface Sites {
  /** Number of datacenters. */
  count: number;
  /** nodeSite[i]: the datacenter of node i (0-based). */
  nodeSite: number[];
  /** local[d]: the nodes of datacenter d, by id. */
  local: number[][];
  /** The datacenter a session (device) connects to, by the placement rule. */
  siteOf(session: string, user: string | undefined): number;
}

/** The trailing number of the runner's names `s<i>` / `u<j>`, or undefined for other names. */
function ordinal(id: string): number | undefined {
  const m = /^[su](\d+)$/.exec(id);
  return m === null ? undefined : Number(m[1]);
}

/**
 * The placement of nodes and sessions. `per-device`: session s<i> connects to datacenter
 * i mod count (so the devices s<2j>, s<2j+1> of a user with two devices sit in different ones);
 * `user-home`: every device of user u<j> is routed to datacenter j mod count (a session without
 * a user counts as its own user). Names not of that form are placed by hash.
 */
export function placeSites(dcs: DatacentersConfig, nodes: number): Sites {
  const count = dcs.sites.length;
  const nodeSite = new Array<number>(nodes).fill(0);
  const local: number[][] = dcs.sites.map(() => []);
  dcs.sites.forEach((site, d) => {
    for (const name of site.nodes) nodeSite[Number(name.slice(1)) - 1] = d;
  });
  for (let i = 0; i < nodes; i++) local[nodeSite[i]].push(i);
  const siteOf = (session: string, user: string | undefined): number => {
    const id = dcs.placement === 'user-home' && user !== undefined ? user : session;
    const k = ordinal(id) ?? hashString(id);
    return k % count;
  };
  return { count, nodeSite, local, siteOf };
}
