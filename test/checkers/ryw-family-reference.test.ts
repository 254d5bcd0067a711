// The optimised read-your-writes, read-your-writes-user, monotonic-reads, consistent-prefix,
// convergence and lost-writes (typed arrays, prefix shortcuts, the shared index) against
// straightforward references written from docs/checkers.md, on random small histories with faults
// (ryw-family-histories.ts): the same anomalies, in the same order, with the same ops,
// explanations and details.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromNode, readList, secs, showList, showValue, showValues } from '../../src/checkers/append/explain.js';
import { appendElement } from '../../src/checkers/append/index.js';
import { consistentPrefix } from '../../src/checkers/consistent-prefix.js';
import { convergence } from '../../src/checkers/convergence.js';
import { lostWrites } from '../../src/checkers/lost-writes.js';
import { monotonicReads } from '../../src/checkers/monotonic-reads.js';
import { readYourWrites } from '../../src/checkers/read-your-writes.js';
import { readYourWritesUser } from '../../src/checkers/read-your-writes-user.js';
import type { Anomaly, Checker } from '../../src/checkers/types.js';
import { opIndex, type History, type Op } from '../../src/history/types.js';
import { faultyHistories } from './ryw-family-histories.js';
import { elementKey, firstAppends } from './reference-support.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

const key = elementKey;
const isOkRead = (o: Op) => o.f === 'read' && o.type === 'ok';
const has = (read: Op, v: unknown) => readList(read).some((x) => key(x) === key(v));

/** Ops grouped by `group`, groups in order of their first op, ops in invoke order. */
function groups(h: History, group: (o: Op) => string): Op[][] {
  const by = new Map<string, Op[]>();
  for (const o of h.ops) {
    const g = group(o);
    if (!by.has(g)) by.set(g, []);
    by.get(g)!.push(o);
  }
  return [...by.values()];
}

function run(c: Checker, h: History) {
  return c.check(h, { maxAnomalies: 100_000 }) as { valid: unknown; count: number; anomalies: Anomaly[] } & Record<string, unknown>;
}

/** read-your-writes(-user): per (owner, key), each ok read against the owner's ok appends acknowledged before it began. */
function rywReference(h: History, byUser: boolean): Anomaly[] {
  const first = firstAppends(h);
  const owner = (o: Op) => (byUser && o.user !== undefined ? `user ${o.user}` : `session ${o.session}`);
  const out: Anomaly[] = [];
  for (const g of groups(h, (o) => `${owner(o)}\u0000${o.key}`)) {
    const owned = g.filter((a) => a.f === 'append' && a.type === 'ok' && first.get(a.key)!.get(key(appendElement(a))) === a);
    for (const read of g.filter(isOkRead)) {
      const owed = owned.filter((a) => a.completeTime < read.invokeTime).sort((p, q) => p.completeTime - q.completeTime);
      const missing = owed.filter((a) => !has(read, appendElement(a)));
      if (missing.length > 0) out.push(rywText(byUser ? 'read-your-writes-user' : 'read-your-writes', byUser, read, missing));
    }
  }
  return out;
}

function rywText(type: string, byUser: boolean, read: Op, missing: Op[]): Anomaly {
  const last = missing[missing.length - 1];
  const values = missing.map(appendElement);
  const sessions = [...new Set(missing.map((a) => a.session))];
  const writer = byUser && last.user !== undefined ? `user ${last.user} (session ${sessions.join(', ')})` : `session ${sessions.join(', ')}`;
  const reader = read.session === last.session && sessions.length === 1 ? 'its read' : `the read by its session ${read.session}`;
  const one = missing.length === 1;
  return {
    type,
    ops: [...missing.map(opIndex), opIndex(read)],
    key: read.key,
    explanation:
      `${writer} appended ${showValues(values)} to ${read.key} (${one ? `ok at ${secs(last.completeTime)}` : `the last ok at ${secs(last.completeTime)}`}) but ${reader} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, ` +
      `which lacks ${one ? 'it' : 'them'} although the read began after the write${one ? ' was' : 's were'} acknowledged`,
    missing: values,
  };
}

