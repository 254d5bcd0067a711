#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.js in turn (each prints its own Markdown table with
// its baseline measured in the same run). `npm run bench -- sim` runs only the matching ones.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filter.length === 0 || filter.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n## ${b.replace(/\.bench\.js$/, '')}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${b} exited with ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
