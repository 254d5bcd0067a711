// One-pass index of a list-append history shared by every append checker: keys, sessions and
// users interned to small ints, ops grouped per key and per (session|user, key) by counting
// sort, and every ok read's list turned into element ids. Built once per History (WeakMap cache).

import { flatReads, timeColumns, type FlatReads } from '../../history/builder.js';
import type { History, Op } from '../../history/types.js';

export const T_OK = 0;
export const T_FAIL = 1;
export const T_INFO = 2;
export const F_OTHER = 0;
export const F_APPEND = 1;
export const F_READ = 2;
export const ELEM_OK = 0;
export const ELEM_PHANTOM = 1;
export const ELEM_FAILED = 2;

/** Ops grouped by (owner, key): `order` lists op ids; group g spans order[start[g]..start[g+1]). */
export interface Grouping {
  order: Int32Array;
  start: Int32Array;
  /** Owner (session or user index) of each group. */
  owner: Int32Array;
  count: number;
}

export interface AppendIndex {
  history: History;
  ops: Op[];
  keys: string[];
  opKey: Int32Array;
  opType: Uint8Array;
  opF: Uint8Array;
  opFinal: Uint8Array;
  invokeTimeNs: Float64Array;
  completeTimeNs: Float64Array;
  sessions: string[];
  opSession: Int32Array;
  /** Owners for read-your-writes-user: users, then one per session that has no user. */
  users: string[];
  opUser: Int32Array;
  /** Distinct named users, and ops that carry no user. */
  namedUsers: number;
  opsWithoutUser: number;
  /** Op ids by key, then invoke order: key k spans byKey[keyStart[k]..keyStart[k+1]). */
  byKey: Int32Array;
  keyStart: Int32Array;
  bySession: Grouping;
  byUser: Grouping;
  /** Element ids: the op id of the append that wrote each element (-1: no append did). */
  elemAppend: Int32Array;
  /** Per element: its append's session and user (-1: none), its completion time if the append was ok (else +Infinity). */
  elemSession: Int32Array;
  elemUser: Int32Array;
  elemOkDoneNs: Float64Array;
  /** ELEM_OK, ELEM_PHANTOM (no append wrote it) or ELEM_FAILED (its append failed). */
  elemStatus: Uint8Array;
  /** op id -> the element id it appended (-1: not an append, or a repeated element). */
  appendElem: Int32Array;
  /** The element's value, for messages. */
  elemValue: unknown[];
  elemCount: number;
  /** Element ids of every ok read's list, flat; op i's list is readElems[readStart[i]..+readLen[i]) (readStart -1: not an ok read). */
  readElems: Int32Array;
  readStart: Int32Array;
  readLen: Int32Array;
  /** Elements appended twice to one key (the first append keeps the element). */
  duplicateAppends: number;
  /**
   * Per key: 1 when every ok read of it is a prefix of its longest ok read and that read repeats no
   * element (the usual case; also 1 for a key without reads), else 0. Then keyLongest[k] is the
   * first longest read (-1: none) and elemPos[e] the position of each of its elements in it.
   */
  keyOrdered: Uint8Array;
  keyLongest: Int32Array;
  /** Per element of an ordered key: its position in the key's longest read (POS_ABSENT: in no read). */
  elemPos: Int32Array;
  /** Per op: the node it names (an index into `nodes`, in order of first sight), or -1 for none. */
  opNode: Int32Array;
  nodes: string[];
  /** The history's nemesis events as the cross-key rules read them: when, and the node they name (if any). */
  faults: FaultMark[];
}

/** A nemesis event's time and the node its value names (undefined: it names none). */
export interface FaultMark {
  time: number;
  node: string | undefined;
}

/**
 * What the session-order rules (monotonic-writes, writes-follow-reads: deps.ts, deps-check.ts,
 * node-order.ts) read of an index: its columns and names, never its History or its ops, so that a
 * copy of them in another thread (order-thread.ts) can run the rules.
 */
export type OrderIndex = Pick<AppendIndex, (typeof ORDER_FIELDS)[number]>;

