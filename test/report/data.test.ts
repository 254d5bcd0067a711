// The report's data layer: fault intervals from nemesis events, the binned overview, the
// operations chosen around an anomaly, the detail budget, and config knobs.

import { describe, expect, it } from 'vitest';
import type { NemesisEvent } from '../../src/history/types.js';
import { configKnobs, detailBudget, endPhases, lagSeries, MAX_DETAILED_TOTAL, MAX_FOCUS_OPS, overviewBins, reportData } from '../../src/report/html/data.js';
import { nemesisIntervals } from '../../src/report/html/nemesis.js';
import { renderHtmlReport } from '../../src/report/html/index.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { historyStats, type Results } from '../../src/report/results.js';
import { largeHistory, plantedHistory, plantedResults } from './fixture.js';

let index = 0;
const ev = (time: number, f: string, value: Record<string, unknown> = {}): NemesisEvent => ({ index: index++, time, process: 'nemesis', type: 'info', f, value });

describe('nemesisIntervals', () => {
  it('pairs kill→restart, pause→resume, partition→heal and clock-skew→reset-clock per node', () => {
    const ivs = nemesisIntervals(
      [
        ev(10, 'kill', { node: 'n1' }),
        ev(12, 'pause', { node: 'n2' }),
        ev(15, 'kill-leader', { node: 'n3' }),
        ev(20, 'restart', { node: 'n3' }),
        ev(25, 'restart', { node: 'n1' }),
        ev(30, 'partition', { shape: 'halves', groups: [['n1'], ['n2', 'n3']] }),
        ev(40, 'heal', { partition: 'healed' }),
        ev(41, 'resume', { node: 'n2' }),
        ev(50, 'clock-skew', { node: 'n2', offsetMs: 5000 }),
        ev(60, 'reset-clock', { node: 'n2' }),
      ],
      100,
    );
    const by = (f: string) => ivs.filter((i) => i.f === f).map((i) => [i.startNs, i.endNs, i.point]);
    expect(by('kill')).toEqual([[10, 25, false]]);
    expect(by('kill-leader')).toEqual([[15, 20, false]]);
    expect(by('pause')).toEqual([[12, 41, false]]);
    expect(by('partition')).toEqual([[30, 40, false]]);
    expect(by('clock-skew')).toEqual([[50, 60, false]]);
    expect(ivs.find((i) => i.f === 'partition')!.label).toBe('partition (halves): n1 | n2,n3');
    expect(ivs.find((i) => i.f === 'clock-skew')!.label).toBe('clock-skew n2 +5000 ms');
    expect(ivs).toHaveLength(5);
  });

  it('runs an unhealed fault to the end, and makes unknown and skipped faults points', () => {
    const ivs = nemesisIntervals([ev(10, 'partition', {}), ev(20, 'bump-network', {}), ev(30, 'kill-leader', { node: null, skipped: 'no leader' }), ev(35, 'restart', { node: 'n9' })], 100);
    expect(ivs.map((i) => [i.f, i.startNs, i.endNs, i.point])).toEqual([
      ['partition', 10, 100, false],
      ['bump-network', 20, 20, true],
      ['kill-leader', 30, 30, true],
      ['restart', 35, 35, true],
    ]);
    expect(ivs[2].label).toBe('kill-leader (skipped: no leader)');
  });

  it('treats Jepsen invoke+info pairs of one action as one start', () => {
    const inv = { ...ev(10, 'start', {}), type: 'invoke' as const };
    const ivs = nemesisIntervals([inv, ev(11, 'start', {}), ev(30, 'stop', {})], 100);
    expect(ivs.map((i) => [i.f, i.startNs, i.endNs])).toEqual([['start', 10, 30]]);
  });
});

