// Mutated configurations (random --set paths and values, random flags, mutated and random YAML
// files) through loadRunConfig, in-process for speed: each is accepted (the run would exit 0, 1
// or 3) or is one UserError line (exit 2); never another error ("internal error", a stack), and
// never a change to Object.prototype.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { configToYaml } from '../../src/config/dump.js';
import { loadRunConfig, type ConfigFlags } from '../../src/config/load.js';
import { isUserError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

/** The exit code the CLI would give: 0 stands for "accepted, the run would start". */
function outcome(flags: ConfigFlags): { code: number; message?: string } {
  try {
    loadRunConfig(flags, () => 7);
    return { code: 0 };
  } catch (e) {
    if (isUserError(e)) return { code: 2, message: `replcheck: ${e.describe()}` };
    return { code: -1, message: `internal error: ${(e as Error)?.stack ?? String(e)}` };
  }
}

function expectClean(flags: ConfigFlags): void {
  const r = outcome(flags);
  expect([0, 2], `${JSON.stringify(flags)} -> ${r.message}`).toContain(r.code);
  if (r.message !== undefined) {
    expect(r.message.split('\n'), r.message).toHaveLength(1);
    expect(r.message).not.toMatch(/internal error|\n\s+at |Maximum call stack/);
    expect(r.message.length).toBeLessThan(2000);
  }
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_NAMES);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

const SEGMENTS = [
  'target', 'workload', 'nemesis', 'checkers', 'seed', 'nodes', 'topology', 'replication', 'readFrom', 'maxLagMs', 'failover',
  'timeoutMs', 'enabled', 'fencing', 'promote', 'quorum', 'n', 'w', 'r', 'lagMs', 'latencyMs', 'clientTimeoutMs', 'settleMs',
  'options', 'keys', 'ops', 'timeLimitMs', 'concurrency', 'thinkMs', 'mix', 'append', 'read', 'cas', 'schedule', 'every', 'at',
  'duration', 'restartAfter', 'strobe', 'period', 'offsetMs', 'fault', 'shape', 'node', 'kind', 'type', 'name', 'description',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'length', '0', '1', '[0]', '[1]', '[99]', '', 'x[0]',
];
const VALUES = [
  '0', '-1', '1', '1e12', '1e-300', '1e400', '-0', '.nan', '.inf', '-.inf', '1ns', '0.0001ns', '999us', '1ms', '1h', '1000h',
  '100000h', 'true', 'false', 'null', '~', '', '[]', '{}', '[1, 2, 3]', '[5, 1]', '[0, 1h]', 'sync', 'memory', 'external',
  'register', 'kill-leader', 'none', 'linearizable', 'lost-writes,linearizable', '{__proto__: {polluted: 1}}',
  '{"constructor": {"prototype": {"polluted": 1}}}', '[{every: 1ns, fault: heal}]', '[{at: 0, fault: heal}]', '&a [*a]', '*b',
  '{a: &a [1,1,1,1,1,1,1,1,1,1], b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], c: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]}',
  `${'['.repeat(100)}${']'.repeat(100)}`, `${'['.repeat(5000)}${']'.repeat(5000)}`, '"unterminated', '[1, 2', '{a: 1, a: 2}',
  '!!binary aGVsbG8=', '0x10', '9007199254740993',
];

/** Real knob paths (so most mutations get past the section and knob names to the values). */
const KNOWN_PATHS = [
  'seed', 'checkers', 'target.nodes', 'target.topology', 'target.replication', 'target.readFrom', 'target.maxLagMs',
  'target.failover.timeoutMs', 'target.failover.enabled', 'target.failover.promote', 'target.quorum.n', 'target.quorum.w',
  'target.lagMs', 'target.lagMs[1]', 'target.latencyMs', 'target.clientTimeoutMs', 'target.settleMs', 'target.options',
  'target.options.startTimeoutMs', 'target.type', 'workload.keys', 'workload.ops', 'workload.timeLimitMs', 'workload.concurrency',
  'workload.sessionsPerUser', 'workload.thinkMs', 'workload.thinkMs[0]', 'workload.mix.append', 'workload.mix.cas', 'workload.kind',
  'workload.nondeterministic', 'workload.maxAppendsPerKey', 'nemesis.schedule', 'nemesis.schedule[0]', 'nemesis.schedule[0].every',
  'nemesis.schedule[0].fault', 'nemesis.schedule[0].duration', 'nemesis.schedule[0].restartAfter', 'nemesis.schedule[0].strobe.period',
  'nemesis.schedule[0].offsetMs', 'nemesis.schedule[1].at', 'nemesis.name', 'target', 'workload', 'nemesis',
];
const segment = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SEGMENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
const setPath = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_PATHS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_PATHS), segment).map(([p, x]) => `${p}.${x}`) },
  { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')) },
);
const value = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const setItem = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(setPath, value).map(([p, v]) => `${p}=${v}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const flagValue = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 500 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1e-9', '1e12', '1000000000000', '0.5', '100000000', '100000001', 'abc', '', ' 3 ', 'NaN', 'Infinity') },
  { weight: 1, arbitrary: fc.integer({ min: -10, max: 2 ** 40 }).map(String) },
);
const flags: fc.Arbitrary<ConfigFlags> = fc.record(
  {
    set: fc.array(setItem, { maxLength: 4 }),
    ops: flagValue,
    timeLimit: flagValue,
    concurrency: flagValue,
    seed: flagValue,
    checkers: fc.constantFrom('linearizable', 'lost-writes', 'lost-write', 'read-your-writes,linearizable', ''),
    workload: fc.constantFrom('append', 'register', 'append', 'nope'),
    nemesis: fc.constantFrom('none', 'chaos', 'clock-skew', 'kill-leader', 'nope'),
    target: fc.constantFrom('memory', 'memory-leaderless', 'memory-sync', 'http', 'nope'),
  },
  { requiredKeys: ['set'] },
);

/** A valid config.yaml, the starting point of file mutations. */
const BASE_LINES = configToYaml(loadRunConfig({ nemesis: 'chaos' }, () => 1).config).split('\n');

const mutatedYaml = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constant('replace' as const), fc.nat(), value),
      fc.tuple(fc.constant('delete' as const), fc.nat(), fc.constant('')),
      fc.tuple(fc.constant('insert' as const), fc.nat(), fc.tuple(segment, value).map(([k, v]) => `  ${k}: ${v}`)),
      fc.tuple(fc.constant('garble' as const), fc.nat(), fc.string({ maxLength: 6 })),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => {
    const lines = [...BASE_LINES];
    for (const [op, at, text] of edits) {
      const i = at % Math.max(1, lines.length);
      if (op === 'delete') lines.splice(i, 1);
      else if (op === 'insert') lines.splice(i, 0, text);
      else if (op === 'garble') lines[i] = (lines[i] ?? '') + text;
      else {
        const m = /^(\s*-?\s*[^:]*:)\s/.exec(lines[i] ?? '');
        lines[i] = m ? `${m[1]} ${text}` : text;
      }
    }
    return lines.join('\n');
  });

function withFile(text: string): ConfigFlags {
  const p = join(dir, `c${n++}.yaml`);
  writeFileSync(p, text);
  return { config: p };
}

describe('mutated configurations never crash the loader', () => {
  it('random --set paths and values, random flags', () => {
    let accepted = 0;
    fc.assert(
      fc.property(flags, (f) => {
        expectClean(f);
        if (outcome(f).code === 0) accepted++;
      }),
      { numRuns: 400 },
    );
    // The mutations reach valid configurations too, not only the first check that fails.
    expect(accepted).toBeGreaterThan(0);
  });

  it('mutated config.yaml files', () => {
    fc.assert(fc.property(mutatedYaml, (text) => expectClean(withFile(text))), { numRuns: 300 });
  });

  it('random YAML documents as --config, --target, --workload and --nemesis files', () => {
    const doc = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
      fc.dictionary(fc.constantFrom('target', 'workload', 'nemesis', 'checkers', 'seed', '__proto__'), fc.jsonValue({ maxDepth: 3 })).map((d) => JSON.stringify(d)),
      fc.string({ maxLength: 60 }),
    );
    const kind = fc.constantFrom('config', 'target', 'workload', 'nemesis') as fc.Arbitrary<'config' | 'target' | 'workload' | 'nemesis'>;
    fc.assert(
      fc.property(doc, kind, (text, k) => {
        const p = withFile(text).config!;
        expectClean({ [k]: p });
      }),
      { numRuns: 300 },
    );
  });
});
