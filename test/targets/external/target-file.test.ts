// Target files (type: external): schema errors with file:line:field, knobs, placeholders, the
// capabilities a file gets, config.yaml round trips, the client-module adapter's ok/fail/info
// mapping and deadlines, and start-up failures through the real bin (missing binary, node not ready).

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { configToYaml } from '../../../src/config/dump.js';
import { loadRunConfig } from '../../../src/config/load.js';
import type { ExternalTargetConfig } from '../../../src/config/types.js';
import { externalCapabilities } from '../../../src/targets/external/capabilities.js';
import type { ExternalClient } from '../../../src/targets/external/client-api.js';
import { completionOf, Deadlines, ExternalSession, thrownCompletion } from '../../../src/targets/external/client-module.js';
import { substitute, withFileVars } from '../../../src/targets/external/placeholders.js';
import type { Completion } from '../../../src/targets/types.js';
import { userError } from '../../support/user-error.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'replcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'replcheck-target-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function targetFile(text: string): string {
  const f = join(dir, `t${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

const MINIMAL = `type: external
name: mini
nodes: 3
ports: [port]
start:
  command: [node, -e, "setInterval(() => {}, 1000)", "{name}", "{port}"]
client: { module: ./client.mjs }
knobs:
  reads: { default: fast, values: [fast, safe] }
`;

function loadTarget(file: string, set: string[] = []): ExternalTargetConfig {
  return loadRunConfig({ target: file, set }, () => 1).config.target as ExternalTargetConfig;
}

describe('target files', () => {
  it('load with defaults: nodes n1..nN, knobs at their defaults, the client module next to the file', () => {
    const f = targetFile(MINIMAL);
    const t = loadTarget(f);
    expect(t.nodes.map((x) => x.name)).toEqual(['n1', 'n2', 'n3']);
    expect(t.settings).toEqual({ reads: 'fast' });
    expect(t.client.module).toBe(join(dir, 'client.mjs'));
    expect(loadTarget(targetFile(MINIMAL.replace('./client.mjs', 'client.mjs'))).client.module).toBe(join(dir, 'client.mjs'));
    expect(t.file).toBe(f);
    expect(t).toMatchObject({ network: 'auto', leader: 'none', clientTimeoutMs: 2000, settleMs: 2000 });
    expect(loadTarget(f, ['target.reads=safe']).settings).toEqual({ reads: 'safe' });
  });

  it('name the file, line and field of a bad knob, an unknown knob and an unknown placeholder', () => {
    const f = targetFile(MINIMAL);
    expect(userError(() => loadTarget(f, ['target.reads=slow']))).toBe('--set target.reads: expected one of fast, safe, got "slow"');
    expect(userError(() => loadTarget(f, ['target.colour=red']))).toBe('--set target.colour: unknown knob "colour"; this target\'s knobs: reads');
    const g = targetFile(MINIMAL.replace('"{port}"', '"{prot}"'));
    expect(userError(() => loadTarget(g))).toMatch(new RegExp(`^${g}:6: start\\.command\\[4\\]: unknown placeholder \\{prot\\}; known: name, index, host, dataDir`));
    const h = targetFile(`${MINIMAL}commands:\n  partition: [iptables-wrapper, "{groups}"]\n`);
    expect(userError(() => loadTarget(h))).toMatch(/commands\.heal: partition and heal commands go together$/);
    const k = targetFile(MINIMAL.replace('nodes: 3', 'nodes: [a, b, a]'));
    expect(userError(() => loadTarget(k))).toMatch(new RegExp(`^${k}:3: nodes: node a is listed twice$`));
    const clash = targetFile(MINIMAL.replace('nodes: 3', 'nodes: [{ name: a, vars: { host: 127.0.0.1 } }]'));
    expect(userError(() => loadTarget(clash))).toMatch(/nodes\[0\]\.vars\.host: host is already a built-in placeholder; choose another name$/);
    const joinedInPlain = targetFile(`${MINIMAL}vars:\n  all: { each: "{name}", join: "," }\n  bad: "x{all}"\n`);
    expect(userError(() => loadTarget(joinedInPlain))).toMatch(/vars\.bad: \{all\} is a joined variable, which a plain variable cannot use$/);
    const signalsAndCommands = targetFile(`${MINIMAL}commands:\n  kill: [docker, kill, "{name}"]\n  restart: [docker, start, "{name}"]\n`);
    expect(userError(() => loadTarget(signalsAndCommands))).toMatch(/commands\.kill: replcheck starts these nodes \(start:\) and kills them by signal/);
  });

  it('round-trip through config.yaml to the same configuration', () => {
    const f = targetFile(`${MINIMAL}vars:\n  peers: { each: "{name}={host}:{port}", join: "," }\nleader: { command: [cat, leader.txt], every: 300ms }\n`);
    const loaded = loadRunConfig({ target: f, set: ['target.reads=safe'] }, () => 5).config;
    const back = join(dir, 'config.yaml');
    writeFileSync(back, configToYaml(loaded));
    expect(loadRunConfig({ config: back }).config).toEqual(loaded);
    expect(parse(configToYaml(loaded)).target.reads).toBe('safe');
  });

  it('get the capabilities their lifecycle gives them, and no others', () => {
    const base = loadTarget(targetFile(MINIMAL));
    expect(externalCapabilities({ ...base, network: 'loopback' })).toEqual(['kill', 'pause']);
    expect(externalCapabilities({ ...base, network: 'auto', leader: 'client' })).toEqual(['kill', 'pause', 'partition', 'leader']);
    const notStarted = { ...base, network: 'loopback' as const, start: undefined };
    expect(externalCapabilities(notStarted)).toEqual([]);
    // Namespaces only hold processes replcheck starts: nodes it does not start are not partitioned by them.
    expect(externalCapabilities({ ...notStarted, network: 'auto' })).toEqual([]);
    const cmds = { kill: ['k'], restart: ['r'], partition: ['p', '{groups}'], heal: ['h'], skewClock: ['c', '{offsetMs}'] };
    expect(externalCapabilities({ ...notStarted, commands: cmds })).toEqual(['kill', 'partition', 'clock']);
  });

  it('substitute placeholders per argv element, with {{ }} for braces and joined cluster vars', () => {
    expect(substitute('--name={name} {{x}}', { name: 'n1' })).toBe('--name=n1 {x}');
    expect(() => substitute('{nope}', {})).toThrow(/unknown placeholder \{nope\}/);
    const perNode = [
      { name: 'n1', host: '10.0.0.11', port: '1' },
      { name: 'n2', host: '10.0.0.12', port: '2' },
    ];
    const vars = { url: 'http://{host}:{port}', all: { each: '{name}={url}', join: ',' } };
    expect(withFileVars({ vars }, perNode)).toEqual([
      { ...perNode[0], url: 'http://10.0.0.11:1', all: 'n1=http://10.0.0.11:1,n2=http://10.0.0.12:2' },
      { ...perNode[1], url: 'http://10.0.0.12:2', all: 'n1=http://10.0.0.11:1,n2=http://10.0.0.12:2' },
    ]);
  });
});

describe('the client-module adapter', () => {
  const append = { f: 'append' as const, key: 'k', value: 7 };
  const read = { f: 'read' as const, key: 'k', value: null };

  it('maps results and thrown errors to ok / fail / info', () => {
    expect(completionOf(append, { type: 'ok', node: 'n2' })).toEqual({ type: 'ok', value: 7, node: 'n2' });
    expect(completionOf(read, { type: 'ok', value: [1, 7] })).toEqual({ type: 'ok', value: [1, 7] });
    expect(completionOf(read, { type: 'ok' })).toMatchObject({ type: 'fail', error: 'client module returned an ok read without a value' });
    expect(completionOf(append, { type: 'maybe' })).toMatchObject({ type: 'info' });
    expect(completionOf(append, undefined)).toMatchObject({ type: 'info' });
    expect(thrownCompletion(append, Object.assign(new Error('refused'), { definite: true }))).toEqual({ type: 'fail', value: 7, error: 'refused' });
    expect(thrownCompletion(append, new Error('socket hang up'))).toEqual({ type: 'info', value: 7, error: 'socket hang up' });
    expect(thrownCompletion(read, new Error('socket hang up'))).toEqual({ type: 'fail', value: null, error: 'socket hang up' });
  });

  function run(client: Partial<ExternalClient>, op: typeof append | typeof read, timeoutMs: number): Promise<{ calls: Completion[]; signal?: AbortSignal }> {
    const calls: Completion[] = [];
    let signal: AbortSignal | undefined;
    const full: ExternalClient = {
      finalRead: async () => null,
      invoke: async (o, ctx) => {
        signal = ctx.signal;
        return client.invoke!(o, ctx);
      },
    };
    let holds = 0;
    new ExternalSession({ client: full, deadlines: new Deadlines(timeoutMs), hold: () => (holds++, () => holds--), later: (fn) => setImmediate(fn) }, { process: 1, session: 's1' }).invoke(op, (c) => calls.push(c));
    return new Promise((resolve) => setTimeout(() => resolve({ calls, signal }), timeoutMs + 150)).then((r) => {
      expect(holds).toBe(0);
      return r as { calls: Completion[]; signal?: AbortSignal };
    });
  }

  it('gives exactly one completion: a module that answers after the deadline is recorded as a timeout, its signal aborted', async () => {
    const slow = (value: unknown) => ({ invoke: () => new Promise<never>((r) => setTimeout(() => r({ type: 'ok', value } as never), 120)) });
    const w = await run(slow(7), append, 40);
    expect(w.calls).toEqual([{ type: 'info', value: 7, error: 'timeout' }]);
    expect(w.signal?.aborted).toBe(true);
    const r = await run(slow([1]), read, 40);
    expect(r.calls).toEqual([{ type: 'fail', value: null, error: 'timeout' }]);
    const sync = await run({ invoke: () => { throw new Error('bug in module'); } }, append, 40);
    expect(sync.calls).toEqual([{ type: 'info', value: 7, error: 'bug in module' }]);
  });

  it('makes the signal only for a module that reads it: aborted when read after the deadline, never after an answer in time', async () => {
    let late: AbortSignal | undefined;
    let early: { signal: AbortSignal } | undefined;
    const lateReader = { invoke: (_o: unknown, ctx: { signal: AbortSignal }) => new Promise<never>((r) => setTimeout(() => ((late = ctx.signal), r({ type: 'ok', value: 7 } as never)), 120)) };
    new ExternalSession({ client: { finalRead: async () => null, invoke: lateReader.invoke as never }, deadlines: new Deadlines(40), hold: () => () => undefined, later: (fn) => setImmediate(fn) }, { process: 1, session: 's1' }).invoke(append, () => undefined);
    const quick = { finalRead: async () => null, invoke: async (_o: unknown, ctx: { signal: AbortSignal }) => ((early = ctx), { type: 'ok' as const, value: 7 }) };
    const done: Completion[] = [];
    new ExternalSession({ client: quick as never, deadlines: new Deadlines(40), hold: () => () => undefined, later: (fn) => setImmediate(fn) }, { process: 2, session: 's2' }).invoke(append, (c) => done.push(c));
    await new Promise((r) => setTimeout(r, 200));
    expect(late?.aborted).toBe(true);
    expect(done).toEqual([{ type: 'ok', value: 7 }]);
    // (read after the answer: the op ended in time, so its signal is not aborted)
    expect(early!.signal.aborted).toBe(false);
  });
});

describe('Deadlines: every session\'s op deadline on one timer', () => {
  it('ends a hung op after its timeout, never before, while quick ops of another session never time out; then stops its timer', async () => {
    const append = { f: 'append' as const, key: 'k', value: 7 };
    const deadlines = new Deadlines(80);
    const env = (invoke: ExternalClient['invoke']) => ({ client: { finalRead: async () => null, invoke }, deadlines, hold: () => () => undefined, later: (fn: () => void) => setImmediate(fn) });
    const t0 = performance.now();
    let hungAt = 0;
    const hung: Completion[] = [];
    new ExternalSession(env(() => new Promise<never>(() => undefined)), { process: 1, session: 's1' }).invoke(append, (c) => ((hungAt = performance.now() - t0), hung.push(c)));
    expect(deadlines.ticking).toBe(true);
    // 30 ops one after another, 5 ms each: 150 ms in all, each well within its own 80 ms
    const quick = new ExternalSession(env(() => new Promise((r) => setTimeout(() => r({ type: 'ok', value: 7 }), 5))), { process: 2, session: 's2' });
    const quickDone: Completion[] = [];
    await new Promise<void>((resolve) => {
      const next = (): void => (quickDone.length < 30 ? quick.invoke(append, (c) => (quickDone.push(c), next())) : resolve());
      next();
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(quickDone).toHaveLength(30);
    expect(quickDone.every((c) => c.type === 'ok')).toBe(true);
    expect(hung).toEqual([{ type: 'info', value: 7, error: 'timeout' }]);
    expect(hungAt).toBeGreaterThanOrEqual(80);
    expect(hungAt).toBeLessThan(80 + 10 + 60); // one tick (1/8 of the timeout) late at most, and the timers' slack
    expect(deadlines.ticking).toBe(false); // nothing in flight: its timer stopped
  });
});

describe('start-up failures through the bin (exit 2, nothing left)', () => {
  function replcheck(args: string[], tmp: string) {
    return execa('node', [BIN, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1', TMPDIR: tmp } });
  }

  it('a missing binary names the command that installs it', async () => {
    const f = targetFile(`${MINIMAL}binaries: { no-such-db-server: "apt-get install -y no-such-db" }\n`);
    writeFileSync(join(dir, 'client.mjs'), 'export async function open() { return { invoke: async () => ({ type: "ok" }), finalRead: async () => [] }; }\n');
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const r = await replcheck(['run', '--target', f, '--time-limit', '1'], tmp);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('replcheck: target.binaries.no-such-db-server: no-such-db-server is not installed; install it with: apt-get install -y no-such-db');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a node that does not come up names the node and the last lines of its log', async () => {
    const f = targetFile(
      MINIMAL.replace(
        'command: [node, -e, "setInterval(() => {}, 1000)", "{name}", "{port}"]',
        'command: [node, -e, "if (process.argv[1] === \'n2\') { console.error(\'boom: cannot bind \' + process.argv[2]); process.exit(3) } setInterval(() => {}, 1000)", "{name}", "{port}"]',
      ) + 'network: loopback\n',
    );
    writeFileSync(join(dir, 'client.mjs'), 'export async function open() { return { invoke: async () => ({ type: "ok" }), finalRead: async () => [] }; }\n');
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const r = await replcheck(['run', '--target', f, '--time-limit', '1'], tmp);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(/^replcheck: target\.start: node n2 did not start: it exited \(code 3\); its log ends: boom: cannot bind \d+ \(rerun with --keep to keep its log\)$/);
    expect(readdirSync(tmp)).toEqual([]);
    const ps = (await execa('ps', ['-eo', 'args'])).stdout;
    expect(ps).not.toContain(tmp);
  });

  it('a client module without open() is bad input', async () => {
    const f = targetFile(`${MINIMAL}network: loopback\n`.replace('./client.mjs', './no-open.mjs'));
    writeFileSync(join(dir, 'no-open.mjs'), 'export const x = 1;\n');
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const r = await replcheck(['run', '--target', f, '--time-limit', '1'], tmp);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`replcheck: target.client.module: client module ${join(dir, 'no-open.mjs')} exports no open(ctx) function`);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
