// The zod schema of a run configuration as written in YAML (SPEC sections 7-9): validates the
// merged raw object once and turns it into a typed RunConfig (durations -> ms, schedule names).
// The `target:` section's schema belongs to the target's type (src/targets/kinds.ts).

import { z } from 'zod';
import { parseDurationMs } from './duration.js';
import { formatMs, LIMITS } from './limits.js';
import type { FaultSpec, NemesisConfig, RunConfig, TargetConfig, WorkloadConfig } from './types.js';

export const FAULTS = ['kill', 'kill-leader', 'pause', 'pause-leader', 'partition', 'clock-skew', 'heal'] as const;
export const SHAPES = ['isolate-leader', 'majority-minority', 'halves', 'bridge', 'random'] as const;
export const CRASHES = ['host', 'process'] as const;

export interface Bounds {
  min: number;
  max: number;
}

/** A duration: "5s", "200ms", "1m" or a number of milliseconds. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (ms === undefined) {
    ctx.issues.push({ code: 'custom', message: `expected a duration like 5s, 200ms, 1m or a number of ms, got ${JSON.stringify(v)}`, input: v });
    return z.NEVER;
  }
  return ms;
});

/** A duration within [min, max] ms (`noun` names it in the message: "a period from 1ms to 1h"). */
export function durationIn(bounds: Bounds, noun = 'duration') {
  return z.unknown().transform((v, ctx) => {
    const r = checkDuration(v, bounds, noun);
    if (typeof r === 'string') {
      ctx.issues.push({ code: 'custom', message: r, input: v });
      return z.NEVER;
    }
    return r;
  });
}

/** Milliseconds of a duration within bounds, or the message saying what is wrong with it. */
function checkDuration(v: unknown, bounds: Bounds, noun: string): number | string {
  const ms = parseDurationMs(v);
  const inRange = `expected a ${noun} from ${formatMs(bounds.min)} to ${formatMs(bounds.max)}`;
  if (v === undefined) return `missing (${inRange})`;
  if (ms === undefined) {
    if (typeof v === 'number' && v < 0) return `${inRange}, got ${showInput(v)}`;
    return `expected a duration like 5s, 200ms, 1m or a number of ms, got ${showInput(v)}`;
  }
  if (ms < bounds.min || ms > bounds.max) return `${inRange}, got ${showInput(v)}`;
  return ms;
}

