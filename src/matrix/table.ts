// The matrix as text: the terminal tables (one per fault schedule, rows = designs, columns =
// checkers by short name) and matrix.md (the same tables in Markdown, cells linking failing runs).

import { makeChalk } from '../report/terminal.js';
import type { CheckerCell, Matrix, MatrixCell } from './cells.js';

export const LEGEND = '✓ held in every seed · ✗ k/n violated in k of n seeds · ? k/n unknown in k of n seeds (none violated) · – not run';

/** A cell in a few characters: `✓`, `✗ 2/3`, `? 1/3`, or `–` when the cell was not run. */
export function cellText(c: CheckerCell | undefined): string {
  if (c === undefined) return '–';
  const n = c.held + c.violated + c.unknown;
  if (c.verdict === 'violated') return `✗ ${c.violated}/${n}`;
  if (c.verdict === 'unknown') return `? ${c.unknown}/${n}`;
  return '✓';
}

/**
 * Short column names for the terminal: the initials of a hyphenated name (read-your-writes ->
 * ryw), the first four letters of a one-word name (convergence -> conv); clashes get a digit.
 */
export function abbreviations(names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const used = new Set<string>();
  for (const name of names) {
    const words = name.split('-').filter(Boolean);
    const base = words.length > 1 ? words.map((w) => w[0]).join('') : name.slice(0, 4);
    let abbr = base;
    for (let i = 2; used.has(abbr); i++) abbr = `${base}${i}`;
    used.add(abbr);
    out[name] = abbr;
  }
  return out;
}

/** One line about what each run was: "append workload, 10 s of virtual time per run, seeds 1, 2, 3 (base seed 1)". */
export function runsLine(m: Pick<Matrix, 'workload' | 'timeLimitMs' | 'ops' | 'seeds' | 'baseSeed'>): string {
  const length = [m.timeLimitMs > 0 ? `${m.timeLimitMs / 1000} s of virtual time` : '', m.ops > 0 ? `${m.ops} operations` : ''].filter(Boolean).join(' or ');
  return `${m.workload} workload, ${length || 'the workload\'s length'} per run, seeds ${m.seeds.join(', ')} (base seed ${m.baseSeed})`;
}

/** The staleness column's heading, and a cell's text: the largest p99 read staleness of its seeds. */
export const STALENESS_HEADING = 'p99 staleness';
export function stalenessText(cell: MatrixCell): string {
  return cell.stalenessP99Ms === undefined ? '–' : `${Math.round(cell.stalenessP99Ms)} ms`;
}

/** Whether the matrix measured staleness (list-append runs). */
export function hasStaleness(m: Matrix): boolean {
  return m.cells.some((c) => c.stalenessP99Ms !== undefined);
}

/** Display width of plain text (✓ ✗ – are one column each). */
const width = (s: string): number => [...s].length;
const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

function cellsOf(m: Matrix, nemesis: string): MatrixCell[] {
  return m.designs.map((d) => m.cells.find((c) => c.design === d.name && c.nemesis === nemesis)!);
}

function terminalTable(m: Matrix, nemesis: string, short: Record<string, string>, color: boolean): string[] {
  const ch = makeChalk(color);
  const paint = (c: CheckerCell | undefined, text: string): string =>
    c === undefined ? ch.dim(text) : c.verdict === 'violated' ? ch.red(text) : c.verdict === 'unknown' ? ch.yellow(text) : ch.green(text);
  const cells = cellsOf(m, nemesis);
  const rows = cells.map((cell) => [cell.design, ...m.checkers.map((k) => cell.checkers[k])] as const);
  const head = ['design', ...m.checkers.map((k) => short[k])];
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(i === 0 ? (r[0] as string) : cellText(r[i] as CheckerCell | undefined)))));
  const stale = hasStaleness(m);
  const staleWidth = Math.max(width(STALENESS_HEADING), ...cells.map((c) => width(stalenessText(c))));
  const lines = [(head.map((h, i) => pad(h, widths[i])).join('  ') + (stale ? `  ${STALENESS_HEADING}` : '')).trimEnd()];
  rows.forEach((r, j) => {
    const parts = r.map((v, i) => (i === 0 ? pad(v as string, widths[0]) : paint(v as CheckerCell | undefined, pad(cellText(v as CheckerCell | undefined), widths[i]))));
    if (stale) parts.push(pad(stalenessText(cells[j]), staleWidth));
    lines.push(parts.join('  ').trimEnd());
  });
  return lines;
}

/** Terminal tables up to this wide name their columns in full; wider ones abbreviate them. */
export const TERMINAL_COLUMNS = 100;

/** What the terminal shows: the legend, then one table per fault schedule. */
export function formatTerminal(m: Matrix, opts: { color?: boolean } = {}): string {
  const designWidth = Math.max(6, ...m.designs.map((d) => width(d.name)));
  const fullWidth = designWidth + m.checkers.reduce((w, k) => w + 2 + Math.max(width(k), 5), 0) + (hasStaleness(m) ? 2 + width(STALENESS_HEADING) : 0);
  const short = fullWidth <= TERMINAL_COLUMNS ? Object.fromEntries(m.checkers.map((k) => [k, k])) : abbreviations(m.checkers);
  const out = fullWidth <= TERMINAL_COLUMNS ? [LEGEND] : [`checkers: ${m.checkers.map((k) => `${short[k]} = ${k}`).join(', ')}`, LEGEND];
  for (const n of m.nemeses) {
    out.push('', `fault: ${n.name} — ${n.description}`, ...terminalTable(m, n.name, short, opts.color ?? false));
    for (const cell of cellsOf(m, n.name)) if (cell.skipped) out.push(`  – ${cell.design}: not run: ${cell.skipped}`);
  }
  return out.join('\n');
}

const mdEscape = (s: string): string => s.replace(/\|/g, '\\|');

function markdownCell(c: CheckerCell | undefined): string {
  const text = cellText(c);
  return c?.smallestFailingRun ? `[${text}](${c.smallestFailingRun}/index.html)` : text;
}

/** matrix.md: the tables of the terminal in Markdown, full checker names, failing cells linked. */
export function formatMarkdown(m: Matrix): string {
  const out = ['# Which design keeps which guarantee', '', `replcheck matrix on the memory target: ${runsLine(m)}.`, ''];
  const stale = hasStaleness(m);
  out.push(`${LEGEND}. A ✗ links to the smallest failing run (fewest operations).${stale ? ` ${STALENESS_HEADING}: the largest over the seeds of the p99 staleness of ok reads (bounded-staleness).` : ''}`, '', '| design | what it is |', '| --- | --- |');
  for (const d of m.designs) out.push(`| ${mdEscape(d.name)} | ${mdEscape(d.description)} |`);
  for (const n of m.nemeses) {
    out.push('', `## fault: ${mdEscape(n.name)} — ${mdEscape(n.description)}`, '');
    out.push(`| design | ${m.checkers.join(' | ')} |${stale ? ` ${STALENESS_HEADING} |` : ''}`, `| --- |${m.checkers.map(() => ' --- |').join('')}${stale ? ' ---: |' : ''}`);
    for (const cell of cellsOf(m, n.name)) {
      out.push(`| ${mdEscape(cell.design)} | ${m.checkers.map((k) => markdownCell(cell.checkers[k])).join(' | ')} |${stale ? ` ${stalenessText(cell)} |` : ''}`);
    }
    for (const cell of cellsOf(m, n.name)) if (cell.skipped) out.push('', `${mdEscape(cell.design)}: not run: ${mdEscape(cell.skipped)}`);
  }
  return out.join('\n') + '\n';
}
