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
import { DurableShadow } from './durable-shadow.js';
import { decodeDurable } from './wire.js';

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

function writeAll(target: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(target, data, off, data.length - off);
}

/** What recovery found: the state, the records it came from, and the log opened for appending past them. */
interface Recovery {
  recovered: Record<string, unknown> | undefined;
  recoveredRecords: number;
  goodBytes: number;
  tornBytes: number;
  fd: number;
}

/** Reads the log back, cuts off a torn tail (fsynced), and opens it for appending. */
function recoverLog(file: string): Recovery {
  const existed = fs.existsSync(file);
  const buf = existed ? fs.readFileSync(file) : Buffer.alloc(0);
  const { records, goodBytes } = readRecords(buf);
  const recovered = replay(records);
  const tornBytes = buf.length - goodBytes;
  const fd = fs.openSync(file, 'a');
  if (tornBytes > 0) {
    fs.ftruncateSync(fd, goodBytes);
    fs.fsyncSync(fd);
  }
  if (!existed) fsyncDir(path.dirname(file));
  return { recovered, recoveredRecords: records.length, goodBytes, tornBytes, fd };
}

/** Writes `rec` as the whole of `file`: temp file, fsync, rename, fsync dir. */
function replaceWith(file: string, rec: Buffer): void {
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
}

export function openDurableLog(file: string, opts: DurableLogOptions = {}): DurableLog {
  return new GroupCommitLog(file, opts, recoverLog(file));
}

/** The log after recovery: captures become records, made durable by group commit, compacted now and then. */
class GroupCommitLog implements DurableLog {
  readonly recovered: Record<string, unknown> | undefined;
  private readonly sync: NonNullable<DurableLogOptions['sync']>;
  private readonly minCompact: number;
  private readonly onError: (err: Error) => void;
  private readonly shadow: DurableShadow;
  private readonly recoveredRecords: number;
  private readonly tornBytes: number;
  private fd: number;
  private bytes: number;
  private sinceSnapshot: number;
  private compactAt: number;
  private pending: Buffer[] = [];
  private capturedSeq = 0;
  private syncedSeq = 0;
  private syncing = false;
  private closed = false;
  private failed: Error | undefined;
  private readonly waiters: { seq: number; fn: () => void }[] = [];
  private waitHead = 0;
  private readonly st = { records: 0, fsyncs: 0, snapshots: 0 };

  constructor(
    private readonly file: string,
    opts: DurableLogOptions,
    r: Recovery,
  ) {
    this.sync = opts.sync ?? ((fd, done) => fs.fdatasync(fd, done));
    this.minCompact = opts.compactBytes ?? DEFAULT_COMPACT_BYTES;
    this.onError =
      opts.onError ??
      ((e: Error) => {
        throw e;
      });
    this.recovered = r.recovered;
    this.recoveredRecords = r.recoveredRecords;
    this.tornBytes = r.tornBytes;
    this.fd = r.fd;
    this.shadow = new DurableShadow(new Set(opts.appendOnly ?? []), r.recovered);
    this.bytes = r.goodBytes;
    this.sinceSnapshot = r.goodBytes;
    this.compactAt = Math.max(this.minCompact, 2 * r.goodBytes);
  }

  capture(state: unknown): boolean {
    if (this.closed || state === null || typeof state !== 'object') return false;
    const ops = this.shadow.diff(state as Record<string, unknown>);
    if (ops.length === 0) return false;
    const rec = frame(`{"d":{${ops.join(',')}}}`);
    this.pending.push(rec);
    this.bytes += rec.length;
    this.sinceSnapshot += rec.length;
    this.capturedSeq++;
    this.st.records++;
    this.kick();
    return true;
  }

  whenDurable(fn: () => void): void {
    if (this.capturedSeq <= this.syncedSeq) return fn();
    this.waiters.push({ seq: this.capturedSeq, fn });
  }

  syncNow(): void {
    if (this.closed || this.failed !== undefined) return;
    try {
      if (this.pending.length > 0) this.writePending();
      fs.fdatasyncSync(this.fd);
      this.st.fsyncs++;
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.syncedSeq = this.capturedSeq;
    this.release();
  }

  stats(): DurableLogStats {
    return { ...this.st, bytes: this.bytes, recoveredRecords: this.recoveredRecords, tornBytes: this.tornBytes };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private fail(e: Error): void {
    if (this.failed !== undefined) return;
    this.failed = e;
    const onError = this.onError;
    onError(e);
  }

  /** Calls, in order, the waiters whose records are all durable. */
  private release(): void {
    const { waiters } = this;
    while (this.waitHead < waiters.length && waiters[this.waitHead].seq <= this.syncedSeq) {
      const w = waiters[this.waitHead];
      waiters[this.waitHead++] = undefined as unknown as { seq: number; fn: () => void };
      w.fn();
    }
    if (this.waitHead === waiters.length) {
      waiters.length = 0;
      this.waitHead = 0;
    }
  }

  /** Writes the pending records to the log (not yet durable). */
  private writePending(): void {
    const { pending } = this;
    const data = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    this.pending = [];
    writeAll(this.fd, data);
  }

  /** Group commit: writes what was appended since the last fsync and starts one fsync for all of it. */
  private kick(): void {
    if (this.syncing || this.closed || this.failed !== undefined || this.pending.length === 0) return;
    try {
      if (this.sinceSnapshot >= this.compactAt) {
        this.compact();
        this.release();
        return;
      }
      this.writePending();
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.startSync();
  }

  /** One fsync for everything captured so far; then the next group, if any. */
  private startSync(): void {
    const target = this.capturedSeq;
    this.syncing = true;
    this.st.fsyncs++;
    const sync = this.sync;
    sync(this.fd, (err) => {
      this.syncing = false;
      if (this.closed) return;
      if (err) return this.fail(err);
      this.syncedSeq = target;
      this.release();
      this.kick();
    });
  }

  /** Rewrites the log as one snapshot; makes everything durable. */
  private compact(): void {
    const rec = frame(this.shadow.snapshotText());
    replaceWith(this.file, rec);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.pending = [];
    this.bytes = rec.length;
    this.sinceSnapshot = 0;
    this.compactAt = Math.max(this.minCompact, 2 * rec.length);
    this.st.records++;
    this.st.snapshots++;
    this.syncedSeq = this.capturedSeq;
  }
}
