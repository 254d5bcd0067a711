// Every knob's range (docs/knobs.md), the reserved keys that could reach a prototype, YAML alias
// bombs, checkers that do not fit the workload, and flags blamed for what they set.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deepMerge, loadRunConfig, type ConfigFlags } from '../../src/config/load.js';
import { formatMs, LIMITS } from '../../src/config/limits.js';
import { parseYaml } from '../../src/config/yamlfile.js';
import { UserError } from '../../src/errors.js';
import { userError } from '../support/user-error.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `f${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}
const load = (flags: ConfigFlags) => loadRunConfig(flags, () => 1).config;

const errorOf = (flags: ConfigFlags): string => userError(() => load(flags), JSON.stringify(flags));
const set = (...s: string[]): ConfigFlags => ({ set: s });
const schedule = (entry: string) => file(`name: s\ndescription: d\nschedule:\n  - ${entry}\n`);

describe('ranges of the design target', () => {
  const cases: [string, string, string][] = [
    // knob, a value just inside, the message for a value just outside
    ['target.nodes', '64', '--set target.nodes: expected <= 64, got 65'],
    ['target.maxLagMs', '1h', '--set target.maxLagMs: expected a duration from 0 to 1h, got "61m"'],
    ['target.failover.timeoutMs', '10', '--set target.failover.timeoutMs: expected a duration from 10ms to 1h, got 9 ms'],
    ['target.clientTimeoutMs', '1', '--set target.clientTimeoutMs: expected a duration from 1ms to 1h, got 0 ms'],
    ['target.settleMs', '1h', '--set target.settleMs: expected a duration from 0 to 1h, got "100000h"'],
    ['target.lagMs', '[0, 1h]', '--set target.lagMs: expected a duration from 0 to 1h, got "2h"'],
    ['target.latencyMs', '0', '--set target.latencyMs: expected a duration from 0 to 1h, got -1 ms'],
  ];
  const outside: Record<string, string> = {
    'target.nodes': '65',
    'target.maxLagMs': '61m',
    'target.failover.timeoutMs': '9',
    'target.clientTimeoutMs': '0',
    'target.settleMs': '100000h',
    'target.lagMs': '[0, 2h]',
    'target.latencyMs': '-1',
  };
  for (const [knob, ok, message] of cases) {
    it(`${knob}: ${ok} is accepted, ${outside[knob]} is not`, () => {
      expect(() => load(set(`${knob}=${ok}`))).not.toThrow();
      expect(errorOf(set(`${knob}=${outside[knob]}`))).toBe(message);
    });
  }

  it('quorum sizes are 1 to 64', () => {
    expect(errorOf(set('target.quorum.n=65'))).toBe('--set target.quorum.n: expected <= 64, got 65');
    expect(errorOf(set('target.quorum.w=0'))).toBe('--set target.quorum.w: expected >= 1, got 0');
  });

  it('a file names its line', () => {
    const p = file('type: memory\nfailover: { enabled: true, timeoutMs: 0, promote: any, fencing: true }\n');
    expect(errorOf({ target: p })).toBe(`${p}:2: failover.timeoutMs: expected a duration from 10ms to 1h, got 0 ms`);
  });
});

