// The GitHub Actions step summary: appended (never overwritten) when GITHUB_STEP_SUMMARY is set,
// nothing written when it is not; the CLI reads the variable and passes the file down.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { appendGithubSummary, githubSummaryMarkdown } from '../../src/report/github.js';
import { writeRunOutputs } from '../../src/report/rundir.js';
import { plantedHistory, plantedResults } from './fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'replcheck-gh-summary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const saved = process.env.GITHUB_STEP_SUMMARY;
afterEach(() => {
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = saved;
});

describe('GitHub step summary', () => {
  const { history } = plantedHistory();
  const results = plantedResults(history);

  it('renders a verdict table, example anomalies and how to reproduce', () => {
    const md = githubSummaryMarkdown(results, 'reports/x');
    expect(md).toContain('### replcheck: ❌ INVALID');
    expect(md).toContain('| read-your-writes | ❌ INVALID | 1 |');
    expect(md).toContain('| monotonic-reads | ✅ valid | 0 |');
    expect(md).toContain('| lost-writes | ⚠️ unknown | 0 |');
    expect(md).toContain('session s0 appended 5 to k1');
    // Markup from explanations cannot break the page.
    expect(md).toContain('&lt;without it>');
    expect(md).toContain('Reproduce: `replcheck run --config reports/planted/config.yaml`');
  });

  it('appends to the file when given one, and keeps what was there', () => {
    const file = join(tmp, 'summary-append.md');
    writeFileSync(file, '# earlier step\n');
    expect(appendGithubSummary(results, 'reports/x', file)).toBe(true);
    expect(appendGithubSummary(results, 'reports/y', file)).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true);
    expect(text.match(/### replcheck/g)).toHaveLength(2);
  });

  it('writes nothing without a file', () => {
    expect(appendGithubSummary(results, 'reports/x', undefined)).toBe(false);
    expect(appendGithubSummary(results, 'reports/x', '')).toBe(false);
  });

  it('is appended by writeRunOutputs only when given a summary file, whatever the environment says', () => {
    const file = join(tmp, 'summary-env.md');
    process.env.GITHUB_STEP_SUMMARY = file;
    writeRunOutputs({ dir: join(tmp, 'run-a'), results, history, html: false });
    expect(existsSync(file)).toBe(false);
    writeRunOutputs({ dir: join(tmp, 'run-b'), results, history, html: false, githubSummary: file });
    expect(readFileSync(file, 'utf8')).toContain(`Run directory: \`${join(tmp, 'run-b')}\``);
  });
});
