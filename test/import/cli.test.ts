// `replcheck check` on Jepsen files through the real bin (build first: npx tsc -p tsconfig.json):
// the whole etcd corpus in one call, format by extension or flag, malformed input as exit 2.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'replcheck.js');
const CORPUS = join(root, '../shared/corpora/jepsen-etcd');
const tmp = mkdtempSync(join(tmpdir(), 'replcheck-cli-jepsen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('replcheck check on Jepsen histories', () => {
  it('has the corpus beside the repository (../shared/corpora/jepsen-etcd)', () => {
    expect(existsSync(CORPUS)).toBe(true);
  });

  it('checks the whole etcd corpus in one call', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.log')).sort().map((f) => join(CORPUS, f));
    const out = join(tmp, 'corpus');
    const r = cli('check', ...files, '--checkers', 'linearizable', '--out', out, '--no-html');
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => /^(valid|INVALID|unknown|error)/.test(l));
    expect(lines).toHaveLength(102);
    expect(lines.filter((l) => l.startsWith('INVALID'))).toHaveLength(79);
    const res = JSON.parse(readFileSync(join(out, 'etcd_000', 'results.json'), 'utf8'));
    expect(res.checkers.linearizable.valid).toBe(false);
    expect(res.checkers.linearizable.anomalies[0].linearizedPrefix.length).toBeGreaterThan(0);
    // The imported history is written as JSONL and reads back with the same verdict.
    const again = cli('check', join(out, 'etcd_000', 'history.jsonl'), '--out', join(tmp, 'again'), '--no-html');
    expect(again.code).toBe(1);
  });

  it('reads EDN by extension and by --format, and exits 2 on a malformed line', () => {
    const edn = '[{:type :invoke, :f :write, :value 1, :process 0}\n{:type :ok, :f :write, :value 1, :process 0}\n{:type :invoke, :f :read, :value nil, :process 1}\n{:type :ok, :f :read, :value 1, :process 1}]\n';
    writeFileSync(join(tmp, 'h.edn'), edn);
    writeFileSync(join(tmp, 'h.txt'), edn);
    expect(cli('check', join(tmp, 'h.edn'), '--out', join(tmp, 'e1'), '--no-html').code).toBe(0);
    expect(cli('check', join(tmp, 'h.txt'), '--format', 'edn', '--out', join(tmp, 'e2'), '--no-html').code).toBe(0);
    writeFileSync(join(tmp, 'bad.log'), 'INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\n');
    const bad = cli('check', join(tmp, 'bad.log'), '--out', join(tmp, 'e3'), '--no-html');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(tmp, 'bad.log')}:2: expected a Jepsen event`);
  });
});
