// Importer for Jepsen/Knossos EDN histories: a vector (or list, or bare sequence) of op maps such as
// `{:type :invoke, :f :write, :value 3, :process 0, :time 123, :index 5}`.

import { UserError } from '../../errors.js';
import { readWholeFile } from '../limits.js';
import type { History } from '../types.js';
import { EdnReader, kw, type EdnMap, type EdnValue, type Form } from './edn.js';
import { historyFromJepsen, type JepsenEvent } from './jepsen.js';
import { isKvOpMap, readPorcupineKv } from './porcupine-kv.js';

const K = {
  process: kw('process'),
  type: kw('type'),
  f: kw('f'),
  value: kw('value'),
  time: kw('time'),
  error: kw('error'),
  node: kw('node'),
};

function readText(path: string): string {
  const text = readWholeFile(path, 'EDN');
  // A UTF-8 byte order mark is not part of the first form.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function toEvent(path: string, v: EdnValue, line: number): JepsenEvent {
  if (!(v instanceof Map)) throw new UserError(`expected an op map like {:type :invoke, :f :read, :process 0, :value nil}`, { file: path, line });
  const m = v as EdnMap;
  for (const k of [K.process, K.type, K.f]) {
    if (!m.has(k)) throw new UserError(`the op map has no ${k.toString()}`, { file: path, line });
  }
  const time = m.get(K.time);
  const ev: JepsenEvent = { line, process: m.get(K.process)!, type: m.get(K.type)!, f: m.get(K.f)!, value: m.get(K.value) ?? null };
  if (typeof time === 'number') ev.timeNs = time;
  if (m.has(K.error)) ev.error = m.get(K.error)!;
  if (m.has(K.node)) ev.node = m.get(K.node)!;
  return ev;
}

/**
 * Reads an EDN history. Each op map's line is where its map starts; inside one top-level vector
 * the ops are found by reading the vector's elements one at a time.
 */
export function readEdnHistory(path: string): History {
  const text = readText(path);
  // Porcupine's kv histories are EDN too: op maps with a :key and :f :get / :put / :append.
  if (isKvOpMap(firstOpMap(text, path))) return readPorcupineKv(path, text);
  const reader = new EdnReader(text, path);
  const events: JepsenEvent[] = [];
  let form: Form | undefined;
  let forms = 0;
  while ((form = readElementOrForm(reader, events, path)) !== undefined) {
    forms++;
    if (form.value instanceof Map) events.push(toEvent(path, form.value, form.line));
    else if (!(Array.isArray(form.value) && form.value.length === 0)) {
      throw new UserError('expected op maps, or one vector of op maps', { file: path, line: form.line });
    }
  }
  if (events.length === 0) throw new UserError(forms ? 'the history holds no ops' : 'empty file: expected EDN op maps', { file: path });
  return historyFromJepsen(path, events, 'op');
}

/** The first op map of the text (inside a top-level vector or list too); undefined if it does not read. */
function firstOpMap(text: string, path: string): EdnValue | undefined {
  const r = new EdnReader(text, path);
  try {
    if (r.atEnd()) return undefined;
    if (text[r.pos] === '[' || text[r.pos] === '(') {
      r.pos++;
      if (r.atEnd() || text[r.pos] === ']' || text[r.pos] === ')') return undefined;
    }
    return r.next()?.value;
  } catch {
    return undefined; // the import proper names the error
  }
}

/**
 * The next top-level form; a top-level vector or list is opened in place so that its maps are
 * read (and numbered by line) one by one, and an empty marker form is returned for it.
 */
function readElementOrForm(reader: EdnReader, events: JepsenEvent[], path: string): Form | undefined {
  const text = reader.text;
  if (reader.atEnd()) return undefined;
  const c = text[reader.pos];
  if (c !== '[' && c !== '(') return reader.next();
  const close = c === '[' ? ']' : ')';
  const openLine = reader.line;
  reader.pos++;
  for (;;) {
    if (reader.atEnd()) throw new UserError(`EDN: unclosed ${c} (opened here, never closed)`, { file: path, line: openLine });
    if (text[reader.pos] === close) {
      reader.pos++;
      return { value: [], line: openLine };
    }
    const f = reader.next()!;
    if (!(f.value instanceof Map)) throw new UserError('expected an op map inside the history vector', { file: path, line: f.line });
    events.push(toEvent(path, f.value, f.line));
  }
}
