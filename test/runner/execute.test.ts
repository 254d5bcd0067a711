// The runner against a fake target: a well-formed history with final reads, new process ids after
// info, determinism per seed, abort leaves a well-formed prefix, and a property test over random
// configs and schedules.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DesignConfig } from '../../src/config/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, defaultWorkload } from '../../src/config/defaults.js';
import type { FaultSpec, RunConfig } from '../../src/config/types.js';
import { readJsonlHistory } from '../../src/history/jsonl.js';
import { executeRun } from '../../src/runner/execute.js';
import { metricsJson, runTest } from '../../src/runner/run.js';
import { createFakeTarget } from './fake-target.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = () => join(dir, `h${n++}.jsonl`);
const fake = (c: RunConfig, rng: import('../../src/rng.js').Rng) => createFakeTarget(c.target as DesignConfig, rng, c.workload.kind);

function config(patch: Partial<RunConfig['workload']> = {}, schedule: FaultSpec[] = [], seed = 1): RunConfig {
  const c = defaultRunConfig(seed);
  c.workload = { ...c.workload, ops: 300, ...patch };
  c.nemesis = { name: 't', description: '', schedule };
  c.target = { ...c.target, settleMs: 50, clientTimeoutMs: 100 };
  return c;
}

describe('executeRun', () => {
  it('records every op, then final reads of every key on every node', async () => {
    const c = config();
    const ex = await executeRun(c, { historyPath: path(), makeTarget: fake });
    const h = ex.history!;
    expect(ex.interrupted).toBe(false);
    expect(ex.opsIssued).toBe(300);
    const client = h.ops.filter((o) => !o.final);
    expect(client.length).toBe(300);
    expect(client.every((o) => o.type === 'ok')).toBe(true);
    const finals = h.ops.filter((o) => o.final);
    const keys = new Set(client.map((o) => o.key));
    expect(finals.length).toBe(keys.size * 3);
    expect(new Set(finals.map((o) => `${o.key}@${o.node}`)).size).toBe(finals.length);
    expect(h.hasFinalReads).toBe(true);
    // The file on disk is the same history.
    const again = readJsonlHistory(ex.historyPath);
    expect(again.eventCount).toBe(h.eventCount);
    expect(client.every((o) => o.session.startsWith('s') && o.user?.startsWith('u'))).toBe(true);
  });

  it('continues as a new process after an info, keeping session and user', async () => {
    const c = config({ ops: 400 }, [{ fault: 'kill', node: 'n2', everyMs: 100, restartAfterMs: 60 }]);
    const ex = await executeRun(c, { historyPath: path(), makeTarget: fake });
    const h = ex.history!;
    const infos = h.ops.filter((o) => o.type === 'info');
    expect(infos.length).toBeGreaterThan(0);
    for (const op of infos) {
      expect(h.ops.some((o) => o.process === op.process && o.invokeIndex > op.invokeIndex)).toBe(false);
    }
    const bySession = new Map<string, Set<number>>();
    for (const o of h.ops.filter((x) => !x.final)) bySession.set(o.session, (bySession.get(o.session) ?? new Set()).add(o.process));
    expect([...bySession.values()].some((s) => s.size > 1)).toBe(true);
    expect(h.nemesis.length).toBeGreaterThan(0);
    expect(h.nemesis.every((e) => e.type === 'info')).toBe(true);
  });

  it('stops at the time limit when ops is 0', async () => {
    const c = config({ ops: 0, timeLimitMs: 200 });
    const ex = await executeRun(c, { historyPath: path(), makeTarget: fake });
    const last = Math.max(...ex.history!.ops.filter((o) => !o.final).map((o) => o.invokeTime));
    expect(last).toBeLessThanOrEqual(200 * 1e6 + 2e6);
    expect(ex.opsIssued).toBeGreaterThan(50);
  });

  it('the same seed gives the same bytes; another seed differs', async () => {
    const a = path();
    const b = path();
    const d = path();
    const s = [{ fault: 'pause-leader', everyMs: 80, durationMs: 30 }] as FaultSpec[];
    await executeRun(config({}, s, 5), { historyPath: a, makeTarget: fake });
    await executeRun(config({}, s, 5), { historyPath: b, makeTarget: fake });
    await executeRun(config({}, s, 6), { historyPath: d, makeTarget: fake });
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8')).not.toBe(readFileSync(d, 'utf8'));
  });

  it('an abort stops the run with a well-formed history prefix and tears the target down', async () => {
    const ctl = new AbortController();
    let torn: boolean | undefined;
    const p = path();
    const ex = await executeRun(config({ ops: 0, timeLimitMs: 1e9 }), {
      historyPath: p,
      makeTarget: (c, rng) => {
        const t = fake(c, rng);
        const td = t.teardown;
        t.teardown = (done) => {
          torn = true;
          td(done);
        };
        let k = 0;
        t.scheduler.after(0, function tick() {
          if (++k === 2000) ctl.abort();
          t.scheduler.after(1e6, tick);
        });
        return t;
      },
      signal: ctl.signal,
    });
    expect(ex.interrupted).toBe(true);
    expect(ex.history).toBeUndefined();
    expect(torn).toBe(true);
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    for (const l of lines) JSON.parse(l);
    expect(readJsonlHistory(p).eventCount).toBe(lines.length);
  });

  it('register workload: reads of absent keys are null, values flow through', async () => {
    const c = config({ ...defaultWorkload('register'), ops: 200 });
    const h = (await executeRun(c, { historyPath: path(), makeTarget: fake })).history!;
    expect(h.workload).toBe('register');
    expect(h.ops.some((o) => o.f === 'cas' && o.type === 'ok')).toBe(true);
  });

  it('nondeterministic appends: the invoke carries the marker, the ok completion the element', async () => {
    const c = config({ nondeterministic: 0.5, mix: { append: 1 } });
    const h = (await executeRun(c, { historyPath: path(), makeTarget: fake })).history!;
    const nd = h.ops.filter((o) => o.f === 'append' && typeof o.invokeValue === 'object');
    expect(nd.length).toBeGreaterThan(50);
    expect(nd[0].invokeValue).toEqual({ nondeterministic: 'clock' });
    expect(typeof nd[0].value).toBe('string');
  });
});

