// Where a run's events go: the history file, and what becomes the run's History. The runner hands
// over an op's invoke and completion as their parts (no event object in between); the sink stamps
// each event with its index and the scheduler's time.

import { HistoryBuilder } from '../history/builder.js';
import { EventRecorder, TYPE_CODE } from '../history/recorder.js';
import { RecordedLines } from '../history/recorded-lines.js';
import type { History, HistoryEvent } from '../history/types.js';
import { HistoryWriter } from '../history/writer.js';
import type { Completion, Invocation, Scheduler } from '../targets/types.js';
import type { ClientSlot } from '../workload/index.js';

/** History buffers (1 MiB each) a simulated run may have in flight to the file. */
const WRITE_BEHIND = 8;
/** Events a run in real time holds in columns before their lines are written. */
const RECORDED_BATCH = 1024;

export type NewEvent = Omit<HistoryEvent, 'index' | 'time'>;

export interface HistorySink {
  /** A client op begins. */
  invoke(process: number, slot: ClientSlot, op: Invocation): void;
  /** An op's outcome (slot: undefined for a final read). */
  complete(process: number, slot: ClientSlot | undefined, op: Invocation, c: Completion, final: boolean): void;
  /** Any other event: the nemesis's, a final read's invoke or its missing answer. */
  add(e: NewEvent): void;
  /** Every event so far is in the file once this returns (a signal's flush). */
  flush(): void;
  /** The file whole, then synced and closed (HistoryWriter.closeDurable). */
  closeDurable(): Promise<void>;
  finish(): History;
}

/** What a completion records as its value: the op's own for a write the client did not echo. */
const completedValue = (op: Invocation, c: Completion): unknown => (c.value === undefined ? (op.f === 'read' ? null : op.value) : c.value);
/** What a completion records as its error: none for an ok. */
const completedError = (c: Completion): string | undefined => (c.type !== 'ok' ? c.error : undefined);

/**
 * A simulated run writes each event as it comes (its buffers written behind it, on libuv's thread
 * pool: it never waits on I/O) and builds its History as it goes (the total work is what counts
 * there). A run in real time keeps its events in columns and writes their lines from the columns
 * RECORDED_BATCH at a time (and at a flush): while it drives, no object per op is made or kept,
 * the GC stays out of its way, and a name's text is made once (issue 10: the driver's own cost
 * per op); its History is built once it is over.
 */
export function historySink(sched: Scheduler, path: string): HistorySink {
  return sched.virtual ? eventSink(sched, path) : columnSink(sched, path);
}

function eventSink(sched: Scheduler, path: string): HistorySink {
  const writer = new HistoryWriter(path, { behind: WRITE_BEHIND });
  const builder = new HistoryBuilder(path, true);
  let index = 0;
  // Every event is made here and handed over once: add stamps it (no copy per event).
  const add = (e: NewEvent): void => {
    const ev = e as HistoryEvent;
    ev.index = index++;
    ev.time = Math.round(sched.nowNs());
    writer.write(ev);
    builder.add(ev, ev.index + 1);
  };
  return {
    invoke: (process, slot, op) => {
      const ev: NewEvent = { process, session: slot.session, type: 'invoke', f: op.f, key: op.key, value: op.value };
      if (slot.user !== undefined) ev.user = slot.user;
      add(ev);
    },
    complete: (process, slot, op, c, final) => {
      const e: NewEvent = { process, type: c.type, f: op.f, key: op.key, value: completedValue(op, c) };
      if (slot) {
        e.session = slot.session;
        if (slot.user !== undefined) e.user = slot.user;
      }
      if (c.node !== undefined) e.node = c.node;
      if (final) e.final = true;
      const error = completedError(c);
      if (error !== undefined) e.error = error;
      if (c.served !== undefined) e.served = c.served;
      add(e);
    },
    add,
    flush: () => writer.flush(),
    closeDurable: () => writer.closeDurable(),
    finish: () => builder.finish(),
  };
}

function columnSink(sched: Scheduler, path: string): HistorySink {
  const writer = new HistoryWriter(path);
  const rec = new EventRecorder();
  const lines = new RecordedLines(rec);
  let written = 0;
  const writeOut = (): void => {
    writer.writeFrom(lines, written, rec.length);
    written = rec.length;
  };
  const recorded = (): void => {
    if (rec.length - written >= RECORDED_BATCH) writeOut();
  };
  const now = (): number => Math.round(sched.nowNs());
  return {
    invoke: (process, slot, op) => {
      rec.record(now(), process, 0, op.f, op.key, op.value, slot.session, slot.user, undefined, undefined, undefined, undefined);
      recorded();
    },
    complete: (process, slot, op, c, final) => {
      rec.record(now(), process, TYPE_CODE[c.type], op.f, op.key, completedValue(op, c), slot?.session, slot?.user, c.node, completedError(c), c.served, final ? true : undefined);
      recorded();
    },
    add: (e) => {
      const ev = e as HistoryEvent;
      ev.index = rec.length;
      ev.time = now();
      rec.add(ev);
      recorded();
    },
    flush: () => (writeOut(), writer.flush()),
    closeDurable: async () => {
      let failed: { e: unknown } | undefined;
      try {
        writeOut();
      } catch (e) {
        failed = { e };
      }
      // (closed also when the last lines could not be written)
      await writer.closeDurable();
      if (failed) throw failed.e;
    },
    finish: () => rec.toHistory(path),
  };
}
