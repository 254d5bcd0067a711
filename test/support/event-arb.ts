// Arbitrary history events for the encoding tests: every field SPEC section 4 names, with the
// values a run writes (ints, int lists, ASCII names) mixed with what only an importer or a user's
// module brings (any JSON, any string, floats, long strings and lists).

import fc from 'fast-check';
import type { HistoryEvent } from '../../src/history/types.js';

const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('a', 'k', '1', ' ', '"', '\\', '\n', 'é', '\u2028', '\ud800') }),
  fc.constantFrom('s1', 'n2', 'timeout', 'k10'),
  fc.string({ minLength: 1020, maxLength: 1100, unit: fc.constantFrom('a', 'b') }),
);
const int = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constant(-0), fc.integer({ min: -1e6, max: 1e6 }));
const value = fc.oneof(
  fc.jsonValue(),
  fc.constant(undefined),
  fc.constant(null),
  int,
  fc.array(int, { maxLength: 40 }),
  fc.array(fc.oneof(int, fc.constant(null)), { maxLength: 4 }),
  fc.array(fc.nat(), { minLength: 2040, maxLength: 2100 }),
  fc.double(),
);

/** Any event, each optional field present or not. */
export const anyEvent: fc.Arbitrary<HistoryEvent> = fc.record(
  {
    index: fc.nat(),
    time: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.double({ min: 0, noNaN: true })),
    process: fc.oneof(fc.nat(), fc.constant('nemesis' as const)),
    session: text,
    user: text,
    type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
    f: text,
    key: text,
    value,
    node: text,
    final: fc.boolean(),
    error: text,
    served: fc.oneof(
      fc.record({ role: text, term: fc.nat(), pos: fc.nat() }, { requiredKeys: ['role'] }),
      fc.record({ pos: int, role: text, extra: fc.jsonValue() }, { requiredKeys: ['role'] }),
      fc.record({ role: fc.constantFrom('leader', 'follower'), term: fc.oneof(fc.double(), fc.constant(undefined)), pos: int }),
    ),
  },
  { requiredKeys: ['index', 'time', 'process', 'type', 'f', 'value'] },
) as fc.Arbitrary<HistoryEvent>;
