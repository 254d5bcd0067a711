// The schema of a target file (`type: external`, SPEC section 7): nodes and variables, lifecycle
// commands as argv arrays, readiness, fault commands, leader discovery, the client and the knobs
// the file declares (set with `--set target.KNOB=VALUE`); and its YAML form for config.yaml.

import { z } from 'zod';
import { desc, duration } from '../../config/schema.js';
import type { ExternalTargetConfig, KnobSpec, KnobValue } from '../../config/types.js';
import { CAPABILITIES, type Capability } from '../types.js';
import { COMMAND_EXTRAS, NODE_BUILTINS, knownNames, placeholdersIn } from './placeholders.js';
import { BUILTIN_CLIENTS } from './client-module.js';
import { BUILTIN_LIFECYCLES } from './lifecycle.js';
import path from 'node:path';

const MAX_NODES = 16;
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,30}$/;

const argv = z.array(z.string()).min(1, 'expected a command as an argv array, e.g. [etcd, --name, "{name}"]');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const name = z.string().regex(NAME, 'expected a name of letters, digits, - and _ (starting with a letter)');

const ready = z.union([z.strictObject({ http: z.string().min(1) }), z.strictObject({ tcp: z.string().min(1) }), z.strictObject({ command: argv })]);

const nodeEntry = z.union([name, z.strictObject({ name, vars: z.record(z.string(), scalar).optional() })]);

const knobSpec = z.strictObject({ default: scalar, values: z.array(scalar).min(1).optional(), description: z.string().optional() });

const joined = z.strictObject({ each: z.string(), join: z.string() });

const commands = z
  .strictObject({ kill: argv, restart: argv, pause: argv, resume: argv, partition: argv, heal: argv, skewClock: argv })
  .partial();

const leader = z.union([z.enum(['client', 'none']), z.strictObject({ command: argv, every: duration.optional() })]);

/** The keys of a target file other than its declared knobs. */
const KEYS = ['files', 'lifecycle', 'unsupported', 'type', 'name', 'description', 'nodes', 'vars', 'ports', 'network', 'binaries', 'start', 'init', 'commands', 'leader', 'client', 'knobs', 'clientTimeoutMs', 'settleMs', 'file'];

const base = z.object({
  type: z.literal('external'),
  name: z.string().min(1),
  description: desc,
  nodes: z.union([z.number().int().min(1).max(MAX_NODES), z.array(nodeEntry).min(1).max(MAX_NODES)]),
  vars: z.record(z.string(), z.union([scalar, joined])).default({}),
  ports: z.array(name).default([]),
  network: z.enum(['auto', 'namespaces', 'loopback']).default('auto'),
  binaries: z.record(z.string(), z.string()).default({}),
  start: z
    .strictObject({
      command: argv,
      ready: ready.optional(),
      timeoutMs: duration.default(30_000),
      env: z.record(z.string(), z.string()).default({}),
      also: z.array(z.strictObject({ command: argv, ready: ready.optional() })).default([]),
      user: name.optional(),
    })
    .optional(),
  files: z.record(z.string().min(1), z.string()).default({}),
  lifecycle: z.strictObject({ module: z.string().min(1) }).optional(),
  init: z.array(argv).optional(),
  commands: commands.default({}),
  leader: leader.default('none'),
  client: z.looseObject({ module: z.string().min(1) }),
  knobs: z.record(name, knobSpec).default({}),
  unsupported: z.partialRecord(z.enum(CAPABILITIES as unknown as [Capability, ...Capability[]]), z.string()).default({}),
  clientTimeoutMs: duration.default(2000),
  settleMs: duration.default(2000),
  file: z.string().optional(),
});

type Base = z.output<typeof base>;

