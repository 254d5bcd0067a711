// The Redis client's shared socket writes (write-batch.ts), against a real redis-server: the commands
// of one turn go out in fewer writes than commands, and each still gets its own answer, in order,
// with its own timeout; a lone command is not held back past its turn.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyRedisError, connectionOptions } from '../../../src/targets/external/clients/redis.js';
import { batchWrite, MAX_BATCH, type BatchedConnection } from '../../../src/targets/external/clients/write-batch.js';
import { findExecutable } from '../../../src/targets/real/binaries.js';
import { freePorts } from '../../../src/targets/real/ports.js';

const HAVE_REDIS = findExecutable('redis-server') !== undefined;

/** Counts the socket's system-call-level writes (one per _write, one per _writev of a corked batch). */
function countWrites(r: Redis): { writes: number } {
  const s = r.stream as unknown as Record<string, (...a: unknown[]) => unknown>;
  const counter = { writes: 0 };
  for (const name of ['_write', '_writev']) {
    const orig = s[name].bind(s);
    s[name] = (...a: unknown[]) => (counter.writes++, orig(...a));
  }
  return counter;
}

describe.skipIf(!HAVE_REDIS)('batchWrite: the commands of one turn share socket writes', () => {
  let dir = '';
  let proc: ChildProcess;
  let port = 0;
  const clients: Redis[] = [];

  const connect = async (timeoutMs = 2000): Promise<Redis> => {
    const r = new Redis({ ...connectionOptions(timeoutMs), host: '127.0.0.1', port });
    r.on('error', () => undefined);
    clients.push(r);
    const deadline = Date.now() + 10_000;
    while (r.status !== 'ready') {
      if (Date.now() > deadline) throw new Error(`no connection to ${port}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    return r;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-write-batch-'));
    [port] = await freePorts(1);
    proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  });

  afterAll(() => {
    for (const c of clients) c.disconnect();
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('40 commands of one turn: far fewer writes than commands, every answer its own and in order', async () => {
    const r = await connect();
    const counter = countWrites(r);
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      batchWrite(r as unknown as BatchedConnection);
      sent.push(r.rpush('list', String(i)));
    }
    const answers = await Promise.all(sent);
    // RPUSH answers the list's new length: one answer per command, in the order sent
    expect(answers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await r.lrange('list', 0, -1)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    expect(counter.writes).toBeGreaterThanOrEqual(Math.ceil(40 / MAX_BATCH));
    expect(counter.writes).toBeLessThan(40 / 2);
  });

  it('without batchWrite, every command is its own write (what the count above is measured against)', async () => {
    const r = await connect();
    const counter = countWrites(r);
    await Promise.all(Array.from({ length: 10 }, (_, i) => r.set(`plain${i}`, '1')));
    expect(counter.writes).toBe(10);
  });

  it('a lone command goes out in its own turn: answered, the stream uncorked after it', async () => {
    const r = await connect();
    batchWrite(r as unknown as BatchedConnection);
    const answer = r.set('lone', 'x');
    expect((r.stream as unknown as { writableCorked: number }).writableCorked).toBe(1);
    await new Promise((res) => process.nextTick(res));
    expect((r.stream as unknown as { writableCorked: number }).writableCorked).toBe(0);
    expect(await answer).toBe('OK');
  });

  it('a batched command to a frozen server still times out on its own: info', async () => {
    const r = await connect(300);
    proc.kill('SIGSTOP');
    try {
      const sent = Array.from({ length: 5 }, (_, i) => (batchWrite(r as unknown as BatchedConnection), r.rpush('frozen', String(i)).then(() => undefined, (e: unknown) => e)));
      for (const e of await Promise.all(sent)) expect(classifyRedisError(e, 'write')).toEqual({ type: 'info', error: 'timeout' });
    } finally {
      proc.kill('SIGCONT');
    }
  });
});
