// Terminal summary: the run in one line, one line per checker with a few example anomalies, the
// verdict, and where to look next (run directory, index.html, the command that reproduces it).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import type { Results } from './results.js';
import { fmtDuration } from './time.js';

export interface TerminalOptions {
  quiet?: boolean;
  verbose?: boolean;
  /** Colour on/off, decided at the CLI edge (colorEnabled of its stdout and environment); default off. */
  color?: boolean;
  examples?: number;
  /** The HTML report's path; default: the run directory's index.html when it exists. */
  htmlReport?: string;
}

/**
 * Whether to colour: never with NO_COLOR set, always with FORCE_COLOR (not 0), else only on a TTY.
 * The CLI edge passes its stdout and environment; this module reads neither itself (DESIGN 1).
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: { NO_COLOR?: string; FORCE_COLOR?: string }): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function makeChalk(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

export function verdictWord(v: boolean | 'unknown'): string {
  return v === true ? 'valid' : v === false ? 'INVALID' : 'unknown';
}

export function formatSummary(results: Results, runDir: string | undefined, opts: TerminalOptions = {}): string {
  const c = makeChalk(opts.color ?? false);
  const out: string[] = [];
  const paint = (v: boolean | 'unknown', s: string) => (v === true ? c.green(s) : v === false ? c.red(s) : c.yellow(s));
  if (opts.quiet) {
    out.push(`${paint(results.valid, verdictWord(results.valid))}${runDir ? `  ${runDir}` : ''}`);
    return out.join('\n');
  }
  const s = results.stats;
  const head = [
    results.target && `target ${results.target}`,
    results.workload && `workload ${results.workload}`,
    results.nemesis && `nemesis ${results.nemesis}`,
    results.seed !== undefined && `seed ${results.seed}`,
  ].filter(Boolean);
  if (head.length) out.push(c.bold(head.join('  ')));
  const pct = (n: number) => (s.ops > 0 && n > 0 ? c.dim(` (${((100 * n) / s.ops).toFixed(1)}%)`) : '');
  out.push(
    `${s.ops} ops: ${s.ok} ok, ${s.fail > 0 ? c.red(`${s.fail} fail`) : `${s.fail} fail`}${pct(s.fail)}, ${s.info > 0 ? c.yellow(`${s.info} info`) : `${s.info} info`}${pct(s.info)}${s.untimed ? ' (no times recorded)' : ` over ${fmtDuration(s.durationNs)}`}`,
  );
  const entries = Object.entries(results.checkers);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  const examples = opts.verbose ? 20 : (opts.examples ?? 3);
  for (const [name, r] of entries) {
    const mark = r.valid === true ? '✓' : r.valid === false ? '✗' : '?';
    const detail =
      r.valid === false
        ? `${r.count} anomal${r.count === 1 ? 'y' : 'ies'}`
        : r.valid === 'unknown'
          ? `unknown${typeof r.reason === 'string' ? `: ${r.reason}` : ''}`
          : 'held';
    out.push(`  ${paint(r.valid, mark)} ${name.padEnd(width)}  ${paint(r.valid, detail)}`);
    if (r.valid === false) {
      for (const a of r.anomalies.slice(0, examples)) {
        const where = `${a.key !== undefined ? `${a.key} ` : ''}ops ${a.ops.join(', ')}`;
        out.push(c.dim(`      ${where}: `) + a.explanation);
      }
      const shown = Math.min(examples, r.anomalies.length);
      if (r.count > shown) out.push(c.dim(`      ... ${r.count - shown} more`));
    }
  }
  const failed = entries.filter(([, r]) => r.valid === false).length;
  const unknown = entries.filter(([, r]) => r.valid === 'unknown').length;
  const tally = [
    failed > 0 && `${failed} of ${entries.length} checker${entries.length === 1 ? '' : 's'} found anomalies`,
    unknown > 0 && `${unknown} inconclusive`,
    failed === 0 && unknown === 0 && entries.length > 0 && (entries.length === 1 ? 'the guarantee held' : `all ${entries.length} guarantees held`),
  ].filter(Boolean);
  out.push(`${c.bold('verdict:')} ${c.bold(paint(results.valid, verdictWord(results.valid)))}${tally.length ? c.dim(` (${tally.join(', ')})`) : ''}`);
  if (runDir) out.push(`run directory: ${runDir}`);
  const html = opts.htmlReport ?? (runDir && existsSync(join(runDir, 'index.html')) ? join(runDir, 'index.html') : undefined);
  if (html) out.push(`report: ${c.underline(html)}`);
  if (results.command) out.push(`reproduce: ${results.command}`);
  return out.join('\n');
}
