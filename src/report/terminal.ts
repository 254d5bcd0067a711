// Terminal summary: one line per checker, a few example anomalies, where the run directory is.

import { Chalk, type ChalkInstance } from 'chalk';
import type { Results } from './results.js';

export interface TerminalOptions {
  quiet?: boolean;
  verbose?: boolean;
  /** Colour on/off; default: on only for a TTY without NO_COLOR. */
  color?: boolean;
  examples?: number;
}

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function makeChalk(color = colorEnabled()): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

export function verdictWord(v: boolean | 'unknown'): string {
  return v === true ? 'valid' : v === false ? 'INVALID' : 'unknown';
}

export function formatSummary(results: Results, runDir: string | undefined, opts: TerminalOptions = {}): string {
  const c = makeChalk(opts.color);
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
  out.push(`${s.ops} ops: ${s.ok} ok, ${s.fail} fail, ${s.info} info over ${(s.durationNs / 1e9).toFixed(3)} s`);
  const width = Math.max(0, ...Object.keys(results.checkers).map((k) => k.length));
  const examples = opts.verbose ? 20 : (opts.examples ?? 3);
  for (const [name, r] of Object.entries(results.checkers)) {
    const mark = r.valid === true ? '✓' : r.valid === false ? '✗' : '?';
    const detail =
      r.valid === false
        ? `${r.count} anomal${r.count === 1 ? 'y' : 'ies'}`
        : r.valid === 'unknown'
          ? `unknown${typeof r.reason === 'string' ? `: ${r.reason}` : ''}`
          : 'held';
    out.push(`  ${paint(r.valid, mark)} ${name.padEnd(width)}  ${paint(r.valid, detail)}`);
    if (r.valid === false) {
      for (const a of r.anomalies.slice(0, examples)) out.push(c.dim(`      ops ${a.ops.join(', ')}: `) + a.explanation);
      if (r.count > examples) out.push(c.dim(`      ... ${r.count - Math.min(examples, r.anomalies.length)} more`));
    }
  }
  out.push(`${c.bold('verdict:')} ${paint(results.valid, verdictWord(results.valid))}`);
  if (runDir) out.push(`run directory: ${runDir}`);
  if (results.command) out.push(`reproduce: ${results.command}`);
  return out.join('\n');
}
