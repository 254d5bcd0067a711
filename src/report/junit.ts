// JUnit XML: one testsuite, one testcase per checker, a <failure> per anomalous checker.

import type { Results } from './results.js';

export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // XML 1.0 forbids most control characters.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** One <testsuite> for one history's results. */
function testsuite(results: Results, suiteName: string, indent: string): string[] {
  const entries = Object.entries(results.checkers);
  const failures = entries.filter(([, r]) => r.valid === false).length;
  const skipped = entries.filter(([, r]) => r.valid === 'unknown').length;
  // An untimed history (imported without times) has no duration to report.
  const seconds = ((results.stats.untimed ? 0 : results.stats.durationNs) / 1e9).toFixed(3);
  const lines: string[] = [];
  const props = [
    ['seed', results.seed],
    ['target', results.target],
    ['workload', results.workload],
    ['nemesis', results.nemesis],
    ['history', results.history],
    ['command', results.command],
  ].filter(([, v]) => v !== undefined);
  lines.push(
    `${indent}<testsuite name="${xmlEscape(suiteName)}" tests="${entries.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds}">`,
  );
  if (props.length) {
    lines.push(`${indent}  <properties>`);
    for (const [k, v] of props) lines.push(`${indent}    <property name="${xmlEscape(String(k))}" value="${xmlEscape(String(v))}"/>`);
    lines.push(`${indent}  </properties>`);
  }
  for (const [name, r] of entries) {
    const open = `${indent}  <testcase classname="${xmlEscape(suiteName)}" name="${xmlEscape(name)}" time="0">`;
    if (r.valid === true) {
      lines.push(`${open}</testcase>`);
    } else if (r.valid === 'unknown') {
      const why = typeof r.reason === 'string' ? r.reason : 'inconclusive';
      lines.push(open, `${indent}    <skipped message="${xmlEscape(`unknown: ${why}`)}"/>`, `${indent}  </testcase>`);
    } else {
      const first = r.anomalies[0];
      const message = `${r.count} anomal${r.count === 1 ? 'y' : 'ies'}${first ? `: ${first.explanation}` : ''}`;
      const body = r.anomalies
        .map((a) => `[${a.type}] ops ${a.ops.join(', ')}${a.key !== undefined ? ` key ${a.key}` : ''}: ${a.explanation}`)
        .join('\n');
      const more = r.count > r.anomalies.length ? `\n... and ${r.count - r.anomalies.length} more` : '';
      lines.push(
        open,
        `${indent}    <failure message="${xmlEscape(message)}" type="${xmlEscape(name)}">${xmlEscape(body + more)}</failure>`,
        `${indent}  </testcase>`,
      );
    }
  }
  lines.push(`${indent}</testsuite>`);
  return lines;
}

/** JUnit XML for one or more histories: a <testsuites> root with one <testsuite> each. */
export function junitXmlSuites(suites: { name: string; results: Results }[]): string {
  const all = suites.flatMap((s) => Object.values(s.results.checkers));
  const failures = all.filter((r) => r.valid === false).length;
  const skipped = all.filter((r) => r.valid === 'unknown').length;
  const seconds = suites.reduce((t, s) => t + (s.results.stats.untimed ? 0 : s.results.stats.durationNs) / 1e9, 0).toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="replcheck" tests="${all.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds}">`,
    ...suites.flatMap((s) => testsuite(s.results, s.name, '  ')),
    '</testsuites>',
    '',
  ].join('\n');
}

export function junitXml(results: Results, suiteName = 'replcheck'): string {
  return junitXmlSuites([{ name: suiteName, results }]);
}
