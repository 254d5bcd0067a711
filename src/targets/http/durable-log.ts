// The node server's durable storage: an append-only log of what changed in the node's durable()
// state, framed and checksummed, made durable by group commit (one fdatasync for every record
// appended while the previous one ran), read back on restart (a torn tail is cut off), compacted
// into a single snapshot record now and then.

/*
 * File format: a sequence of records, each `u32 LE payload length | u32 LE crc32(payload) | payload`,
 * the payload UTF-8 JSON (Maps as {"$map": [[k, v], ...]}, see wire.ts's encodeDurable):
 *   {"s": {field: value, ...}}   a snapshot: the whole durable state (the first record after a compaction)
 *   {"d": {field: op, ...}}      a delta; op is one of
 *       {"v": value}             the field's new value (scalars, small arrays, anything else)
 *       {"t": n, "a": [items]}   an append-only array: keep its first n items, then append items
 *       {"m": [[k, v], ...], "x": [k, ...]}   a Map: entries set, keys deleted
 * A field is diffed as an append-only array only when the caller names it (appendOnly): such an
 * array changes only at its tail (push, splice of a suffix) and its items are never mutated in
 * place, so the first changed index is found by scanning back from the end by identity, O(change).
 * Maps are diffed by value identity (values are replaced, never mutated), O(keys); every other
 * field by its JSON text.
 *
 * Recovery reads records until the first that is incomplete or fails its checksum (a write torn by
 * SIGKILL or a crash), truncates the file there and applies what came before.
 */

import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeDurable, encodeDurable } from './wire.js';

const HEADER_BYTES = 8;
/** A record larger than this is taken for garbage (a torn length field), not allocated. */
const MAX_RECORD_BYTES = 1 << 30;
/** Compact once the log holds this many bytes past its snapshot (and twice the snapshot's size). */
const DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024;

export interface DurableLogStats {
  /** Records appended by this process (snapshots from compaction included). */
  records: number;
  /** fdatasync calls that made appended records durable (group commits). */
  fsyncs: number;
  /** Compactions into a snapshot. */
  snapshots: number;
  /** Current size of the log file, bytes. */
  bytes: number;
  /** What recovery found when the log was opened. */
  recoveredRecords: number;
  /** Bytes cut off the tail at open (a torn or corrupt last record), 0 when the log was whole. */
  tornBytes: number;
}

export interface DurableLogOptions {
  /** Top-level fields of the durable state that are append-only arrays (see the header). */
  appendOnly?: readonly string[];
  /** Makes fd durable, then calls back (default fs.fdatasync); injectable for tests. */
  sync?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  /** Compaction threshold, bytes past the last snapshot (default 64 MiB). */
  compactBytes?: number;
  /** A failed fsync or write: the log cannot promise durability any more (default: throw). */
  onError?: (err: Error) => void;
}

export interface DurableLog {
  /** The state read back at open (undefined: empty or missing log). Its objects are the caller's to keep. */
  readonly recovered: Record<string, unknown> | undefined;
  /** Appends a record of what changed in `state` since the last capture (or recovery); true when it did. */
  capture(state: unknown): boolean;
  /** Calls fn once every record captured so far is durable: at once when it already is. In order. */
  whenDurable(fn: () => void): void;
  /** Writes and fsyncs everything captured, synchronously (shutdown). */
  syncNow(): void;
  stats(): DurableLogStats;
  close(): void;
}

type Shadow =
  | { kind: 'array'; items: unknown[] }
  | { kind: 'map'; entries: Map<unknown, unknown> }
  | { kind: 'value'; text: string };

function frame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32(body), 4);
  body.copy(out, HEADER_BYTES);
  return out;
}

/** Parses the records of `buf`; stops at the first torn or corrupt one. */
export function readRecords(buf: Buffer): { records: unknown[]; goodBytes: number } {
  const records: unknown[] = [];
  let off = 0;
  while (off + HEADER_BYTES <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len > MAX_RECORD_BYTES || off + HEADER_BYTES + len > buf.length) break;
    const body = buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
    if (crc32(body) !== buf.readUInt32LE(off + 4)) break;
    let rec: unknown;
    try {
      rec = decodeDurable(body.toString('utf8'));
    } catch {
      break;
    }
    records.push(rec);
    off += HEADER_BYTES + len;
  }
  return { records, goodBytes: off };
}

