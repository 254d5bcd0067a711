// A client module may report the serving node's state (`served` on its result): a well-formed one
// becomes the completion's `served`, a malformed one is left out and the op keeps its outcome.

import { describe, expect, it } from 'vitest';
import { completionOf } from '../../../src/targets/external/client-module.js';

const write = { f: 'write' as const, key: 'r', value: 3 };

describe('completionOf with served', () => {
  it('carries a well-formed served, with only its known fields', () => {
    expect(completionOf(write, { type: 'ok', node: 'n2', served: { role: 'leader', term: 7, pos: 1041 } })).toEqual({
      type: 'ok',
      value: 3,
      node: 'n2',
      served: { role: 'leader', term: 7, pos: 1041 },
    });
    expect(completionOf({ f: 'read', key: 'r', value: null }, { type: 'ok', value: 3, served: { role: 'replica' } }).served).toEqual({ role: 'replica' });
  });

  it('leaves out a malformed one and keeps the outcome', () => {
    for (const served of [{ role: 'leader', term: '7' }, { term: 7 }, 'leader', { role: 'leader', revision: 4 }]) {
      expect(completionOf(write, { type: 'ok', node: 'n2', served })).toEqual({ type: 'ok', value: 3, node: 'n2' });
    }
  });
});
