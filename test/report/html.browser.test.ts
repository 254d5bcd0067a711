// The HTML report in a real headless chromium (playwright-core + Debian's chromium), opened from
// file://: verdict, clickable anomalies, focused timelines, no network, no console errors; the
// linearizability view (opens on the failing op, lane labels stay, values on every box, stepping
// through the prefix); and the report of a 1M-op history stays small and loads.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../src/checkers/types.js';
import type { Op } from '../../src/history/types.js';
import { readJsonlHistory } from '../../src/history/jsonl.js';
import { renderHtmlReport, writeHtmlReport } from '../../src/report/html/index.js';
import { historyStats, type Results } from '../../src/report/results.js';
import { launchBrowser, type OwnedBrowser } from '../support/browser.js';
import { largeHistory, registerRun, writePlantedRunDir } from './fixture.js';

const root = resolve(import.meta.dirname, '../..');
const artifacts = join(root, 'test-artifacts');
const tmp = mkdtempSync(join(tmpdir(), 'replcheck-report-browser-'));
let browser: OwnedBrowser | undefined;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);

interface Opened {
  page: Page;
  requests: string[];
  errors: string[];
}

/** Opens a report from file://, recording every request and every console/page error. */
async function open(file: string): Promise<Opened> {
  const page = await browser!.context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, requests, errors };
}

function onlyLocal(requests: string[], file: string): string[] {
  return requests.filter((u) => u !== `file://${file}` && !u.startsWith('data:'));
}

