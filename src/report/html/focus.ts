// The focused timeline of one anomaly, after Porcupine's visualiser: one lane per process with its
// label in a fixed column beside the scrolling lanes, each op box showing `f value` in full, the
// linearized prefix numbered at the boxes' left ends, and the controls that step through it.

import { describeServed } from '../../history/served.js';
import type { Served } from '../../history/types.js';
import { fmtAt, fmtDuration } from '../time.js';
import type { AnomalyView, FocusOp, NemesisInterval } from './data.js';
import { BOX_PAD, boxMinWidth, compactValue, focusLayout, opBoxLabel, RANK_R, RANK_ROOM, textWidthPx, type FocusLayout } from './focus-layout.js';
import { esc, fmtPoint, fmtValue, NEMESIS_COLOR } from './svg.js';

const LANE_H = 34;
const BAR_H = 22;
const LANE_FONT_PX = 12;
const r1 = (x: number) => Math.round(x * 10) / 10;

export function opTitle(f: FocusOp, untimed = false): string {
  const op = f.op;
  const lines = [
    `#${f.index} ${op.final ? 'final ' : ''}${op.f} ${op.key}  [${op.type}]${f.failing ? '  — cannot be linearized' : f.involved ? '  — named by the anomaly' : ''}`,
    `process ${op.process}, session ${op.session}${op.user ? `, user ${op.user}` : ''}${op.node ? `, node ${op.node}` : ''}`,
    untimed
      ? `invoke #${op.invokeIndex}, completion ${op.completeIndex >= 0 ? `#${op.completeIndex}` : 'none'} (no times recorded)`
      : `invoke #${op.invokeIndex} at ${fmtAt(op.invokeTime)}, completion ${op.completeIndex >= 0 ? `#${op.completeIndex} at ${fmtAt(op.completeTime)} (${fmtDuration(op.completeTime - op.invokeTime)})` : 'none'}`,
    `value ${fmtValue(op.invokeValue, 120)}${op.type === 'ok' && op.f === 'read' ? ` → ${fmtValue(op.value, 160)}` : ''}`,
  ];
  if (op.served) lines.push(`served by ${op.node ?? 'its node'} as ${describeServed(op.served)}`);
  if (op.error) lines.push(`error: ${op.error}`);
  if (f.prefixRank !== undefined) lines.push(`linearized at position ${f.prefixRank} of the drawn prefix`);
  if (f.concurrent) lines.push('concurrent with the failing op');
  return lines.join('\n');
}

const ROLE_TAGS: Record<string, string> = { leader: 'L', follower: 'F', candidate: 'C', coordinator: 'co', primary: 'P', replica: 'R' };
const ROLE_COLORS: Record<string, string> = { leader: '#0072B2', primary: '#0072B2', follower: '#E69F00', replica: '#E69F00', candidate: '#CC79A7' };

/** A serving role in two or three characters with its term: L3 (leader of term 3), F3, co. */
export function roleTag(s: Served): string {
  const tag = ROLE_TAGS[s.role] ?? s.role.slice(0, 3);
  return `${tag}${s.term !== undefined && s.term > 0 ? s.term : ''}`;
}

/** The whole label of a box: the node that served it and its role (n1 L3), then `f value`. */
function boxText(f: FocusOp): string {
  const served = f.op.served ? ` ${roleTag(f.op.served)}` : '';
  return `${f.op.node ? `${f.op.node}${served} · ` : served ? `${served.trim()} · ` : ''}${opBoxLabel(f.op)}`;
}

/** Under the lanes when some op carries its server's role: what the tags mean. */
function roleLegend(ops: FocusOp[]): string {
  const roles = [...new Set(ops.map((f) => f.op.served?.role).filter((r): r is string => r !== undefined))];
  if (roles.length === 0) return '';
  const items = roles.map((r) => `<span class="lg"><span class="sw" style="background:${ROLE_COLORS[r] ?? '#999'}"></span>${esc(ROLE_TAGS[r] ?? r.slice(0, 3))} = ${esc(r)}</span>`);
  return `<p class="muted role-legend">Each box names the node that served the op and its role then, with its term (L3: the leader of term 3): ${items.join(' ')}</p>`;
}

interface Frame {
  ops: FocusOp[];
  lane: Map<number, number>;
  layout: FocusLayout;
  top: number;
  laneBottom: number;
  width: number;
  height: number;
  untimed: boolean;
}

