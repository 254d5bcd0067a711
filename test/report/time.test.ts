// One formatter for times (report and terminal), and the detection of histories without times.

import { describe, expect, it } from 'vitest';
import { historyFromEvents } from '../../src/history/builder.js';
import type { HistoryEvent } from '../../src/history/types.js';
import { historyStats, type Results } from '../../src/report/results.js';
import { formatSummary } from '../../src/report/terminal.js';
import { fmtAt, fmtDuration, historyIsUntimed } from '../../src/report/time.js';
import { plantedHistory } from './fixture.js';

function events(time: (i: number) => number): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (let p = 0; p < 3; p++) {
    const i = out.length;
    out.push({ index: i, time: time(i), process: p, type: 'invoke', f: 'write', key: 'r', value: p });
    out.push({ index: i + 1, time: time(i + 1), process: p, type: 'ok', f: 'write', key: 'r', value: p });
  }
  return out;
}

describe('fmtAt and fmtDuration', () => {
  it('write a point of the run as seconds with three decimals, as the explanations do', () => {
    expect(fmtAt(263_732_000)).toBe('0.264 s');
    expect(fmtAt(256_000_000)).toBe('0.256 s');
    expect(fmtAt(12_345_678_901)).toBe('12.346 s');
    expect(fmtAt(Infinity)).toBe('—');
    expect(fmtDuration(2_500_000)).toBe('2.50 ms');
    expect(fmtDuration(3_000_000_000)).toBe('3.000 s');
  });
});

describe('historyIsUntimed', () => {
  it('is true when every time is the event index (the Jepsen importers without times)', () => {
    expect(historyIsUntimed(historyFromEvents(events((i) => i)))).toBe(true);
  });
  it('is true when every time is 0', () => {
    expect(historyIsUntimed(historyFromEvents(events(() => 0)))).toBe(true);
  });
  it('is false for real nanosecond times', () => {
    expect(historyIsUntimed(historyFromEvents(events((i) => 1_000_000 * (i + 1))))).toBe(false);
    expect(historyIsUntimed(plantedHistory().history)).toBe(false);
  });
  it('is recorded in the run stats', () => {
    expect(historyStats(historyFromEvents(events((i) => i))).untimed).toBe(true);
    expect(historyStats(plantedHistory().history).untimed).toBeUndefined();
  });
});

describe('the terminal summary', () => {
  const base = (untimed: boolean, n: number): Results => ({
    valid: true,
    stats: { ops: 3, ok: 3, fail: 0, info: 0, durationNs: 5, ...(untimed ? { untimed: true } : {}) },
    checkers: Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { valid: true, count: 0, anomalies: [] }])),
  });
  it('prints no duration for an untimed history', () => {
    const s = formatSummary(base(true, 2), undefined, { color: false });
    expect(s).toContain('3 ops: 3 ok, 0 fail, 0 info (no times recorded)');
    expect(s).not.toMatch(/\d ns|over/);
  });
  it('prints the duration with the shared formatter otherwise', () => {
    expect(formatSummary({ ...base(false, 2), stats: { ...base(false, 2).stats, durationNs: 2_500_000_000 } }, undefined, { color: false })).toContain('over 2.500 s');
  });
  it('says "the guarantee held" for one checker and "all N guarantees held" for several', () => {
    expect(formatSummary(base(false, 1), undefined, { color: false })).toContain('(the guarantee held)');
    expect(formatSummary(base(false, 1), undefined, { color: false })).not.toContain('all 1');
    expect(formatSummary(base(false, 3), undefined, { color: false })).toContain('(all 3 guarantees held)');
  });
});