/** The fields of an OrderIndex (order-thread.ts hands them to the thread one by one). */
export const ORDER_FIELDS = [
  'keys', 'opKey', 'opType', 'opF', 'invokeTimeNs', 'completeTimeNs', 'sessions', 'opSession', 'byKey', 'keyStart', 'bySession',
  'elemAppend', 'elemStatus', 'appendElem', 'elemCount', 'readElems', 'readStart', 'readLen', 'keyOrdered', 'keyLongest', 'elemPos',
  'opNode', 'nodes', 'faults',
] as const satisfies readonly (keyof AppendIndex)[];

/** elemPos of an element that no read of its (ordered) key holds. */
export const POS_ABSENT = 0x7fffffff;

/**
 * A per-op column that the session-order rules read (OrderIndex), on shared memory where the
 * history is large: their thread (order-thread.ts) then reads it in place instead of a copy.
 */
function sharedInts(n: number): Int32Array {
  return n >= SHARED_FROM ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}

function sharedBytes(n: number): Uint8Array {
  return n >= SHARED_FROM ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
}

/** Ops from which those columns are shared: from where the rules run in their thread by default. */
export const SHARED_FROM = 100_000;

const cache = new WeakMap<History, AppendIndex>();

export function appendIndex(h: History): AppendIndex {
  let ix = cache.get(h);
  if (ix === undefined) {
    ix = buildAppendIndex(h);
    cache.set(h, ix);
  }
  return ix;
}

/**
 * The element an append wrote: its completion's value when it completed (a nondeterministic
 * append's invoke holds a placeholder and the node reports the element it computed), else the
 * invoke's value.
 */
export function appendElement(op: Op): unknown {
  return op.completeIndex >= 0 && op.value !== null && op.value !== undefined ? op.value : op.invokeValue;
}

/** A Map key for an element: numbers and strings as themselves, anything else as JSON text. */
function elemKey(v: unknown): unknown {
  const t = typeof v;
  if (t === 'number' || t === 'string' || t === 'boolean' || v === null) return v;
  return '\u0001' + JSON.stringify(v);
}

function intern(map: Map<string, number>, names: string[], s: string): number {
  let i = map.get(s);
  if (i === undefined) {
    i = names.length;
    names.push(s);
    map.set(s, i);
  }
  return i;
}

/**
 * Groups ops by (owner, key) in one pass: each pair gets a dense group id on first sight (a direct
 * table when owners x keys is small enough, else a Map), then one counting sort by group id.
 * Groups come in order of their first op; inside a group, ops stay in invoke order.
 */
export function groupByOwner(owner: Int32Array, nOwners: number, opKey: Int32Array, nKeys: number): Grouping {
  const n = owner.length;
  const opGroup = new Int32Array(n);
  const owners = new Int32Array(n);
  // Group sizes, counted as groups appear: sizes[g + 1] (then prefix sums make the starts).
  const start = new Int32Array(n + 1);
  let count = 0;
  if (nOwners * nKeys <= 1 << 24) {
    const direct = new Int32Array(nOwners * nKeys); // group id + 1 (0: none yet)
    for (let i = 0; i < n; i++) {
      const o = owner[i];
      const pair = o * nKeys + opKey[i];
      let g = direct[pair] - 1;
      if (g < 0) {
        g = count++;
        owners[g] = o;
        direct[pair] = g + 1;
      }
      opGroup[i] = g;
      start[g + 1]++;
    }
  } else {
    const map = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const o = owner[i];
      const pair = o * nKeys + opKey[i];
      let g = map.get(pair);
      if (g === undefined) {
        g = count++;
        owners[g] = o;
        map.set(pair, g);
      }
      opGroup[i] = g;
      start[g + 1]++;
    }
  }
  for (let g = 0; g < count; g++) start[g + 1] += start[g];
  const fill = start.slice(0, count);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[opGroup[i]]++] = i;
  return { order, start: start.slice(0, count + 1), owner: owners.slice(0, count), count };
}

