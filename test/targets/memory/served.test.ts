// Every completion the memory target answers carries its node's replica state (`served`): role,
// term and applied log position on single-leader, `leader` and writes applied on multi-leader,
// `coordinator` on leaderless; a failover shows up as a new leader in a newer term.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../../src/config/load.js';
import type { History } from '../../../src/history/types.js';
import { executeRun } from '../../../src/runner/execute.js';

const dir = mkdtempSync(join(tmpdir(), 'replcheck-served-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function run(target: string, extra: { nemesis?: string; timeLimit?: number; set?: string[] } = {}): Promise<History> {
  const { config } = loadRunConfig({ target, seed: 3, ...(extra.timeLimit ? { timeLimit: extra.timeLimit, ops: 0 } : { ops: 600 }), nemesis: extra.nemesis, set: extra.set });
  const exec = await executeRun(config, { historyPath: join(dir, `h${n++}.jsonl`) });
  return exec.history!;
}

describe('served on memory-target completions', () => {
  it('single-leader: the leader acknowledges writes in its term at their log position; followers serve reads at theirs', async () => {
    const h = await run('memory');
    const ok = h.ops.filter((op) => op.type === 'ok' && !op.final);
    expect(ok.length).toBeGreaterThan(100);
    for (const op of ok) expect(op.served, `op ${op.completeIndex}`).toMatchObject({ role: expect.stringMatching(/^(leader|follower|candidate)$/), term: expect.any(Number), pos: expect.any(Number) });
    const writes = ok.filter((op) => op.f === 'append');
    expect(new Set(writes.map((op) => `${op.node} ${op.served!.role} ${op.served!.term}`))).toEqual(new Set(['n1 leader 1']));
    // a write's position is its log index: one per write, 1.. in the one term without failover
    const pos = writes.map((op) => op.served!.pos!).sort((a, b) => a - b);
    expect(new Set(pos).size).toBe(pos.length);
    expect(pos[0]).toBeGreaterThanOrEqual(1);
    expect(ok.some((op) => op.f === 'read' && op.served!.role === 'follower')).toBe(true);
    // final reads are local reads, not served ops
    expect(h.ops.filter((op) => op.final).every((op) => op.served === undefined)).toBe(true);
  });

  it('a failover is seen as a leader of a newer term', async () => {
    const h = await run('memory-no-fencing', { nemesis: 'partition-leader', timeLimit: 8 });
    const leaders = new Set(h.ops.filter((op) => op.served?.role === 'leader').map((op) => `${op.node}@${op.served!.term}`));
    expect(leaders.has('n1@1')).toBe(true);
    expect([...leaders].some((l) => Number(l.split('@')[1]) >= 2)).toBe(true);
  });

  it('multi-leader: every node a leader, its position the writes it has applied; leaderless: the coordinator', async () => {
    const ml = await run('memory-multi-leader');
    const mlOk = ml.ops.filter((op) => op.type === 'ok' && !op.final);
    expect(mlOk.every((op) => op.served?.role === 'leader' && op.served.term === undefined && typeof op.served.pos === 'number')).toBe(true);
    const ll = await run('memory-leaderless');
    const llOk = ll.ops.filter((op) => op.type === 'ok' && !op.final);
    expect(llOk.length).toBeGreaterThan(100);
    expect(llOk.every((op) => JSON.stringify(op.served) === '{"role":"coordinator"}')).toBe(true);
  });
});
