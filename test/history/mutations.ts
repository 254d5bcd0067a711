// Mutations of valid history files (every format) for the fuzz tests: byte flips, truncation,
// duplicated and dropped lines, inserted garbage lines (deep brackets, long space runs, ...).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';

const root = resolve(import.meta.dirname, '../..');

const EDN = `[{:type :invoke, :f :write, :value 3, :process 0, :time 1000}
 {:type :invoke, :f :read, :value nil, :process 1, :time 2000}
 {:type :ok, :f :write, :value 3, :process 0, :time 3000}
 {:type :info, :f :start, :value [:isolated {"n1" #{"n2"}}], :process :nemesis, :time 3500}
 #jepsen.history.Op{:type :ok, :f :read, :value 3, :process 1, :time 4000}
 {:type :invoke, :f :cas, :value [3 4], :process 0, :time 5000}
 {:type :info, :f :cas, :value [3 4], :process 0, :time 6000, :error :timeout}]
`;

/** Valid histories to mutate: [file extension, bytes]. */
export const SEEDS: [string, Buffer][] = [
  ['.jsonl', readFileSync(join(root, 'examples/append-valid.jsonl'))],
  ['.jsonl', readFileSync(join(root, 'examples/append-anomalies.jsonl'))],
  ['.jsonl', readFileSync(join(root, 'test/fixtures/register/linearizable-basic.jsonl'))],
  ['.jsonl', readFileSync(join(root, 'test/fixtures/register/multi-key.jsonl'))],
  ['.edn', Buffer.from(EDN)],
  ['.log', readFileSync(join(root, '../shared/corpora/jepsen-etcd/etcd_002.log'))],
];

const GARBAGE = [
  '', '   ', '{}', '[]', 'null', '{"index":', '\u0000\u0001\u00ff', '\ufeff{', '}}}}', ']]]]', '"', '#_', '#{', ':', '\\',
  '{"index":0,"time":0,"process":0,"type":"invoke","f":"write","key":"k","value":1}',
  '{"index":1e400,"time":-1,"process":1.5,"type":"ok","f":"append","key":"k","value":[1,2,3]}',
  '{"index":0,"time":0,"process":"nemesis","type":"info","f":"kill","value":{"__proto__":{"x":1}}}',
  'INFO  jepsen.util - 0\t:invoke\t:write\t1', 'INFO  jepsen.util - :nemesis :info :start nil', 'INFO  jepsen.util - 99 :ok :read [1 2 3]',
  '{:type :invoke, :f :append, :value 1, :process 0}', '#jepsen.history.Op{:type :ok}', '{:process 0 :type :ok :f :read :value ##NaN}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`, `INFO  jepsen.util - 0 :invoke :write ${'['.repeat(4000)}`, `INFO  jepsen.util - 0 :invoke :write 1${' '.repeat(100_000)}x`,
];

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; line: number }
  | { kind: 'drop'; line: number }
  | { kind: 'insert'; line: number; text: string };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('duplicate' as const), line: position }),
  fc.record({ kind: fc.constant('drop' as const), line: position }),
  fc.record({ kind: fc.constant('insert' as const), line: position, text: fc.oneof(fc.constantFrom(...GARBAGE), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })) }),
);

export function mutate(bytes: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(bytes);
  for (const m of ms) {
    if (m.kind === 'flip') {
      if (b.length > 0) b[Math.floor(m.at * b.length)] = m.byte;
    } else if (m.kind === 'truncate') b = b.subarray(0, Math.floor(m.at * b.length));
    else {
      const lines = b.toString('latin1').split('\n');
      const i = Math.floor(m.line * lines.length);
      if (m.kind === 'duplicate') lines.splice(i, 0, lines[i]);
      else if (m.kind === 'drop') lines.splice(i, 1);
      else lines.splice(i, 0, Buffer.from(m.text, 'utf8').toString('latin1'));
      b = Buffer.from(lines.join('\n'), 'latin1');
    }
  }
  return b;
}

export const mutatedHistory = fc.tuple(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }));