/**
 * monotonic-reads: per (session, key), each ok read against the elements of the group's earlier
 * reads that completed before it began. Those reads are taken in the order they became known (at
 * the first read of the group invoked after their completion, then in invoke order).
 */
function monotonicReadsReference(h: History): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups(h, (o) => `${o.session}\u0000${o.key}`)) {
    const reads = g.filter(isOkRead);
    const knownAt = (q: Op) => reads.findIndex((r) => r.invokeTime > q.completeTime);
    for (const read of reads) {
      const earlier = reads.filter((q) => q.completeTime < read.invokeTime).sort((p, q) => knownAt(p) - knownAt(q) || p.id - q.id);
      const seen = new Map<unknown, [unknown, Op]>();
      for (const q of earlier) for (const v of readList(q)) if (!seen.has(key(v))) seen.set(key(v), [v, q]);
      const missing = [...seen.values()].filter(([v]) => !has(read, v));
      if (missing.length > 0) out.push(monotonicReadsText(read, missing));
    }
  }
  return out;
}

function monotonicReadsText(read: Op, missing: [unknown, Op][]): Anomaly {
  // The earlier reads cited: the one with the most lost elements (ties: the later), then the next for what is left.
  const earlier = [...new Set(missing.map(([, q]) => q))];
  const cited: { q: Op; lost: unknown[] }[] = [];
  let left = missing.map(([v]) => v);
  while (left.length > 0) {
    let best = earlier[0];
    let bestLost: unknown[] = [];
    for (const q of earlier) {
      const lost = left.filter((v) => has(q, v));
      if (lost.length > bestLost.length || (lost.length === bestLost.length && q.id > best.id)) [best, bestLost] = [q, lost];
    }
    cited.push({ q: best, lost: bestLost });
    left = left.filter((v) => !has(best, v));
  }
  cited.sort((a, b) => a.q.id - b.q.id);
  const okAt = (q: Op) => `${fromNode(q)} (ok at ${secs(q.completeTime)})`;
  const before = `read ${showList(readList(cited[0].q))} from ${read.key}${okAt(cited[0].q)}` + cited.slice(1).map((c) => ` and then ${showList(readList(c.q))}${okAt(c.q)}`).join('');
  const losing = cited.length === 1 ? showValues(cited[0].lost) : cited.map((c) => `${showValues(c.lost)} (of the read ok at ${secs(c.q.completeTime)})`).join(' and ');
  return {
    type: 'monotonic-reads',
    ops: [...cited.map((c) => opIndex(c.q)), opIndex(read)],
    key: read.key,
    explanation:
      `session ${read.session} ${before} but its later read at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, losing ${losing}; ` +
      `a session's reads must never go back to an older state`,
    missing: missing.map(([v]) => v),
  };
}

/** consistent-prefix: per key, each ok read's repeats and bad elements (each bad one at its first read), then a fork from the longest read before it. */
function consistentPrefixReference(h: History): Anomaly[] {
  const first = firstAppends(h);
  const out: Anomaly[] = [];
  const reported = new Set<string>();
  for (const g of groups(h, (o) => o.key)) {
    let longest: Op | undefined;
    for (const read of g.filter(isOkRead)) {
      const list = readList(read);
      const where = `the read of ${read.key} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(list)}`;
      list.forEach((v, j) => {
        if (list.slice(0, j).some((x) => key(x) === key(v)))
          out.push({ type: 'duplicate', ops: [opIndex(read)], key: read.key, explanation: `${where}, which holds ${showValue(v)} more than once; each element is appended once, so no order of appends yields it` });
        const a = first.get(read.key)?.get(key(v));
        const id = JSON.stringify([read.key, key(v)]);
        if ((a === undefined || a.type === 'fail') && !reported.has(id)) {
          reported.add(id);
          out.push(a === undefined ? phantomText(read, v) : failedText(read, a));
        }
      });
      if (longest === undefined) {
        longest = read;
        continue;
      }
      const l = readList(longest);
      const n = Math.min(l.length, list.length);
      let i = 0;
      while (i < n && key(l[i]) === key(list[i])) i++;
      if (i < n) out.push(forkText(longest, read, i));
      if (list.length > l.length) longest = read;
    }
  }
  return out;
}