describe('ranges of the workload', () => {
  it('keys, ops, concurrency, sessionsPerUser, mix, maxAppendsPerKey', () => {
    expect(load(set('workload.keys=1000000')).workload.keys).toBe(1_000_000);
    expect(errorOf(set('workload.keys=1e12'))).toBe('--set workload.keys: expected <= 1000000, got 1000000000000');
    expect(errorOf(set('workload.keys=0'))).toBe('--set workload.keys: expected >= 1, got 0');
    expect(load(set('workload.ops=100000000')).workload.ops).toBe(100_000_000);
    expect(errorOf(set('workload.ops=100000001'))).toBe('--set workload.ops: expected <= 100000000, got 100000001');
    expect(errorOf(set('workload.concurrency=10001'))).toBe('--set workload.concurrency: expected <= 10000, got 10001');
    expect(errorOf(set('workload.sessionsPerUser=10001'))).toBe('--set workload.sessionsPerUser: expected <= 10000, got 10001');
    expect(errorOf(set('workload.mix.append=1e7'))).toBe('--set workload.mix.append: expected <= 1000000, got 10000000');
    expect(errorOf(set('workload.maxAppendsPerKey=1000001'))).toBe('--set workload.maxAppendsPerKey: expected <= 1000000, got 1000001');
  });

  it('thinkMs ends are 0 to 1h', () => {
    expect(load(set('workload.thinkMs=[0, 1h]')).workload.thinkMs).toEqual([0, 3_600_000]);
    expect(load(set('workload.thinkMs=0')).workload.thinkMs).toEqual([0, 0]);
    expect(errorOf(set('workload.thinkMs=1000h'))).toBe('--set workload.thinkMs: expected a duration from 0 to 1h, got "1000h"');
    expect(errorOf(set('workload.thinkMs=[5, 1]'))).toBe('--set workload.thinkMs: expected [low, high] with low <= high, got [5, 1]');
    expect(errorOf(set('workload.thinkMs=[1, 2, 3]'))).toBe('--set workload.thinkMs: expected a duration or [low, high], got [1,2,3]');
  });

  it('timeLimitMs is 0 (none) or 1 ms to 1,000,000 s', () => {
    expect(load(set('workload.timeLimitMs=1000000s')).workload.timeLimitMs).toBe(1e9);
    expect(errorOf(set('workload.timeLimitMs=0.5'))).toBe('--set workload.timeLimitMs: expected 0 (no limit) or a duration from 1ms to 1000000s, got 0.5 ms');
    expect(errorOf(set('workload.timeLimitMs=1000001s'))).toBe(
      '--set workload.timeLimitMs: expected 0 (no limit) or a duration from 1ms to 1000000s, got "1000001s"',
    );
  });
});

describe('ranges of the nemesis schedule', () => {
  it('periods below 1 ms (or rounding to 0) are rejected with file:line:field', () => {
    for (const every of ['1ns', '0.0001ns', '999us']) {
      const p = schedule(`{ every: ${every}, fault: heal }`);
      expect(errorOf({ nemesis: p })).toBe(`${p}:4: schedule[0].every: expected a period from 1ms to 1000000s, got "${every}"`);
    }
    const p = schedule('{ every: 1e-300, fault: heal }');
    expect(errorOf({ nemesis: p })).toBe(`${p}:4: schedule[0].every: expected a period from 1ms to 1000000s, got 1e-300 ms`);
    const z = schedule('{ every: 0s, fault: heal }');
    expect(errorOf({ nemesis: z })).toBe(`${z}:4: schedule[0].every: expected a period from 1ms to 1000000s, got "0s"`);
    const s = schedule('{ at: 1s, fault: clock-skew, offsetMs: 5, strobe: { period: 0.0001ns } }');
    expect(errorOf({ nemesis: s })).toBe(`${s}:4: schedule[0].strobe.period: expected a period from 1ms to 1000000s, got "0.0001ns"`);
    expect(load({ nemesis: schedule('{ every: 1ms, fault: heal }') }).nemesis.schedule[0].everyMs).toBe(1);
  });

  it('durations and restartAfter are never negative, NaN or infinite', () => {
    const neg = schedule('{ every: 1s, fault: pause, duration: -1 }');
    expect(errorOf({ nemesis: neg })).toBe(`${neg}:4: schedule[0].duration: expected a duration from 0 to 1000000s, got -1 ms`);
    const nan = schedule('{ every: 1s, fault: kill, restartAfter: .nan }');
    expect(errorOf({ nemesis: nan })).toBe(`${nan}:4: schedule[0].restartAfter: expected a duration like 5s, 200ms, 1m or a number of ms, got NaN`);
    const inf = schedule('{ every: 1s, fault: kill, restartAfter: .inf }');
    expect(errorOf({ nemesis: inf })).toBe(`${inf}:4: schedule[0].restartAfter: expected a duration like 5s, 200ms, 1m or a number of ms, got Infinity`);
    const str = schedule('{ every: 1s, fault: pause, duration: -1s }');
    expect(errorOf({ nemesis: str })).toBe(`${str}:4: schedule[0].duration: expected a duration like 5s, 200ms, 1m or a number of ms, got "-1s"`);
    const at = schedule('{ at: 1000001s, fault: heal }');
    expect(errorOf({ nemesis: at })).toBe(`${at}:4: schedule[0].at: expected a duration from 0 to 1000000s, got "1000001s"`);
  });

  it('offsetMs is within a day either way; a schedule has at most 1000 entries', () => {
    const p = schedule('{ every: 1s, fault: clock-skew, offsetMs: 1e12 }');
    expect(errorOf({ nemesis: p })).toBe(`${p}:4: schedule[0].offsetMs: expected <= 86400000, got 1000000000000`);
    const many = file(`name: m\ndescription: d\nschedule:\n${'  - { at: 1s, fault: heal }\n'.repeat(1001)}`);
    expect(errorOf({ nemesis: many })).toBe(`${many}:3: schedule: expected at most 1000 entries, got 1001`);
  });
});