describe('runTest', () => {
  it('writes config.yaml, history.jsonl, results.json, junit.xml, index.html, metrics.json', async () => {
    const out = join(dir, 'run1');
    const r = await runTest(config(), { dir: out, makeTarget: fake });
    expect(r.code).toBe(0);
    for (const f of ['config.yaml', 'history.jsonl', 'results.json', 'junit.xml', 'index.html', 'metrics.json']) {
      expect(readFileSync(join(out, f), 'utf8').length).toBeGreaterThan(0);
    }
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ seed: 1, target: 'memory', workload: 'append', nemesis: 't', command: `replcheck run --config ${join(out, 'config.yaml')}` });
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'))).toEqual({ lag: [{ timeNs: 0, node: 'n2', lagMs: 1.5 }] });
    expect(JSON.parse(metricsJson([]))).toEqual({ lag: [] });
  });
});

describe('property: any config and schedule gives a well-formed history', () => {
  const fault = fc.record(
    {
      fault: fc.constantFrom('kill', 'kill-leader', 'pause', 'pause-leader', 'partition', 'clock-skew', 'heal' as const),
      everyMs: fc.integer({ min: 5, max: 200 }),
      atMs: fc.integer({ min: 0, max: 300 }),
      durationMs: fc.integer({ min: 1, max: 150 }),
      restartAfterMs: fc.integer({ min: 1, max: 150 }),
    },
    { requiredKeys: ['fault', 'everyMs'] },
  );
  it('historyFromEvents accepts it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom('append' as const, 'register' as const),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fault, { maxLength: 4 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (seed, kind, concurrency, sessionsPerUser, schedule, nd) => {
          const c = config({ ...defaultWorkload(kind), ops: 150, concurrency, sessionsPerUser, nondeterministic: kind === 'append' ? nd : 0 }, [], seed);
          c.nemesis.schedule = schedule.map((f) => {
            const out: FaultSpec = { ...f } as FaultSpec;
            if (out.fault === 'partition') out.shape = 'random';
            if (out.fault === 'clock-skew') out.offsetMs = 100;
            if (out.fault !== 'kill' && out.fault !== 'kill-leader') delete out.restartAfterMs;
            return out;
          });
          const ex = await executeRun(c, { historyPath: path(), makeTarget: fake });
          const again = readJsonlHistory(ex.historyPath);
          expect(again.ops.length).toBe(ex.history!.ops.length);
          expect(ex.history!.ops.filter((o) => !o.final).length).toBe(150);
        },
      ),
      { numRuns: 40 },
    );
  });
});
