// loadHistory, the loader `replcheck check` calls: every format says "cannot read: CODE" for a
// file it cannot read, and a history with no operations is bad input, not a valid verdict.

import { chmodSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHistory } from '../../src/history/load.js';
import { userError } from '../support/user-error.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A path that cannot be opened for reading (EACCES), or undefined when none can be made here (root). */
function unreadablePath(name: string): string | undefined {
  const p = join(dir, name);
  writeFileSync(p, 'x\n');
  chmodSync(p, 0o000);
  for (const candidate of [p, '/proc/sys/vm/compact_memory']) {
    try {
      closeSync(openSync(candidate, 'r'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') return candidate;
    }
  }
  return undefined;
}

describe('loadHistory', () => {
  it('says "cannot read: EISDIR" for a directory in every format', () => {
    for (const ext of ['.jsonl', '.edn', '.log']) {
      const d = join(dir, `dir${ext}`);
      mkdirSync(d);
      expect(userError(() => loadHistory(d))).toBe(`${d}: cannot read: EISDIR`);
    }
  });

  it('says "cannot read: EACCES" for an unreadable file in every format', (ctx) => {
    const p = unreadablePath('unreadable.log');
    if (!p) return ctx.skip();
    for (const format of ['jsonl', 'edn', 'jepsen-log']) expect(userError(() => loadHistory(p, format))).toBe(`${p}: cannot read: EACCES`);
  });

  it('rejects a history with no operations: empty, blank, /dev/null, only nemesis events', () => {
    const nothing = (p: string) => `${p}: no operations: the history is empty, so there is nothing to check`;
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    expect(userError(() => loadHistory(empty))).toBe(nothing(empty));
    const blank = join(dir, 'blank.jsonl');
    writeFileSync(blank, '\ufeff  \n\n\t\r\n');
    expect(userError(() => loadHistory(blank))).toBe(nothing(blank));
    expect(userError(() => loadHistory('/dev/null'))).toBe(nothing('/dev/null'));
    const nemesis = join(dir, 'nemesis.jsonl');
    writeFileSync(nemesis, `${JSON.stringify({ index: 0, time: 0, process: 'nemesis', type: 'info', f: 'kill', value: null })}\n`);
    expect(userError(() => loadHistory(nemesis))).toBe(`${nemesis}: no operations: the history holds only nemesis events (1), so there is nothing to check`);
    // The importers keep their own words for an empty file.
    expect(userError(() => loadHistory('/dev/null', 'edn'))).toBe('/dev/null: empty file: expected EDN op maps');
    expect(userError(() => loadHistory('/dev/null', 'jepsen-log'))).toMatch(/^\/dev\/null: no Jepsen events found/);
  });
});
