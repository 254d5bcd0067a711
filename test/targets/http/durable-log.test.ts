// The node server's append-only log on its own, in this process, on real files: group commit
// (counted through an injected fsync that the test releases by hand), read-back of every state
// shape, a torn or corrupt tail cut off, compaction.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDurableLog, type DurableLog, type DurableLogOptions } from '../../../src/targets/http/durable-log.js';

const dirs: string[] = [];
const logs: DurableLog[] = [];
afterEach(() => {
  for (const l of logs.splice(0)) l.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-wal-test-'));
  dirs.push(dir);
  return path.join(dir, 'n1.log');
}

function open(file: string, opts: DurableLogOptions = {}): DurableLog {
  const l = openDurableLog(file, { appendOnly: ['log', 'outKeys', 'outVs'], ...opts });
  logs.push(l);
  return l;
}

/** An fsync the test completes by hand: calls are counted, none finishes on its own. */
function manualSync(): { sync: DurableLogOptions['sync']; calls: () => number; finishOne: () => void; waiting: () => number } {
  const queue: (() => void)[] = [];
  let calls = 0;
  return {
    sync: (fd, done) => {
      calls++;
      queue.push(() => {
        fs.fdatasyncSync(fd);
        done(null);
      });
    },
    calls: () => calls,
    waiting: () => queue.length,
    finishOne: () => queue.shift()!(),
  };
}

interface Entry {
  term: number;
  index: number;
  key: string;
  value: unknown;
}
const entry = (term: number, index: number, value: unknown): Entry => ({ term, index, key: `k${index % 3}`, value });

describe('durable log: group commit', () => {
  it('writes that arrive while an fsync runs share the next one; each is released only once durable, in order', () => {
    const file = tempFile();
    const s = manualSync();
    const l = open(file, { sync: s.sync });
    const state = { log: [] as Entry[], term: 1, votedFor: -1 };
    const acked: number[] = [];
    const write = (i: number): void => {
      state.log.push(entry(1, i, i));
      expect(l.capture(state)).toBe(true);
      l.whenDurable(() => acked.push(i));
    };
    write(1); // starts fsync #1
    expect(s.calls()).toBe(1);
    for (let i = 2; i <= 9; i++) write(i); // eight concurrent writes while #1 runs
    expect(s.calls()).toBe(1);
    expect(acked).toEqual([]);
    s.finishOne(); // #1 done: write 1 is durable, #2 starts for writes 2..9
    expect(acked).toEqual([1]);
    expect(s.calls()).toBe(2);
    s.finishOne();
    expect(acked).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.waiting()).toBe(0);
    expect(l.stats()).toMatchObject({ records: 9, fsyncs: 2 });
    // nothing changed: no record, no fsync, released at once
    expect(l.capture(state)).toBe(false);
    let now = false;
    l.whenDurable(() => (now = true));
    expect(now).toBe(true);
    expect(s.calls()).toBe(2);
    l.close();
    const back = open(file).recovered as typeof state;
    expect(back).toEqual(state);
  });

  it('a step that changed nothing durable still waits behind an earlier record not yet fsynced', () => {
    const s = manualSync();
    const l = open(tempFile(), { sync: s.sync });
    const state = { log: [entry(1, 1, 'a')], term: 1, votedFor: -1 };
    l.capture(state);
    const out: string[] = [];
    l.whenDurable(() => out.push('write ack'));
    expect(l.capture(state)).toBe(false);
    l.whenDurable(() => out.push('heartbeat'));
    expect(out).toEqual([]);
    s.finishOne();
    expect(out).toEqual(['write ack', 'heartbeat']);
  });

  it('syncNow makes everything captured durable at once (shutdown)', () => {
    const file = tempFile();
    const s = manualSync();
    const l = open(file, { sync: s.sync });
    const state = { store: new Map<string, unknown>(), seq: 0 };
    for (let i = 1; i <= 4; i++) {
      state.store.set(`k${i}`, { value: i, seq: i });
      state.seq = i;
      l.capture(state);
    }
    const out: number[] = [];
    l.whenDurable(() => out.push(1));
    l.syncNow();
    expect(out).toEqual([1]);
    l.close();
    expect(open(file).recovered).toEqual(state);
  });
});

