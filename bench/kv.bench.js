// Linearizability under the key-value model: Porcupine's six kv histories (get / put / string
// append) parsed and checked in-process, beside a parse-only baseline of the same files.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkLinearizable } from '../dist/checkers/linearizable.js';
import { readPorcupineKv } from '../dist/history/import/porcupine-kv.js';

const here = dirname(fileURLToPath(import.meta.url));
const CORPUS = process.env.PORCUPINE_KV_CORPUS ?? join(here, '../../shared/corpora/porcupine-kv');
const FILES = ['c01-ok', 'c01-bad', 'c10-ok', 'c10-bad', 'c50-ok', 'c50-bad'];
/**
 * NOT measured by this bench: Porcupine's own time for the six histories in its process, a
 * constant quoted from issue 13 (measured elsewhere, side by side with replcheck); Porcupine
 * (Go) cannot be built here. Printed only as a reference beside the figures this run measures.
 */
const PORCUPINE_S = 0.38;

function pass() {
  const rows = [];
  let parseMs = 0;
  let checkMs = 0;
  let wrong = 0;
  for (const f of FILES) {
    const a = performance.now();
    const h = readPorcupineKv(join(CORPUS, `${f}.txt`));
    const b = performance.now();
    const r = checkLinearizable(h);
    const c = performance.now();
    parseMs += b - a;
    checkMs += c - b;
    if (r.valid !== f.endsWith('-ok')) wrong++;
    rows.push({ f, ops: h.ops.length, valid: r.valid, ms: c - b, steps: r.steps });
  }
  return { parseMs, checkMs, rows, wrong };
}

function parseOnly() {
  const t0 = performance.now();
  for (const f of FILES) readPorcupineKv(join(CORPUS, `${f}.txt`));
  return performance.now() - t0;
}

if (!existsSync(CORPUS)) {
  console.log(`(no corpus at ${CORPUS}: set PORCUPINE_KV_CORPUS)`);
  process.exit(0);
}
const parseCold = parseOnly();
const passes = [pass(), pass(), pass()];
const parseWarm = parseOnly();
const [cold, , warm] = passes;
console.log(`Porcupine kv histories: ${FILES.length} files; wrong verdicts: ${passes.map((p) => p.wrong).join(' / ')} (passes 1 / 2 / 3)\n`);
console.log('| measurement | ms |');
console.log('| --- | ---: |');
console.log(`| baseline: read + parse the six files, cold | ${parseCold.toFixed(0)} |`);
console.log(`| baseline: read + parse the six files, warm | ${parseWarm.toFixed(0)} |`);
console.log(`| parse + check, in-process, cold (first pass) | ${(cold.parseMs + cold.checkMs).toFixed(0)} |`);
console.log(`| parse + check, in-process, warm (3rd pass) | ${(warm.parseMs + warm.checkMs).toFixed(0)} |`);
console.log(`| check only, warm (3rd pass) | ${warm.checkMs.toFixed(0)} |`);
console.log(`| Porcupine, the six files in its process (not measured in this run: quoted from issue 13, measured elsewhere) | ${(PORCUPINE_S * 1000).toFixed(0)} (quoted) |`);
console.log('\n| file | ops | verdict | cold ms | warm ms | steps |');
console.log('| --- | ---: | --- | ---: | ---: | ---: |');
warm.rows.forEach((r, i) => console.log(`| ${r.f} | ${r.ops} | ${r.valid} | ${cold.rows[i].ms.toFixed(1)} | ${r.ms.toFixed(1)} | ${r.steps} |`));
