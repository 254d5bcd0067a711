// JUnit XML as CI tools read it: testsuites > testsuite > testcase (> failure | skipped), counts
// consistent with the checkers, and explanations escaped so the document stays well-formed.

import { describe, expect, it } from 'vitest';
import { junitXml, junitXmlSuites, xmlEscape } from '../../src/report/junit.js';
import type { Results } from '../../src/report/results.js';
import { parseXml, type XmlElement } from './xml.js';

const NASTY = 'read of k<1> & "k2" returned \'[1, 2]\' ]]> \u0001 ünï';

function results(): Results {
  return {
    valid: false,
    seed: 9,
    target: 'memory',
    workload: 'append',
    nemesis: 'partition-leader',
    command: 'replcheck run --config "a b/config.yaml" --set x=<y>',
    stats: { ops: 10, ok: 8, fail: 1, info: 1, durationNs: 2_500_000_000 },
    checkers: {
      'read-your-writes': {
        valid: false,
        count: 3,
        anomalies: [
          { type: 'read-your-writes', ops: [1, 4], key: 'k1', explanation: NASTY },
          { type: 'read-your-writes', ops: [2, 6], key: 'k2', explanation: 'second' },
        ],
      },
      'monotonic-reads': { valid: true, count: 0, anomalies: [] },
      'lost-writes': { valid: 'unknown', count: 0, anomalies: [], reason: 'budget <exhausted>' },
    },
  };
}

const kids = (e: XmlElement, name: string) => e.children.filter((c) => c.name === name);

function checkCounts(suite: XmlElement): void {
  const cases = kids(suite, 'testcase');
  expect(Number(suite.attrs.tests)).toBe(cases.length);
  expect(Number(suite.attrs.failures)).toBe(cases.filter((c) => kids(c, 'failure').length > 0).length);
  expect(Number(suite.attrs.skipped)).toBe(cases.filter((c) => kids(c, 'skipped').length > 0).length);
  expect(Number(suite.attrs.errors)).toBe(0);
  expect(Number.isFinite(Number(suite.attrs.time))).toBe(true);
  for (const c of cases) {
    expect(c.attrs.name).toBeTruthy();
    expect(c.attrs.classname).toBeTruthy();
    expect(c.children.every((k) => k.name === 'failure' || k.name === 'skipped')).toBe(true);
  }
}

describe('junitXml', () => {
  it('writes one testsuite with one testcase per checker and consistent counts', () => {
    const root = parseXml(junitXml(results()));
    expect(root.name).toBe('testsuites');
    const suites = kids(root, 'testsuite');
    expect(suites).toHaveLength(1);
    checkCounts(suites[0]);
    expect(root.attrs).toMatchObject({ tests: '3', failures: '1', skipped: '1', errors: '0' });
    expect(suites[0].attrs.time).toBe('2.500');
    const names = kids(suites[0], 'testcase').map((c) => c.attrs.name);
    expect(names).toEqual(['read-your-writes', 'monotonic-reads', 'lost-writes']);
  });

  it('puts the anomalies in the failure, escaped so they read back exactly', () => {
    const suite = kids(parseXml(junitXml(results())), 'testsuite')[0];
    const ryw = kids(suite, 'testcase').find((c) => c.attrs.name === 'read-your-writes')!;
    const failure = kids(ryw, 'failure')[0];
    const clean = NASTY.replace('\u0001', '');
    expect(failure.attrs.message).toBe(`3 anomalies: ${clean}`);
    expect(failure.attrs.type).toBe('read-your-writes');
    expect(failure.text).toContain(`[read-your-writes] ops 1, 4 key k1: ${clean}`);
    expect(failure.text).toContain('ops 2, 6 key k2: second');
    expect(failure.text).toContain('... and 1 more');
    const lost = kids(suite, 'testcase').find((c) => c.attrs.name === 'lost-writes')!;
    expect(kids(lost, 'skipped')[0].attrs.message).toBe('unknown: budget <exhausted>');
    const props = kids(kids(suite, 'properties')[0], 'property');
    expect(props.find((p) => p.attrs.name === 'command')!.attrs.value).toBe('replcheck run --config "a b/config.yaml" --set x=<y>');
    expect(props.find((p) => p.attrs.name === 'seed')!.attrs.value).toBe('9');
  });

  it('writes several suites for several histories, totals summed', () => {
    const ok: Results = { valid: true, stats: { ops: 1, ok: 1, fail: 0, info: 0, durationNs: 1e9 }, checkers: { 'lost-writes': { valid: true, count: 0, anomalies: [] } } };
    const root = parseXml(junitXmlSuites([{ name: 'a & b.jsonl', results: results() }, { name: 'c.jsonl', results: ok }]));
    const suites = kids(root, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(['a & b.jsonl', 'c.jsonl']);
    suites.forEach(checkCounts);
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1', skipped: '1', time: '3.500' });
  });

  it('writes a valid document when no checker ran', () => {
    const root = parseXml(junitXml({ valid: true, stats: { ops: 0, ok: 0, fail: 0, info: 0, durationNs: 0 }, checkers: {} }));
    const suite = kids(root, 'testsuite')[0];
    checkCounts(suite);
    expect(suite.attrs.tests).toBe('0');
  });

  it('escapes markup and drops characters XML 1.0 forbids', () => {
    expect(xmlEscape(`<a href="x">&'\u0000\u001f\t\n`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\t\n');
    expect(() => parseXml('<a>x & y</a>')).toThrow();
    expect(() => parseXml('<a><b></a>')).toThrow();
  });
});
