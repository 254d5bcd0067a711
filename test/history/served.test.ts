// The `served` field of completions (docs/history.md): read from JSONL onto the Op, written back
// unchanged, and every malformed shape an input error naming the file, the line and the field.

import { describe, expect, it } from 'vitest';
import { historyEvents } from '../../src/history/events.js';
import { eventToJson, readJsonlHistory } from '../../src/history/jsonl.js';
import { asServed, describeServed } from '../../src/history/served.js';
import { tempFiles, userError } from '../support/files.js';

const files = tempFiles('replcheck-served-', '.jsonl');

const invoke = { index: 0, time: 10, process: 0, session: 's0', type: 'invoke', f: 'append', key: 'k', value: 1 };
const ok = (served: unknown) => ({ index: 1, time: 20, process: 0, session: 's0', type: 'ok', f: 'append', key: 'k', value: 1, node: 'n1', served });
const jsonl = (...events: object[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

describe('served on completions', () => {
  it('is read onto the op and written back as it was', () => {
    const text = jsonl(invoke, ok({ role: 'leader', term: 3, pos: 812 }));
    const h = readJsonlHistory(files.file(text));
    expect(h.ops[0].served).toEqual({ role: 'leader', term: 3, pos: 812 });
    expect(historyEvents(h).map(eventToJson).join('\n') + '\n').toBe(text);
    expect(eventToJson(historyEvents(h)[1])).toBe('{"index":1,"time":20,"process":0,"session":"s0","type":"ok","f":"append","key":"k","value":1,"node":"n1","served":{"role":"leader","term":3,"pos":812}}');
    // term and pos are optional; role alone is enough (a leaderless coordinator)
    expect(readJsonlHistory(files.file(jsonl(invoke, ok({ role: 'coordinator' })))).ops[0].served).toEqual({ role: 'coordinator' });
  });

  it.each([
    [[1, 2], 'served', /expected an object/],
    [{ term: 3 }, 'served.role', /expected a non-empty string/],
    [{ role: '' }, 'served.role', /non-empty string/],
    [{ role: 'leader', term: -1 }, 'served.term', /non-negative integer, got -1/],
    [{ role: 'leader', pos: 1.5 }, 'served.pos', /non-negative integer, got 1.5/],
    [{ role: 'leader', epoch: 2 }, 'served.epoch', /unknown field; served has role, term and pos/],
  ])('rejects %j naming line 2 and the field %s', (served, field, message) => {
    const path = files.file(jsonl(invoke, ok(served)));
    const e = userError(() => readJsonlHistory(path));
    expect({ file: e.file, line: e.line, field: e.field }).toEqual({ file: path, line: 2, field });
    expect(e.message).toMatch(message);
  });

  it('belongs on completions only', () => {
    const path = files.file(jsonl({ ...invoke, served: { role: 'leader' } }, ok({ role: 'leader' })));
    const e = userError(() => readJsonlHistory(path));
    expect([e.line, e.field, e.message]).toEqual([1, 'served', 'served belongs on the completion (ok, fail or info), not on an invoke']);
  });

  it('asServed keeps a well-formed value (known fields only) and drops anything else; describeServed words it', () => {
    expect(asServed({ role: 'primary', term: 2, pos: 7 })).toEqual({ role: 'primary', term: 2, pos: 7 });
    expect(asServed({ role: 'primary', lsn: 7 })).toBeUndefined();
    expect(asServed('leader')).toBeUndefined();
    expect(describeServed({ role: 'leader', term: 3, pos: 812 })).toBe('leader of term 3 (position 812)');
    expect(describeServed({ role: 'coordinator' })).toBe('coordinator');
  });

  it('asServed checks a frozen value once and hands back the same copy; an unfrozen one is checked every time', () => {
    const frozen = Object.freeze({ role: 'primary', term: 4 });
    const first = asServed(frozen);
    expect(first).toEqual({ role: 'primary', term: 4 });
    expect(asServed(frozen)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(asServed(Object.freeze({ role: 'primary', term: -1 }))).toBeUndefined();
    const open: Record<string, unknown> = { role: 'replica' };
    expect(asServed(open)).toEqual({ role: 'replica' });
    open.term = 'three'; // a module that changes its object: the change is seen
    expect(asServed(open)).toBeUndefined();
    open.term = 3;
    expect(asServed(open)).toEqual({ role: 'replica', term: 3 });
  });
});