function laneLabel(ops: FocusOp[], p: number): string {
  const sessions = [...new Set(ops.filter((f) => f.op.process === p).map((f) => f.op.session))];
  const s = sessions.length === 1 && sessions[0] !== String(p) ? ` · ${sessions[0]}` : '';
  return `p${p}${s.length > 18 ? `${s.slice(0, 17)}…` : s}`;
}

/** The fixed column of lane labels, outside the scrolling area so it never scrolls away. */
function labelColumn(fr: Frame, processes: number[]): string {
  const labels = processes.map((p) => laneLabel(fr.ops, p));
  const unit = fr.untimed ? 'event index' : 'time';
  const w = Math.max(48, ...labels.map((l) => textWidthPx(l, LANE_FONT_PX, true) + 16), textWidthPx(unit, 10.5) + 16);
  const rows = labels.map((l, i) => {
    const y = fr.top + i * LANE_H;
    return `<rect class="lane${i % 2 ? ' lane-odd' : ''}" x="0" y="${y}" width="${w}" height="${LANE_H}"/><text class="lane-label" x="8" y="${y + LANE_H / 2 + 4}">${esc(l)}</text>`;
  });
  return `<svg class="focus-labels" width="${w}" height="${fr.height}" viewBox="0 0 ${w} ${fr.height}" aria-hidden="true">${rows.join('')}<text class="tl axis-unit" x="8" y="${fr.laneBottom + 16}">${unit}</text></svg>`;
}

/**
 * Faults overlapping the window, shaded across all lanes and labelled above them; those the
 * anomaly is attributed to (its `faults`) are outlined and drawn even when just outside the window.
 */
function faultsSvg(fr: Frame, faults: NemesisInterval[], ws: number, we: number, attributed: Set<number>): string {
  return faults
    .map((iv, row) => {
      // An attributed fault just outside the window keeps a sliver at the edge it lies beyond.
      const xa = iv.startNs <= ws ? 0 : Math.min(fr.layout.xOf(iv.startNs), fr.width - 10);
      const xb = iv.endNs >= we ? fr.width - 4 : Math.max(fr.layout.xOf(iv.endNs), xa + 6);
      const color = NEMESIS_COLOR[iv.kind];
      const tied = attributed.has(iv.index);
      const title = `<title>${esc(iv.label)}: ${fmtPoint(iv.startNs, fr.untimed)}${iv.point ? '' : ` – ${fmtPoint(iv.endNs, fr.untimed)}`}${tied ? ' (the anomaly is attributed to it)' : ''}</title>`;
      const ly = 12 + (row % 2) * 12;
      const g = `<g class="focus-nem${tied ? ' attributed' : ''}" data-fault="${esc(iv.f)}" data-nemesis-index="${iv.index}"${tied ? ' data-attributed="true"' : ''}>`;
      if (iv.point) {
        return `${g}<line x1="${r1(xa)}" y1="${ly}" x2="${r1(xa)}" y2="${fr.laneBottom}" stroke="${color}" stroke-width="2" stroke-dasharray="4 3"/><text class="nem-label" x="${r1(xa + 3)}" y="${ly + 3}" fill="${color}">${esc(iv.label)}</text>${title}</g>`;
      }
      const w = r1(Math.max(2, xb - xa));
      const band = tied
        ? `<rect class="band" x="${r1(xa)}" y="${fr.top}" width="${w}" height="${fr.laneBottom - fr.top}" fill="${color}" fill-opacity="0.2" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 3"/>`
        : `<rect class="band" x="${r1(xa)}" y="${fr.top}" width="${w}" height="${fr.laneBottom - fr.top}" fill="${color}" fill-opacity="0.12"/>`;
      return `${g}${band}<rect x="${r1(xa)}" y="${ly - 8}" width="${w}" height="11" rx="2" fill="${color}" fill-opacity="0.75"/><text class="nem-label nem-label-in" x="${r1(xa + 4)}" y="${ly + 1}">${esc(iv.label)}</text>${title}</g>`;
    })
    .join('');
}

function barY(fr: Frame, f: FocusOp): number {
  return fr.top + fr.lane.get(f.op.process)! * LANE_H + (LANE_H - BAR_H) / 2;
}