describe('overview and lag', () => {
  it('counts every op once by completion type in bounded bins', () => {
    const h = largeHistory(20_000);
    const ov = overviewBins(h);
    expect(ov.ok.length).toBe(400);
    const sum = (a: Uint32Array) => a.reduce((x, y) => x + y, 0);
    const stats = historyStats(h);
    expect([sum(ov.ok), sum(ov.fail), sum(ov.info)]).toEqual([stats.ok, stats.fail, stats.info]);
    expect(Math.max(...Array.from(ov.p99Ms).filter(Number.isFinite))).toBeLessThan(1);
  });

  it('reduces lag samples to one per bin per node, ignoring malformed rows', () => {
    const series = lagSeries({ lag: [{ timeNs: 0, node: 'n2', lagMs: 1 }, { timeNs: 5, node: 'n2', lagMs: 9 }, { timeNs: 50, node: 'n10', lagMs: 3 }, { bad: true }, { timeNs: 'x', node: 'n1', lagMs: 1 }] }, 10);
    expect(series).toEqual([
      { node: 'n2', points: [[5, 9]] },
      { node: 'n10', points: [[50, 3]] },
    ]);
    expect(lagSeries(undefined, 10)).toEqual([]);
    expect(lagSeries({ lag: 'nope' }, 10)).toEqual([]);
  });
});

describe('anomaly focus', () => {
  it('draws the named ops and the ops overlapping them on the same key', () => {
    const { history } = plantedHistory();
    const results = plantedResults(history);
    const d = reportData(results, history);
    const v = d.checkers[0].detailed[0];
    const named = v.focus.filter((f) => f.involved).map((f) => f.index);
    expect(named.sort((a, b) => a - b)).toEqual([...results.checkers['read-your-writes'].anomalies[0].ops].sort((a, b) => a - b));
    // Every neighbour is on k1 and overlaps the window of the named ops (40–53 ms).
    for (const f of v.focus.filter((x) => !x.involved)) {
      expect(f.op.key).toBe('k1');
      expect(f.op.invokeTime).toBeLessThanOrEqual(53e6);
      expect(f.op.completeTime).toBeGreaterThanOrEqual(40e6);
    }
    expect(v.focus.length).toBeGreaterThan(named.length);
  });

  it('bounds the ops per anomaly and reports indices that are not ops', () => {
    const h = largeHistory(50_000);
    const op = h.ops[25_000];
    const results: Results = {
      valid: false,
      stats: historyStats(h),
      checkers: { x: { valid: false, count: 1, anomalies: [{ type: 'x', ops: [op.completeIndex, 99_999_999], key: op.key, explanation: 'e' }] } },
    };
    const v = reportData(results, h).checkers[0].detailed[0];
    expect(v.focus.length).toBeLessThanOrEqual(MAX_FOCUS_OPS);
    expect(v.missing).toEqual([99_999_999]);
  });

  it('shares the timeline budget between checkers', () => {
    expect(detailBudget([100, 100, 100]).reduce((a, b) => a + b, 0)).toBe(MAX_DETAILED_TOTAL);
    expect(detailBudget([2, 100, 0])).toEqual([2, 20, 0]);
  });

  it('escapes anomaly text and type in the page', () => {
    const { history } = plantedHistory();
    const results = plantedResults(history);
    results.checkers['read-your-writes'].anomalies[0].type = '<script>alert(1)</script>';
    const html = renderHtmlReport(results, history);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script/g)).toHaveLength(1);
  });
});

describe('configKnobs', () => {
  it('flattens the design sections and ignores what is not an object', () => {
    const knobs = configKnobs({ target: { topology: 'leaderless', quorum: { n: 3, w: 2 } }, seed: 4, other: 1 });
    expect(knobs).toEqual([
      ['target', 'topology', 'leaderless'],
      ['target', 'quorum.n', '3'],
      ['target', 'quorum.w', '2'],
      ['seed', '', '4'],
    ]);
    expect(configKnobs(undefined)).toEqual([]);
    expect(configKnobs('text')).toEqual([]);
  });
});