/** The per-op columns of the index and what the element passes need, from one pass over the ops. */
interface OpScan
  extends Pick<
    AppendIndex,
    'keys' | 'opKey' | 'opType' | 'opF' | 'opFinal' | 'invokeTimeNs' | 'completeTimeNs' | 'sessions' | 'opSession' | 'users' | 'opUser' | 'namedUsers' | 'opsWithoutUser' | 'opNode' | 'nodes'
  > {
  /** Per op: an append's integer element (NaN: not an integer, or not an append). */
  appendNum: Float64Array;
  totalReadLen: number;
  /** Every ok read's list is in the builder's flat column (readElements then works in place). */
  allReadsFlat: boolean;
}

/** Interns sessions and users; a process's last session and a session's last user are tried first. */
class Owners {
  readonly sessions: string[] = [];
  readonly users: string[] = [];
  private readonly sessionMap = new Map<string, number>();
  private readonly userMap = new Map<string, number>();
  private procSession = new Int32Array(256).fill(-1);
  private sessionUser: number[] = [];
  /** Per session without a user: the owner standing for it among the users (-1: none yet). */
  private sessionOwner: number[] = [];
  opsWithoutUser = 0;

  get namedUsers(): number {
    return this.userMap.size;
  }

  session(process: number, s: string): number {
    const cached = process < this.procSession.length ? this.procSession[process] : -1;
    if (cached >= 0 && this.sessions[cached] === s) return cached;
    const i = intern(this.sessionMap, this.sessions, s);
    if (i === this.sessionUser.length) {
      this.sessionUser.push(-1);
      this.sessionOwner.push(-1);
    }
    if (process < 1 << 20) {
      if (process >= this.procSession.length) {
        const grown = new Int32Array(Math.max(process + 1, this.procSession.length * 2)).fill(-1);
        grown.set(this.procSession);
        this.procSession = grown;
      }
      this.procSession[process] = i;
    }
    return i;
  }

  user(session: number, u: string | undefined): number {
    if (u === undefined) {
      // A session without a user is its own user: read-your-writes-user reduces to read-your-writes.
      this.opsWithoutUser++;
      let o = this.sessionOwner[session];
      if (o < 0) {
        o = this.users.length;
        this.users.push(`session ${this.sessions[session]}`);
        this.sessionOwner[session] = o;
      }
      return o;
    }
    const cached = this.sessionUser[session];
    if (cached >= 0 && this.users[cached] === u) return cached;
    const i = intern(this.userMap, this.users, u);
    this.sessionUser[session] = i;
    return i;
  }
}

function scanOps(h: History, flat: FlatReads | undefined): OpScan {
  const cols = timeColumns(h);
  const times = cols !== undefined && cols.invokeTime.length === h.ops.length ? cols : undefined;
  const ops = h.ops;
  const n = ops.length;
  const keyMap = new Map<string, number>();
  const keys: string[] = [];
  const owners = new Owners();
  const opKey = sharedInts(n);
  const opType = sharedBytes(n);
  const opF = sharedBytes(n);
  const opFinal = new Uint8Array(n);
  // The builder's time columns as they are (nothing writes to them); copied out of the ops otherwise.
  const invokeTimeNs = times?.invokeTime ?? new Float64Array(n);
  const completeTimeNs = times?.completeTime ?? new Float64Array(n);
  const opSession = sharedInts(n);
  const opUser = new Int32Array(n);
  const appendNum = new Float64Array(n).fill(NaN);
  const opNode = sharedInts(n);
  const nodeMap = new Map<string, number>();
  const nodes: string[] = [];
  let lastNode: string | undefined;
  let lastNodeId = -1;
  let totalReadLen = 0;
  let allReadsFlat = flat !== undefined;
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    const k = op.key;
    let ki = keyMap.get(k);
    if (ki === undefined) ki = intern(keyMap, keys, k);
    opKey[i] = ki;
    const s = owners.session(op.process, op.session);
    opSession[i] = s;
    opUser[i] = owners.user(s, op.user);
    const type = op.type === 'ok' ? T_OK : op.type === 'fail' ? T_FAIL : T_INFO;
    opType[i] = type;
    const f = op.f === 'append' ? F_APPEND : op.f === 'read' ? F_READ : F_OTHER;
    opF[i] = f;
    opFinal[i] = op.final ? 1 : 0;
    const node = op.node;
    if (node !== lastNode) {
      lastNode = node;
      lastNodeId = node === undefined ? -1 : intern(nodeMap, nodes, node);
    }
    opNode[i] = lastNodeId;
    if (times === undefined) {
      invokeTimeNs[i] = op.invokeTime;
      completeTimeNs[i] = op.completeTime;
    }
    // While the op is at hand: what the element passes below need to know about it.
    if (f === F_APPEND) {
      const v = appendElement(op);
      if (typeof v === 'number' && Number.isInteger(v)) appendNum[i] = v;
    } else if (f === F_READ && type === T_OK) {
      const inFlat = flat !== undefined && flat.start[i] >= 0;
      if (!inFlat) allReadsFlat = false;
      totalReadLen += inFlat ? flat.len[i] : (op.value as unknown[]).length;
    }
  }
  const { sessions, users, namedUsers, opsWithoutUser } = owners;
  return { keys, opKey, opType, opF, opFinal, invokeTimeNs, completeTimeNs, sessions, opSession, users, opUser, namedUsers, opsWithoutUser, opNode, nodes, appendNum, totalReadLen, allReadsFlat };
}