/** Every other top-level key must be a declared knob with an allowed value. */
function checkKnobs(t: Record<string, unknown>, knobs: Record<string, KnobSpec>, ctx: z.RefinementCtx): Record<string, KnobValue> {
  const settings: Record<string, KnobValue> = {};
  for (const [k, spec] of Object.entries(knobs)) settings[k] = spec.default;
  for (const [k, v] of Object.entries(t)) {
    if (KEYS.includes(k)) continue;
    const spec = knobs[k];
    if (spec === undefined) {
      const known = Object.keys(knobs);
      ctx.addIssue({ code: 'custom', path: [k], message: `unknown knob ${JSON.stringify(k)}; this target's knobs: ${known.length ? known.join(', ') : 'none'}` });
      continue;
    }
    if (spec.values !== undefined ? !spec.values.includes(v as KnobValue) : typeof v !== typeof spec.default) {
      const want = spec.values !== undefined ? `one of ${spec.values.join(', ')}` : `a ${typeof spec.default}`;
      ctx.addIssue({ code: 'custom', path: [k], message: `expected ${want}, got ${JSON.stringify(v)}` });
      continue;
    }
    settings[k] = v as KnobValue;
  }
  return settings;
}

function checkShape(t: Base, ctx: z.RefinementCtx): void {
  const names = typeof t.nodes === 'number' ? [] : t.nodes.map((n) => (typeof n === 'string' ? n : n.name));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) ctx.addIssue({ code: 'custom', path: ['nodes'], message: `node ${dup} is listed twice` });
  for (const [a, b] of [['kill', 'restart'], ['pause', 'resume'], ['partition', 'heal']] as const) {
    if ((t.commands[a] === undefined) !== (t.commands[b] === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['commands', t.commands[a] ? b : a], message: `${a} and ${b} commands go together` });
    }
  }
  if (t.start !== undefined) {
    for (const c of ['kill', 'restart', 'pause', 'resume'] as const) {
      if (t.commands[c] === undefined) continue;
      ctx.addIssue({ code: 'custom', path: ['commands', c], message: `replcheck starts these nodes (start:) and ${c}s them by signal; commands.${c} is for nodes it does not start` });
    }
  }
  if (t.start === undefined && t.network === 'namespaces') {
    ctx.addIssue({ code: 'custom', path: ['network'], message: 'network: namespaces needs start: (replcheck can only put the processes it starts into namespaces)' });
  }
  checkNameClashes(t, names, ctx);
}

/** Every variable name means one thing: built-ins, ports, node vars, file vars and knobs never shadow each other. */
function checkNameClashes(t: Base, nodeNames: string[], ctx: z.RefinementCtx): void {
  void nodeNames;
  const owner = new Map<string, string>(NODE_BUILTINS.map((b) => [b, 'a built-in placeholder']));
  const claim = (name: string, what: string, path: (string | number)[]): void => {
    const prev = owner.get(name);
    if (prev !== undefined && prev !== what) ctx.addIssue({ code: 'custom', path, message: `${name} is already ${prev}; choose another name` });
    else owner.set(name, what);
  };
  t.ports.forEach((p, i) => claim(p, 'a port', ['ports', i]));
  if (typeof t.nodes !== 'number') {
    t.nodes.forEach((n, i) => {
      if (typeof n !== 'string') for (const k of Object.keys(n.vars ?? {})) claim(k, 'a node variable', ['nodes', i, 'vars', k]);
    });
  }
  for (const k of Object.keys(t.vars)) claim(k, 'a variable of the file', ['vars', k]);
  for (const k of Object.keys(t.knobs)) claim(k, 'a knob', ['knobs', k]);
}

export const externalSchema = base
  .catchall(z.unknown())
  .superRefine((t, ctx) => checkShape(t as Base, ctx))
  .transform((t, ctx): ExternalTargetConfig => {
    const b = t as Base;
    const settings = checkKnobs(t, b.knobs, ctx);
    const nodes =
      typeof b.nodes === 'number'
        ? Array.from({ length: b.nodes }, (_, i) => ({ name: `n${i + 1}`, vars: {} }))
        : b.nodes.map((n) => (typeof n === 'string' ? { name: n, vars: {} } : { name: n.name, vars: stringVars(n.vars ?? {}) }));
    const { module: named, ...options } = b.client;
    // A module that is not a built-in is a path, relative to the target file.
    const module = anchored(named, b.file, BUILTIN_CLIENTS);
    const out: ExternalTargetConfig = {
      type: 'external',
      name: b.name,
      knobs: b.knobs,
      settings,
      unsupported: b.unsupported,
      nodes,
      vars: Object.fromEntries(Object.entries(b.vars).map(([k, v]) => [k, typeof v === 'object' ? v : String(v)])),
      ports: b.ports,
      files: b.files,
      network: b.network,
      binaries: b.binaries,
      commands: b.commands,
      leader: typeof b.leader === 'string' ? b.leader : { command: b.leader.command, everyMs: b.leader.every ?? 500 },
      client: { module, options },
      clientTimeoutMs: b.clientTimeoutMs,
      settleMs: b.settleMs,
    };
    if (b.description !== undefined) out.description = b.description;
    if (b.start !== undefined) out.start = b.start;
    if (b.init !== undefined) out.init = b.init;
    if (b.lifecycle !== undefined) out.lifecycle = { module: anchored(b.lifecycle.module, b.file, BUILTIN_LIFECYCLES) };
    if (b.file !== undefined) out.file = b.file;
    checkPlaceholders(out, ctx);
    return out;
  });

