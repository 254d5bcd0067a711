// The JSONL reader as it was before the byte scanner (whole file decoded, then JSON.parse and
// HistoryBuilder.add for every line), the reference the fast reader must equal: the same History
// (and flat reads) for a good file, the same UserError text for a broken one.

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';
import { flatReads, HistoryBuilder } from '../../src/history/builder.js';
import { plainHistory } from '../support/plain-history.js';
import { checkDepth, readJsonlHistory } from '../../src/history/jsonl.js';
import type { History } from '../../src/history/types.js';

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** The old readJsonlHistory, for files small enough to decode whole. */
export function referenceRead(path: string): History {
  const builder = new HistoryBuilder(path, true);
  const lines = readFileSync(path).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = i + 1;
    const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (isBlank(text)) return;
    checkDepth(text, path, line);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new UserError(`not valid JSON (${(e as Error).message})`, { file: path, line });
    }
    builder.add(value, line);
  });
  return builder.finish();
}

type Outcome = { history: History; flat: unknown } | { error: string };

function outcome(read: (path: string) => History, path: string): Outcome {
  try {
    const history = read(path);
    return { history: plainHistory(history), flat: flatReads(history) };
  } catch (e) {
    if (e instanceof UserError) return { error: e.describe() };
    throw e;
  }
}

/** Asserts the fast reader and the reference agree on the file; returns whether it was valid. */
export function expectSameAsReference(path: string): boolean {
  const fast = outcome(readJsonlHistory, path);
  const ref = outcome(referenceRead, path);
  expect(fast).toStrictEqual(ref);
  return 'history' in ref;
}
