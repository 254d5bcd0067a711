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

  it('writes nothing when the stream is not a TTY', () => {
    const s = fakeStream(false);
    const p = createProgress({ total: 100, enabled: true, stream: s });
    p.update(50);
    p.stop();
    expect(s.written).toBe('');
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