describe('renderHtmlReport edge cases', () => {
  it('renders an empty history', () => {
    const h = { ops: [], nemesis: [], eventCount: 0, endTime: 0, workload: 'append' as const, hasFinalReads: false };
    const html = renderHtmlReport({ valid: true, stats: historyStats(h), checkers: {} }, h);
    expect(html).toContain('No completed operations to plot.');
    expect(html).toContain('No anomaly');
  });

  it('draws an op that never completed as open to the right', () => {
    const { events } = plantedHistory();
    const last = events[events.length - 1];
    const extra = { index: events.length, time: last.time + 1, process: 9, session: 's9', type: 'invoke' as const, f: 'append', key: 'k1', value: 99 };
    const h = historyFromEvents([...events, extra]);
    const open = h.ops.find((o) => o.process === 9)!;
    expect(open.completeIndex).toBe(-1);
    const results: Results = {
      valid: false,
      stats: historyStats(h),
      checkers: { x: { valid: false, count: 1, anomalies: [{ type: 'x', ops: [open.invokeIndex], key: 'k1', explanation: 'open op' }] } },
    };
    const html = renderHtmlReport(results, h);
    expect(html).toMatch(new RegExp(`class="opbar op-info op-involved op-open" data-index="${open.invokeIndex}"`));
  });
});

describe('configKnobs with the checkers that ran', () => {
  it('shows the checkers that ran instead of config.yaml\'s empty list', () => {
    expect(configKnobs({ checkers: [] }, ['lost-writes', 'convergence'])).toEqual([['checkers', 'ran (all that fit the workload)', 'lost-writes, convergence']]);
    expect(configKnobs({ checkers: ['lost-writes'] }, ['lost-writes'])).toEqual([['checkers', 'ran', 'lost-writes']]);
    expect(configKnobs({ checkers: [] })).toEqual([['checkers', '', '[]']]);
  });
});

describe('endPhases', () => {
  it('finds the settle gap and the final reads', () => {
    const MS = 1_000_000;
    const h = historyFromEvents([
      { index: 0, time: 0, process: 0, session: 's0', type: 'invoke', f: 'append', key: 'k', value: 1 },
      { index: 1, time: 5 * MS, process: 0, session: 's0', type: 'ok', f: 'append', key: 'k', value: 1 },
      { index: 2, time: 2005 * MS, process: 0, session: 's0', type: 'invoke', f: 'read', key: 'k', value: null, final: true },
      { index: 3, time: 2010 * MS, process: 0, session: 's0', type: 'ok', f: 'read', key: 'k', value: [1], final: true },
    ]);
    expect(endPhases(h)).toEqual({ settleStartNs: 5 * MS, finalStartNs: 2005 * MS, finalEndNs: 2010 * MS, finalReads: 1 });
    expect(endPhases(historyFromEvents([]))).toBeUndefined();
  });
});

describe('final reads in the report', () => {
  it('labels a final read in the focused timeline, and the settle gap and final reads in the overview', () => {
    const MS = 1_000_000;
    const h = historyFromEvents([
      { index: 0, time: 0, process: 0, session: 's0', type: 'invoke', f: 'append', key: 'k', value: 1 },
      { index: 1, time: 5 * MS, process: 0, session: 's0', type: 'ok', f: 'append', key: 'k', value: 1, node: 'n1' },
      { index: 2, time: 2005 * MS, process: 1, session: 's1', type: 'invoke', f: 'read', key: 'k', value: null, final: true },
      { index: 3, time: 2010 * MS, process: 1, session: 's1', type: 'ok', f: 'read', key: 'k', value: [], node: 'n2', final: true },
    ]);
    const results: Results = {
      valid: false,
      stats: historyStats(h),
      checkers: { 'lost-writes': { valid: false, count: 1, anomalies: [{ type: 'lost-write', ops: [1, 3], key: 'k', explanation: 'lost 1' }] } },
    };
    const html = renderHtmlReport(results, h);
    expect(html).toContain('>n2 · final read []</text>');
    expect(html).toMatch(/class="phase-settle".*>settle 2\.000 s</);
    expect(html).toMatch(/class="phase-final".*>final reads</);
    expect(html).toContain('<span class="aat">at 2.010 s</span>');
  });
});