describe('durable log: recovery', () => {
  it('reads back a single-leader log through appends, a truncation and term and vote changes', () => {
    const file = tempFile();
    const l = open(file);
    const state = { log: [] as Entry[], term: 1, votedFor: -1 };
    for (let i = 1; i <= 5; i++) {
      state.log.push(entry(1, i, i));
      l.capture(state);
    }
    state.term = 2;
    state.votedFor = 1;
    l.capture(state);
    state.log.splice(3); // a new leader overwrote the tail
    state.log.push(entry(2, 4, 'x'), entry(2, 5, 'y'), entry(2, 6, 'z'));
    l.capture(state);
    l.syncNow();
    l.close();
    const again = open(file);
    expect(again.recovered).toEqual(state);
    expect(again.stats().recoveredRecords).toBe(7);
    expect(again.stats().tornBytes).toBe(0);
    // the recovered state goes on: a capture of it unchanged appends nothing
    expect(again.capture(again.recovered)).toBe(false);
  });

  it('reads back LWW stores and a multi-leader outbox (Maps, positions changed in place)', () => {
    const file = tempFile();
    const l = open(file);
    const d = { store: new Map<string, unknown>(), seq: 0, outKeys: [] as string[], outVs: [] as unknown[], recvUpTo: [0, 0, 0], peerAcked: [0, 0, 0] };
    for (let i = 1; i <= 6; i++) {
      const v = { value: [i], tsNs: i * 10, node: 0, seq: i };
      d.store.set(`k${i % 2}`, v);
      d.seq = i;
      d.outKeys.push(`k${i % 2}`);
      d.outVs.push(v);
      d.recvUpTo[i % 3] = i;
      d.peerAcked[0] = i;
      l.capture(d);
    }
    d.store.delete('k0');
    l.capture(d);
    l.syncNow();
    l.close();
    expect(open(file).recovered).toEqual(d);
  });

  it('a torn last record (a write cut short by SIGKILL) is cut off, not a crash; the log goes on after it', () => {
    const file = tempFile();
    const l = open(file);
    const state = { log: [] as Entry[], term: 1, votedFor: -1 };
    for (let i = 1; i <= 3; i++) {
      state.log.push(entry(1, i, i));
      l.capture(state);
    }
    l.syncNow();
    l.close();
    const good = structuredClone(state);
    const whole = fs.statSync(file).size;
    // half of one more record: its header promises 100 bytes, 10 arrived
    const torn = Buffer.alloc(18);
    torn.writeUInt32LE(100, 0);
    torn.writeUInt32LE(0xdeadbeef, 4);
    fs.appendFileSync(file, torn);
    const again = open(file);
    expect(again.recovered).toEqual(good);
    expect(again.stats().tornBytes).toBe(18);
    expect(fs.statSync(file).size).toBe(whole);
    const next = again.recovered as typeof state;
    next.log.push(entry(1, 4, 4));
    again.capture(next);
    again.syncNow();
    again.close();
    const third = open(file);
    expect(third.recovered).toEqual({ ...good, log: [...good.log, entry(1, 4, 4)] });
    expect(third.stats().tornBytes).toBe(0);
  });

  it('a last record that fails its checksum, or only part of a header, is ignored as well', () => {
    const file = tempFile();
    const l = open(file);
    const state = { log: [entry(1, 1, 'a')], term: 1, votedFor: -1 };
    l.capture(state);
    state.log.push(entry(1, 2, 'b'));
    l.capture(state);
    l.syncNow();
    l.close();
    const buf = fs.readFileSync(file);
    buf[buf.length - 2] ^= 0xff; // a flipped byte in the last record's payload
    fs.writeFileSync(file, buf);
    const back = open(file);
    expect(back.recovered).toEqual({ log: [entry(1, 1, 'a')], term: 1, votedFor: -1 });
    expect(back.stats().tornBytes).toBeGreaterThan(0);
    back.close();
    fs.appendFileSync(file, Buffer.from([1, 2, 3]));
    expect(open(file).recovered).toEqual({ log: [entry(1, 1, 'a')], term: 1, votedFor: -1 });
  });

  it('a fresh state with empty fields reads back with them (an empty log, an empty store)', () => {
    const file = tempFile();
    const l = open(file);
    l.capture({ log: [], term: 1, votedFor: -1 });
    l.syncNow();
    l.close();
    expect(open(file).recovered).toEqual({ log: [], term: 1, votedFor: -1 });
    const file2 = tempFile();
    const l2 = open(file2);
    l2.capture({ store: new Map(), seq: 0, outKeys: [] });
    l2.syncNow();
    l2.close();
    expect(open(file2).recovered).toEqual({ store: new Map(), seq: 0, outKeys: [] });
  });

  it('an empty or missing log recovers nothing', () => {
    const file = tempFile();
    expect(open(file).recovered).toBeUndefined();
    expect(fs.existsSync(file)).toBe(true);
    expect(open(file).recovered).toBeUndefined();
  });
});

describe('durable log: compaction', () => {
  it('rewrites the log as one snapshot once it outgrows it; the state reads back the same', () => {
    const file = tempFile();
    const l = open(file, { compactBytes: 2048, sync: (_fd, done) => done(null) });
    const state = { store: new Map<string, unknown>(), seq: 0, log: [] as Entry[] };
    for (let i = 1; i <= 400; i++) {
      state.store.set(`k${i % 4}`, { value: i, seq: i }); // overwrites: the log outgrows the state
      state.seq = i;
      if (i % 10 === 0) state.log.push(entry(1, i / 10, i));
      l.capture(state);
    }
    l.syncNow();
    const st = l.stats();
    expect(st.snapshots).toBeGreaterThan(0);
    expect(fs.statSync(file).size).toBe(st.bytes);
    l.close();
    expect(open(file).recovered).toEqual(state);
    expect(fs.existsSync(`${file}.compact`)).toBe(false);
  });
});
