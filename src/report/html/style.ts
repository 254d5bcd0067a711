// The report's inline stylesheet: a light theme with colour-blind-friendly colours (Okabe–Ito:
// ok blue, fail vermillion, info amber). The inline script is in script.ts.

export const PAGE_CSS = `
:root{--ok:#0072B2;--ok-bg:#d7e8f5;--fail:#D55E00;--fail-bg:#fadfcf;--info:#B07A00;--info-bg:#fbefc9;
--ink:#1d2430;--muted:#667085;--line:#e3e7ee;--bg:#f5f7fa;--card:#fff;--accent:#3b4a6b}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 20px 40px}
h1{font-size:22px;margin:0;font-weight:650;letter-spacing:-.01em}
h2{font-size:17px;margin:0 0 8px;font-weight:650;display:inline}
h3{font-size:14px;margin:16px 0 6px;font-weight:650}
code,.num{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
a{color:var(--ok)}
.muted{color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:14px 0;box-shadow:0 1px 2px rgba(16,24,40,.04)}
header.top{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:10px;padding:16px 18px}
header.top.v-ok{border-left-color:var(--ok)} header.top.v-bad{border-left-color:var(--fail)} header.top.v-unknown{border-left-color:var(--info)}
.title-row{display:flex;align-items:center;justify-content:space-between;gap:12px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:650;font-size:13px;white-space:nowrap}
.verdict .badge{font-size:17px;padding:4px 14px}
.badge.v-ok{background:var(--ok-bg);color:#00507d}.badge.v-bad{background:var(--fail-bg);color:#9a3f00}.badge.v-unknown{background:var(--info-bg);color:#7a5500}
.chips{margin:10px 0 4px;display:flex;flex-wrap:wrap;gap:6px}
.chip{background:#eef1f6;border-radius:6px;padding:2px 8px;font-size:13px}.chip-k{color:var(--muted)}
.cmd{margin-top:6px;display:flex;gap:8px;align-items:baseline}.cmd-k{color:var(--muted);min-width:70px}
.cmd code{background:#f1f3f7;padding:3px 8px;border-radius:5px;word-break:break-all}
.stats{display:flex;flex-wrap:wrap;gap:10px 28px;margin-bottom:12px}
.stat-n{font-size:20px;font-weight:650}.stat-k{color:var(--muted);font-size:12px}
.c-ok{color:var(--ok)}.c-fail{color:var(--fail)}.c-info{color:var(--info)}
table{border-collapse:collapse;width:100%}
th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;border-bottom:1px solid var(--line);padding:4px 8px}
td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}
table.checkers td.ck-name{font-weight:600;white-space:nowrap}
table.checkers tr.v-bad td{background:#fff8f4}
.knob-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:6px 24px}
.knobs h3{margin:8px 0 4px;color:var(--accent)}
.knobs dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:2px 10px;font-size:13px}
.knobs dt{color:var(--muted)}.knobs dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-word}
details>summary{cursor:pointer}
#design>details>summary{list-style-position:outside}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:6px 0 4px;font-size:12.5px}
.lg{display:inline-flex;align-items:center;gap:6px}
.sw{display:inline-block;width:22px;height:12px;border-radius:3px;border:1.5px solid}
.sw-ok{background:var(--ok-bg);border-color:var(--ok)}.sw-fail{background:var(--fail-bg);border-color:var(--fail)}
.sw-info{background:var(--info-bg);border-color:var(--info);border-style:dashed}.sw-involved{background:#fff;border:2.5px solid #111}
.amark-sw{color:#C00000;font-size:12px}
.sw-failing{background:var(--ok-bg);border:3px solid #C00000}
.rank-sw{display:inline-block;width:15px;height:15px;border-radius:50%;background:#3b4a6b;color:#fff;font-size:9.5px;font-weight:700;text-align:center;line-height:15px}
.jump-nav{display:flex;gap:14px;margin-top:8px;font-size:13px}
svg.plot{width:100%;height:auto;display:block;margin:4px 0 8px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.axis{stroke:#98a2b3;stroke-width:1}.tick{stroke:#98a2b3}.grid{stroke:#eef0f4;stroke-width:1}
.tl{font-size:10.5px;fill:#667085}.unit{font-size:10.5px;fill:#667085}
.bar-ok{fill:#5b9fd0}.bar-fail{fill:var(--fail)}.bar-info{fill:#E69F00}
.line-p50,.line-p99,.line-max,.line-ok,.line-bad,.line-lag{fill:none;stroke-width:1.6;stroke-linejoin:round}
.line-p50{stroke:var(--ok)}.line-p99{stroke:var(--fail)}.line-max{stroke:#aaa;stroke-width:1;stroke-dasharray:3 2}
.line-ok{stroke:var(--ok)}.line-bad{stroke:var(--fail)}
.line-p50-dot{fill:var(--ok)}.line-p99-dot{fill:var(--fail)}.line-ok-dot{fill:var(--ok)}.line-bad-dot{fill:var(--fail)}
g.over{pointer-events:none}
.amark{cursor:pointer}.amark-head{fill:#C00000}.amark-line{stroke:#C00000;stroke-width:1;stroke-dasharray:2 2;opacity:.55}
.amark:hover .amark-head{fill:#000}
.two{display:grid;grid-template-columns:1fr 1fr;gap:0 24px}
@media (max-width:900px){.two{grid-template-columns:1fr}}
.checker-block{margin-top:10px}
details.anomaly{border:1px solid var(--line);border-radius:8px;margin:8px 0;background:#fff}
details.anomaly>summary{padding:8px 12px;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
details.anomaly[open]>summary{border-bottom:1px solid var(--line);background:#fafbfd;border-radius:8px 8px 0 0}
details.anomaly.flash{animation:flash 1.6s ease-out}
@keyframes flash{0%{box-shadow:0 0 0 4px rgba(213,94,0,.45)}100%{box-shadow:0 0 0 0 rgba(213,94,0,0)}}
.atype{font-weight:650;color:#9a3f00}.akey{background:#eef1f6;border-radius:5px;padding:0 6px;font-size:12.5px}
.aat{font-size:12.5px;color:#344054}
.aops{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:var(--muted)}
.aexp{flex-basis:100%;color:#344054}
details.anomaly[open]>summary .aexp{display:none}
.abody{padding:10px 14px 14px}
.explanation{font-size:15px;margin:2px 0 6px}
.note{background:#f4f6fb;border-left:3px solid var(--accent);padding:6px 10px;margin:6px 0}
.focus-view{display:flex;align-items:flex-start;border:1px solid var(--line);border-radius:6px;margin:8px 0 10px;background:#fff;overflow:hidden}
.focus-labels{flex:none;display:block;border-right:1px solid var(--line);background:#fff}
.focus-wrap{overflow-x:auto;flex:1 1 auto;min-width:0}
svg.focus{display:block}
.lane{fill:#fff}.lane-odd{fill:#f7f8fb}
.lane-label{font-size:12px;fill:#344054;font-weight:600}
.opbar .opbar-rect{stroke-width:1.4}
.op-ok .opbar-rect{fill:var(--ok-bg);stroke:var(--ok)}
.op-fail .opbar-rect{fill:var(--fail-bg);stroke:var(--fail)}
.op-info .opbar-rect{fill:var(--info-bg);stroke:var(--info);stroke-dasharray:4 2}
.op-involved .opbar-rect{stroke:#111;stroke-width:2.6;stroke-dasharray:none}
.op-failing .opbar-rect{stroke:#C00000;stroke-width:3}
.op-concurrent .opbar-rect{stroke-dasharray:2 2}
.op-open .opbar-rect{fill-opacity:.55}
.op-text{font-size:11.5px;fill:#1d2430}
.op-involved .op-text{font-weight:650}
.opbar:hover .opbar-rect,.opbar.hl .opbar-rect{filter:brightness(.9)}
.opbar.hl .opbar-rect{stroke-width:3}
table.ops tr.hl td,table.ops tr.step-row td{background:#e8f1fa}
.fail-mark{fill:#C00000;font-weight:700;font-size:15px}
.prefix-seg{fill:none;stroke:#3b4a6b;stroke-width:1.2;stroke-dasharray:3 3;opacity:.7}
.prefix-rank circle{fill:#3b4a6b}.prefix-rank text{fill:#fff;font-size:9px;font-weight:700}
.stepper{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;margin:8px 0 0}
.stepper[hidden]{display:none}
.stepper button{font:inherit;font-size:12.5px;padding:2px 10px;border:1px solid #c5ccd8;border-radius:6px;background:#f6f8fb;color:var(--ink);cursor:pointer}
.stepper button:hover:not(:disabled){background:#e8edf5}
.stepper button:disabled{opacity:.45;cursor:default}
.step-count{font-weight:600;font-size:12.5px;margin-left:4px}
.step-text{flex-basis:100%;font-size:13px;color:#344054;min-height:1.45em}
.step-text.step-fail{color:#9a3f00;font-weight:600}
.stepping g.opbar.lin-later{opacity:.22}
.stepping .prefix-seg.lin-later{opacity:0}
.stepping g.opbar.lin-done .prefix-rank circle{fill:#009E73}
.stepping g.opbar.lin-current .opbar-rect{stroke:#000;stroke-width:3.4;stroke-dasharray:none}
.stepping g.opbar.lin-current.op-failing .opbar-rect{stroke:#C00000}
.stepping g.opbar.lin-current{filter:drop-shadow(0 0 3px rgba(0,0,0,.4))}
.nem-label{font-size:10.5px;font-weight:600}.nem-label-in{fill:#fff}
.role-legend .sw{height:5px;border:none}.role-legend .lg{margin-right:10px}
table.ops{font-size:12.5px}
.ops-wrap{overflow-x:auto}
table.ops td{padding:3px 8px;white-space:nowrap}
table.ops tr.row-involved td{background:#fff6e8;font-weight:600}
.role{font-size:11px;background:#eef1f6;border-radius:4px;padding:0 5px}
.t{font-size:11.5px;padding:0 6px;border-radius:4px;border:1px solid}
.t-ok{color:#00507d;background:var(--ok-bg);border-color:var(--ok)}.t-fail{color:#9a3f00;background:var(--fail-bg);border-color:var(--fail)}.t-info{color:#7a5500;background:var(--info-bg);border-color:var(--info);border-style:dashed}
dl.extra{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:8px 0 0;font-size:12.5px}dl.extra dt{color:var(--muted)}dl.extra dd{margin:0}
.all-good{font-size:15px;color:#00507d}
footer{margin-top:18px;font-size:12px}
`;
