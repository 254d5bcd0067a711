// Importer for Porcupine's key-value histories (its test_data/kv format): one EDN map per line,
// `{:process 0, :type :invoke, :f :append, :key "1", :value "x 0 1 y"}`, ops get / put / append.
// The result is a `kv` history (History.workload), checked by `linearizable` with the kv model.

import { UserError } from '../../errors.js';
import { HistoryBuilder, show } from '../builder.js';
import { readWholeFile } from '../limits.js';
import type { History, HistoryEvent } from '../types.js';
import { EdnReader, ednToJson, Keyword, kw, type EdnMap, type EdnValue } from './edn.js';

const K = { process: kw('process'), type: kw('type'), f: kw('f'), key: kw('key'), value: kw('value'), error: kw('error') };
const KV_FS = new Set(['get', 'put', 'append']);

/** Whether an EDN op map is a kv op (a string :key and :f one of get, put, append): EDN auto-detection. */
export function isKvOpMap(v: EdnValue | undefined): boolean {
  if (!(v instanceof Map)) return false;
  const f = v.get(K.f);
  return typeof v.get(K.key) === 'string' && f instanceof Keyword && KV_FS.has(f.name);
}

function field(path: string, line: number, message: string, name: string): never {
  throw new UserError(message, { file: path, line, field: name });
}

/** One op map as an event at position `index` (times are positions: the format has none). */
function toEvent(path: string, v: EdnValue, line: number, index: number): HistoryEvent {
  if (!(v instanceof Map)) throw new UserError('expected an op map like {:process 0, :type :invoke, :f :get, :key "1", :value nil}', { file: path, line });
  const m = v as EdnMap;
  const process = m.get(K.process);
  if (typeof process !== 'number' || !Number.isInteger(process) || process < 0) field(path, line, `expected a non-negative integer, got ${show(ednToJson(process ?? null))}`, ':process');
  const type = m.get(K.type);
  if (!(type instanceof Keyword)) field(path, line, `expected :invoke, :ok, :fail or :info, got ${show(ednToJson(type ?? null))}`, ':type');
  const f = m.get(K.f);
  if (!(f instanceof Keyword) || !KV_FS.has(f.name)) field(path, line, `expected :get, :put or :append, got ${show(ednToJson(f ?? null))}`, ':f');
  const key = m.get(K.key);
  if (typeof key !== 'string') field(path, line, `expected a string, got ${show(ednToJson(key ?? null))}`, ':key');
  let value = m.get(K.value) ?? null;
  const ev: HistoryEvent = { index, time: index, process, type: type.name as HistoryEvent['type'], f: f.name, key, value: null };
  if (value instanceof Keyword && type.name !== 'invoke') {
    ev.error = value.name; // `:value :timed-out` on a completion says why
    value = null;
  }
  const err = m.get(K.error);
  if (err !== undefined && err !== null) ev.error = err instanceof Keyword ? err.name : JSON.stringify(ednToJson(err));
  ev.value = typeof value === 'string' || value === null ? value : ednToJson(value);
  return ev;
}

/** Builds the kv History from the file's text (`text` when the EDN importer already read it). */
export function readPorcupineKv(path: string, text?: string): History {
  let t = text ?? readWholeFile(path, 'Porcupine kv');
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  const reader = new EdnReader(t, path);
  const b = new HistoryBuilder(path, true, 'kv');
  let index = 0;
  for (let form = reader.next(); form !== undefined; form = reader.next()) {
    // A file may also hold one vector of the maps (an EDN history).
    const items = Array.isArray(form.value) ? form.value : [form.value];
    for (const item of items) {
      b.add(toEvent(path, item, form.line, index), form.line);
      index++;
    }
  }
  if (index === 0) throw new UserError('empty file: expected kv op maps like {:process 0, :type :invoke, :f :get, :key "1", :value nil}', { file: path });
  return b.finish();
}
