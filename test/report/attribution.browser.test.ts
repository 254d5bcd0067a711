// The report of a planted split-brain run in a real headless chromium: the anomaly's timeline
// draws the partition it is attributed to as an outlined band, and every op box names its serving
// node's role and term (n1 L1) with a role stripe and a legend.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load.js';
import { runTest } from '../../src/runner/run.js';
import { launchBrowser, type OwnedBrowser } from '../support/browser.js';

const tmp = mkdtempSync(join(tmpdir(), 'replcheck-attribution-browser-'));
let browser: OwnedBrowser | undefined;
let page: Page | undefined;
const errors: string[] = [];
let partitionIndex = -1;

beforeAll(async () => {
  const { config } = loadRunConfig({ target: 'memory-no-fencing', nemesis: 'partition-leader', timeLimit: 8, seed: 7 });
  const dir = join(tmp, 'run');
  await runTest(config, { dir, html: true });
  const nemesis = readFileSync(join(dir, 'history.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"f":"partition"'));
  partitionIndex = (JSON.parse(nemesis[0]) as { index: number }).index;
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`file://${join(dir, 'index.html')}`, { waitUntil: 'load' });
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);

describe('an attributed anomaly in the report', () => {
  it('draws the partition band it is attributed to, outlined, across the lanes', async () => {
    const card = page!.locator('details.anomaly[data-checker="read-your-writes"]').first();
    // The report opens its first anomaly; open this one if it is not.
    if ((await card.getAttribute('open')) === null) await card.locator('summary').click();
    await expect(card.getAttribute('open')).resolves.toBe('');
    const band = card.locator(`svg.focus g.focus-nem.attributed[data-nemesis-index="${partitionIndex}"]`);
    await expect(band.count()).resolves.toBe(1);
    await expect(band.getAttribute('data-fault')).resolves.toBe('partition');
    const box = await band.locator('rect.band').boundingBox();
    expect(box!.width).toBeGreaterThan(20);
    expect(box!.height).toBeGreaterThan(20);
    await expect(band.locator('rect.band').getAttribute('stroke-dasharray')).resolves.toBe('5 3');
    await expect(band.locator('text.nem-label').textContent()).resolves.toContain('partition (isolate-leader): n1 | n2,n3');
    // the card's details say which fault, by history index, and the explanation names it
    await expect(card.locator(`dl.extra .fault[data-nemesis-index="${partitionIndex}"]`).innerText()).resolves.toMatch(/^partition #1 isolated n1 from n2, n3, 5\.000 s – 7\.000 s/);
    await expect(card.locator('.explanation').innerText()).resolves.toContain('while partition #1 isolated n1 from n2, n3');
  });

  it("labels each op box with its serving node's role and term, with a role stripe and a legend", async () => {
    const card = page!.locator('details.anomaly[data-checker="read-your-writes"]').first();
    const leaderBoxes = card.locator('svg.focus g.opbar[data-role="leader"]');
    expect(await leaderBoxes.count()).toBeGreaterThan(0);
    const texts = await leaderBoxes.locator('text.op-text').allTextContents();
    expect(texts.some((t) => /^n1 L1 · append \d+$/.test(t))).toBe(true);
    expect(texts.every((t) => /^n\d L\d+ · /.test(t))).toBe(true);
    const stripe = await leaderBoxes.first().locator('rect.role-mark').boundingBox();
    expect(stripe!.width).toBeGreaterThan(4);
    await expect(leaderBoxes.first().locator('rect.role-mark').getAttribute('fill')).resolves.toBe('#0072B2');
    await expect(leaderBoxes.first().locator('title').textContent()).resolves.toMatch(/served by n1 as leader of term 1 \(position \d+\)/);
    await expect(card.locator('.role-legend').innerText()).resolves.toContain('L = leader');
    expect(errors).toEqual([]);
  });
});
