// The focused timeline's text and geometry: the label on each op box (values of reads, writes,
// cas and lists), the width estimate, the layout that keeps every label inside its box, and the
// markup that works without the page's script.

import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/history/types.js';
import { reportData, type FocusOp } from '../../src/report/html/data.js';
import { focusView } from '../../src/report/html/focus.js';
import { boxMinWidth, compactValue, focusLayout, opBoxLabel, textWidthPx } from '../../src/report/html/focus-layout.js';
import { registerRun } from './fixture.js';

function op(o: Partial<Op>): Op {
  return {
    id: 0,
    process: 0,
    session: '0',
    f: 'read',
    key: 'r',
    type: 'ok',
    invokeIndex: 0,
    completeIndex: 1,
    invokeTime: 0,
    completeTime: 1,
    invokeValue: null,
    value: null,
    final: false,
    ...o,
  };
}

describe('opBoxLabel', () => {
  it('shows the value a read returned, nil for none, and ? when the read did not complete ok', () => {
    expect(opBoxLabel(op({ f: 'read', value: 3 }))).toBe('read 3');
    expect(opBoxLabel(op({ f: 'read', value: null }))).toBe('read nil');
    expect(opBoxLabel(op({ f: 'read', value: 'x 1 y' }))).toBe('read "x 1 y"');
    expect(opBoxLabel(op({ f: 'read', type: 'info', value: null }))).toBe('read ?');
    expect(opBoxLabel(op({ f: 'read', type: 'fail', value: null }))).toBe('read ?');
    expect(opBoxLabel(op({ f: 'read', value: [1, 2], final: true }))).toBe('final read [1 2]');
  });

  it('shows the value written or appended, and cas as from→to', () => {
    expect(opBoxLabel(op({ f: 'write', invokeValue: 4, value: 4 }))).toBe('write 4');
    expect(opBoxLabel(op({ f: 'write', type: 'info', invokeValue: 0, value: 0 }))).toBe('write 0');
    expect(opBoxLabel(op({ f: 'cas', invokeValue: [2, 5], value: [2, 5] }))).toBe('cas 2→5');
    expect(opBoxLabel(op({ f: 'cas', type: 'fail', invokeValue: [null, 1] }))).toBe('cas nil→1');
    expect(opBoxLabel(op({ f: 'append', invokeValue: 17, value: 17 }))).toBe('append 17');
  });

  it('prints lists space-separated, and a long one as its head, … and the tail that fits', () => {
    expect(opBoxLabel(op({ f: 'read', value: [1, 2, 3] }))).toBe('read [1 2 3]');
    expect(opBoxLabel(op({ f: 'read', value: [] }))).toBe('read []');
    const long = Array.from({ length: 40 }, (_, i) => 100 + i);
    const label = opBoxLabel(op({ f: 'read', value: long }));
    expect(label).toBe('read [100 … 136 137 138 139]');
    expect(label.length).toBeLessThanOrEqual('read '.length + 24);
  });
});

describe('compactValue', () => {
  it('clips long scalars and keeps nested lists readable', () => {
    expect(compactValue('a'.repeat(40), 10)).toBe('"aaaaaaaa…');
    expect(compactValue([[1, 2], [3]])).toBe('[[1 2] [3]]');
    expect(compactValue(undefined)).toBe('nil');
    expect(compactValue({ a: 1 })).toBe('{"a":1}');
  });
});

describe('textWidthPx and boxMinWidth', () => {
  it('grows with the text, is wider in bold, and leaves room for a prefix circle', () => {
    expect(textWidthPx('read 3')).toBeGreaterThan(textWidthPx('read'));
    expect(textWidthPx('write 4', 11.5, true)).toBeGreaterThan(textWidthPx('write 4'));
    // DejaVu Sans (the fallback) draws "cas 2→5" about 45 px wide at 11.5 px; the estimate is not below it.
    expect(textWidthPx('cas 2→5')).toBeGreaterThanOrEqual(45);
    expect(boxMinWidth('read 3', false, true) - boxMinWidth('read 3', false, false)).toBe(21);
  });
});

describe('focusLayout', () => {
  const focus = (o: Partial<Op>): FocusOp => ({ op: op(o), index: o.completeIndex ?? 1, involved: false, failing: false, concurrent: false });

  it('makes every box at least as wide as its label, and keeps a process’s boxes apart', () => {
    const ops = [
      focus({ process: 0, invokeTime: 0, completeTime: 1, completeIndex: 1 }),
      focus({ process: 1, invokeTime: 0.5, completeTime: 1.5, completeIndex: 3 }),
      focus({ process: 0, invokeTime: 2, completeTime: 3, completeIndex: 5 }),
      // Invoked and completed at one time: still as wide as its label.
      focus({ process: 1, invokeTime: 4, completeTime: 4, completeIndex: 7 }),
      // Never completed: runs to the end, still wide enough.
      focus({ process: 2, invokeTime: 3, completeTime: Infinity, completeIndex: -1 }),
    ];
    const widths = [150, 90, 40, 120, 200];
    const l = focusLayout(ops, widths, 34, 8);
    l.boxes.forEach((b, i) => expect(b.w).toBeGreaterThanOrEqual(widths[i]));
    expect(l.boxes[2].x).toBeGreaterThanOrEqual(l.boxes[0].x + l.boxes[0].w + 30);
    expect(l.boxes[3].x).toBeGreaterThanOrEqual(l.boxes[1].x + l.boxes[1].w);
    expect(l.right).toBeGreaterThanOrEqual(Math.max(...l.boxes.map((b) => b.x + b.w)));
    // Times map monotonically, between slots too.
    expect(l.xOf(0.25)).toBeGreaterThan(l.xOf(0));
    expect(l.xOf(0.25)).toBeLessThan(l.xOf(0.5));
  });
});

describe('focusView of a linearizability anomaly', () => {
  const { history, results, failing, staleRead } = registerRun();
  const v = reportData(results, history).checkers[0].detailed[0];
  const html = focusView(v, []);

  it('labels every box with its value, numbers the drawn prefix, and marks the failing op', () => {
    expect(html).toContain(`data-index="${failing}"`);
    expect(html).toMatch(new RegExp(`<g class="opbar[^"]*op-failing[^"]*" data-index="${failing}"[^>]*data-label="read 1"`));
    expect(html).toContain('>read nil</text>');
    expect(html).toContain('>cas 1→2</text>');
    expect(html).toContain('>write 19</text>');
    expect(html).toContain('>write 99</text>');
    // The last 16 of the 20 prefix ops are drawn, numbered 1..16.
    expect((html.match(/data-prefix-rank="/g) ?? []).length).toBe(16);
    expect(v.prefixOmitted).toBe(4);
    expect(staleRead.value).toBe(1);
  });

  it('puts the lane labels in their own column, outside the scrolling area', () => {
    const column = html.slice(html.indexOf('<svg class="focus-labels"'), html.indexOf('<div class="focus-wrap">'));
    for (const p of [0, 1, 2, 3, 4, 5, 6]) expect(column).toContain(`>p${p}</text>`);
    const lanes = html.slice(html.indexOf('<div class="focus-wrap">'));
    expect(lanes).not.toContain('class="lane-label"');
  });

  it('renders the step controls hidden (the script shows them) with the closing sentence', () => {
    expect(html).toMatch(/<div class="stepper" hidden [^>]*data-prefix-omitted="4"/);
    expect(html).toContain(`data-fail-text="✗ #${failing} read 1 on p4 cannot be linearized after these 20 operations (after them the value is 19)."`);
  });
});