function phantomText(read: Op, v: unknown): Anomaly {
  return {
    type: 'phantom-element',
    ops: [opIndex(read)],
    key: read.key,
    explanation: `the read of ${read.key} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}, which holds ${showValue(v)}, but no operation appended ${showValue(v)} to ${read.key}`,
  };
}

function failedText(read: Op, a: Op): Anomaly {
  return {
    type: 'failed-append-read',
    ops: [opIndex(a), opIndex(read)],
    key: read.key,
    explanation:
      `session ${a.session}'s append of ${showValue(appendElement(a))} to ${read.key} failed at ${secs(a.completeTime)}, ` +
      `yet the read at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))} with it; a failed append certainly did not happen`,
  };
}

function forkText(a: Op, b: Op, at: number): Anomaly {
  const [la, lb] = [readList(a), readList(b)];
  return {
    type: 'fork',
    ops: [opIndex(a), opIndex(b)],
    key: b.key,
    explanation:
      `the read of ${b.key} at ${secs(a.invokeTime)}${fromNode(a)} returned ${showList(la)} and the read at ${secs(b.invokeTime)}${fromNode(b)} returned ${showList(lb)}: ` +
      `they agree on ${at} element${at === 1 ? '' : 's'}, then have ${showValue(la[at])} vs ${showValue(lb[at])}, so neither is a prefix of the other and no single order of appends explains both`,
  };
}

/** convergence: per key, its ok final reads (two or more) must return one list. */
function convergenceReference(h: History): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups(h, (o) => o.key)) {
    const finals = g.filter((o) => isOkRead(o) && o.final);
    const text = (o: Op) => JSON.stringify(readList(o).map(key));
    if (finals.length < 2 || finals.every((o) => text(o) === text(finals[0]))) continue;
    const variants = new Map<string, { list: unknown[]; nodes: string[] }>();
    for (const o of finals) {
      const t = JSON.stringify(o.value);
      if (!variants.has(t)) variants.set(t, { list: readList(o), nodes: [] });
      variants.get(t)!.nodes.push(o.node ?? `session ${o.session}`);
    }
    const parts = [...variants.values()].map((v) => `${v.nodes.join(', ')} returned ${showList(v.list)}`);
    out.push({
      type: 'divergence',
      ops: finals.map(opIndex),
      key: g[0].key,
      explanation: `after healing, the final reads of ${g[0].key} disagree: ${parts.join('; ')}; once the cluster has settled every replica must hold the same list`,
      variants: variants.size,
    });
  }
  return out;
}

/** lost-writes: per key with ok appends and ok reads, each ok append (the first of its element) by the final reads, or on evidence without them. */
function lostWritesReference(h: History): Anomaly[] {
  const first = firstAppends(h);
  const out: Anomaly[] = [];
  for (const g of groups(h, (o) => o.key)) {
    const reads = g.filter(isOkRead);
    const appends = g.filter((a) => a.f === 'append' && a.type === 'ok');
    if (reads.length === 0 || appends.length === 0) continue;
    const finals = reads.filter((r) => r.final);
    for (const a of appends) {
      if (first.get(a.key)!.get(key(appendElement(a))) !== a) continue;
      const el = appendElement(a);
      if (finals.length > 0) {
        if (!finals.some((r) => has(r, el))) out.push(lostFinalText(a, finals));
        continue;
      }
      const heldNs = Math.max(-Infinity, ...reads.filter((r) => has(r, el)).map((r) => r.completeTime));
      // The read begun after every read holding the element ended with the latest-invoked (not failed) append: ties, the later read.
      let best: { r: Op; later: unknown; t: number } | undefined;
      for (const r of reads.filter((x) => x.invokeTime > heldNs)) {
        let latest: { later: unknown; t: number } | undefined;
        for (const v of readList(r)) {
          const w = first.get(r.key)?.get(key(v));
          if (w !== undefined && w.type !== 'fail' && (latest === undefined || w.invokeTime > latest.t)) latest = { later: v, t: w.invokeTime };
        }
        if (latest !== undefined && (best === undefined || latest.t >= best.t)) best = { r, ...latest };
      }
      if (best !== undefined && best.t > a.completeTime) out.push(lostEvidenceText(a, best.r, first.get(a.key)!.get(key(best.later))!, best.later, heldNs));
    }
  }
  return out;
}