function showInput(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? `${String(v)} ms` : String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A [lo, hi] range of durations, each within [min, max] ms; a single value means [v, v]. */
export function rangeIn(bounds: Bounds) {
  return z.unknown().transform((v, ctx): [number, number] => {
    const fail = (message: string): [number, number] => {
      ctx.issues.push({ code: 'custom', message, input: v });
      return z.NEVER;
    };
    if (Array.isArray(v) && v.length !== 2) return fail(`expected a duration or [low, high], got ${showInput(v)}`);
    const parts = Array.isArray(v) ? v : [v, v];
    const r: number[] = [];
    for (const p of parts) {
      const ms = checkDuration(p, bounds, 'duration');
      if (typeof ms === 'string') return fail(ms);
      r.push(ms);
    }
    if (r[0] > r[1]) return fail(`expected [low, high] with low <= high, got [${r[0]}, ${r[1]}]`);
    return [r[0], r[1]];
  });
}

/** An integer within [min, max]. */
export function intIn(bounds: Bounds) {
  return z.number().int().min(bounds.min).max(bounds.max);
}

export const desc = z.string().optional();

const W = LIMITS.workload;
const weight = z.number().min(W.mixWeight.min).max(W.mixWeight.max);
const mix = z.strictObject({ append: weight, read: weight, write: weight, cas: weight }).partial();

/** A time limit: 0 (none) or a duration from 1 ms to 1,000,000 s. */
const timeLimit = z.unknown().transform((v, ctx) => {
  const ms = checkDuration(v, { min: 0, max: W.timeLimitMs.max }, 'duration');
  if (typeof ms === 'string' || (ms !== 0 && ms < W.timeLimitMs.min)) {
    const want = `0 (no limit) or a duration from ${formatMs(W.timeLimitMs.min)} to ${formatMs(W.timeLimitMs.max)}`;
    const message = typeof ms === 'string' && /like 5s/.test(ms) ? ms : `expected ${want}, got ${showInput(v)}`;
    ctx.issues.push({ code: 'custom', message, input: v });
    return z.NEVER;
  }
  return ms;
});

export const workloadSchema = z
  .strictObject({
    name: z.string().min(1),
    description: desc,
    kind: z.enum(['append', 'register']),
    keys: intIn(W.keys),
    ops: intIn(W.ops),
    timeLimitMs: timeLimit,
    concurrency: intIn(W.concurrency),
    sessionsPerUser: intIn(W.sessionsPerUser),
    thinkMs: rangeIn(W.thinkMs),
    mix,
    nondeterministic: z.number().min(0).max(1),
    maxAppendsPerKey: intIn(W.maxAppendsPerKey).optional(),
    ownedKeys: z.boolean().optional(),
  })
  .superRefine((w, ctx) => {
    const allowed = w.kind === 'append' ? ['append', 'read'] : ['read', 'write', 'cas'];
    let total = 0;
    for (const [k, v] of Object.entries(w.mix)) {
      if (!allowed.includes(k)) {
        ctx.addIssue({ code: 'custom', path: ['mix', k], message: `the ${w.kind} workload has no ${k} ops (expected ${allowed.join(', ')})` });
      }
      total += v ?? 0;
    }
    if (total <= 0) ctx.addIssue({ code: 'custom', path: ['mix'], message: `expected a positive weight for at least one of ${allowed.join(', ')}` });
    const owners = w.sessionsPerUser > 1 ? Math.ceil(w.concurrency / w.sessionsPerUser) : w.concurrency;
    if (w.ownedKeys === true && w.keys < owners) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: `with ownedKeys every user owns a key: expected at least ${owners} keys (one per user), got ${w.keys}` });
    }
    if (w.ops === 0 && w.timeLimitMs === 0) {
      ctx.addIssue({ code: 'custom', path: ['ops'], message: 'with ops 0 (no limit) a timeLimitMs is needed, or the run would never end' });
    }
  });

const N = LIMITS.nemesis;
const faultSchema = z
  .strictObject({
    fault: z.enum(FAULTS),
    every: durationIn(N.periodMs, 'period').optional(),
    at: durationIn(N.atMs).optional(),
    duration: durationIn(N.durationMs).optional(),
    restartAfter: durationIn(N.restartAfterMs).optional(),
    crash: z.enum(CRASHES).optional(),
    node: z.string().min(1).optional(),
    shape: z.enum(SHAPES).optional(),
    offsetMs: z.number().min(N.offsetMs.min).max(N.offsetMs.max).optional(),
    strobe: z.strictObject({ period: durationIn(N.periodMs, 'period') }).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.every === undefined && f.at === undefined) ctx.addIssue({ code: 'custom', path: ['every'], message: 'a schedule entry needs `every` or `at`' });
    if (f.fault === 'partition' && f.shape === undefined) ctx.addIssue({ code: 'custom', path: ['shape'], message: `a partition needs a shape: one of ${SHAPES.join(', ')}` });
    if (f.fault !== 'partition' && f.shape !== undefined) ctx.addIssue({ code: 'custom', path: ['shape'], message: `only a partition has a shape, not ${f.fault}` });
    if (f.fault === 'clock-skew' && f.offsetMs === undefined) ctx.addIssue({ code: 'custom', path: ['offsetMs'], message: 'a clock-skew needs offsetMs (with strobe: the amplitude)' });
    if (f.fault !== 'clock-skew' && (f.offsetMs !== undefined || f.strobe !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [f.offsetMs !== undefined ? 'offsetMs' : 'strobe'], message: `only a clock-skew has offsetMs / strobe, not ${f.fault}` });
    }
    if (f.restartAfter !== undefined && f.fault !== 'kill' && f.fault !== 'kill-leader') {
      ctx.addIssue({ code: 'custom', path: ['restartAfter'], message: `only kill and kill-leader restart, not ${f.fault}` });
    }
    if (f.crash !== undefined && f.fault !== 'kill' && f.fault !== 'kill-leader') {
      ctx.addIssue({ code: 'custom', path: ['crash'], message: `only kill and kill-leader crash a node, not ${f.fault}` });
    }
    if (f.node !== undefined && !['kill', 'pause', 'clock-skew'].includes(f.fault)) {
      ctx.addIssue({ code: 'custom', path: ['node'], message: `only kill, pause and clock-skew take a node, not ${f.fault}` });
    }
  });

