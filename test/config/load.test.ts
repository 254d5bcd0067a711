// Config loading: presets, --config + --set + flags precedence, YAML values, and every error path
// as a one-line UserError naming file, line and field.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesignConfig } from '../../src/config/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { configToYaml } from '../../src/config/dump.js';
import { parseDurationMs } from '../../src/config/duration.js';
import { loadRunConfig, parseSetPath, type ConfigFlags } from '../../src/config/load.js';
import { listPresets, presetNames } from '../../src/config/presets.js';
import { UserError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const load = (flags: ConfigFlags) => loadRunConfig(flags, () => 4242).config;

function errorOf(flags: ConfigFlags): UserError {
  try {
    load(flags);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('durations', () => {
  it('reads 5s, 200ms, 1m, 1.5s and plain numbers as milliseconds', () => {
    expect(parseDurationMs('5s')).toBe(5000);
    expect(parseDurationMs('200ms')).toBe(200);
    expect(parseDurationMs('1m')).toBe(60000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs(250)).toBe(250);
    expect(parseDurationMs('soon')).toBeUndefined();
    expect(parseDurationMs(-1)).toBeUndefined();
  });
});

describe('defaults and presets', () => {
  it('the default run is memory + append + no nemesis, seed from the source', () => {
    const { config, shortName } = loadRunConfig({}, () => 99);
    expect(config.seed).toBe(99);
    expect(config.target).toMatchObject({ type: 'memory', name: 'memory', nodes: 3, topology: 'single-leader', replication: 'async', readFrom: 'any' });
    expect(config.workload).toMatchObject({ kind: 'append', name: 'append', ops: 2000 });
    expect(config.nemesis).toEqual({ name: 'none', description: 'no faults', schedule: [] });
    expect(config.checkers).toEqual([]);
    expect(shortName).toBe('memory-append-none');
  });

  it('every preset file loads and validates', () => {
    for (const w of presetNames('workload')) expect(load({ workload: w }).workload.name).toBe(w);
    for (const n of presetNames('nemesis')) expect(load({ nemesis: n }).nemesis.name).toBe(n);
    for (const t of presetNames('target')) expect(load({ target: t }).target.name).toBe(t);
    expect(presetNames('nemesis')).toEqual(
      expect.arrayContaining(['none', 'kill-leader', 'pause-leader', 'partition-leader', 'partition-majority', 'partition-random', 'clock-skew', 'chaos']),
    );
    expect(listPresets('workload').every((p) => p.description.length > 0)).toBe(true);
  });

  it('maps schedule names to ms fields', () => {
    const c = load({ nemesis: 'partition-leader' });
    expect(c.nemesis.schedule).toEqual([{ fault: 'partition', everyMs: 5000, durationMs: 2000, shape: 'isolate-leader' }]);
    const k = load({ nemesis: 'kill-leader' });
    expect(k.nemesis.schedule[0]).toEqual({ fault: 'kill-leader', everyMs: 3000, restartAfterMs: 1000 });
    const s = load({ nemesis: 'clock-skew' });
    expect(s.nemesis.schedule[1]).toMatchObject({ atMs: 1000, everyMs: 10000, strobe: { periodMs: 100 }, offsetMs: -2000 });
  });

  it('a preset of a partial target file is merged over the built-in defaults', () => {
    const c = load({ target: 'memory-sync' });
    expect(c.target).toMatchObject({ replication: 'sync', readFrom: 'leader', nodes: 3, settleMs: 2000 });
  });

  it('a target, workload or nemesis may be a path', () => {
    const n = file('mine.yaml', 'description: mine\nschedule:\n  - { at: 1s, fault: heal }\n');
    const c = load({ nemesis: n });
    expect(c.nemesis).toEqual({ name: 'mine', description: 'mine', schedule: [{ fault: 'heal', atMs: 1000 }] });
  });
});

describe('precedence: --config < --set < flags', () => {
  const cfg = file(
    'run.yaml',
    [
      'seed: 7',
      'target:',
      '  replication: semi-sync',
      '  lagMs: [1, 2]',
      'workload: register',
      'nemesis:',
      '  name: mine',
      '  description: kill a node',
      '  schedule:',
      '    - { every: 2s, fault: kill, node: n2, restartAfter: 500ms }',
      'checkers: [linearizable]',
      '',
    ].join('\n'),
  );

  it('reads every section of --config', () => {
    const c = load({ config: cfg });
    expect(c.seed).toBe(7);
    expect(c.target).toMatchObject({ replication: 'semi-sync', lagMs: [1, 2], readFrom: 'any' });
    expect(c.workload.kind).toBe('register');
    expect(c.nemesis.schedule).toEqual([{ fault: 'kill', everyMs: 2000, node: 'n2', restartAfterMs: 500 }]);
    expect(c.checkers).toEqual(['linearizable']);
  });

  it('--set values are YAML and override the file; flags override both', () => {
    const c = load({
      config: cfg,
      set: ['target.replication=async', 'target.lagMs=[10,100]', 'target.failover.fencing=false', 'workload.ops=50', 'nemesis.schedule[0].node=n3'],
      ops: '75',
      seed: '8',
      concurrency: '3',
      timeLimit: '2.5',
    });
    const t = c.target as DesignConfig;
    expect(t.replication).toBe('async');
    expect(t.lagMs).toEqual([10, 100]);
    expect(t.failover.fencing).toBe(false);
    expect(c.workload.ops).toBe(75);
    expect(c.workload.concurrency).toBe(3);
    expect(c.workload.timeLimitMs).toBe(2500);
    expect(c.nemesis.schedule[0].node).toBe('n3');
    expect(c.seed).toBe(8);
  });

  it('a section changed on the command line loses its preset description', () => {
    expect(load({}).target.description).toMatch(/async/);
    expect(load({ set: ['target.replication=sync'] }).target.description).toBeUndefined();
    expect(load({ ops: '10' }).workload.description).toBeUndefined();
    expect(load({ nemesis: 'kill-leader', set: ['nemesis.schedule[0].restartAfter=2s'] }).nemesis.description).toMatch(/\(modified\)$/);
  });

  it('a path in a config file is relative to that file', () => {
    file('sub-nemesis.yaml', 'description: local\nschedule:\n  - { at: 2s, fault: heal }\n');
    const c = load({ config: file('uses-sub.yaml', 'nemesis: ./sub-nemesis.yaml\n') });
    expect(c.nemesis).toMatchObject({ name: 'sub-nemesis', description: 'local' });
  });

  it('a --workload flag replaces the file section (checkers must still fit it)', () => {
    expect(load({ config: cfg, workload: 'append', checkers: 'lost-writes' }).workload.kind).toBe('append');
    // The file's `checkers: [linearizable]` does not apply to the append workload: blamed on its line.
    expect(errorOf({ config: cfg, workload: 'append' }).describe()).toMatch(
      new RegExp(`^${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:11: checkers\\[0\\]: checker "linearizable" does not apply to the append workload \\(only to register\\)`),
    );
  });

  it('--set SECTION=NAME loads a preset', () => {
    expect(load({ set: ['nemesis=kill-leader'] }).nemesis.name).toBe('kill-leader');
    expect(load({ set: ['target=memory-sync', 'target.nodes=5'] }).target).toMatchObject({ name: 'memory-sync', nodes: 5, replication: 'sync' });
  });

  it('--time-limit alone lifts the op limit', () => {
    const c = load({ timeLimit: '10' });
    expect(c.workload).toMatchObject({ ops: 0, timeLimitMs: 10000 });
  });

  it('--checkers takes a comma list', () => {
    expect(load({ checkers: 'read-your-writes, lost-writes' }).checkers).toEqual(['read-your-writes', 'lost-writes']);
  });

  it('parses --set paths', () => {
    expect(parseSetPath('nemesis.schedule[0].shape')).toEqual(['nemesis', 'schedule', 0, 'shape']);
    expect(parseSetPath('nemesis.schedule.1.at')).toEqual(['nemesis', 'schedule', 1, 'at']);
  });
});

describe('round trip', () => {
  it('config.yaml loads back into the same RunConfig', () => {
    for (const flags of [
      {},
      { nemesis: 'chaos', target: 'memory-leaderless' },
      { workload: 'register', nemesis: 'clock-skew' },
      { set: ['target.replication=sync', 'nemesis=kill-leader', 'nemesis.schedule[0].every=2s'], ops: '10', timeLimit: '3' },
      { target: 'memory-trigger-log', set: ['nemesis=kill-leader', 'nemesis.schedule[0].crash=process'] },
    ] as ConfigFlags[]) {
      const c = load(flags);
      const p = file('effective.yaml', configToYaml(c));
      expect(load({ config: p })).toEqual(c);
    }
  });
});

describe('errors name the file, line and field', () => {
  it('a bad enum in a nemesis file', () => {
    const p = file('x.yaml', 'name: x\ndescription: bad\nschedule:\n  - { every: 5s, fault: partition, shape: diagonal, duration: 2s }\n');
    const e = errorOf({ nemesis: p });
    expect(e.describe()).toBe(`${p}:4: schedule[0].shape: expected one of isolate-leader, majority-minority, halves, bridge, random, got "diagonal"`);
  });

  it('an unknown knob in a --config file', () => {
    const p = file('knob.yaml', 'target:\n  nodes: 3\n  replicaton: async\n');
    const e = errorOf({ config: p });
    expect(e.describe()).toBe(`${p}:3: target.replicaton: unknown knob "replicaton" (did you mean replication?)`);
    const q = file('knob2.yaml', 'schedule:\n  - { every: 1s, fault: kill, restart_after: 1s }\n');
    expect(errorOf({ nemesis: q }).describe()).toBe(`${q}:2: schedule[0].restart_after: unknown knob "restart_after" (did you mean restartAfter?)`);
  });

  it('a bad duration', () => {
    const p = file('dur.yaml', 'schedule:\n  - fault: kill-leader\n    every: soon\n');
    expect(errorOf({ nemesis: p }).describe()).toMatch(new RegExp(`^${p}:3: schedule\\[0\\]\\.every: expected a duration like 5s, 200ms, 1m or a number of ms, got "soon"$`));
  });

  it('a malformed schedule entry (neither every nor at; partition without shape)', () => {
    const p = file('noevery.yaml', 'schedule:\n  - { fault: kill }\n');
    expect(errorOf({ nemesis: p }).describe()).toBe(`${p}:2: schedule[0].every: a schedule entry needs \`every\` or \`at\``);
    const q = file('noshape.yaml', 'schedule:\n  - { every: 1s, fault: partition }\n');
    expect(errorOf({ nemesis: q }).describe()).toMatch(/noshape\.yaml:2: schedule\[0\]\.shape: a partition needs a shape/);
    const r = file('notalist.yaml', 'schedule: {every: 1s}\n');
    expect(errorOf({ nemesis: r }).describe()).toMatch(/notalist\.yaml:1: schedule: expected array, got/);
  });

  it('a wrong type and a bad range in a target file', () => {
    const p = file('t.yaml', 'type: memory\nnodes: three\n');
    expect(errorOf({ target: p }).describe()).toBe(`${p}:2: nodes: expected number, got "three"`);
    const q = file('t2.yaml', 'lagMs: [100, 10]\n');
    expect(errorOf({ target: q }).describe()).toMatch(/t2\.yaml:1: lagMs: expected \[low, high\] with low <= high/);
    const r = file('t3.yaml', 'quorum: { n: 3, w: 4, r: 1, readRepair: false }\n');
    expect(errorOf({ target: r }).describe()).toMatch(/t3\.yaml:1: quorum\.w: w \(4\) cannot exceed n \(3\)/);
  });

  it('invalid YAML names the line', () => {
    const p = file('broken.yaml', 'target:\n  nodes: 3\n  lagMs: [1, 2\n');
    const e = errorOf({ config: p });
    expect(e.file).toBe(p);
    expect(e.line).toBeGreaterThan(0);
    expect(e.describe()).toMatch(/invalid YAML/);
  });

  it('an unknown section, preset or file', () => {
    expect(errorOf({ config: file('sec.yaml', 'targets: {}\n') }).describe()).toMatch(/sec\.yaml:1: targets: unknown section "targets"/);
    expect(errorOf({ nemesis: 'partition-everything' }).describe()).toMatch(/^--nemesis: unknown nemesis "partition-everything"; expected a file or one of .*kill-leader/);
    expect(errorOf({ workload: './nope.yaml' }).describe()).toMatch(/no such file/);
    expect(errorOf({ config: join(dir, 'missing.yaml') }).describe()).toMatch(/missing\.yaml: cannot read: ENOENT/);
  });

  it('--set errors name the override', () => {
    expect(errorOf({ set: ['target.replication=asink'] }).describe()).toBe('--set target.replication: expected one of sync, async, semi-sync, got "asink"');
    expect(errorOf({ set: ['target.nodez=3'] }).describe()).toBe('--set target.nodez: unknown knob "nodez" (did you mean nodes?)');
    expect(errorOf({ set: ['target.zzzzzz=3'] }).describe()).toBe('--set target.zzzzzz: unknown knob "zzzzzz"');
    expect(errorOf({ set: ['replication'] }).describe()).toMatch(/^--set: expected PATH=VALUE/);
    expect(errorOf({ set: ['tarket.nodes=3'] }).describe()).toMatch(/^--set tarket.nodes: unknown section "tarket"/);
    expect(errorOf({ set: ['target.lagMs=[1, 2'] }).describe()).toMatch(/^--set target.lagMs: the value is not valid YAML/);
    expect(errorOf({ set: ['nemesis.schedule[3].fault=kill'] }).describe()).toMatch(/past the end/);
  });

  it('flag errors name the flag', () => {
    expect(errorOf({ seed: 'abc' }).describe()).toBe('--seed: expected an integer from 0 to 4294967295, got "abc"');
    expect(errorOf({ ops: '-5' }).describe()).toBe('--ops: expected an integer from 0 to 100000000, got "-5"');
    expect(errorOf({ concurrency: '0' }).describe()).toBe('--concurrency: expected an integer from 1 to 10000, got "0"');
    expect(errorOf({ timeLimit: 'x' }).describe()).toBe('--time-limit: expected a number of seconds from 0.001 to 1000000, got "x"');
  });

  it('crash: host | process on kill entries (SPEC 9)', () => {
    const ok = file('crash.yaml', 'name: c\ndescription: d\nschedule:\n  - { every: 3s, fault: kill-leader, restartAfter: 1s, crash: process }\n  - { every: 5s, fault: kill }\n');
    expect(load({ nemesis: ok }).nemesis.schedule).toEqual([{ fault: 'kill-leader', everyMs: 3000, restartAfterMs: 1000, crash: 'process' }, { fault: 'kill', everyMs: 5000 }]);
    const bad = file('crash-bad.yaml', 'schedule:\n  - { every: 3s, fault: kill-leader, crash: power }\n');
    expect(errorOf({ nemesis: bad }).describe()).toBe(
      `${bad}:2: schedule[0].crash: expected one of host, process, got "power"`,
    );
    const wrong = file('crash-pause.yaml', 'schedule:\n  - { every: 3s, fault: pause, crash: host }\n');
    expect(errorOf({ nemesis: wrong }).describe()).toMatch(/crash-pause\.yaml:2: schedule\[0\]\.crash: only kill and kill-leader crash a node, not pause/);
  });

  it('log: mixed and trigger; trigger settings default and are checked', () => {
    expect(load({ set: ['target.log=mixed'] }).target).toMatchObject({ log: 'mixed' });
    const t = load({ target: 'memory-trigger-log' }).target as DesignConfig;
    expect(t.log).toBe('trigger');
    expect(t.trigger).toEqual({ keys: ['k*0', 'k*2', 'k*4', 'k*6', 'k*8'], batchMs: 200, batchSize: 100 });
    expect((load({ set: ['target.log=trigger', 'target.trigger={batchMs: 1s}'] }).target as DesignConfig).trigger).toEqual({ keys: ['*'], batchMs: 1000, batchSize: 100 });
    expect(errorOf({ target: 'memory-trigger-log', set: ['target.replication=sync'] }).describe()).toMatch(/replication: log: trigger is asynchronous by nature .* use replication: async, not sync/);
    expect(errorOf({ set: ['target.log=trigger', 'target.topology=leaderless'] }).describe()).toMatch(/log: trigger replicates from a single leader/);
    expect(errorOf({ target: 'http', set: ['target.log=trigger'] }).describe()).toMatch(/log: trigger is simulated by the memory target only/);
    expect(errorOf({ target: 'memory-trigger-log', set: ['target.trigger.batchSize=1000'] }).describe()).toMatch(/trigger\.batchSize/);
  });

  it('a workload mix that does not fit its kind', () => {
    const p = file('w.yaml', 'kind: register\nmix: { append: 1 }\n');
    expect(errorOf({ workload: p }).describe()).toMatch(/w\.yaml:2: mix\.append: the register workload has no append ops/);
  });
});
