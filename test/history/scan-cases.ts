// Inputs for the scanner tests: valid histories (append with `served`, register), and edits of one
// line's text that keep it JSON of the same event, or make it another event, a broken one or no
// JSON at all — each either scanned or left to JSON.parse, which the tests must not be able to tell.

import type { HistoryEvent, Served } from '../../src/history/types.js';
import { seededRandom } from '../support/append-model.js';

const ROLES = ['leader', 'follower', 'candidate', 'coordinator'];

/** Served on some completions, in every shape the format allows (fields absent, in any order). */
export function withServed(events: HistoryEvent[], seed: number): HistoryEvent[] {
  const rnd = seededRandom(seed ^ 0x5eed);
  return events.map((e) => {
    if (e.type === 'invoke' || e.process === 'nemesis' || rnd() < 0.3) return e;
    const role = ROLES[Math.floor(rnd() * ROLES.length)];
    const term = Math.floor(rnd() * 5);
    const pos = Math.floor(rnd() * 1e6);
    const shapes: Served[] = [{ role, term, pos }, { role }, { role, pos }, { pos, term, role } as Served, { term, role } as Served];
    return { ...e, served: shapes[Math.floor(rnd() * shapes.length)] };
  });
}

/** A register history: writes, cas pairs, reads of ints or null, some fail and info, served. */
export function registerEvents(seed: number): HistoryEvent[] {
  const rnd = seededRandom(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const events: Omit<HistoryEvent, 'index'>[] = [];
  let t = 0;
  let next = 0;
  for (let i = 0; i < 40; i++) {
    const f = (['read', 'write', 'cas'] as const)[int(3)];
    const value = f === 'read' ? null : f === 'write' ? int(10) : [int(3) === 0 ? null : int(10), int(10)];
    const type = (['ok', 'ok', 'fail', 'info'] as const)[int(4)];
    const base = { process: next++, session: `s${int(3)}`, f, key: `k${int(2)}` };
    events.push({ time: t, ...base, type: 'invoke', value });
    t += int(3);
    if (int(8) === 0) events.push({ time: t, process: 'nemesis', type: 'info', f: 'kill', value: { node: 'n1' } });
    const read = f === 'read' && type === 'ok' ? (int(4) === 0 ? null : int(10)) : value;
    const done: Omit<HistoryEvent, 'index'> = { time: t, ...base, type, value: read, node: `n${int(3)}` };
    if (type !== 'ok') done.error = int(2) ? 'timeout' : 'compare failed';
    if (int(2)) done.served = { role: ROLES[int(2)], term: int(4), pos: i };
    events.push(done);
  }
  return events.map((e, index) => ({ index, ...e }) as HistoryEvent);
}

const NUMBERS = ['1.0', '1e0', '-0', '01', '-1', '0.5', '1E2', '9007199254740993', '2147483648', '4294967296', '123456789012345', '1234567890123456', '0', '00'];
const VALUES = ['[1,2.5]', '[1,null]', '[]', '[2147483647]', '[2147483648]', '[-1]', '"x"', 'true', '{"a":1}', '[[1]]', '[ 1]', '[1 ]', '[1,]', 'null', '0', '[0,1]', '[01]', '[1', 'nul', '[1.0]'];
const EXTRA_FIELDS = [
  ',"extra":1', ',"__proto__":{}', ',"Index":1', ',"":1', ',"key":"k0"', ',"index":0', ',"value":null', ',"session":"s9"', ',"type":"ok"',
  ',"session":null', ',"final":null', ',"node":null', ',"error":null', ',"user":5', ',"final":true', ',"final":false', ',"served":null', ',"f":""',
];
const SERVED = [
  '{"role":"leader"}', '{"term":1,"role":"x"}', '{"role":""}', '{"role":"leader","extra":1}', '{"role":"leader","term":-1}', '{"role":"leader","term":1.5}',
  `{"role":"${'r'.repeat(64)}"}`, `{"role":"${'r'.repeat(65)}"}`, '{"role":"a\\"b"}', '{"role":"leader","role":"follower"}', '{"pos":3,"term":2,"role":"candidate"}',
  '{ "role":"leader"}', '{"role":"leader","pos":9007199254740993}', '{}', '[]', '{"role":"é"}', '{"role":"leader","pos":0,"term":0}', '{"role":null}',
];

export const PERTURBATIONS = [
  'space-after-colon', 'space-after-comma', 'leading-space', 'trailing-space', 'reorder', 'escape-string', 'escape-name', 'non-ascii',
  'number', 'value', 'extra-field', 'served', 'drop-field', 'cr', 'control-char', 'cut',
] as const;
export type Perturbation = (typeof PERTURBATIONS)[number];

/** The `pick`-th match of `re` in `s` replaced by what `by` makes of it (s itself when none matches). */
function replaceNth(s: string, re: RegExp, pick: number, by: (m: string) => string): string {
  const all = [...s.matchAll(re)];
  if (all.length === 0) return s;
  const m = all[pick % all.length];
  return s.slice(0, m.index) + by(m[0]) + s.slice(m.index! + m[0].length);
}

const pickOf = <T>(xs: readonly T[], pick: number): T => xs[pick % xs.length];
const beforeEnd = (s: string, add: string): string => (s.endsWith('}') ? `${s.slice(0, -1)}${add}}` : s + add);

/** One edit of a line's text (see PERTURBATIONS); `pick` chooses where and what. */
export function perturb(line: string, kind: Perturbation, pick: number): string {
  switch (kind) {
    case 'space-after-colon': return replaceNth(line, /":/g, pick, (m) => `${m} `);
    case 'space-after-comma': return replaceNth(line, /,"/g, pick, () => ', "');
    case 'leading-space': return ` ${line}`;
    case 'trailing-space': return `${line}${pickOf([' ', '\t', ' \r'], pick)}`;
    case 'reorder': return reorder(line, pick);
    case 'escape-string': return replaceNth(line, /:"[a-z]/g, pick, (m) => `:"\\u00${m.charCodeAt(2).toString(16)}`);
    case 'escape-name': return replaceNth(line, /[{,]"[a-z]/g, pick, (m) => `${m.slice(0, 2)}\\u00${m.charCodeAt(2).toString(16)}`);
    case 'non-ascii': return replaceNth(line, /:"[a-z0-9]+/g, pick, (m) => `${m}${pickOf(['é', '€', '😀', '\u2028'], pick)}`);
    case 'number': return replaceNth(line, /(?<=[:[,])\d+/g, pick, () => pickOf(NUMBERS, pick >> 4));
    case 'value': return replaceNth(line, /"value":(null|\d+|\[[\d,]*\])/g, 0, () => `"value":${pickOf(VALUES, pick)}`);
    case 'extra-field': return beforeEnd(line, pickOf(EXTRA_FIELDS, pick));
    case 'served': return beforeEnd(line, `,"served":${pickOf(SERVED, pick)}`);
    case 'drop-field': return replaceNth(line, /,"[a-z]+":("[^"]*"|\d+|null|true|false|\[[\d,]*\])/g, pick, () => '');
    case 'cr': return replaceNth(line, /,/g, pick, () => ',\r');
    case 'control-char': return replaceNth(line, /:"[a-z0-9]/g, pick, (m) => `${m}\t`);
    case 'cut': return line.slice(0, Math.max(0, line.length - 1 - (pick % 5)));
  }
}

/** The same event with its fields in another order (a deterministic shuffle by `pick`). */
function reorder(line: string, pick: number): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (o === null || typeof o !== 'object') return line;
  const keys = Object.keys(o);
  const rnd = seededRandom(pick);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, o[k]])));
}
