// The progress bar: drawn only on a TTY when enabled; a silent no-op otherwise (CI logs).

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/report/progress.js';

/** A writable that records output and pretends (or not) to be a terminal. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string } {
  const chunks: string[] = [];
  const s = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { written: string };
  Object.assign(s, { isTTY, columns: 100, rows: 30, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  Object.defineProperty(s, 'written', { get: () => chunks.join('') });
  return s;
}

describe('createProgress', () => {
  it('writes nothing when disabled, even on a TTY', () => {
    const s = fakeStream(true);
    const p = createProgress({ total: 100, enabled: false, stream: s });
    p.update(50);
    p.stop();
    expect(s.written).toBe('');
  });

  it('draws wherever it is told to (whether the stream is a terminal is for the CLI to ask)', () => {
    const s = fakeStream(false);
    const p = createProgress({ total: 100, enabled: true, stream: s });
    p.update(50);
    p.stop();
    expect(s.written).toContain('50/100');
  });

  it('draws a bar with the label on a TTY, and stop() is idempotent', () => {
    const s = fakeStream(true);
    const p = createProgress({ total: 200, enabled: true, label: 'ops', stream: s });
    p.update(100);
    p.update(500);
    p.stop();
    p.stop();
    p.update(10);
    expect(s.written).toContain('ops');
    expect(s.written).toContain('200');
  });
});

/** The drawn lines, without ANSI escapes. */
function lines(written: string): string[] {
  // eslint-disable-next-line no-control-regex
  return written.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '\n').split(/[\r\n]+/).filter((l) => l.trim() !== '');
}

describe('createProgress of a time-limited run', () => {
  it('shows whole seconds, not fractional milliseconds', () => {
    const s = fakeStream(true);
    const p = createProgress({ total: 8000, enabled: true, unit: 'ms', stream: s });
    p.update(2718.696464);
    p.stop();
    expect(s.written).toContain('3/8 s');
    expect(s.written).not.toMatch(/2718|\.696|ms/);
    expect(lines(s.written)[0]).toMatch(/^time \[/);
  });

  it('keeps every line inside 80 columns, even with long totals', () => {
    for (const [total, unit] of [
      [8000, 'ms'],
      [3_600_000 * 99, 'ms'],
      [200, 'ops'],
      [123_456_789, 'ops'],
    ] as const) {
      const s = fakeStream(true);
      const p = createProgress({ total, enabled: true, unit, stream: s });
      p.update(total / 3);
      p.stop();
      const drawn = lines(s.written);
      expect(drawn.length).toBeGreaterThan(0);
      for (const l of drawn) expect(l.length, l).toBeLessThanOrEqual(80);
    }
  });
});