/** Op ids by key, then invoke order (a counting sort). */
function sortByKey(opKey: Int32Array, nKeys: number): { byKey: Int32Array; keyStart: Int32Array } {
  const n = opKey.length;
  const keyStart = new Int32Array(nKeys + 1);
  for (let i = 0; i < n; i++) keyStart[opKey[i] + 1]++;
  for (let k = 0; k < nKeys; k++) keyStart[k + 1] += keyStart[k];
  const byKey = sharedInts(n);
  const keyFill = keyStart.slice(0, nKeys);
  for (let i = 0; i < n; i++) byKey[keyFill[opKey[i]]++] = i;
  return { byKey, keyStart };
}

/**
 * Element ids, per key: keys whose appended elements are integers in a compact range look them up
 * in a table (slot = value - min), others in a Map (elemKey). Ids are given in order of first sight.
 */
class Elements {
  readonly tables: (Int32Array | undefined)[];
  readonly maps: (Map<unknown, number> | undefined)[];
  readonly min: Float64Array;
  elemAppend: Int32Array;
  /** Per element: its position in its key's longest read so far (see KeyPrefixes). */
  elemPos: Int32Array;
  readonly elemValue: unknown[] = [];
  count = 0;

  constructor(s: OpScan, capacity: number) {
    const nKeys = s.keys.length;
    this.tables = new Array(nKeys);
    this.maps = new Array(nKeys);
    this.min = new Float64Array(nKeys).fill(Infinity);
    this.elemAppend = new Int32Array(Math.max(16, capacity));
    this.elemPos = new Int32Array(this.elemAppend.length).fill(POS_ABSENT);
    const max = new Float64Array(nKeys).fill(-Infinity);
    const appends = new Int32Array(nKeys);
    const nonInteger = new Uint8Array(nKeys);
    const { opF, opKey, appendNum } = s;
    for (let i = 0; i < opF.length; i++) {
      if (opF[i] !== F_APPEND) continue;
      const k = opKey[i];
      appends[k]++;
      const v = appendNum[i];
      if (v !== v) nonInteger[k] = 1;
      else {
        if (v < this.min[k]) this.min[k] = v;
        if (v > max[k]) max[k] = v;
      }
    }
    for (let k = 0; k < nKeys; k++) {
      if (appends[k] === 0) continue;
      if (nonInteger[k] === 0 && max[k] - this.min[k] <= 4 * appends[k] + 64) this.tables[k] = new Int32Array(max[k] - this.min[k] + 1).fill(-1);
      else this.maps[k] = new Map();
    }
  }

