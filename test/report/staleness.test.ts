// The bounded-staleness distribution in results.json and in the HTML report's staleness section,
// and what both say for an untimed history.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectCheckers } from '../../src/checkers/registry.js';
import { runCheckers } from '../../src/checkers/run.js';
import { historyFromEvents } from '../../src/history/builder.js';
import { renderHtmlReport } from '../../src/report/html/index.js';
import { writeRunOutputs } from '../../src/report/rundir.js';
import { eventsOf, historyOf, type OpSpec } from '../support/ops.js';

const specs: OpSpec[] = [
  { p: 1, s: 'a', f: 'append', k: 'x', v: 1, t0: 0, t1: 100 },
  { p: 2, f: 'read', k: 'x', r: [], t0: 400, t1: 410, node: 'n2' }, // 300 ms stale
  { p: 3, f: 'read', k: 'x', r: [1], t0: 500, t1: 510, node: 'n1' }, // 0
  { p: 4, s: 'b', f: 'append', k: 'y', v: 2, t0: 0, t1: 50 }, // never seen
];

const tmp = mkdtempSync(join(tmpdir(), 'replcheck-staleness-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

async function runDir(checkers: string, history = historyOf(specs)) {
  const dir = join(tmp, `run${runs++}`);
  const results = await runCheckers(history, selectCheckers(checkers, 'append'), {}, { workload: 'append' });
  writeRunOutputs({ dir, results, history });
  return { dir, json: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), html: readFileSync(join(dir, 'index.html'), 'utf8') };
}

/** The text of an HTML fragment, tags dropped. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('bounded-staleness in results.json and index.html', () => {
  it('results.json carries the distribution per node and every write\'s time to visible', async () => {
    const { json } = await runDir('bounded-staleness:maxStalenessMs=250');
    const r = json.checkers['bounded-staleness'];
    expect([json.valid, r.valid, r.count, r.maxStalenessMs, r.boundFrom]).toEqual([false, false, 1, 250, 'option']);
    expect(r.anomalies[0].ops).toEqual([3, 5]); // x's ok append, the read that lacks it
    expect(r.staleness).toEqual({
      readsMissingAWrite: 1,
      count: 2,
      p50Ms: 0,
      p99Ms: 300,
      maxMs: 300,
      byNode: { n1: { count: 1, p50Ms: 0, p99Ms: 0, maxMs: 0 }, n2: { count: 1, p50Ms: 300, p99Ms: 300, maxMs: 300 } },
    });
    expect(r.timeToVisible).toEqual({ writes: 2, count: 1, p50Ms: 410, p99Ms: 410, maxMs: 410, neverSeen: [2], perWrite: { ops: [3, 2], visibleMs: [410, null] } });
  });

  it('the report shows a staleness section: a row per node with its figures, the bound, and time to visible', async () => {
    const { html } = await runDir('bounded-staleness:maxStalenessMs=250');
    const section = html.slice(html.indexOf('<section class="card" id="staleness">'), html.indexOf('</section>', html.indexOf('id="staleness"')));
    expect(section).not.toBe('');
    expect(html).toContain('<a href="#staleness">staleness</a>');
    const rows = [...section.matchAll(/<tr[^>]*data-node="([^"]+)"[^>]*>(.*?)<\/tr>/g)].map((m) => [m[1], text(m[2]).trim()]);
    expect(rows).toEqual([
      ['all reads', 'all reads 2 0 ms 300 ms 300 ms'],
      ['n1', 'n1 1 0 ms 0 ms 0 ms'],
      ['n2', 'n2 1 300 ms 300 ms 300 ms'],
    ]);
    expect(section).toMatch(/<tr class="v-bad" data-node="n2">/); // over the bound
    expect(section).not.toMatch(/<tr class="v-bad" data-node="n1">/);
    expect(text(section)).toContain('Bound: 250 ms (given); 1 of 2 ok reads lacked some acknowledged write.');
    const visibility = text(section.slice(section.indexOf('id="visibility-table"')));
    expect(visibility).toContain('2 1 1 410 ms 410 ms 410 ms');
  });

  it('an untimed history: unknown in results.json with the reason, and the report says it was not measured', async () => {
    const untimed = historyFromEvents(eventsOf(specs).map((e) => ({ ...e, time: e.index })));
    const { json, html } = await runDir('bounded-staleness', untimed);
    const r = json.checkers['bounded-staleness'];
    expect([r.valid, r.staleness, r.timeToVisible]).toEqual(['unknown', undefined, undefined]);
    expect(text(html)).toContain('Not measured: the history records no times');
  });

  it('no section when the checker did not run', async () => {
    const history = historyOf(specs);
    const results = await runCheckers(history, selectCheckers(undefined, 'append'), {}, {});
    expect(Object.keys(results.checkers)).not.toContain('bounded-staleness');
    const html = renderHtmlReport(results, history);
    expect(html).not.toContain('id="staleness"');
    expect(html).not.toContain('href="#staleness"');
  });
});