describe('index.html of a run with a read-your-writes anomaly', () => {
  const dir = join(tmp, 'planted');
  const file = join(dir, 'index.html');
  let ryw: Anomaly;
  let opened: Opened;

  beforeAll(async () => {
    const { results } = writePlantedRunDir(dir);
    ryw = results.checkers['read-your-writes'].anomalies[0];
    writeHtmlReport(dir, results, readJsonlHistory(join(dir, 'history.jsonl')));
    opened = await open(file);
  });

  afterAll(async () => {
    await opened?.page.close();
  });

  it('shows the verdict, per checker, and the design from config.yaml', async () => {
    const { page } = opened;
    await expect(page.locator('#verdict').innerText()).resolves.toContain('INVALID');
    const rows = page.locator('table.checkers tbody tr');
    await expect(rows.count()).resolves.toBe(3);
    await expect(page.locator('tr[data-checker="read-your-writes"]').innerText()).resolves.toContain('1 anomaly');
    await expect(page.locator('tr[data-checker="monotonic-reads"]').innerText()).resolves.toContain('valid');
    await expect(page.locator('tr[data-checker="lost-writes"]').innerText()).resolves.toContain('no final reads');
    await expect(page.locator('#design').innerText()).resolves.toContain('single-leader');
    await expect(page.locator('#reproduce').innerText()).resolves.toBe('replcheck run --config reports/planted/config.yaml');
    // The explanation's markup characters are text, not HTML.
    await expect(page.locator('details.anomaly .explanation').first().innerText()).resolves.toContain('<without it> & "quoted"');
  });

  it('opens an anomaly when its marker in the overview is clicked', async () => {
    const { page } = opened;
    const details = page.locator('details.anomaly').first();
    await details.evaluate((d) => ((d as unknown as { open: boolean }).open = false));
    await expect(details.evaluate((d) => (d as unknown as { open: boolean }).open)).resolves.toBe(false);
    await page.locator('#overview-svg a.amark').first().click();
    await page.waitForFunction("document.querySelector('details.anomaly').open === true");
    await expect(page.locator('details.anomaly svg.focus').first().isVisible()).resolves.toBe(true);
  });

  it('opens an anomaly from the list by clicking its summary', async () => {
    const { page } = opened;
    const details = page.locator('details.anomaly').first();
    await details.evaluate((d) => ((d as unknown as { open: boolean }).open = false));
    await details.locator('summary').click();
    await expect(details.evaluate((d) => (d as unknown as { open: boolean }).open)).resolves.toBe(true);
  });

  it('draws the involved operations, their neighbours and the faults in the focused timeline', async () => {
    const { page } = opened;
    const svg = page.locator('details.anomaly svg.focus').first();
    for (const i of ryw.ops) {
      const bar = svg.locator(`g.opbar[data-index="${i}"]`);
      await expect(bar.count()).resolves.toBe(1);
      await expect(bar.getAttribute('data-involved')).resolves.toBe('true');
    }
    // Neighbours on k1 overlapping the window: the concurrent read, the failed and the indeterminate append.
    await expect(svg.locator('g.opbar:not([data-involved])').count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(svg.locator('g.op-fail').count()).resolves.toBeGreaterThanOrEqual(1);
    await expect(svg.locator('g.op-info').count()).resolves.toBeGreaterThanOrEqual(1);
    // The partition (30–60 ms) overlaps the anomaly (40–53 ms).
    await expect(svg.locator('g.focus-nem[data-fault="partition"]').count()).resolves.toBe(1);
    // The read's bar says which node served it and what it returned.
    await expect(svg.locator(`g.opbar[data-index="${ryw.ops[1]}"] text.op-text`).textContent()).resolves.toBe('n2 · read [100]');
  });

  it('highlights an op in the timeline when its table row is hovered', async () => {
    const { page } = opened;
    const details = page.locator('details.anomaly').first();
    const i = ryw.ops[1];
    await details.locator(`table.ops tr[data-index="${i}"]`).hover();
    await expect(details.locator(`g.opbar[data-index="${i}"]`).getAttribute('class')).resolves.toContain('hl');
  });

  it('plots the overview, latency, throughput and lag with faults shaded', async () => {
    const { page } = opened;
    for (const id of ['#overview-svg', '#latency-svg', '#throughput-svg', '#lag-svg']) {
      await expect(page.locator(id).isVisible()).resolves.toBe(true);
    }
    await expect(page.locator('#overview-svg rect.nem-partition').count()).resolves.toBe(1);
    await expect(page.locator('#overview-svg rect.nem-kill').count()).resolves.toBe(1);
    await expect(page.locator('#lag-svg polyline.line-lag').count()).resolves.toBe(2);
  });

  it('makes no network request and logs no error; keeps a screenshot', async () => {
    const { page, requests, errors } = opened;
    await page.screenshot({ path: join(artifacts, 'report-planted.png'), fullPage: true });
    expect(onlyLocal(requests, file)).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('index.html without config.yaml or metrics.json (as `replcheck check` writes it)', () => {
  it('renders and omits the design and lag sections', async () => {
    const dir = join(tmp, 'bare');
    const { results } = writePlantedRunDir(dir, { config: false, metrics: false });
    writeHtmlReport(dir, results, readJsonlHistory(join(dir, 'history.jsonl')));
    const file = join(dir, 'index.html');
    const { page, requests, errors } = await open(file);
    try {
      await expect(page.locator('#verdict').innerText()).resolves.toContain('INVALID');
      await expect(page.locator('#design').count()).resolves.toBe(0);
      await expect(page.locator('#lag-svg').count()).resolves.toBe(0);
      expect(onlyLocal(requests, file)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

type Box = { left: number; right: number; top: number; bottom: number };
/** The few DOM shapes the in-page functions below use (the test build has no DOM lib). */
interface El {
  getBoundingClientRect(): Box & { width: number; height: number };
  querySelector(s: string): El | null;
  querySelectorAll(s: string): Iterable<El>;
  getAttribute(name: string): string | null;
  textContent: string | null;
  scrollLeft: number;
  scrollWidth: number;
  clientWidth: number;
  open: boolean;
}
interface Doc {
  querySelector(s: string): El | null;
  querySelectorAll(s: string): Iterable<El>;
  elementFromPoint(x: number, y: number): El | null;
}

/** The failing op's box and the scroll container's visible rect, in page pixels. */
async function failingInView(page: Page, card: string): Promise<{ bar: Box; wrap: Box; scrollLeft: number; maxScroll: number }> {
  return page.evaluate((sel) => {
    const d = (globalThis as unknown as { document: Doc }).document.querySelector(sel)!;
    const wrap = d.querySelector('.focus-wrap')!;
    const r = (e: El) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, right: b.right, top: b.top, bottom: b.bottom };
    };
    return { bar: r(d.querySelector('g.opbar[data-failing] .opbar-rect')!), wrap: r(wrap), scrollLeft: wrap.scrollLeft, maxScroll: wrap.scrollWidth - wrap.clientWidth };
  }, card);
}

function inside(inner: Box, outer: Box): boolean {
  return inner.left >= outer.left - 0.5 && inner.right <= outer.right + 0.5 && inner.top >= outer.top - 0.5 && inner.bottom <= outer.bottom + 0.5;
}

/** Every box whose label does not fit inside it, or whose prefix number overlaps its label. */
async function cutLabels(page: Page, card: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const bad: string[] = [];
    for (const g of (globalThis as unknown as { document: Doc }).document.querySelectorAll(`${sel} g.opbar`)) {
      const rect = g.querySelector('.opbar-rect')!.getBoundingClientRect();
      const text = g.querySelector('text.op-text')!;
      const t = text.getBoundingClientRect();
      if (t.left < rect.left || t.right > rect.right - 1) bad.push(`${g.getAttribute('data-index')} "${text.textContent}" ${t.width.toFixed(1)} px in ${rect.width.toFixed(1)} px`);
      const circle = g.querySelector('.prefix-rank circle');
      if (circle && circle.getBoundingClientRect().right > t.left) bad.push(`${g.getAttribute('data-index')}: its number covers "${text.textContent}"`);
    }
    return bad;
  }, card);
}

describe('the linearizability view of a Jepsen etcd history (the real checker)', () => {
  const dir = join(tmp, 'etcd-000');
  const file = join(dir, 'index.html');
  const card = 'details.anomaly[data-checker="linearizable"]';
  let opened: Opened;
  let failing: number;
  let returned: unknown;
  const byComplete = new Map<number, Op>();

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const { loadHistory } = await import('../../src/history/load.js');
    const { selectCheckers } = await import('../../src/checkers/registry.js');
    const { runCheckers } = await import('../../src/checkers/run.js');
    const history = loadHistory(join(root, '../shared/corpora/jepsen-etcd/etcd_000.log'));
    const results = await runCheckers(history, selectCheckers('linearizable', history.workload), {}, { workload: history.workload });
    failing = results.checkers.linearizable.anomalies[0].op as number;
    for (const o of history.ops) byComplete.set(o.completeIndex, o);
    returned = byComplete.get(failing)!.value;
    writeHtmlReport(dir, results, history);
    opened = await open(file);
  });

  afterAll(async () => {
    await opened?.page.close();
  });

  it('opens on the op that cannot be linearized, on load and when the card is opened again', async () => {
    const { page } = opened;
    await expect(page.locator(`${card} g.opbar[data-failing="true"]`).getAttribute('data-index')).resolves.toBe(String(failing));
    // The card open by default: scrolled on load (the op is far right of the container's start).
    let at = await failingInView(page, card);
    expect(at.maxScroll).toBeGreaterThan(100);
    expect(at.scrollLeft).toBeGreaterThan(0);
    expect(inside(at.bar, at.wrap)).toBe(true);
    // Closed, scrolled back to the start, then opened by its summary: in view again.
    await page.locator(card).evaluate((e) => {
      const d = e as unknown as El;
      d.open = false;
      d.querySelector('.focus-wrap')!.scrollLeft = 0;
    });
    await page.locator(`${card} > summary`).click();
    await page.waitForFunction((sel) => (globalThis as unknown as { document: Doc }).document.querySelector(sel)!.querySelector('.focus-wrap')!.scrollLeft > 0, card);
    at = await failingInView(page, card);
    expect(inside(at.bar, at.wrap)).toBe(true);
  });

  it('keeps the lane labels in view when the lanes are scrolled to the far right', async () => {
    const { page } = opened;
    const state = await page.locator(card).evaluate((e) => {
      const d = e as unknown as El;
      const doc = (globalThis as unknown as { document: Doc }).document;
      const wrap = d.querySelector('.focus-wrap')!;
      // elementFromPoint answers only inside the viewport: bring the diagram there first.
      (d.querySelector('.focus-view') as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'center' });
      wrap.scrollLeft = wrap.scrollWidth;
      const view = d.querySelector('.focus-view')!.getBoundingClientRect();
      const labels = [...d.querySelectorAll('.focus-labels text.lane-label')].map((t) => {
        const b = t.getBoundingClientRect();
        const hit = doc.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
        return { text: t.textContent, visible: b.left >= view.left && b.right <= view.right && b.width > 0, onTop: hit === t };
      });
      const processes = [...new Set([...d.querySelectorAll('g.opbar')].map((g) => Number(g.getAttribute('data-process'))))].sort((a, b) => a - b);
      return { scrollLeft: wrap.scrollLeft, labels, processes };
    });
    expect(state.scrollLeft).toBeGreaterThan(100);
    expect(state.labels.map((l) => l.text)).toEqual(state.processes.map((p) => `p${p}`));
    expect(state.labels.filter((l) => !l.visible || !l.onTop)).toEqual([]);
  });

  it('shows on each box its f and value, the read’s returned value included, uncut and uncovered', async () => {
    const { page } = opened;
    expect(returned).toBe(2);
    const text = page.locator(`${card} g.opbar[data-failing="true"] text.op-text`);
    await expect(text.textContent()).resolves.toBe('read 2');
    await expect(text.isVisible()).resolves.toBe(true);
    const labels = await page.locator(`${card} g.opbar text.op-text`).allTextContents();
    expect(labels.filter((l) => !/^(read (nil|\d+|\?)|write \d+|cas (nil|\d+)→\d+)$/.test(l))).toEqual([]);
    // Every ok read shows what the history says it returned.
    const reads = await page.locator(`${card} g.opbar[data-type="ok"]`).evaluateAll((gs) =>
      gs.map((g) => [Number(g.getAttribute('data-complete-index')), (g as unknown as El).querySelector('text.op-text')!.textContent] as const),
    );
    const okReads = reads.filter(([, t]) => t!.startsWith('read'));
    expect(okReads.length).toBeGreaterThanOrEqual(3);
    for (const [i, t] of okReads) expect(t).toBe(`read ${byComplete.get(i)!.value ?? 'nil'}`);
    expect(await cutLabels(page, card)).toEqual([]);
    await page.locator(card).screenshot({ path: join(artifacts, 'report-linearizable-etcd.png') });
    expect(opened.errors).toEqual([]);
  });
});

describe('stepping through the linearized prefix (a register history)', () => {
  const dir = join(tmp, 'register');
  const file = join(dir, 'index.html');
  const card = 'details.anomaly[data-checker="linearizable"]';
  const fixture = registerRun();
  let opened: Opened;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, renderHtmlReport(fixture.results, fixture.history));
    opened = await open(file);
  });

  afterAll(async () => {
    await opened?.page.close();
  });

  const linearized = (page: Page) =>
    page.locator(`${card} g.opbar[data-linearized="true"]`).evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-prefix-rank'))).sort((a, b) => a - b));
  const current = (page: Page) => page.locator(`${card} g.opbar.lin-current`).evaluateAll((gs) => gs.map((g) => g.getAttribute('data-index')));

  it('opens with the failing op centred (or the lanes scrolled as far as they go) and every label whole', async () => {
    const { page } = opened;
    const at = await failingInView(page, card);
    expect(inside(at.bar, at.wrap)).toBe(true);
    const offCentre = Math.abs((at.bar.left + at.bar.right) / 2 - (at.wrap.left + at.wrap.right) / 2);
    if (at.scrollLeft < at.maxScroll - 1) expect(offCentre).toBeLessThan(2);
    expect(await cutLabels(page, card)).toEqual([]);
    await expect(page.locator(`${card} g.opbar[data-index="${fixture.failing}"] text.op-text`).textContent()).resolves.toBe('read 1');
  });

  it('marks exactly the first k prefix ops as linearized after k clicks on "step ▶"', async () => {
    const { page } = opened;
    const stepper = page.locator(`${card} .stepper`);
    await expect(stepper.isVisible()).resolves.toBe(true);
    await expect(stepper.locator('.step-count').textContent()).resolves.toBe('all 17 steps shown');
    await expect(linearized(page)).resolves.toEqual([]);
    const next = stepper.locator('button.step-next');
    for (let k = 1; k <= 3; k++) {
      await next.click();
      await expect(linearized(page)).resolves.toEqual(Array.from({ length: k }, (_, i) => i + 1));
    }
    // The drawn prefix is the last 16 of 20: rank 3 is prefix op 7, p2's read of 5.
    const third = String(fixture.prefix[4 + 2]);
    await expect(current(page)).resolves.toEqual([third]);
    await expect(stepper.locator('.step-count').textContent()).resolves.toBe('step 3 of 17');
    await expect(stepper.locator('.step-text').textContent()).resolves.toBe(`#${third} read 5 on p2 is linearized: position 7 of 20 in the prefix (the first 4 are not drawn).`);
    // Later prefix ops and the failing op are dimmed, not linearized.
    await expect(page.locator(`${card} g.opbar[data-prefix-rank].lin-later`).count()).resolves.toBe(13);
    await expect(page.locator(`${card} g.opbar[data-failing]`).getAttribute('class')).resolves.toContain('lin-later');
    await stepper.locator('button.step-prev').click();
    await expect(linearized(page)).resolves.toEqual([1, 2]);
    // The arrow keys step too while the controls have focus.
    await next.focus();
    await page.keyboard.press('ArrowRight');
    await expect(linearized(page)).resolves.toEqual([1, 2, 3]);
  });

  it('ends on the failing op with ✗ and a sentence, and "show all" shows everything again', async () => {
    const { page } = opened;
    const stepper = page.locator(`${card} .stepper`);
    const next = stepper.locator('button.step-next');
    while (!(await next.isDisabled())) await next.click();
    await expect(stepper.locator('.step-count').textContent()).resolves.toBe('step 17 of 17');
    await expect(linearized(page)).resolves.toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    await expect(current(page)).resolves.toEqual([String(fixture.failing)]);
    const failingBar = page.locator(`${card} g.opbar[data-failing="true"]`);
    await expect(failingBar.getAttribute('data-linearized')).resolves.toBe(null);
    await expect(failingBar.locator('text.fail-mark').textContent()).resolves.toBe('✗');
    await expect(stepper.locator('.step-text').textContent()).resolves.toBe(
      `✗ #${fixture.failing} read 1 on p4 cannot be linearized after these 20 operations (after them the value is 19).`,
    );
    const at = await failingInView(page, card);
    expect(inside(at.bar, at.wrap)).toBe(true);
    await page.locator(card).screenshot({ path: join(artifacts, 'report-linearizable-last-step.png') });
    await stepper.locator('button.step-all').click();
    await expect(stepper.locator('.step-count').textContent()).resolves.toBe('all 17 steps shown');
    await expect(page.locator(`${card} .focus-view.stepping`).count()).resolves.toBe(0);
    await expect(page.locator(`${card} g.opbar.lin-later, ${card} g.opbar.lin-done, ${card} g.opbar.lin-current`).count()).resolves.toBe(0);
    expect(onlyLocal(opened.requests, file)).toEqual([]);
    expect(opened.errors).toEqual([]);
  });
});

describe('index.html of a 1M-op history', () => {
  it('stays under 5 MB, loads, and draws a linearizability prefix', async () => {
    const h = largeHistory(1_000_000);
    const ryw: Anomaly[] = [];
    for (let i = 0; i < 100; i++) {
      const a = h.ops[1000 + i * 9000];
      const b = h.ops.slice(1000 + i * 9000 + 1).find((o) => o.key === a.key && o.f === 'read')!;
      ryw.push({ type: 'read-your-writes', ops: [a.completeIndex, b.completeIndex], key: a.key, explanation: `planted anomaly ${i}` });
    }
    const base = h.ops[500_000];
    const sameKey = h.ops.slice(496_000, 500_000).filter((o) => o.key === base.key);
    const lin: Anomaly = {
      type: 'linearizable',
      ops: [base.completeIndex],
      key: base.key,
      explanation: 'no order of the operations explains the read',
      linearizedPrefix: sameKey.slice(0, -1).map((o) => o.completeIndex),
      concurrent: [sameKey[sameKey.length - 1].completeIndex],
    };
    const results: Results = {
      valid: false,
      seed: 7,
      target: 'memory',
      workload: 'append',
      stats: historyStats(h),
      checkers: {
        'read-your-writes': { valid: false, count: 4321, anomalies: ryw },
        linearizable: { valid: false, count: 1, anomalies: [lin] },
        'monotonic-reads': { valid: true, count: 0, anomalies: [] },
      },
    };
    const html = renderHtmlReport(results, h);
    const bytes = Buffer.byteLength(html);
    const dir = join(tmp, 'large');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'index.html');
    writeFileSync(file, html);
    writeFileSync(join(artifacts, 'report-1M-size.txt'), `${bytes} bytes\n`);
    expect(statSync(file).size).toBeLessThan(5 * 1024 * 1024);

    const { page, requests, errors } = await open(file);
    try {
      await expect(page.locator('#verdict').innerText()).resolves.toContain('INVALID');
      await expect(page.locator('#overview-svg a.amark').count()).resolves.toBe(21);
      await page.screenshot({ path: join(artifacts, 'report-1M.png'), fullPage: false });
      const linDetails = page.locator('details.anomaly[data-checker="linearizable"]');
      await linDetails.locator('summary').click();
      await expect(linDetails.locator('g.opbar[data-failing="true"]').getAttribute('data-index')).resolves.toBe(String(base.completeIndex));
      await expect(linDetails.locator('g.prefix-rank').count()).resolves.toBeGreaterThan(0);
      await linDetails.screenshot({ path: join(artifacts, 'report-1M-linearizable.png') });
      expect(onlyLocal(requests, file)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
    // The page embeds no raw history: far fewer bar groups than ops.
    expect((readFileSync(file, 'utf8').match(/class="opbar/g) ?? []).length).toBeLessThan(5000);
  }, 180_000);
});

describe('index.html of an untimed history (a Jepsen log without timestamps)', () => {
  it('draws by event index, shows no durations, omits latency and throughput, and says why', async () => {
    const dir = join(tmp, 'untimed');
    mkdirSync(dir, { recursive: true });
    const { loadHistory } = await import('../../src/history/load.js');
    const { selectCheckers } = await import('../../src/checkers/registry.js');
    const { runCheckers } = await import('../../src/checkers/run.js');
    const history = loadHistory(join(root, '../shared/corpora/jepsen-etcd/etcd_000.log'));
    const results = await runCheckers(history, selectCheckers('linearizable', history.workload), {}, { workload: history.workload });
    expect(results.stats.untimed).toBe(true);
    writeHtmlReport(dir, results, history);
    const file = join(dir, 'index.html');
    const { page, errors } = await open(file);
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/\d ns\b/);
    expect(text).not.toMatch(/\d+(\.\d+)? ms\b/);
    expect(text).not.toMatch(/ops\/s/);
    expect(await page.locator('#untimed-note').innerText()).toMatch(/records no times.*event index.*latency and throughput are not shown/);
    expect(await page.locator('#latency-svg').count()).toBe(0);
    expect(await page.locator('#throughput-svg').count()).toBe(0);
    expect(await page.locator('#overview-svg .axis-unit').textContent()).toBe('event index');
    expect(await page.locator('.focus-labels .axis-unit').first().textContent()).toBe('event index');
    const svgText = await page.locator('#overview-svg').evaluate((e) => e.textContent ?? '');
    expect(svgText).not.toMatch(/ms|\d s\b/);
    await page.locator('details.anomaly').first().evaluate((e) => e.setAttribute('open', ''));
    expect(await page.locator('details.anomaly .aat').first().innerText()).toMatch(/^at event \d+$/);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(artifacts, 'report-untimed.png'), fullPage: true });
    await page.close();
  });
});

describe('index.html of a real `replcheck run` (build first)', () => {
  it('labels the settle gap and the final reads, and lists the checkers that ran in the design', async () => {
    const { spawnSync } = await import('node:child_process');
    const dir = join(tmp, 'real-run');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'replcheck.js'), 'run', '--out', dir, '--seed', '7', '--quiet'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    const file = join(dir, 'index.html');
    const { page, errors } = await open(file);
    expect(await page.locator('#overview-svg .phase-settle .phase-label').textContent()).toMatch(/^settle \d+\.\d{3} s$/);
    expect(await page.locator('#overview-svg .phase-final .phase-label').textContent()).toBe('final reads');
    const design = await page.locator('#design').innerText();
    expect(design).not.toMatch(/checkers\s*\[\]/);
    expect(design).toContain('read-your-writes, read-your-writes-user, monotonic-reads, monotonic-writes, writes-follow-reads, lost-writes, consistent-prefix, convergence');
    // One precision for points in time: the card header and the op table, like the sentences.
    const at = await page.locator('details.anomaly .aat').first().innerText();
    expect(at).toMatch(/^at \d+\.\d{3} s$/);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('reports/index.html, the list of past runs (build first)', () => {
  it('lists the runs with target, workload, nemesis and verdict, and links open each report', async () => {
    const { spawnSync } = await import('node:child_process');
    const cwd = join(tmp, 'runs-cwd');
    mkdirSync(cwd, { recursive: true });
    const bin = join(root, 'bin', 'replcheck.js');
    for (const args of [
      ['--seed', '1', '--ops', '300'],
      ['--seed', '2', '--ops', '300', '--target', 'memory-sync', '--nemesis', 'kill-leader'],
    ]) {
      const r = spawnSync(process.execPath, [bin, 'run', '--quiet', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(r.stderr).toBe('');
      expect([0, 1]).toContain(r.status);
    }
    const file = join(cwd, 'reports', 'index.html');
    const { page, requests, errors } = await open(file);
    const rows = page.locator('#runs tbody tr');
    expect(await rows.count()).toBe(2);
    const first = await rows.nth(0).locator('td').allInnerTexts();
    expect(first.slice(1, 5)).toEqual(['memory-sync', 'append', 'kill-leader', 'valid']);
    const second = await rows.nth(1).locator('td').allInnerTexts();
    expect(second.slice(1, 5)).toEqual(['memory', 'append', 'none', 'INVALID']);
    await rows.nth(1).locator('a').click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/reports\/[^/]+-memory-append-none\/index\.html$/);
    await expect(page.locator('#verdict').innerText()).resolves.toContain('INVALID');
    expect(onlyLocal(requests, file).filter((u) => !u.startsWith(`file://${join(cwd, 'reports')}/`))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