  /** A new element id for value v, written by append `a` (-1: none). */
  add(v: unknown, a: number): number {
    const e = this.count++;
    if (e >= this.elemAppend.length) {
      const grown = new Int32Array(this.elemAppend.length * 2);
      grown.set(this.elemAppend);
      this.elemAppend = grown;
      const pos = new Int32Array(grown.length).fill(POS_ABSENT);
      pos.set(this.elemPos);
      this.elemPos = pos;
    }
    this.elemAppend[e] = a;
    this.elemValue.push(v);
    return e;
  }

  /** An element no append wrote: a fresh id, remembered in the key's Map. */
  phantom(k: number, v: unknown): number {
    let m = this.maps[k];
    if (m === undefined) this.maps[k] = m = new Map();
    const ek = elemKey(v);
    let e = m.get(ek);
    if (e === undefined) {
      e = this.add(v, -1);
      m.set(ek, e);
    }
    return e;
  }
}

/** Gives each append's element an id (the first append of an element owns it); returns appendElem and the repeats. */
function appendElements(ops: Op[], s: OpScan, el: Elements): { appendElem: Int32Array; duplicateAppends: number } {
  const { opF, opKey, appendNum } = s;
  const n = opF.length;
  const appendElem = sharedInts(n).fill(-1);
  let duplicateAppends = 0;
  for (let i = 0; i < n; i++) {
    if (opF[i] !== F_APPEND) continue;
    const k = opKey[i];
    const table = el.tables[k];
    if (table !== undefined) {
      const v = appendNum[i];
      const slot = v - el.min[k];
      if (table[slot] >= 0) {
        duplicateAppends++;
        continue;
      }
      appendElem[i] = table[slot] = el.add(v, i);
    } else {
      const v = appendElement(ops[i]);
      const m = el.maps[k]!;
      const ek = elemKey(v);
      if (m.has(ek)) {
        duplicateAppends++;
        continue;
      }
      appendElem[i] = el.add(v, i);
      m.set(ek, appendElem[i]);
    }
  }
  return { appendElem, duplicateAppends };
}

/** Every ok read's list as element ids, flat: op i's is readElems[readStart[i]..+readLen[i]). */
function readElements(ops: Op[], s: OpScan, el: Elements, flat: FlatReads | undefined) {
  if (flat !== undefined && s.allReadsFlat) return readElementsInPlace(s, el, flat);
  const { opF, opType, opKey } = s;
  const n = opF.length;
  const readElems = new Int32Array(s.totalReadLen);
  const readStart = new Int32Array(n).fill(-1);
  const readLen = new Int32Array(n);
  const prefixes = new KeyPrefixes(s.keys.length);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (opF[i] !== F_READ || opType[i] !== T_OK) continue;
    const k = opKey[i];
    const fs = flat !== undefined ? flat.start[i] : -1;
    readStart[i] = pos;
    if (fs >= 0) {
      const len = flat!.len[i];
      readLen[i] = len;
      pos = flatRead(flat!.elems, fs, fs + len, k, el, readElems, pos);
    } else {
      const list = ops[i].value as unknown[];
      readLen[i] = list.length;
      pos = listRead(list, k, el, readElems, pos);
    }
    if (prefixes.ordered[k] === 1) prefixes.add(readElems, readStart, readLen, el.elemPos, k, i);
  }
  return { readElems, readStart, readLen, keyOrdered: prefixes.ordered, keyLongest: prefixes.longest };
}

/**
 * readElements when the builder holds every ok read's list flat: its column is turned into element
 * ids where it lies (readElems is that column, readStart and readLen its own), so the lists are not
 * held twice (at 3M ops they are most of the memory). The column then decodes through elemValue
 * (FlatReads.ids), so the ops' values stay what they were.
 */
