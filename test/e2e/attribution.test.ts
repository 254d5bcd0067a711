// Attribution through the real bin: a planted split brain (async single leader without fencing,
// the leader isolated by a partition) yields anomalies whose results.json entry lists the partition
// event and whose explanation names the partition and the deposed leader's term.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'replcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'replcheck-e2e-attribution-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Fault { index: number; f: string; n: number; timeNs: number; endIndex?: number; relation: string; what: string }
interface Anomaly { type: string; ops: number[]; explanation: string; faults?: Fault[] }
type Results = { checkers: Record<string, { anomalies: Anomaly[] }> };

function replcheck(args: string[]) {
  return execa('node', [BIN, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });
}

describe('every anomaly tied to the fault behind it', () => {
  const out = join(dir, 'split-brain');

  it('names the partition that isolated the old leader, and its term, in a split-brain run', async () => {
    const r = await replcheck(['run', '--target', 'memory-no-fencing', '--nemesis', 'partition-leader', '--time-limit', '8', '--seed', '7', '--out', out, '--no-html', '--quiet']);
    expect(r.exitCode, r.stderr).toBe(1);
    const lines = readFileSync(join(out, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const partitions = lines.filter((e) => e.process === 'nemesis' && e.f === 'partition');
    expect(partitions[0]).toMatchObject({ f: 'partition', value: { shape: 'isolate-leader', groups: [['n1'], ['n2', 'n3']] } });
    const part = partitions[0].index as number;
    const heal = lines.find((e) => e.process === 'nemesis' && e.f === 'heal' && (e.index as number) > part)!.index as number;
    // the history records who served each op, in which role and term
    expect(lines.find((e) => e.type === 'ok' && e.f === 'append')).toMatchObject({ node: 'n1', served: { role: 'leader', term: 1 } });

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    const partitionFault = { index: part, f: 'partition', n: 1, timeNs: 5_000_000_000, endIndex: heal, what: 'isolated n1 from n2, n3' };
    // Writes n1 acknowledged alone, as leader of term 1, while it was isolated: read back without them.
    const ryw = results.checkers['read-your-writes'].anomalies;
    const during = ryw.find((a) => a.faults?.some((f) => f.index === part && f.relation === 'during'));
    expect(during, ryw[0]?.explanation).toBeDefined();
    expect(during!.faults).toContainEqual({ ...partitionFault, endTimeNs: 7_000_000_000, relation: 'during' });
    expect(during!.explanation).toMatch(/\. Acknowledged by n1 as leader of term 1 \(positions? (up to )?\d+\).* while partition #1 isolated n1 from n2, n3 \(5\.000–7\.000 s\)\.$/);
    // A write n1 acknowledged just before the partition cut it off is lost; n3 took over in term 2.
    const lost = results.checkers['lost-writes'].anomalies.find((a) => a.faults?.some((f) => f.index === part));
    expect(lost).toBeDefined();
    expect(lost!.faults![0]).toMatchObject({ ...partitionFault, relation: expect.stringMatching(/^(after|during)$/) });
    expect(lost!.explanation).toMatch(/Acknowledged by n1 as leader of term 1 \(position \d+\),? .*partition #1 isolated n1 from n2, n3 \(5\.000–7\.000 s\); n[23] became leader of term [2-9]/);
  });

  it('`replcheck check` on the stored history attributes the same partition (default window)', async () => {
    const checked = join(dir, 'checked');
    const r = await replcheck(['check', join(out, 'history.jsonl'), '--out', checked, '--no-html', '--quiet']);
    expect(r.exitCode, r.stderr).toBe(1);
    const results = JSON.parse(readFileSync(join(checked, 'results.json'), 'utf8')) as Results;
    const tied = Object.values(results.checkers).flatMap((c) => c.anomalies).filter((a) => a.faults?.some((f) => f.f === 'partition'));
    expect(tied.length).toBeGreaterThan(0);
    expect(tied[0].explanation).toContain('partition #1 isolated n1 from n2, n3');
  });
});