describe('flags', () => {
  it('--ops, --time-limit, --concurrency, --seed have ranges', () => {
    expect(errorOf({ ops: '1000000000000' })).toBe('--ops: expected an integer from 0 to 100000000, got "1000000000000"');
    expect(errorOf({ timeLimit: '1e12' })).toBe('--time-limit: expected a number of seconds from 0.001 to 1000000, got "1e12"');
    expect(errorOf({ timeLimit: '0' })).toBe('--time-limit: expected a number of seconds from 0.001 to 1000000, got "0"');
    expect(errorOf({ concurrency: '10001' })).toBe('--concurrency: expected an integer from 1 to 10000, got "10001"');
    expect(errorOf({ seed: '4294967296' })).toBe('--seed: expected an integer from 0 to 4294967295, got "4294967296"');
    expect(load({ timeLimit: '0.001' }).workload).toMatchObject({ timeLimitMs: 1, ops: 0 });
    expect(load({ timeLimit: '1000000' }).workload.timeLimitMs).toBe(1e9);
  });

  it('--time-limit is blamed for what it sets, never the workload file', () => {
    expect(errorOf({ timeLimit: '1e-9' })).toBe('--time-limit: expected a number of seconds from 0.001 to 1000000, got "1e-9"');
    // Without a time limit, no op limit is blamed on --ops.
    expect(errorOf({ ops: '0' })).toBe('--ops: with ops 0 (no limit) a timeLimitMs is needed, or the run would never end');
  });
});

describe('sections that are not mappings', () => {
  it('are blamed where they were set, not on the flags that set their knobs', () => {
    expect(errorOf({ set: ['workload=false'], ops: '1' })).toBe('--set workload: expected object, got false');
    const p = file('workload: 5\n');
    expect(errorOf({ config: p, timeLimit: '2' })).toBe(`${p}:1: workload: expected object, got 5`);
  });
});

describe('checkers must exist and fit the workload', () => {
  it('a checker of another workload is bad input, naming where it was named', () => {
    expect(errorOf({ checkers: 'linearizable' })).toBe(
      '--checkers: checker "linearizable" does not apply to the append workload (only to register); for append: read-your-writes, read-your-writes-user, monotonic-reads, monotonic-writes, writes-follow-reads, lost-writes, consistent-prefix, convergence, bounded-staleness',
    );
    expect(errorOf({ workload: 'register', checkers: 'lost-writes' })).toBe(
      '--checkers: checker "lost-writes" does not apply to the register workload (only to append); for register: linearizable',
    );
    const p = file('checkers:\n  - lost-writes\n  - linearizable\n');
    expect(errorOf({ config: p })).toMatch(new RegExp(`^${p}:3: checkers\\[1\\]: checker "linearizable" does not apply`));
    expect(errorOf({ set: ['checkers=[lost-writes, linearizable]'] })).toMatch(/^--set checkers \(checkers\[1\]\): checker "linearizable" does not apply/);
  });

  it('an unknown checker is bad input, with a hint when it is close', () => {
    expect(errorOf({ checkers: 'lost-write' })).toMatch(/^--checkers: unknown checker "lost-write" \(did you mean lost-writes\?\); known: read-your-writes, /);
    expect(load({ workload: 'register', checkers: 'linearizable' }).checkers).toEqual(['linearizable']);
  });
});