/** One op's box: its label in full, its prefix number at the left end, ✗ after it if it fails. */
function barSvg(fr: Frame, f: FocusOp, i: number, untimed: boolean): string {
  const op = f.op;
  const { x, w } = fr.layout.boxes[i];
  const y = barY(fr, f);
  const cls = ['opbar', `op-${op.type}`, f.involved ? 'op-involved' : '', f.failing ? 'op-failing' : '', f.concurrent ? 'op-concurrent' : '', Number.isFinite(op.completeTime) ? '' : 'op-open']
    .filter(Boolean)
    .join(' ');
  const label = boxText(f);
  const ranked = f.prefixRank !== undefined;
  const textX = x + BOX_PAD + (ranked ? RANK_ROOM : 0);
  const cx = r1(x + 3 + RANK_R);
  const attrs = [
    `class="${cls}"`,
    `data-index="${f.index}"`,
    `data-invoke-index="${op.invokeIndex}"`,
    `data-complete-index="${op.completeIndex}"`,
    `data-type="${op.type}"`,
    `data-process="${op.process}"`,
    `data-label="${esc(opBoxLabel(op))}"`,
    f.involved ? 'data-involved="true"' : '',
    f.failing ? 'data-failing="true"' : '',
    ranked ? `data-prefix-rank="${f.prefixRank}"` : '',
    op.served ? `data-role="${esc(op.served.role)}"` : '',
    op.served?.term !== undefined ? `data-term="${op.served.term}"` : '',
  ].filter(Boolean);
  // The serving node's role as a stripe along the box's foot, coloured as in the legend.
  const role = op.served
    ? `<rect class="role-mark" x="${r1(x + 2)}" y="${r1(y + BAR_H - 4)}" width="${r1(Math.max(2, w - 4))}" height="3" rx="1" fill="${ROLE_COLORS[op.served.role] ?? '#999'}"/>`
    : '';
  const rank = ranked
    ? `<g class="prefix-rank"><circle cx="${cx}" cy="${r1(y + BAR_H / 2)}" r="${RANK_R}"/><text x="${cx}" y="${r1(y + BAR_H / 2 + 3.2)}" text-anchor="middle">${f.prefixRank}</text></g>`
    : '';
  return (
    `<g ${attrs.join(' ')}><title>${esc(opTitle(f, untimed))}</title>` +
    `<rect class="opbar-rect" x="${r1(x)}" y="${r1(y)}" width="${r1(w)}" height="${BAR_H}" rx="3"/>` +
    role +
    rank +
    `<text class="op-text" x="${r1(textX)}" y="${r1(y + BAR_H / 2 + 4)}">${esc(label)}</text>` +
    (f.failing ? `<text class="fail-mark" x="${r1(x + w + 3)}" y="${r1(y + BAR_H / 2 + 5)}">✗</text>` : '') +
    `</g>`
  );
}

/** Linearization order: a dashed segment from each prefix op's number to the next one's, under the boxes. */
function prefixPath(fr: Frame): string {
  const centre = (f: FocusOp) => {
    const b = fr.layout.boxes[fr.ops.indexOf(f)];
    return [r1(b.x + 3 + RANK_R), r1(barY(fr, f) + BAR_H / 2)] as const;
  };
  const prefix = fr.ops.filter((f) => f.prefixRank !== undefined).sort((a, b) => a.prefixRank! - b.prefixRank!);
  const segs: string[] = [];
  for (let k = 1; k < prefix.length; k++) {
    const [xa, ya] = centre(prefix[k - 1]);
    const [xb, yb] = centre(prefix[k]);
    segs.push(`<line class="prefix-seg" data-rank="${prefix[k].prefixRank}" x1="${xa}" y1="${ya}" x2="${xb}" y2="${yb}"/>`);
  }
  return segs.length ? `<g class="prefix-path">${segs.join('')}</g>` : '';
}

/** Time (or event index) ticks at a few event slots: the scale is event order, not linear time. */
function ticksSvg(fr: Frame): string {
  const distinct = [...new Set(fr.ops.flatMap((f) => [f.op.invokeTime, f.op.completeTime]).filter(Number.isFinite))].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(distinct.length / 8));
  const parts: string[] = [];
  let lastLabel = '';
  distinct.forEach((t, i) => {
    if (i % every && i !== distinct.length - 1) return;
    const label = fr.untimed ? String(Math.round(t)) : fmtAt(t);
    if (label === lastLabel) return;
    lastLabel = label;
    const x = r1(fr.layout.xOf(t));
    parts.push(`<line class="tick" x1="${x}" y1="${fr.laneBottom}" x2="${x}" y2="${fr.laneBottom + 4}"/><text class="tl" x="${x}" y="${fr.laneBottom + 16}" text-anchor="middle">${label}</text>`);
  });
  return parts.join('');
}