export const nemesisSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  schedule: z.array(faultSchema).max(N.entries.max),
});

/** The whole run's schema, with the `target:` section's schema given by the target's type. */
export function runSchema<T extends z.ZodType<TargetConfig>>(targetSchema: T) {
  return z.strictObject({
    seed: intIn(LIMITS.seed),
    target: targetSchema,
    workload: workloadSchema,
    nemesis: nemesisSchema,
    checkers: z
      .union([z.array(z.string().min(1)), z.string()])
      .transform((v) => (Array.isArray(v) ? v : v.split(',').map((s) => s.trim()).filter(Boolean)))
      .pipe(z.array(z.string()).max(LIMITS.checkers.max)),
  });
}

type ParsedFault = z.output<typeof faultSchema>;
type ParsedRun = { seed: number; target: TargetConfig; workload: z.output<typeof workloadSchema>; nemesis: z.output<typeof nemesisSchema>; checkers: string[] };

function toFault(f: ParsedFault): FaultSpec {
  const out: FaultSpec = { fault: f.fault };
  if (f.every !== undefined) out.everyMs = f.every;
  if (f.at !== undefined) out.atMs = f.at;
  if (f.duration !== undefined) out.durationMs = f.duration;
  if (f.restartAfter !== undefined) out.restartAfterMs = f.restartAfter;
  if (f.crash !== undefined) out.crash = f.crash;
  if (f.node !== undefined) out.node = f.node;
  if (f.shape !== undefined) out.shape = f.shape;
  if (f.offsetMs !== undefined) out.offsetMs = f.offsetMs;
  if (f.strobe !== undefined) out.strobe = { periodMs: f.strobe.period };
  return out;
}

/** The typed RunConfig of a validated raw object. */
export function toRunConfig(p: ParsedRun): RunConfig {
  const target = p.target;
  const w = p.workload;
  const workload: WorkloadConfig = { ...w, mix: { ...w.mix } };
  if (w.description === undefined) delete workload.description;
  if (w.maxAppendsPerKey === undefined) delete workload.maxAppendsPerKey;
  if (w.ownedKeys === undefined) delete workload.ownedKeys;
  const nemesis: NemesisConfig = { name: p.nemesis.name, description: p.nemesis.description, schedule: p.nemesis.schedule.map(toFault) };
  return { seed: p.seed, target, workload, nemesis, checkers: p.checkers };
}

/** The YAML form of a fault (inverse of toFault): SPEC's names, durations in ms. */
export function faultToYaml(f: FaultSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { fault: f.fault };
  if (f.everyMs !== undefined) out.every = f.everyMs;
  if (f.atMs !== undefined) out.at = f.atMs;
  if (f.durationMs !== undefined) out.duration = f.durationMs;
  if (f.restartAfterMs !== undefined) out.restartAfter = f.restartAfterMs;
  if (f.crash !== undefined) out.crash = f.crash;
  if (f.node !== undefined) out.node = f.node;
  if (f.shape !== undefined) out.shape = f.shape;
  if (f.offsetMs !== undefined) out.offsetMs = f.offsetMs;
  if (f.strobe !== undefined) out.strobe = { period: f.strobe.periodMs };
  return out;
}