/** Applies records (snapshot / delta) in order; undefined when there were none. */
export function replay(records: unknown[]): Record<string, unknown> | undefined {
  let state: Record<string, unknown> | undefined;
  for (const r of records) {
    const rec = r as { s?: Record<string, unknown>; d?: Record<string, { v?: unknown; t?: number; a?: unknown[]; m?: [unknown, unknown][]; x?: unknown[] }> };
    if (rec.s !== undefined) {
      state = { ...rec.s };
      continue;
    }
    if (rec.d === undefined) continue;
    state ??= {};
    for (const [field, op] of Object.entries(rec.d)) {
      if ('v' in op) state[field] = op.v;
      else if (op.a !== undefined) {
        const cur = Array.isArray(state[field]) ? (state[field] as unknown[]) : [];
        cur.length = Math.min(cur.length, op.t ?? 0);
        for (const item of op.a) cur.push(item);
        state[field] = cur;
      } else if (op.m !== undefined || op.x !== undefined) {
        const cur = state[field] instanceof Map ? (state[field] as Map<unknown, unknown>) : new Map<unknown, unknown>();
        for (const k of op.x ?? []) cur.delete(k);
        for (const [k, v] of op.m ?? []) cur.set(k, v);
        state[field] = cur;
      }
    }
  }
  return state;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some file systems refuse a directory fsync; the rename itself is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function openDurableLog(file: string, opts: DurableLogOptions = {}): DurableLog {
  const appendOnly = new Set(opts.appendOnly ?? []);
  const sync = opts.sync ?? ((fd, done) => fs.fdatasync(fd, done));
  const minCompact = opts.compactBytes ?? DEFAULT_COMPACT_BYTES;
  const onError =
    opts.onError ??
    ((e: Error) => {
      throw e;
    });

  // ---- recovery ----
  const existed = fs.existsSync(file);
  const buf = existed ? fs.readFileSync(file) : Buffer.alloc(0);
  const { records, goodBytes } = readRecords(buf);
  const recovered = replay(records);
  const tornBytes = buf.length - goodBytes;
  let fd = fs.openSync(file, 'a');
  if (tornBytes > 0) {
    fs.ftruncateSync(fd, goodBytes);
    fs.fsyncSync(fd);
  }
  if (!existed) fsyncDir(path.dirname(file));

  const shadow = new Map<string, Shadow>();
  const shadowOf = (field: string, v: unknown): Shadow => {
    if (appendOnly.has(field) && Array.isArray(v)) return { kind: 'array', items: v.slice() };
    if (v instanceof Map) return { kind: 'map', entries: new Map(v) };
    return { kind: 'value', text: encodeDurable(v) ?? 'null' };
  };
  if (recovered !== undefined) for (const [k, v] of Object.entries(recovered)) shadow.set(k, shadowOf(k, v));

  let bytes = goodBytes;
  let sinceSnapshot = goodBytes;
  let compactAt = Math.max(minCompact, 2 * goodBytes);
  let pending: Buffer[] = [];
  let capturedSeq = 0;
  let syncedSeq = 0;
  let syncing = false;
  let closed = false;
  let failed: Error | undefined;
  const waiters: { seq: number; fn: () => void }[] = [];
  let waitHead = 0;
  const st = { records: 0, fsyncs: 0, snapshots: 0 };

  const fail = (e: Error): void => {
    if (failed !== undefined) return;
    failed = e;
    onError(e);
  };

  const release = (): void => {
    while (waitHead < waiters.length && waiters[waitHead].seq <= syncedSeq) {
      const w = waiters[waitHead];
      waiters[waitHead++] = undefined as unknown as { seq: number; fn: () => void };
      w.fn();
    }
    if (waitHead === waiters.length) {
      waiters.length = 0;
      waitHead = 0;
    }
  };

  const writeAll = (target: number, data: Buffer): void => {
    let off = 0;
    while (off < data.length) off += fs.writeSync(target, data, off, data.length - off);
  };

  /** The snapshot record of the captured state (the shadow), as JSON text. */
  const snapshotText = (): string => {
    const parts: string[] = [];
    for (const [field, s] of shadow) {
      const text = s.kind === 'value' ? s.text : s.kind === 'array' ? encodeDurable(s.items) : encodeDurable(s.entries);
      parts.push(`${JSON.stringify(field)}:${text}`);
    }
    return `{"s":{${parts.join(',')}}}`;
  };

  /** Rewrites the log as one snapshot (temp file, fsync, rename, fsync dir); makes everything durable. */
  const compact = (): void => {
    const rec = frame(snapshotText());
    const tmp = `${file}.compact`;
    const tfd = fs.openSync(tmp, 'w');
    try {
      writeAll(tfd, rec);
      fs.fsyncSync(tfd);
    } finally {
      fs.closeSync(tfd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(path.dirname(file));
    fs.closeSync(fd);
    fd = fs.openSync(file, 'a');
    pending = [];
    bytes = rec.length;
    sinceSnapshot = 0;
    compactAt = Math.max(minCompact, 2 * rec.length);
    st.records++;
    st.snapshots++;
    syncedSeq = capturedSeq;
  };

  /** Group commit: writes what was appended since the last fsync and starts one fsync for all of it. */
  const kick = (): void => {
    if (syncing || closed || failed !== undefined || pending.length === 0) return;
    try {
      if (sinceSnapshot >= compactAt) {
        compact();
        release();
        return;
      }
      const data = pending.length === 1 ? pending[0] : Buffer.concat(pending);
      pending = [];
      writeAll(fd, data);
    } catch (e) {
      fail(e as Error);
      return;
    }
    const target = capturedSeq;
    syncing = true;
    st.fsyncs++;
    sync(fd, (err) => {
      syncing = false;
      if (closed) return;
      if (err) return fail(err);
      syncedSeq = target;
      release();
      kick();
    });
  };

  const capture = (state: unknown): boolean => {
    if (closed || state === null || typeof state !== 'object') return false;
    const ops: string[] = [];
    const obj = state as Record<string, unknown>;
    for (const field of Object.keys(obj)) {
      const v = obj[field];
      let s = shadow.get(field);
      const key = JSON.stringify(field);
      // a field seen for the first time is recorded even when empty (it must exist on read-back)
      const fresh = s === undefined || s.kind !== (appendOnly.has(field) && Array.isArray(v) ? 'array' : v instanceof Map ? 'map' : 'value');
      if (appendOnly.has(field) && Array.isArray(v)) {
        if (s?.kind !== 'array') {
          s = { kind: 'array', items: [] };
          shadow.set(field, s);
        }
        const old = s.items;
        // the first index where the arrays differ: items change only at the tail
        let keep = Math.min(old.length, v.length);
        while (keep > 0 && old[keep - 1] !== v[keep - 1]) keep--;
        if (keep === old.length && keep === v.length && !fresh) continue;
        const added = v.slice(keep);
        old.length = keep;
        for (const item of added) old.push(item);
        ops.push(`${key}:{"t":${keep},"a":${encodeDurable(added)}}`);
      } else if (v instanceof Map) {
        if (s?.kind !== 'map') {
          s = { kind: 'map', entries: new Map() };
          shadow.set(field, s);
        }
        const old = s.entries;
        const set: [unknown, unknown][] = [];
        const del: unknown[] = [];
        let added = 0;
        for (const [k, x] of v) {
          if (old.get(k) === x && (x !== undefined || old.has(k))) continue;
          if (!old.has(k)) added++;
          set.push([k, x]);
        }
        // keys were deleted only when the old keys plus the new ones outnumber the current ones
        if (old.size + added > v.size) for (const k of old.keys()) if (!v.has(k)) del.push(k);
        if (set.length === 0 && del.length === 0 && !fresh) continue;
        for (const k of del) old.delete(k);
        for (const [k, x] of set) old.set(k, x);
        ops.push(`${key}:{"m":${encodeDurable(set)},"x":${encodeDurable(del)}}`);
      } else {
        const text = encodeDurable(v) ?? 'null';
        if (s?.kind === 'value' && s.text === text) continue;
        shadow.set(field, { kind: 'value', text });
        ops.push(`${key}:{"v":${text}}`);
      }
    }
    if (ops.length === 0) return false;
    const rec = frame(`{"d":{${ops.join(',')}}}`);
    pending.push(rec);
    bytes += rec.length;
    sinceSnapshot += rec.length;
    capturedSeq++;
    st.records++;
    kick();
    return true;
  };

  return {
    recovered,
    capture,
    whenDurable(fn) {
      if (capturedSeq <= syncedSeq) return fn();
      waiters.push({ seq: capturedSeq, fn });
    },
    syncNow() {
      if (closed || failed !== undefined) return;
      try {
        if (pending.length > 0) {
          const data = Buffer.concat(pending);
          pending = [];
          writeAll(fd, data);
        }
        fs.fdatasyncSync(fd);
        st.fsyncs++;
      } catch (e) {
        fail(e as Error);
        return;
      }
      syncedSeq = capturedSeq;
      release();
    },
    stats: () => ({ ...st, bytes, recoveredRecords: records.length, tornBytes }),
    close() {
      if (closed) return;
      closed = true;
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}