function readElementsInPlace(s: OpScan, el: Elements, flat: FlatReads) {
  const { opF, opType, opKey } = s;
  const { elems, start, len } = flat;
  const prefixes = new KeyPrefixes(s.keys.length);
  for (let i = 0; i < opF.length; i++) {
    if (opF[i] !== F_READ || opType[i] !== T_OK) continue;
    const k = opKey[i];
    // (each element is read before its id is written over it)
    flatRead(elems, start[i], start[i] + len[i], k, el, elems, start[i]);
    if (prefixes.ordered[k] === 1) prefixes.add(elems, start, len, el.elemPos, k, i);
  }
  flat.ids = el.elemValue;
  return { readElems: elems, readStart: start, readLen: len, keyOrdered: prefixes.ordered, keyLongest: prefixes.longest };
}

/**
 * Per key, in invoke order of its reads: the longest read so far, and whether every read so far
 * is a prefix of it (or extends it) with no element twice; elemPos holds each element's position
 * in it. A key stops being followed once a read forks from it or repeats an element.
 */
class KeyPrefixes {
  readonly ordered: Uint8Array;
  readonly longest: Int32Array;
  constructor(keys: number) {
    this.ordered = new Uint8Array(keys).fill(1);
    this.longest = new Int32Array(keys).fill(-1);
  }

  /** Read r of key k, whose elements are in place. */
  add(readElems: Int32Array, readStart: Int32Array, readLen: Int32Array, elemPos: Int32Array, k: number, r: number): void {
    const l = this.longest[k];
    const s = readStart[r];
    const len = readLen[r];
    if (l < 0) {
      this.longest[k] = r;
      if (!placeTail(readElems, s, 0, len, elemPos)) this.ordered[k] = 0;
      return;
    }
    const ls = readStart[l];
    const llen = readLen[l];
    const n = len < llen ? len : llen;
    for (let j = 0; j < n; j++) {
      if (readElems[s + j] !== readElems[ls + j]) {
        this.ordered[k] = 0;
        return;
      }
    }
    if (len <= llen) return;
    this.longest[k] = r;
    if (!placeTail(readElems, s, llen, len, elemPos)) this.ordered[k] = 0;
  }
}

/** Gives the elements at readElems[from + j] for j in [lo, hi) position j; false if one already had a position (a repeat). */
function placeTail(readElems: Int32Array, from: number, lo: number, hi: number, elemPos: Int32Array): boolean {
  for (let j = lo; j < hi; j++) {
    const e = readElems[from + j];
    if (elemPos[e] !== POS_ABSENT) return false;
    elemPos[e] = j;
  }
  return true;
}

/** Maps elems[from..end) (a flat int32 read) to element ids into out[pos..]; returns the new pos. */
function flatRead(elems: Int32Array, from: number, end: number, k: number, el: Elements, out: Int32Array, pos: number): number {
  const table = el.tables[k];
  let j = from;
  while (j < end) {
    // Fast run of table hits; a miss (or a key without a table) goes through the Map.
    if (table !== undefined) {
      const hits = mapByTable(elems, j, end, table, el.min[k], out, pos);
      j += hits;
      pos += hits;
      if (j === end) break;
    }
    const v = elems[j++];
    const e = el.maps[k]?.get(v);
    out[pos++] = e !== undefined ? e : el.phantom(k, v);
  }
  return pos;
}

/** Maps a read's list (JS values) to element ids into out[pos..]; returns the new pos. */
function listRead(list: unknown[], k: number, el: Elements, out: Int32Array, pos: number): number {
  const table = el.tables[k];
  const len = list.length;
  if (table !== undefined) {
    const min = el.min[k];
    const size = table.length;
    for (let j = 0; j < len; j++) {
      const v = list[j];
      let e = -1;
      if (typeof v === 'number') {
        const slot = v - min;
        // slot >>> 0 === slot: a non-negative integer (fractions and NaN fail it).
        if (slot >>> 0 === slot && slot < size) e = table[slot];
      }
      out[pos++] = e >= 0 ? e : el.phantom(k, v);
    }
    return pos;
  }
  const map = el.maps[k];
  for (let j = 0; j < len; j++) {
    const v = list[j];
    const e = map !== undefined ? map.get(elemKey(v)) : undefined;
    out[pos++] = e !== undefined ? e : el.phantom(k, v);
  }
  return pos;
}

