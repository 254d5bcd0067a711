// GitHub Actions step summary: a Markdown table of the verdicts appended to the file named by
// GITHUB_STEP_SUMMARY. The env var is read at the CLI edge (src/cli) and passed down here.

import { appendFileSync } from 'node:fs';
import type { Results } from './results.js';
import { fmtDuration } from './time.js';

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
}

function verdictBadge(v: boolean | 'unknown'): string {
  return v === true ? '✅ valid' : v === false ? '❌ INVALID' : '⚠️ unknown';
}

/** The Markdown summary of one run. */
export function githubSummaryMarkdown(results: Results, runDir: string, examplesPerChecker = 3): string {
  const s = results.stats;
  const facts = [
    results.target && `target \`${results.target}\``,
    results.workload && `workload \`${results.workload}\``,
    results.nemesis && `nemesis \`${results.nemesis}\``,
    results.seed !== undefined && `seed \`${results.seed}\``,
  ].filter(Boolean);
  const out: string[] = [];
  out.push(`### replcheck: ${verdictBadge(results.valid)}`, '');
  if (facts.length) out.push(facts.join(' · '), '');
  out.push(`${s.ops} ops (${s.ok} ok, ${s.fail} fail, ${s.info} info) ${s.untimed ? ', no times recorded' : ` over ${fmtDuration(s.durationNs)}`}`, '');
  out.push('| checker | verdict | anomalies |', '| --- | --- | ---: |');
  for (const [name, r] of Object.entries(results.checkers)) {
    out.push(`| ${mdCell(name)} | ${verdictBadge(r.valid)} | ${r.count} |`);
  }
  out.push('');
  const bad = Object.entries(results.checkers).filter(([, r]) => r.valid === false && r.anomalies.length > 0);
  if (bad.length) {
    out.push('<details><summary>Example anomalies</summary>', '');
    for (const [name, r] of bad) {
      for (const a of r.anomalies.slice(0, examplesPerChecker)) {
        out.push(`- **${mdCell(name)}** (ops ${a.ops.join(', ')}): ${mdCell(a.explanation)}`);
      }
      if (r.count > examplesPerChecker) out.push(`- … ${r.count - Math.min(examplesPerChecker, r.anomalies.length)} more in ${mdCell(name)}`);
    }
    out.push('', '</details>', '');
  }
  out.push(`Run directory: \`${runDir}\` (open \`index.html\` for timelines)`);
  if (results.command) out.push('', `Reproduce: \`${results.command}\``);
  out.push('', '');
  return out.join('\n');
}

/** Appends the summary to `summaryFile` (GITHUB_STEP_SUMMARY); does nothing without one. */
export function appendGithubSummary(results: Results, runDir: string, summaryFile: string | undefined): boolean {
  if (!summaryFile) return false;
  try {
    appendFileSync(summaryFile, githubSummaryMarkdown(results, runDir));
    return true;
  } catch {
    // A summary we cannot write must not fail the run.
    return false;
  }
}