describe('nothing reaches a prototype', () => {
  afterEach(() => {
    // Whatever a test tried, Object.prototype has no new property.
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('--set paths with __proto__, constructor or prototype are rejected', () => {
    expect(errorOf(set('target.__proto__.polluted=1'))).toBe(
      '--set target.__proto__.polluted: "__proto__" cannot be a config key (__proto__, constructor, prototype are reserved)',
    );
    expect(errorOf(set('target.constructor.prototype.polluted=1'))).toBe(
      '--set target.constructor.prototype.polluted: "constructor" cannot be a config key (__proto__, constructor, prototype are reserved)',
    );
    expect(errorOf(set('workload.mix.prototype=1'))).toMatch(/^--set workload\.mix\.prototype: "prototype" cannot be a config key/);
    expect(errorOf(set('nemesis.schedule[0].__proto__.polluted=1'))).toMatch(/"__proto__" cannot be a config key/);
    expect(errorOf(set('__proto__.polluted=1'))).toMatch(/"__proto__" cannot be a config key/);
  });

  it('--set values with reserved keys are rejected', () => {
    expect(errorOf(set('target.options={__proto__: {polluted: 1}}'))).toBe(
      '--set target.options: "__proto__" cannot be a config key (__proto__, constructor, prototype are reserved)',
    );
    expect(errorOf(set('target={"constructor": {"prototype": {"polluted": 1}}}'))).toMatch(/^--set target: "constructor" cannot be a config key/);
    expect(errorOf(set('target.options=[{a: {prototype: 1}}]'))).toMatch(/"prototype" cannot be a config key/);
  });

  it('YAML files with reserved keys are rejected with file:line', () => {
    const p = file('target:\n  options:\n    __proto__: { polluted: 1 }\n');
    expect(errorOf({ config: p })).toBe(`${p}:3: target.options.__proto__: "__proto__" cannot be a config key (__proto__, constructor, prototype are reserved)`);
    const q = file('nodes: 3\nconstructor: { prototype: { polluted: 1 } }\n');
    expect(errorOf({ target: q })).toBe(`${q}:2: constructor: "constructor" cannot be a config key (__proto__, constructor, prototype are reserved)`);
  });

  it('inherited names are neither read nor written through', () => {
    expect(errorOf(set('target.toString.polluted=1'))).toMatch(/^--set target\.toString(\.polluted)?: unknown knob "toString"/);
    expect(errorOf(set('nemesis.schedule.length=0'))).toBe('--set nemesis.schedule.length: nemesis.schedule is a list: expected an index like nemesis.schedule[0], got "length"');
  });

  it('deepMerge never assigns a prototype', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": 1}}') as unknown;
    expect(() => deepMerge({ a: 1 }, evil)).toThrow(UserError);
    expect(deepMerge({ a: { b: 1 } }, { a: { c: 2 } })).toEqual({ a: { b: 1, c: 2 } });
  });
});

describe('YAML that would exhaust the machine', () => {
  it('an alias bomb is one line naming the file', () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      rows.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const p = file(`${rows.join('\n')}\ntarget: *h\n`);
    expect(errorOf({ config: p })).toBe(`${p}:2: invalid YAML: aliases expand to too many nodes (more than 100 alias expansions; an alias bomb?)`);
    expect(errorOf(set(`target.options={a: &a [1,1,1,1,1,1,1,1,1,1], b: &b [${Array(10).fill('*a').join(',')}], c: [${Array(20).fill('*b').join(',')}]}`))).toBe(
      '--set target.options: the value is not valid YAML: aliases expand to too many nodes (more than 100 alias expansions; an alias bomb?)',
    );
  });

  it('an alias inside its own anchor (a circular value) is one line', () => {
    expect(errorOf(set('seed=&a [*a]'))).toBe('--set seed: the alias *a is inside its own anchor (a circular value)');
    const p = file('target:\n  options: &o\n    self: *o\n');
    expect(errorOf({ config: p })).toBe(`${p}:3: target.options.self: the alias *o is inside its own anchor (a circular value)`);
  });

  it('absurd nesting is one line', () => {
    const p = file(`target:\n  options:\n    x: ${'['.repeat(200)}${']'.repeat(200)}\n`);
    expect(errorOf({ config: p })).toMatch(new RegExp(`^${p}:3: target\\.options\\.x(\\[0\\])+: nested more than 64 levels deep$`));
    expect(() => parseYaml(`x: ${'['.repeat(20000)}${']'.repeat(20000)}`, 'deep.yaml')).toThrow(UserError);
  });
});

describe('formatMs', () => {
  it('names a bound in the unit it is a whole number of', () => {
    expect([0, 1, 10, 1000, 3_600_000, 1e9, LIMITS.nemesis.offsetMs.min].map(formatMs)).toEqual(['0', '1ms', '10ms', '1s', '1h', '1000000s', '-24h']);
  });
});
