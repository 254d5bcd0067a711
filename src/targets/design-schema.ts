// The schema of a `target:` section that describes a replication design replcheck runs itself
// (the memory simulator and the http cluster, SPEC section 8), as a typed DesignConfig.

import { z } from 'zod';
import { LIMITS } from '../config/limits.js';
import { desc, durationIn, intIn, rangeIn } from '../config/schema.js';
import type { DesignConfig } from '../config/types.js';

// Every knob's range is in LIMITS.design (and docs/knobs.md).
const D = LIMITS.design;

const failover = z.strictObject({
  enabled: z.boolean(),
  timeoutMs: durationIn(D.failoverTimeoutMs),
  promote: z.enum(['most-up-to-date', 'any']),
  fencing: z.boolean(),
});

const quorum = z.strictObject({ n: intIn(D.quorum), w: intIn(D.quorum), r: intIn(D.quorum), readRepair: z.boolean() });

export const designSchema = z
  .strictObject({
    type: z.enum(['memory', 'http']),
    name: z.string().min(1),
    description: desc,
    nodes: intIn(D.nodes),
    topology: z.enum(['single-leader', 'multi-leader', 'leaderless']),
    replication: z.enum(['sync', 'async', 'semi-sync']),
    readFrom: z.enum(['leader', 'any', 'sticky', 'read-your-writes', 'bounded-lag']),
    readYourWritesScope: z.enum(['session', 'user']),
    maxLagMs: durationIn(D.maxLagMs),
    failover,
    quorum,
    conflicts: z.enum(['lww']),
    log: z.enum(['row', 'statement']),
    lagMs: rangeIn(D.lagMs),
    latencyMs: rangeIn(D.latencyMs),
    clientTimeoutMs: durationIn(D.clientTimeoutMs),
    settleMs: durationIn(D.settleMs),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.quorum.w > t.quorum.n) ctx.addIssue({ code: 'custom', path: ['quorum', 'w'], message: `w (${t.quorum.w}) cannot exceed n (${t.quorum.n})` });
    if (t.quorum.r > t.quorum.n) ctx.addIssue({ code: 'custom', path: ['quorum', 'r'], message: `r (${t.quorum.r}) cannot exceed n (${t.quorum.n})` });
    if (t.topology === 'leaderless' && t.quorum.n > t.nodes) {
      ctx.addIssue({ code: 'custom', path: ['quorum', 'n'], message: `n (${t.quorum.n}) cannot exceed the number of nodes (${t.nodes})` });
    }
  })
  .transform((t): DesignConfig => {
    const out: DesignConfig = { ...t, failover: { ...t.failover }, quorum: { ...t.quorum } };
    if (t.description === undefined) delete out.description;
    if (t.options === undefined) delete out.options;
    return out;
  });