/** The step-through controls: hidden until the page's script shows them (the diagram reads without). */
function stepper(v: AnomalyView): string {
  const prefix = v.focus.filter((f) => f.prefixRank !== undefined);
  const failing = v.focus.find((f) => f.failing);
  if (!v.hasPrefix || (prefix.length === 0 && !failing)) return '';
  const total = prefix.length + v.prefixOmitted;
  const after = v.anomaly.valueAfterPrefix !== undefined ? ` (after them the value is ${compactValue(v.anomaly.valueAfterPrefix)})` : '';
  const failText = failing
    ? `✗ #${failing.index} ${opBoxLabel(failing.op)} on p${failing.op.process} cannot be linearized after these ${total} operation${total === 1 ? '' : 's'}${after}.`
    : '';
  const hint = `Step through the order in which the checker linearized the operations${failing ? '; the last step shows the one it cannot place' : ''}.`;
  return `<div class="stepper" hidden data-prefix-omitted="${v.prefixOmitted}" data-hint="${esc(hint)}" data-fail-text="${esc(failText)}">` +
    `<button type="button" class="step-prev" title="previous step (←)">◀ step</button>` +
    `<button type="button" class="step-next" title="next step (→)">step ▶</button>` +
    `<button type="button" class="step-all">show all</button>` +
    `<span class="step-count" aria-live="polite"></span><span class="step-text"></span></div>`;
}

/** The focused timeline of an anomaly: step controls, lane labels, and the scrolling lanes. */
export function focusView(v: AnomalyView, nem: NemesisInterval[], untimed = false): string {
  const ops = v.focus;
  if (ops.length === 0) return '<p class="muted">The operations this anomaly names are not in the history.</p>';
  const processes = [...new Set(ops.map((f) => f.op.process))].sort((a, b) => a - b);
  const times = ops.flatMap((f) => [f.op.invokeTime, f.op.completeTime]);
  const nTimes = new Set(times.filter(Number.isFinite)).size + (times.some((t) => t === Infinity) ? 1 : 0);
  // Fill about 1000 px; scroll sideways rather than squeeze a box below its label's width.
  const slot = Math.max(34, Math.min(220, 1000 / Math.max(1, nTimes)));
  const widths = ops.map((f) => boxMinWidth(boxText(f), f.involved, f.prefixRank !== undefined));
  const layout = focusLayout(ops, widths, slot, 8);
  const attributed = attributedIndices(v);
  const faults = nem.filter((iv) => (iv.endNs >= v.windowStartNs && iv.startNs <= v.windowEndNs) || attributed.has(iv.index));
  // Room above the lanes for fault labels, only when some fault overlaps the window.
  const top = faults.length ? 40 : 12;
  const laneBottom = top + processes.length * LANE_H;
  const width = Math.ceil(layout.right + 24);
  const fr: Frame = { ops, lane: new Map(processes.map((p, i) => [p, i])), layout, top, laneBottom, width, height: laneBottom + 30, untimed };
  const lanes = processes.map((_, i) => `<rect class="lane${i % 2 ? ' lane-odd' : ''}" x="0" y="${top + i * LANE_H}" width="${width}" height="${LANE_H}"/>`);
  const svg =
    `<svg class="focus" data-anomaly="${esc(v.id)}" width="${width}" height="${fr.height}" viewBox="0 0 ${width} ${fr.height}" role="img" aria-label="timeline of the operations around the anomaly">` +
    lanes.join('') +
    faultsSvg(fr, faults, v.windowStartNs, v.windowEndNs, attributed) +
    prefixPath(fr) +
    ops.map((f, i) => barSvg(fr, f, i, untimed)).join('') +
    ticksSvg(fr) +
    `</svg>`;
  return `${stepper(v)}<div class="focus-view">${labelColumn(fr, processes)}<div class="focus-wrap">${svg}</div></div>${roleLegend(ops)}`;
}

/** The history indices of the nemesis events the anomaly is attributed to (its `faults`). */
function attributedIndices(v: AnomalyView): Set<number> {
  const list = v.anomaly.faults;
  const out = new Set<number>();
  if (!Array.isArray(list)) return out;
  for (const f of list) {
    const i = f !== null && typeof f === 'object' ? (f as { index?: unknown }).index : undefined;
    if (typeof i === 'number') out.add(i);
  }
  return out;
}