/** Per element, what the read-your-writes checkers ask about its append. */
function elementFacts(elemAppend: Int32Array, s: OpScan) {
  const elemCount = elemAppend.length;
  const elemSession = new Int32Array(elemCount).fill(-1);
  const elemUser = new Int32Array(elemCount).fill(-1);
  const elemOkDoneNs = new Float64Array(elemCount).fill(Infinity);
  const elemStatus = new Uint8Array(elemCount);
  const { opSession, opUser, opType, completeTimeNs } = s;
  for (let e = 0; e < elemCount; e++) {
    const a = elemAppend[e];
    if (a < 0) {
      elemStatus[e] = ELEM_PHANTOM;
      continue;
    }
    elemSession[e] = opSession[a];
    elemUser[e] = opUser[a];
    if (opType[a] === T_OK) elemOkDoneNs[e] = completeTimeNs[a];
    else if (opType[a] === T_FAIL) elemStatus[e] = ELEM_FAILED;
  }
  return { elemSession, elemUser, elemOkDoneNs, elemStatus };
}

export function buildAppendIndex(h: History): AppendIndex {
  const ops = h.ops;
  // Read lists the builder already copied flat (int32 elements), read from there when present
  // (not once an index has turned them into its ids: a second index reads the ops' values).
  const columns = flatReads(h);
  const flat = columns?.ids === undefined ? columns : undefined;
  const s = scanOps(h, flat);
  const { byKey, keyStart } = sortByKey(s.opKey, s.keys.length);
  const el = new Elements(s, ops.length);
  const { appendElem, duplicateAppends } = appendElements(ops, s, el);
  const reads = readElements(ops, s, el, flat);
  const elemAppend = el.elemAppend.subarray(0, el.count);
  const elemPos = el.elemPos.subarray(0, el.count);
  const { opSession, opUser, opKey } = s;
  const [nSessions, nUsers, nKeys] = [s.sessions.length, s.users.length, s.keys.length];
  let bySession: Grouping | undefined;
  let byUser: Grouping | undefined;
  return {
    history: h,
    ops,
    keys: s.keys,
    opKey: s.opKey,
    opType: s.opType,
    opF: s.opF,
    opFinal: s.opFinal,
    invokeTimeNs: s.invokeTimeNs,
    completeTimeNs: s.completeTimeNs,
    sessions: s.sessions,
    opSession: s.opSession,
    users: s.users,
    opUser: s.opUser,
    namedUsers: s.namedUsers,
    opsWithoutUser: s.opsWithoutUser,
    byKey,
    keyStart,
    // Built on first use (a checker that groups by user may not run).
    get bySession() {
      return (bySession ??= groupByOwner(opSession, nSessions, opKey, nKeys));
    },
    get byUser() {
      return (byUser ??= groupByOwner(opUser, nUsers, opKey, nKeys));
    },
    elemAppend,
    ...elementFacts(elemAppend, s),
    appendElem,
    elemValue: el.elemValue,
    elemCount: el.count,
    ...reads,
    duplicateAppends,
    elemPos,
    opNode: s.opNode,
    nodes: s.nodes,
    faults: faultMarks(h),
  };
}

/** The nemesis events' times and named nodes (a value `{node: "n1", ...}` names n1). */
function faultMarks(h: History): FaultMark[] {
  return h.nemesis.map((e) => {
    const v = e.value as { node?: unknown } | null;
    return { time: e.time, node: v !== null && typeof v === 'object' && typeof v.node === 'string' ? v.node : undefined };
  });
}

/**
 * Maps elems[from..end) to element ids through a key's table into out[outPos..], stopping at the
 * first element the table does not know; returns how many it mapped. Small, so V8 optimises it.
 */
function mapByTable(elems: Int32Array, from: number, end: number, table: Int32Array, min: number, out: Int32Array, outPos: number): number {
  const size = table.length;
  let j = from;
  for (; j < end; j++) {
    const slot = elems[j] - min;
    if (!(slot >= 0 && slot < size)) break;
    const e = table[slot];
    if (e < 0) break;
    out[outPos++] = e;
  }
  return j - from;
}
