// The schema of a `target:` section that describes a replication design replcheck runs itself
// (the memory simulator and the http cluster, SPEC section 8), as a typed DesignConfig.

import { z } from 'zod';
import { LIMITS } from '../config/limits.js';
import { desc, durationIn, intIn, rangeIn } from '../config/schema.js';
import type { DesignConfig } from '../config/types.js';
import { TRIGGER_DEFAULTS } from '../replication/trigger.js';

// Every knob's range is in LIMITS.design (and docs/knobs.md).
const D = LIMITS.design;

const failover = z.strictObject({
  enabled: z.boolean(),
  timeoutMs: durationIn(D.failoverTimeoutMs),
  promote: z.enum(['most-up-to-date', 'any']),
  fencing: z.boolean(),
});

/** log: trigger: captured key patterns and the capture process; omitted fields take TRIGGER_DEFAULTS. */
const trigger = z
  .strictObject({
    keys: z
      .array(z.string().min(D.triggerPatternLength.min).max(D.triggerPatternLength.max))
      .min(D.triggerKeys.min)
      .max(D.triggerKeys.max),
    batchMs: durationIn(D.triggerBatchMs),
    batchSize: intIn(D.triggerBatchSize),
  })
  .partial()
  .transform((t) => ({ ...TRIGGER_DEFAULTS, ...t }));

const quorum = z.strictObject({ n: intIn(D.quorum), w: intIn(D.quorum), r: intIn(D.quorum), readRepair: z.boolean() });

const datacenters = z.strictObject({
  sites: z
    .array(z.strictObject({ name: z.string().min(1), nodes: z.array(z.string().min(1)).min(1) }))
    .min(D.datacenters.min)
    .max(D.datacenters.max),
  latencyMs: rangeIn(D.latencyMs),
  placement: z.enum(['per-device', 'user-home']).default('per-device'),
});

/** Every node n1..nN sits in exactly one datacenter; names are unique; memory target only. */
function checkDatacenters(t: { type: string; nodes: number; datacenters?: z.output<typeof datacenters> }, ctx: z.RefinementCtx): void {
  const dcs = t.datacenters;
  if (dcs === undefined) return;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: ['datacenters', ...path], message });
  if (t.type !== 'memory') return issue([], 'datacenters are simulated by the memory target only (type: memory)');
  const names = new Set<string>();
  const placed = new Map<string, string>();
  dcs.sites.forEach((site, i) => {
    if (names.has(site.name)) issue(['sites', i, 'name'], `datacenter ${JSON.stringify(site.name)} is listed twice`);
    names.add(site.name);
    site.nodes.forEach((node, j) => {
      const m = /^n(\d+)$/.exec(node);
      if (m === null || Number(m[1]) < 1 || Number(m[1]) > t.nodes) issue(['sites', i, 'nodes', j], `expected a node n1 to n${t.nodes}, got ${JSON.stringify(node)}`);
      else if (placed.has(node)) issue(['sites', i, 'nodes', j], `${node} is already in datacenter ${JSON.stringify(placed.get(node))}`);
      else placed.set(node, site.name);
    });
  });
  const missing = Array.from({ length: t.nodes }, (_, i) => `n${i + 1}`).filter((n) => !placed.has(n));
  if (missing.length > 0 && placed.size > 0) issue(['sites'], `every node must sit in a datacenter; missing ${missing.join(', ')}`);
}

/** log: trigger is single-leader, asynchronous (a capture process ships after the commit) and memory-only. */
function checkTrigger(t: { type: string; topology: string; replication: string; log: string }, ctx: z.RefinementCtx): void {
  if (t.log !== 'trigger') return;
  if (t.type !== 'memory') ctx.addIssue({ code: 'custom', path: ['log'], message: 'log: trigger is simulated by the memory target only (type: memory)' });
  if (t.topology !== 'single-leader') ctx.addIssue({ code: 'custom', path: ['log'], message: `log: trigger replicates from a single leader (topology is ${t.topology})` });
  if (t.replication !== 'async') {
    ctx.addIssue({ code: 'custom', path: ['replication'], message: `log: trigger is asynchronous by nature (a capture process ships after the commit); use replication: async, not ${t.replication}` });
  }
}

export const designSchema = z
  .strictObject({
    type: z.enum(['memory', 'http']),
    name: z.string().min(1),
    description: desc,
    nodes: intIn(D.nodes),
    topology: z.enum(['single-leader', 'multi-leader', 'leaderless']),
    replication: z.enum(['sync', 'async', 'semi-sync']),
    readFrom: z.enum(['leader', 'any', 'sticky', 'read-your-writes', 'bounded-lag', 'leader-after-write', 'owner-on-leader']),
    readYourWritesScope: z.enum(['session', 'user']),
    maxLagMs: durationIn(D.maxLagMs),
    leaderWindowMs: durationIn(D.leaderWindowMs),
    datacenters: datacenters.optional(),
    failover,
    quorum,
    conflicts: z.enum(['lww']),
    log: z.enum(['row', 'statement', 'mixed', 'trigger']),
    trigger: trigger.optional(),
    lagMs: rangeIn(D.lagMs),
    latencyMs: rangeIn(D.latencyMs),
    clientTimeoutMs: durationIn(D.clientTimeoutMs),
    settleMs: durationIn(D.settleMs),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((t, ctx) => {
    checkDatacenters(t, ctx);
    checkTrigger(t, ctx);
    if (t.quorum.w > t.quorum.n) ctx.addIssue({ code: 'custom', path: ['quorum', 'w'], message: `w (${t.quorum.w}) cannot exceed n (${t.quorum.n})` });
    if (t.quorum.r > t.quorum.n) ctx.addIssue({ code: 'custom', path: ['quorum', 'r'], message: `r (${t.quorum.r}) cannot exceed n (${t.quorum.n})` });
    if (t.topology === 'leaderless' && t.quorum.n > t.nodes) {
      ctx.addIssue({ code: 'custom', path: ['quorum', 'n'], message: `n (${t.quorum.n}) cannot exceed the number of nodes (${t.nodes})` });
    }
  })
  .transform((t): DesignConfig => {
    const out: DesignConfig = { ...t, failover: { ...t.failover }, quorum: { ...t.quorum } };
    if (t.description === undefined) delete out.description;
    if (t.datacenters === undefined) delete out.datacenters;
    if (t.trigger === undefined) delete out.trigger;
    if (t.options === undefined) delete out.options;
    return out;
  });
