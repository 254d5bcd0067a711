// History events encoded straight into the writer's byte buffer: no string per event or per field
// (building each line as a string cost the driver about 2 µs per event, half of it in the GC).
// The text is byte for byte what eventToJson writes (SPEC's field order, JSON.stringify's forms);
// what the fast path does not cover (long strings, big or nested values) is left to eventToJson.

import type { HistoryEvent, Served } from './types.js';

/** Bytes the caller leaves free before each event: the fast path never writes more. */
export const ENCODE_SLACK = 1 << 17;
const MAX_FAST_STRING = 1024;
const MAX_FAST_LIST = 2048;

/** Writes an ASCII literal (field names, punctuation); returns the new position. */
export function lit(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
  return pos;
}

/** "00" to "99" as byte pairs: the digits of a number go two at a time. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Writes a number as JSON.stringify does (integers by hand, others through `${n}`, non-finite as null). */
export function num(buf: Uint8Array, pos: number, n: number): number {
  if (!Number.isSafeInteger(n)) return lit(buf, pos, Number.isFinite(n) ? `${n}` : 'null');
  if (n < 0) {
    buf[pos++] = 45;
    n = -n;
  }
  if (n < 10) {
    buf[pos] = 48 + n;
    return pos + 1;
  }
  let digits = 2;
  for (let p = 100; p <= n; p *= 10) digits++;
  let at = pos + digits;
  while (n >= 100) {
    const q = Math.floor(n / 100);
    const r = 2 * (n - q * 100);
    buf[--at] = PAIRS[r + 1];
    buf[--at] = PAIRS[r];
    n = q;
  }
  if (n >= 10) {
    buf[--at] = PAIRS[2 * n + 1];
    buf[--at] = PAIRS[2 * n];
  } else buf[--at] = 48 + n;
  return pos + digits;
}

/** Writes a JSON string; plain printable ASCII byte by byte, anything else through JSON.stringify. */
function str(buf: Buffer, pos: number, s: string): number {
  const start = pos;
  buf[pos++] = 34;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return start + buf.write(JSON.stringify(s), start);
    buf[pos++] = c;
  }
  buf[pos++] = 34;
  return pos;
}

/** A list of ints and nulls (a read's value, a cas pair) by hand; -1 if it holds anything else. */
function intList(buf: Uint8Array, pos: number, v: unknown[]): number {
  buf[pos++] = 91;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (i > 0) buf[pos++] = 44;
    if (typeof x === 'number') {
      // (most elements of a run's lists are below 100: written inline)
      if (x >= 0 && x < 100 && (x | 0) === x) {
        if (x < 10) buf[pos++] = 48 + x;
        else {
          buf[pos++] = PAIRS[2 * x];
          buf[pos++] = PAIRS[2 * x + 1];
        }
      } else if (Number.isSafeInteger(x)) pos = num(buf, pos, x);
      else return -1;
    } else if (x === null) pos = lit(buf, pos, 'null');
    else return -1;
  }
  buf[pos++] = 93;
  return pos;
}

/** Any other JSON value, if its text fits in the room left; -1 if it does not. */
export function other(buf: Buffer, pos: number, v: unknown, room: number): number {
  const s = JSON.stringify(v) ?? 'null';
  if (s.length * 3 > room) return -1;
  return pos + buf.write(s, pos);
}

function value(buf: Buffer, pos: number, v: unknown, end: number): number {
  if (v === null || v === undefined) return lit(buf, pos, 'null');
  if (typeof v === 'number') return num(buf, pos, v);
  if (Array.isArray(v) && v.length <= MAX_FAST_LIST) {
    const at = intList(buf, pos, v);
    if (at >= 0) return at;
  }
  return other(buf, pos, v, end - pos);
}

/** The constant parts of a line as bytes (copied byte by byte: faster than charCodeAt per character). */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const L_ROLE = ascii('{"role":');
const L_TERM = ascii(',"term":');
const L_POS = ascii(',"pos":');
const L_INDEX = ascii('{"index":');
const L_TIME = ascii(',"time":');
const L_PROCESS = ascii(',"process":');
const L_SESSION = ascii(',"session":');
const L_USER = ascii(',"user":');
const L_TYPE = ascii(',"type":');
const L_F = ascii(',"f":');
const L_KEY = ascii(',"key":');
const L_VALUE = ascii(',"value":');
const L_NODE = ascii(',"node":');
const L_ERROR = ascii(',"error":');
const L_SERVED = ascii(',"served":');
const L_FINAL_TRUE = ascii(',"final":true');
const L_FINAL_FALSE = ascii(',"final":false');

