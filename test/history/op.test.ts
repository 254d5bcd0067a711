// The builder's ops over its columns (history/op.ts, columns.ts): each op answers with the values
// and times of its own events, whether its read list was kept flat or not, and copies and JSON of
// an op are those of a plain Op.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatReads, historyFromEvents, timeColumns } from '../../src/history/builder.js';
import { eventToJson, readJsonlHistory } from '../../src/history/jsonl.js';
import { plainOp } from '../../src/history/op.js';
import type { HistoryEvent, Op } from '../../src/history/types.js';
import { appendModelArb, appendModelEvents } from '../support/append-model.js';
import { tempFiles } from '../support/files.js';
import { withServed } from './scan-cases.js';

const tmp = tempFiles('replcheck-op-', '.jsonl');

/** Each op's fields as its own events tell them (a plain Op, made without the builder). */
function expectedOps(events: HistoryEvent[]): Op[] {
  const out: Op[] = [];
  const pending = new Map<number, Op>();
  for (const e of events) {
    if (e.process === 'nemesis') continue;
    if (e.type === 'invoke') {
      const op: Op = {
        id: out.length, process: e.process, session: e.session ?? String(e.process), user: e.user, f: e.f, key: e.key!, type: 'info',
        invokeIndex: e.index, completeIndex: -1, invokeTime: e.time, completeTime: Infinity, invokeValue: e.value, value: e.value,
        node: e.node, final: e.final === true, error: undefined, served: undefined,
      };
      out.push(op);
      pending.set(e.process, op);
      continue;
    }
    const op = pending.get(e.process)!;
    pending.delete(e.process);
    Object.assign(op, { type: e.type, completeIndex: e.index, completeTime: e.time, value: e.value, node: e.node ?? op.node, error: e.error, served: e.served });
    if (e.final) op.final = true;
  }
  return out;
}

describe('built ops', () => {
  it('answer with their events’ values and times, from the JSONL reader and from events alike', () => {
    fc.assert(
      fc.property(appendModelArb, fc.boolean(), ({ seed, options }, served) => {
        const plain = appendModelEvents(seed, options);
        const events = served ? withServed(plain, seed) : plain;
        const want = expectedOps(events);
        for (const h of [historyFromEvents(events), readJsonlHistory(tmp.file(events.map((e) => `${eventToJson(e)}\n`).join('')))]) {
          expect(h.ops.map(plainOp)).toEqual(want);
          const times = timeColumns(h)!;
          expect([...times.invokeTime]).toEqual(want.map((o) => o.invokeTime));
          expect([...times.completeTime]).toEqual(want.map((o) => o.completeTime));
          // JSON of an op is that of the plain op (value included), and a spread copy of plainOp has the value.
          h.ops.forEach((o, i) => {
            expect(JSON.parse(JSON.stringify(o))).toEqual(JSON.parse(JSON.stringify(want[i])));
            expect({ ...plainOp(o) }.value).toEqual(want[i].value);
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keep an ok read’s list flat until asked, and make it once', () => {
    const events = appendModelEvents(3, { ops: 200 });
    const h = historyFromEvents(events);
    const flat = flatReads(h)!;
    const read = h.ops.find((o) => o.f === 'read' && o.type === 'ok' && (o.value as number[]).length > 1)!;
    const from = flat.start[read.id];
    expect([...flat.elems.subarray(from, from + flat.len[read.id])]).toEqual(read.value);
    expect(read.value).toBe(read.value);
    // The elements' buffer has at most an eighth of spare room once built.
    const room = flat.elems.buffer.byteLength / 4;
    expect(room - flat.elems.length).toBeLessThanOrEqual(room / 8);
  });

  it('keep a read list that is not all int32s as it was, and take new values for every field', () => {
    const events: HistoryEvent[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'read', key: 'k', value: null },
      { index: 1, time: 5, process: 0, type: 'ok', f: 'read', key: 'k', value: [1, 2.5, 2 ** 40] },
    ];
    const h = historyFromEvents(events);
    expect(flatReads(h)!.start[0]).toBe(-1);
    expect(h.ops[0].value).toEqual([1, 2.5, 2 ** 40]);
    const op = h.ops[0];
    op.value = [9];
    op.completeTime = 7;
    op.type = 'fail';
    op.final = true;
    op.error = 'x';
    op.served = { role: 'leader' };
    op.completeIndex = 3;
    expect([op.value, op.completeTime, timeColumns(h)!.completeTime[0], op.type, op.final, op.error, op.served, op.completeIndex]).toEqual([[9], 7, 7, 'fail', true, 'x', { role: 'leader' }, 3]);
    op.final = false;
    op.type = 'ok';
    expect([op.final, op.type]).toEqual([false, 'ok']);
  });
});
