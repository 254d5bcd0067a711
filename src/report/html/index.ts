// index.html: the self-contained failure report (verdicts, anomalies and their operations).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { History } from '../../history/types.js';
import type { Results } from '../results.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderHtmlReport(results: Results, _history: History): string {
  const rows = Object.entries(results.checkers)
    .map(([name, r]) => {
      const list = r.anomalies
        .map((a) => `<li><code>ops ${a.ops.join(', ')}</code> ${esc(a.explanation)}</li>`)
        .join('');
      return `<section><h2>${esc(name)}: ${esc(String(r.valid))} (${r.count})</h2><ul>${list}</ul></section>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>replcheck report</title></head><body><h1>verdict: ${esc(String(results.valid))}</h1>${rows}</body></html>\n`;
}

export function writeHtmlReport(dir: string, results: Results, history: History): void {
  writeFileSync(join(dir, 'index.html'), renderHtmlReport(results, history));
}
