// One-pass index of a list-append history shared by every append checker: keys, sessions and
// users interned to small ints, ops grouped per key and per (session|user, key) by counting
// sort, and every ok read's list turned into element ids. Built once per History (WeakMap cache).

import { flatReads } from '../../history/builder.js';
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
}

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
  const owners: number[] = [];
  const direct = nOwners * nKeys <= 1 << 24 ? new Int32Array(nOwners * nKeys).fill(-1) : undefined;
  const map = direct === undefined ? new Map<number, number>() : undefined;
  for (let i = 0; i < n; i++) {
    const o = owner[i];
    const pair = o * nKeys + opKey[i];
    let g = direct !== undefined ? direct[pair] : (map!.get(pair) ?? -1);
    if (g < 0) {
      g = owners.length;
      owners.push(o);
      if (direct !== undefined) direct[pair] = g;
      else map!.set(pair, g);
    }
    opGroup[i] = g;
  }
  const count = owners.length;
  const start = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) start[opGroup[i] + 1]++;
  for (let g = 0; g < count; g++) start[g + 1] += start[g];
  const fill = start.slice(0, count);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[opGroup[i]]++] = i;
  return { order, start, owner: Int32Array.from(owners), count };
}

export function buildAppendIndex(h: History): AppendIndex {
  const ops = h.ops;
  const n = ops.length;
  const keyMap = new Map<string, number>();
  const keys: string[] = [];
  const sessionMap = new Map<string, number>();
  const sessions: string[] = [];
  const userMap = new Map<string, number>();
  const users: string[] = [];
  const opKey = new Int32Array(n);
  const opType = new Uint8Array(n);
  const opF = new Uint8Array(n);
  const opFinal = new Uint8Array(n);
  const invokeTimeNs = new Float64Array(n);
  const completeTimeNs = new Float64Array(n);
  const opSession = new Int32Array(n);
  const opUser = new Int32Array(n);
  // Per key (grown as keys appear): the range of its integer elements, its appends, whether any
  // element is not an integer; per op, an append's integer element (NaN: not an integer).
  const keyMin: number[] = [];
  const keyMax: number[] = [];
  const keyAppends: number[] = [];
  const keyNonInteger: number[] = [];
  const appendNum = new Float64Array(n).fill(NaN);
  // Read lists the builder already copied flat (int32 elements), read from there when present.
  const flat = flatReads(h);
  let totalReadLen = 0;
  // Per-session user owner, so sessions without a user are interned once.
  const sessionOwner: number[] = [];
  let opsWithoutUser = 0;
  let lastSession = '';
  let lastSessionIdx = -1;
  let lastKey = '';
  let lastKeyIdx = -1;
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    const k = op.key;
    if (k !== lastKey || lastKeyIdx < 0) {
      lastKey = k;
      lastKeyIdx = intern(keyMap, keys, k);
    }
    opKey[i] = lastKeyIdx;
    const s = op.session;
    if (s !== lastSession || lastSessionIdx < 0) {
      lastSession = s;
      lastSessionIdx = intern(sessionMap, sessions, s);
    }
    opSession[i] = lastSessionIdx;
    const u = op.user;
    if (u !== undefined) {
      opUser[i] = intern(userMap, users, u);
    } else {
      opsWithoutUser++;
      // A session without a user is its own user: read-your-writes-user reduces to read-your-writes.
      while (sessionOwner.length <= lastSessionIdx) sessionOwner.push(-1);
      let o = sessionOwner[lastSessionIdx];
      if (o < 0) {
        o = users.length;
        users.push(`session ${s}`);
        sessionOwner[lastSessionIdx] = o;
      }
      opUser[i] = o;
    }
    const type = op.type === 'ok' ? T_OK : op.type === 'fail' ? T_FAIL : T_INFO;
    opType[i] = type;
    const f = op.f === 'append' ? F_APPEND : op.f === 'read' ? F_READ : F_OTHER;
    opF[i] = f;
    opFinal[i] = op.final ? 1 : 0;
    invokeTimeNs[i] = op.invokeTime;
    completeTimeNs[i] = op.completeTime;
    // While the op is at hand: what the element passes below need to know about it.
    if (f === F_APPEND) {
      const k = lastKeyIdx;
      while (keyMin.length <= k) {
        keyMin.push(Infinity);
        keyMax.push(-Infinity);
        keyAppends.push(0);
        keyNonInteger.push(0);
      }
      keyAppends[k]++;
      const v = appendElement(op);
      if (typeof v === 'number' && Number.isInteger(v)) {
        appendNum[i] = v;
        if (v < keyMin[k]) keyMin[k] = v;
        if (v > keyMax[k]) keyMax[k] = v;
      } else keyNonInteger[k] = 1;
    } else if (f === F_READ && type === T_OK) totalReadLen += flat !== undefined && flat.start[i] >= 0 ? flat.len[i] : (op.value as unknown[]).length;
  }
  while (keyMin.length < keys.length) {
    keyMin.push(Infinity);
    keyMax.push(-Infinity);
    keyAppends.push(0);
    keyNonInteger.push(0);
  }

  const keyStart = new Int32Array(keys.length + 1);
  for (let i = 0; i < n; i++) keyStart[opKey[i] + 1]++;
  for (let k = 0; k < keys.length; k++) keyStart[k + 1] += keyStart[k];
  const byKey = new Int32Array(n);
  const keyFill = keyStart.slice(0, keys.length);
  for (let i = 0; i < n; i++) byKey[keyFill[opKey[i]]++] = i;

  // Elements: appends first (so each element knows its append), then every ok read's list, each
  // pass walking ops in memory order. Keys whose elements are integers in a compact range look
  // them up in a table; others in a Map.
  const keyTables: (Int32Array | undefined)[] = new Array(keys.length);
  const keyMaps: (Map<unknown, number> | undefined)[] = new Array(keys.length);
  for (let k = 0; k < keys.length; k++) {
    if (keyAppends[k] === 0) continue;
    if (keyNonInteger[k] === 0 && keyMax[k] - keyMin[k] <= 4 * keyAppends[k] + 64) keyTables[k] = new Int32Array(keyMax[k] - keyMin[k] + 1).fill(-1);
    else keyMaps[k] = new Map();
  }
  let elemAppend = new Int32Array(Math.max(16, n));
  const appendElem = new Int32Array(n).fill(-1);
  const elemValue: unknown[] = [];
  let elemCount = 0;
  let duplicateAppends = 0;
  for (let i = 0; i < n; i++) {
    if (opF[i] !== F_APPEND) continue;
    const k = opKey[i];
    const table = keyTables[k];
    const v = table !== undefined ? appendNum[i] : appendElement(ops[i]);
    if (table !== undefined) {
      const slot = (v as number) - keyMin[k];
      if (table[slot] >= 0) {
        duplicateAppends++;
        continue;
      }
      table[slot] = elemCount;
    } else {
      const m = keyMaps[k]!;
      const ek = elemKey(v);
      if (m.has(ek)) {
        duplicateAppends++;
        continue;
      }
      m.set(ek, elemCount);
    }
    appendElem[i] = elemCount;
    elemAppend[elemCount] = i;
    elemValue.push(v);
    elemCount++;
  }
  const readElems = new Int32Array(totalReadLen);
  const readStart = new Int32Array(n).fill(-1);
  const readLen = new Int32Array(n);
  let pos = 0;
  /** An element no append wrote: a fresh id, remembered in the key's Map. */
  const phantom = (k: number, v: unknown): number => {
    let m = keyMaps[k];
    if (m === undefined) keyMaps[k] = m = new Map();
    const ek = elemKey(v);
    let e = m.get(ek);
    if (e === undefined) {
      e = elemCount++;
      if (e >= elemAppend.length) {
        const grown = new Int32Array(elemAppend.length * 2);
        grown.set(elemAppend);
        elemAppend = grown;
      }
      elemAppend[e] = -1;
      elemValue.push(v);
      m.set(ek, e);
    }
    return e;
  };
  for (let i = 0; i < n; i++) {
    if (opF[i] !== F_READ || opType[i] !== T_OK) continue;
    const k = opKey[i];
    const table = keyTables[k];
    const fs = flat !== undefined ? flat.start[i] : -1;
    if (fs >= 0) {
      const len = flat!.len[i];
      const elems = flat!.elems;
      readStart[i] = pos;
      readLen[i] = len;
      const end = fs + len;
      let j = fs;
      while (j < end) {
        // Fast run of table hits; a miss (or a key without a table) goes through the Map.
        if (table !== undefined) {
          const hits = mapByTable(elems, j, end, table, keyMin[k], readElems, pos);
          j += hits;
          pos += hits;
          if (j === end) break;
        }
        const v = elems[j++];
        const e = keyMaps[k]?.get(v);
        readElems[pos++] = e !== undefined ? e : phantom(k, v);
      }
      continue;
    }
    const list = ops[i].value as unknown[];
    const len = list.length;
    readStart[i] = pos;
    readLen[i] = len;
    if (table !== undefined) {
      const min = keyMin[k];
      const size = table.length;
      for (let j = 0; j < len; j++) {
        const v = list[j];
        let e = -1;
        if (typeof v === 'number') {
          const slot = v - min;
          // slot >>> 0 === slot: a non-negative integer (fractions and NaN fail it).
          if (slot >>> 0 === slot && slot < size) e = table[slot];
        }
        readElems[pos++] = e >= 0 ? e : phantom(k, v);
      }
    } else {
      const map = keyMaps[k];
      for (let j = 0; j < len; j++) {
        const v = list[j];
        const e = map !== undefined ? map.get(elemKey(v)) : undefined;
        readElems[pos++] = e !== undefined ? e : phantom(k, v);
      }
    }
  }
  elemAppend = elemAppend.subarray(0, elemCount);
  // Per element, what the read-your-writes checkers ask about its append.
  const elemSession = new Int32Array(elemCount).fill(-1);
  const elemUser = new Int32Array(elemCount).fill(-1);
  const elemOkDoneNs = new Float64Array(elemCount).fill(Infinity);
  const elemStatus = new Uint8Array(elemCount);
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

  return {
    history: h,
    ops,
    keys,
    opKey,
    opType,
    opF,
    opFinal,
    invokeTimeNs,
    completeTimeNs,
    sessions,
    opSession,
    users,
    opUser,
    namedUsers: userMap.size,
    opsWithoutUser,
    byKey,
    keyStart,
    bySession: groupByOwner(opSession, sessions.length, opKey, keys.length),
    byUser: groupByOwner(opUser, users.length, opKey, keys.length),
    elemAppend,
    elemSession,
    elemUser,
    elemOkDoneNs,
    elemStatus,
    appendElem,
    elemValue,
    elemCount,
    readElems,
    readStart,
    readLen,
    duplicateAppends,
  };
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
