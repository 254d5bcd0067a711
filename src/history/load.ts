// Loads a history file in any supported format (SPEC section 1: --format, else by extension).

import { extname } from 'node:path';
import { UserError } from '../errors.js';
import { readEdnHistory } from './import/edn-history.js';
import { readJepsenLog } from './import/jepsen-log.js';
import { readJsonlHistory } from './jsonl.js';
import type { History } from './types.js';

export type HistoryFormat = 'jsonl' | 'edn' | 'jepsen-log';
export const FORMATS: HistoryFormat[] = ['jsonl', 'edn', 'jepsen-log'];

type Importer = (path: string) => History;
/** One importer per format; importers live in src/history/import/. */
const importers: Partial<Record<HistoryFormat, Importer>> = { jsonl: readJsonlHistory, edn: readEdnHistory, 'jepsen-log': readJepsenLog };

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
  return 'jsonl';
}

export function loadHistory(path: string, format?: string): History {
  const f = formatOf(path, format);
  const imp = importers[f];
  if (!imp) throw new UserError(`the ${f} format is not supported yet`, { file: path, field: '--format' });
  const history = imp(path);
  if (history.ops.length === 0) {
    // Nothing would be checked, so no verdict can be "valid".
    const holds = history.eventCount === 0 ? 'the history is empty' : `the history holds only nemesis events (${history.eventCount})`;
    throw new UserError(`no operations: ${holds}, so there is nothing to check`, { file: path });
  }
  return history;
}