const appended = (op: Op) => `session ${op.session} appended ${showValue(appendElement(op))} to ${op.key} (ok at ${secs(op.completeTime)}${fromNode(op)})`;

function lostFinalText(a: Op, finals: Op[]): Anomaly {
  const nodes = [...new Set(finals.map((r) => r.node).filter((n) => n !== undefined))];
  const one = finals.length === 1;
  return {
    type: 'lost-write',
    ops: [opIndex(a), ...finals.map(opIndex)],
    key: a.key,
    rule: 'final-reads',
    explanation:
      `${appended(a)} but ${one ? 'the final read' : `none of the ${finals.length} final reads`} of ${a.key}${nodes.length ? ` (from ${nodes.join(', ')})` : ''} ` +
      `${one ? 'returned' : 'contain it; the first returned'} ${showList(readList(finals[0]))}; an acknowledged write must survive healing`,
  };
}

function lostEvidenceText(a: Op, read: Op, laterOp: Op, later: unknown, heldNs: number): Anomaly {
  const el = showValue(appendElement(a));
  const lv = showValue(later);
  const seen = heldNs === -Infinity ? `no read of ${a.key} ever held ${el}` : `no later read of ${a.key} holds ${el} (last seen by a read that ended at ${secs(heldNs)})`;
  return {
    type: 'lost-write',
    ops: [opIndex(a), opIndex(read), opIndex(laterOp)],
    key: a.key,
    rule: 'evidence',
    explanation:
      `${appended(a)} but the read of ${a.key} at ${secs(read.invokeTime)}${fromNode(read)} returned ${showList(readList(read))}: ` +
      `it holds ${lv}, whose append began at ${secs(laterOp.invokeTime)}, after ${el} was acknowledged, yet lacks ${el}, and ${seen}; ` +
      `a state that holds ${lv} must hold every append acknowledged before ${lv} began, so the acknowledged write was lost`,
    later,
  };
}

const CASES: [Checker, (h: History) => Anomaly[]][] = [
  [readYourWrites, (h) => rywReference(h, false)],
  [readYourWritesUser, (h) => rywReference(h, true)],
  [monotonicReads, monotonicReadsReference],
  [consistentPrefix, consistentPrefixReference],
  [convergence, convergenceReference],
  [lostWrites, lostWritesReference],
];

describe('the read-your-writes family, monotonic-reads, consistent-prefix, convergence and lost-writes equal their references', () => {
  for (const [c, reference] of CASES) {
    it(`${c.name}: the same anomalies, in the same order, with the same text`, () => {
      fc.assert(
        fc.property(faultyHistories, (h) => {
          const r = run(c, h);
          const ref = reference(h);
          expect(r.anomalies).toEqual(ref);
          expect([r.count, r.valid]).toEqual([ref.length, ref.length === 0]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('the faulty histories give every checker anomalies to find', () => {
    const found = new Map<string, number>();
    for (const h of fc.sample(faultyHistories, { numRuns: 300, seed: 7 })) for (const [c] of CASES) found.set(c.name, (found.get(c.name) ?? 0) + run(c, h).count);
    for (const [c] of CASES) expect(found.get(c.name), c.name).toBeGreaterThan(20);
  });
});
