// The matrix's plan: designs found in targets/ at run time, fault schedules from nemesis/, name
// lists checked against them, seeds from the base seed, and one configuration per run.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config/presets.js';
import { UserError } from '../../src/errors.js';
import { defaultDesignRows, knownDesigns, knownNemeses, matrixSeeds, parseDesignList, parseNameList, planMatrix, runName } from '../../src/matrix/plan.js';
import { userErrorOf } from '../support/user-error.js';

/** The one line the CLI would print for the UserError `f` throws. */
const errorOf = userErrorOf;

const stems = (dir: string) => readdirSync(join(PACKAGE_ROOT, dir)).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));

describe('knownDesigns / knownNemeses', () => {
  it('are every memory preset in targets/ (memory first) and none plus every nemesis/ preset', () => {
    const designs = knownDesigns();
    expect(designs[0]).toBe('memory');
    expect([...designs].sort()).toEqual([...new Set(['memory', ...stems('targets').filter((s) => s === 'memory' || s.startsWith('memory-'))])].sort());
    expect(designs).not.toContain('etcd');
    expect(knownNemeses()[0]).toBe('none');
    expect([...knownNemeses()].sort()).toEqual([...new Set(['none', ...stems('nemesis')])].sort());
  });
});

describe('parseNameList', () => {
  const known = ['memory', 'memory-sync'];
  it('keeps the given order, each name once, and ignores empty items', () => {
    expect(parseNameList(' memory-sync, memory,,memory-sync ', '--designs', 'design', known)).toEqual(['memory-sync', 'memory']);
  });
  it('rejects an unknown name with a hint and the known names, and an empty list', () => {
    expect(() => parseNameList('memory-synk', '--designs', 'design', known)).toThrow(
      new UserError('unknown design "memory-synk" (did you mean memory-sync?); known: memory, memory-sync', { field: '--designs' }),
    );
    expect(errorOf(() => parseNameList(' , ', '--designs', 'design', known))).toBe('--designs: expected a comma-separated list of designs; known: memory, memory-sync');
  });
});

describe('design@workload rows', () => {
  it('are in the default rows for the designs whose point needs a workload of their own, after every design', () => {
    const rows = defaultDesignRows();
    expect(rows.slice(0, knownDesigns().length)).toEqual(knownDesigns());
    expect(rows.slice(knownDesigns().length)).toEqual(['memory-statement-log@append-nondeterministic', 'memory-mixed-log@append-nondeterministic', 'memory-owner-on-leader@append-owned']);
  });
  it('run the design with that workload, and are named and described as such', () => {
    const p = planMatrix({ designs: ['memory-statement-log', 'memory-statement-log@append-nondeterministic'], nemeses: ['none'], seeds: 1, baseSeed: 1 });
    expect(p.workload).toBe('append');
    expect(p.cells.map((c) => c.runs[0].config.workload.nondeterministic)).toEqual([0, expect.any(Number)]);
    expect(p.cells[1].runs[0].config.workload.nondeterministic).toBeGreaterThan(0);
    expect(p.cells[1].runs[0].config.target.name).toBe('memory-statement-log');
    expect(p.cells[1].runs[0].name).toBe('memory-statement-log-append-nondeterministic--none--1');
    expect(p.designs[1].description).toMatch(/\(workload append-nondeterministic\)$/);
  });
  it('check both parts of each name', () => {
    expect(parseDesignList('memory, memory-sync@append-owned')).toEqual(['memory', 'memory-sync@append-owned']);
    expect(errorOf(() => parseDesignList('memory@apend'))).toMatch(/^--designs: unknown workload "apend" \(did you mean append\?\); known: append, /);
    expect(errorOf(() => parseDesignList('memroy@append'))).toMatch(/^--designs: unknown design "memroy" \(did you mean memory\?\)/);
  });
});

describe('planMatrix', () => {
  it('crosses designs and schedules, the same seeds in every cell, 10 s runs by default', () => {
    const p = planMatrix({ designs: ['memory-sync', 'memory'], nemeses: ['none', 'kill-leader'], seeds: 2, baseSeed: 41 });
    expect(p.cells.map((c) => `${c.design}/${c.nemesis}`)).toEqual(['memory-sync/none', 'memory-sync/kill-leader', 'memory/none', 'memory/kill-leader']);
    expect(p.seeds).toEqual([41, 42]);
    expect(p.timeLimitMs).toBe(10_000);
    const r = p.cells[1].runs[1];
    expect(r).toMatchObject({ design: 'memory-sync', nemesis: 'kill-leader', seed: 42, name: 'memory-sync--kill-leader--42' });
    expect(r.config.seed).toBe(42);
    expect(r.config.target.name).toBe('memory-sync');
    expect(r.config.nemesis.name).toBe('kill-leader');
    expect(r.config.workload.timeLimitMs).toBe(10_000);
    expect(p.nemeses.map((n) => n.description)[0]).toBe('no faults');
  });

  it('takes --ops instead of the default time limit, and rejects bad run lengths as run does', () => {
    const p = planMatrix({ designs: ['memory'], nemeses: ['none'], seeds: 1, baseSeed: 1, ops: '300' });
    expect(p.ops).toBe(300);
    expect(p.cells[0].runs[0].config.workload.ops).toBe(300);
    expect(errorOf(() => planMatrix({ designs: ['memory'], nemeses: ['none'], seeds: 1, baseSeed: 1, timeLimit: '0' }))).toBe(
      '--time-limit: expected a number of seconds from 0.001 to 1000000, got "0"',
    );
  });

  it('refuses a design that is not a memory target', () => {
    expect(() => planMatrix({ designs: ['http'], nemeses: ['none'], seeds: 1, baseSeed: 1 })).toThrow(/is a http target; the matrix runs memory-target designs only/);
  });
});

describe('seeds and run names', () => {
  it('derives seeds from the base seed and wraps at 2^32', () => {
    expect(matrixSeeds(7, 3)).toEqual([7, 8, 9]);
    expect(matrixSeeds(2 ** 32 - 1, 2)).toEqual([2 ** 32 - 1, 0]);
  });
  it('names run directories design--nemesis--seed', () => {
    expect(runName('memory-sync', 'kill-leader', 3)).toBe('memory-sync--kill-leader--3');
    expect(runName('a b', 'c/d', 1)).toBe('a-b--c-d--1');
  });
});
