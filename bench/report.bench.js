// HTML report size and render time for large histories (100k and 1M ops, 100 anomalies), against
// the baseline of embedding every operation as JSON (what a naive report would ship).
import { performance } from 'node:perf_hooks';
import { renderHtmlReport } from '../dist/report/html/index.js';
import { historyStats } from '../dist/report/results.js';

const SIZES = (process.env.REPORT_OPS ?? '100000,1000000').split(',').map(Number);

/** A History of n ops: 50 sequential processes, 200 keys, some fail/info, faults every 2 s. */
function generate(n) {
  const ops = new Array(n);
  let index = 0;
  for (let i = 0; i < n; i++) {
    const invokeTime = i * 20_000;
    const read = Math.floor(i / 3) % 2 === 1;
    const type = i % 97 === 0 ? 'info' : i % 31 === 0 ? 'fail' : 'ok';
    ops[i] = {
      id: i, process: i % 50, session: `s${i % 50}`, f: read ? 'read' : 'append', key: `k${(i * 13) % 200}`, type,
      invokeIndex: index, completeIndex: index + 1, invokeTime, completeTime: invokeTime + 100_000 + ((i * 7919) % 700_000),
      invokeValue: read ? null : i, value: read && type === 'ok' ? Array.from({ length: 20 }, (_, j) => i - 2 * j) : read ? null : i,
      node: `n${1 + (i % 3)}`, final: false,
    };
    index += 2;
  }
  const endTime = ops[n - 1].completeTime;
  const nemesis = [];
  for (let t = 1e9; t < endTime; t += 2e9) {
    nemesis.push({ index: index++, time: t, process: 'nemesis', type: 'info', f: 'partition', value: { shape: 'halves' } });
    nemesis.push({ index: index++, time: t + 5e8, process: 'nemesis', type: 'info', f: 'heal', value: {} });
  }
  return { ops, nemesis, eventCount: index, endTime, workload: 'append', hasFinalReads: false };
}

function results(h) {
  const anomalies = [];
  const step = Math.floor(h.ops.length / 101);
  for (let i = 1; i <= 100; i++) {
    const a = h.ops[i * step];
    anomalies.push({ type: 'read-your-writes', ops: [a.completeIndex, h.ops[i * step + 50].completeIndex], key: a.key, explanation: `anomaly ${i}` });
  }
  return { valid: false, stats: historyStats(h), checkers: { 'read-your-writes': { valid: false, count: 100, anomalies }, 'monotonic-reads': { valid: true, count: 0, anomalies: [] } } };
}

const mb = (bytes) => (bytes / 1e6).toFixed(2);
console.log('| ops | report MB | render ms | baseline: all ops as JSON, MB | baseline ms |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const n of SIZES) {
  const h = generate(n);
  const r = results(h);
  let t = performance.now();
  const html = renderHtmlReport(r, h);
  const renderMs = performance.now() - t;
  t = performance.now();
  const naive = JSON.stringify(h.ops);
  const naiveMs = performance.now() - t;
  console.log(`| ${n.toLocaleString('en-US')} | ${mb(Buffer.byteLength(html))} | ${renderMs.toFixed(0)} | ${mb(Buffer.byteLength(naive))} | ${naiveMs.toFixed(0)} |`);
}