export function bytes(buf: Uint8Array, pos: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) buf[pos + i] = b[i];
  return pos + b.length;
}

/**
 * What a serving node said of itself, by hand when it is exactly `{role, term?, pos?}` in that
 * order (as targets make it) with a short role and integer term and pos; -1 for anything else.
 */
export function served(buf: Buffer, pos: number, s: Served): number {
  const known = frozenServed.get(s);
  if (known !== undefined) return bytes(buf, pos, known);
  const end = servedText(buf, pos, s);
  // (a frozen served cannot change: targets share one per node and role, so its text is kept, as a
  // copy: Buffer.prototype.slice would be a view of the buffer, which later lines overwrite)
  if (end >= 0 && Object.isFrozen(s)) frozenServed.set(s, Uint8Array.prototype.slice.call(buf, pos, end));
  return end;
}

/** The text of frozen served objects already written once. */
const frozenServed = new WeakMap<Served, Uint8Array>();

function servedText(buf: Buffer, pos: number, s: Served): number {
  let want = 0;
  for (const k in s) {
    const at = k === 'role' ? 0 : k === 'term' ? 1 : k === 'pos' ? 2 : -1;
    if (at < want) return -1;
    want = at + 1;
  }
  const { role, term, pos: position } = s;
  if (typeof role !== 'string' || role.length > MAX_FAST_STRING) return -1;
  if ((term !== undefined && !Number.isSafeInteger(term)) || (position !== undefined && !Number.isSafeInteger(position))) return -1;
  pos = str(buf, bytes(buf, pos, L_ROLE), role);
  if (term !== undefined) pos = num(buf, bytes(buf, pos, L_TERM), term);
  if (position !== undefined) pos = num(buf, bytes(buf, pos, L_POS), position);
  buf[pos++] = 125;
  return pos;
}

const long = (s: string | undefined): boolean => s !== undefined && s.length > MAX_FAST_STRING;

/**
 * Encodes e and a newline at buf[pos..]; returns the new position, or -1 if the event is not for
 * the fast path (the caller then writes eventToJson's text). Needs ENCODE_SLACK bytes free at pos.
 */
export function encodeEvent(buf: Buffer, pos: number, e: HistoryEvent): number {
  if (long(e.session) || long(e.user) || long(e.f) || long(e.key) || long(e.node) || long(e.error)) return -1;
  const end = pos + ENCODE_SLACK;
  pos = num(buf, bytes(buf, pos, L_INDEX), e.index);
  pos = num(buf, bytes(buf, pos, L_TIME), e.time);
  pos = bytes(buf, pos, L_PROCESS);
  pos = typeof e.process === 'number' ? num(buf, pos, e.process) : str(buf, pos, e.process);
  if (e.session !== undefined) pos = str(buf, bytes(buf, pos, L_SESSION), e.session);
  if (e.user !== undefined) pos = str(buf, bytes(buf, pos, L_USER), e.user);
  pos = str(buf, bytes(buf, pos, L_TYPE), e.type);
  pos = str(buf, bytes(buf, pos, L_F), e.f);
  if (e.key !== undefined) pos = str(buf, bytes(buf, pos, L_KEY), e.key);
  pos = value(buf, bytes(buf, pos, L_VALUE), e.value, end - 2 * MAX_FAST_STRING * 6);
  if (pos < 0) return -1;
  if (e.node !== undefined) pos = str(buf, bytes(buf, pos, L_NODE), e.node);
  if (e.final !== undefined) pos = bytes(buf, pos, e.final ? L_FINAL_TRUE : L_FINAL_FALSE);
  if (e.error !== undefined) pos = str(buf, bytes(buf, pos, L_ERROR), e.error);
  if (e.served !== undefined) {
    pos = bytes(buf, pos, L_SERVED);
    const at = served(buf, pos, e.served);
    pos = at >= 0 ? at : other(buf, pos, e.served, end - pos - 16);
    if (pos < 0) return -1;
  }
  buf[pos++] = 125;
  buf[pos++] = 10;
  return pos;
}
