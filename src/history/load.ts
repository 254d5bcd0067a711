// Loads a history file in any supported format (SPEC section 1: --format, else by extension).

import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { UserError } from '../errors.js';
import { readEdnHistory } from './import/edn-history.js';
import { readJepsenLog } from './import/jepsen-log.js';
import { readPorcupineKv } from './import/porcupine-kv.js';
import { readJsonlHistory } from './jsonl.js';
import type { ParallelOptions } from './parallel-jsonl.js';
import type { History } from './types.js';

export type HistoryFormat = 'jsonl' | 'edn' | 'jepsen-log' | 'porcupine-kv';
export const FORMATS: HistoryFormat[] = ['jsonl', 'edn', 'jepsen-log', 'porcupine-kv'];

type Importer = (path: string, opts: LoadOptions) => History;

/** How a history is read: `threads` (2: a large JSONL file is scanned by two threads; 1: one). */
export type LoadOptions = ParallelOptions;
/** One importer per format; importers live in src/history/import/. */
const importers: Partial<Record<HistoryFormat, Importer>> = {
  jsonl: readJsonlHistory,
  edn: readEdnHistory,
  'jepsen-log': readJepsenLog,
  'porcupine-kv': (path) => readPorcupineKv(path),
};

/** Whether a file (of another extension, e.g. Porcupine's .txt) starts like EDN: `{:`, `[{`, `(`. */
function looksLikeEdn(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(64);
    const head = buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return /^(\{\s*:|\[\s*\{\s*:|\(\s*\{\s*:)/.test(head);
  } catch {
    return false; // unreadable: the JSONL reader names the problem
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function formatOf(path: string, format?: string): HistoryFormat {
  if (format !== undefined) {
    if (!FORMATS.includes(format as HistoryFormat)) {
      throw new UserError(`unknown format ${JSON.stringify(format)}; expected ${FORMATS.join(', ')}`, { field: '--format' });
    }
    return format as HistoryFormat;
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.edn') return 'edn';
  if (ext === '.log') return 'jepsen-log';
  // Not .jsonl: EDN content is imported as EDN (which tells Porcupine kv histories by their ops).
  if (ext !== '.jsonl' && looksLikeEdn(path)) return 'edn';
  return 'jsonl';
}

export function loadHistory(path: string, format?: string, opts: LoadOptions = {}): History {
  const f = formatOf(path, format);
  const imp = importers[f];
  if (!imp) throw new UserError(`the ${f} format is not supported yet`, { file: path, field: '--format' });
  const history = imp(path, opts);
  if (history.ops.length === 0) {
    // Nothing would be checked, so no verdict can be "valid".
    const holds = history.eventCount === 0 ? 'the history is empty' : `the history holds only nemesis events (${history.eventCount})`;
    throw new UserError(`no operations: ${holds}, so there is nothing to check`, { file: path });
  }
  return history;
}