/** Every `{placeholder}` in a command, probe or var names something the target defines. */
function checkPlaceholders(t: ExternalTargetConfig, ctx: z.RefinementCtx): void {
  const known = knownNames(t);
  const check = (text: string, path: (string | number)[], extra: string[] = []): void => {
    for (const p of placeholdersIn(text)) {
      if (known.includes(p) || extra.includes(p)) continue;
      ctx.addIssue({ code: 'custom', path, message: `unknown placeholder {${p}}; known: ${[...known, ...extra].join(', ')}` });
    }
  };
  const checkArgv = (argv: string[], path: (string | number)[], extra: string[] = []): void => argv.forEach((a, i) => check(a, [...path, i], extra));
  if (t.start) {
    checkArgv(t.start.command, ['start', 'command']);
    const r = t.start.ready;
    if (r && 'command' in r) checkArgv(r.command, ['start', 'ready', 'command']);
    else if (r) check('http' in r ? r.http : r.tcp, ['start', 'ready', 'http' in r ? 'http' : 'tcp']);
    for (const [k, v] of Object.entries(t.start.env)) check(v, ['start', 'env', k]);
    t.start.also.forEach((p, i) => checkArgv(p.command, ['start', 'also', i, 'command']));
  }
  t.init?.forEach((argv, i) => checkArgv(argv, ['init', i]));
  for (const [file, content] of Object.entries(t.files)) {
    check(file, ['files']);
    check(content, ['files', file]);
  }
  for (const [k, argv] of Object.entries(t.commands)) checkArgv(argv, ['commands', k], COMMAND_EXTRAS[k] ?? []);
  if (typeof t.leader === 'object') checkArgv(t.leader.command, ['leader', 'command']);
  // A plain var is per node and may not use other vars; a joined var's `each` may use plain vars.
  const fileVars = Object.keys(t.vars);
  const plain = fileVars.filter((k) => typeof t.vars[k] === 'string');
  for (const [k, v] of Object.entries(t.vars)) {
    const text = typeof v === 'string' ? v : v.each;
    const allowed = known.filter((x) => !fileVars.includes(x) || (typeof v !== 'string' && plain.includes(x)));
    for (const p of placeholdersIn(text)) {
      if (allowed.includes(p)) continue;
      const why = fileVars.includes(p) ? `{${p}} is a ${typeof t.vars[p] === 'string' ? 'plain' : 'joined'} variable, which ${typeof v === 'string' ? 'a plain variable cannot use' : 'a joined variable cannot use'}` : `unknown placeholder {${p}}; known: ${allowed.join(', ')}`;
      ctx.addIssue({ code: 'custom', path: ['vars', k, ...(typeof v === 'string' ? [] : ['each'])], message: why });
    }
  }
}

/** A module name: a built-in, or a path relative to the target file. */
function anchored(named: string, file: string | undefined, builtins: string[]): string {
  return builtins.includes(named) || path.isAbsolute(named) || file === undefined ? named : path.resolve(path.dirname(file), named);
}

function stringVars(v: Record<string, KnobValue>): Record<string, string> {
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

/** The YAML form of an external target (loads back through externalSchema to the same config). */
export function externalToYaml(t: ExternalTargetConfig): Record<string, unknown> {
  const { settings, client, leader, nodes, ...rest } = t;
  return {
    ...rest,
    nodes: nodes.map((n) => (Object.keys(n.vars).length ? { name: n.name, vars: n.vars } : n.name)),
    leader: typeof leader === 'string' ? leader : { command: leader.command, every: leader.everyMs },
    client: { module: client.module, ...client.options },
    ...settings,
  };
}
