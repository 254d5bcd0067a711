// The built-in Redis client's error table (DESIGN.md principle 13): each error ioredis raises maps
// to fail (certainly not applied) or info (may have been); checked on the table itself and on the
// errors real redis-servers make ioredis raise (a replica, a refused port, a frozen and a dead server).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis, ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAS_SCRIPT, classifyRedisError, connectionOptions, type CommandKind } from '../../../src/targets/external/clients/redis.js';
import { findExecutable } from '../../../src/targets/real/binaries.js';
import { freePorts } from '../../../src/targets/real/ports.js';

const HAVE_REDIS = findExecutable('redis-server') !== undefined;
const COMMAND_TIMEOUT_MS = 300;

const reply = (message: string): Error => new ReplyError(message) as Error;

describe('classifyRedisError: the table', () => {
  const cases: [string, unknown, CommandKind, 'fail' | 'info'][] = [
    ['not sent: no connection', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'write', 'fail'],
    ['not sent: client closed', new Error('Connection is closed.'), 'write', 'fail'],
    ['sent, no answer', new Error('Command timed out'), 'write', 'info'],
    ['sent, no answer (script)', new Error('Command timed out'), 'script', 'info'],
    ['sent, connection dropped', Object.assign(new Error('Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' }), 'write', 'info'],
    ['sent, connection closed', new Error('Command aborted due to connection close'), 'write', 'info'],
    ['a replica refuses', reply("READONLY You can't write against a read only replica."), 'write', 'fail'],
    ['a replica refuses the script', reply("READONLY You can't write against a read only replica. script: 0ab1, on @user_script:7."), 'script', 'fail'],
    ['too few replicas', reply('NOREPLICAS Not enough good replicas to write.'), 'write', 'fail'],
    ['too few replicas (script)', reply('NOREPLICAS Not enough good replicas to write. script: 0ab1, on @user_script:7.'), 'script', 'fail'],
    ['loading', reply('LOADING Redis is loading the dataset in memory'), 'write', 'fail'],
    ['busy', reply('BUSY Redis is busy running a script.'), 'script', 'fail'],
    ['another error reply to a plain command', reply('ERR something'), 'write', 'fail'],
    ['another error reply to the script', reply('ERR user_script:3: Script attempted to access nonexistent global variable'), 'script', 'info'],
    ['anything else', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'write', 'info'],
    ['a thrown non-error', 'weird', 'write', 'info'],
  ];
  for (const [what, e, kind, want] of cases) {
    it(`${what} (${kind}): ${want}`, () => {
      expect(classifyRedisError(e, kind).type).toBe(want);
    });
  }

  it('a failed read is always fail: it changed nothing', () => {
    for (const [, e] of cases) expect(classifyRedisError(e, 'read').type).toBe('fail');
  });

  it('says why: a timeout is "timeout", a reply keeps its text', () => {
    expect(classifyRedisError(new Error('Command timed out'), 'write').error).toBe('timeout');
    expect(classifyRedisError(reply("READONLY You can't write against a read only replica."), 'write').error).toMatch(/^READONLY/);
  });
});

interface Server {
  port: number;
  proc: ChildProcess;
}

describe.skipIf(!HAVE_REDIS)('classifyRedisError: what real servers make ioredis raise', () => {
  let dir = '';
  let primary: Server;
  let replica: Server;
  let doomed: Server;
  let unused = 0;
  const clients: Redis[] = [];
  const procs: ChildProcess[] = [];

  const connect = (port: number): Redis => {
    const r = new Redis({ ...connectionOptions(COMMAND_TIMEOUT_MS), host: '127.0.0.1', port });
    r.on('error', () => undefined);
    clients.push(r);
    return r;
  };

  const ready = async (r: Redis): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (r.status !== 'ready') {
      if (Date.now() > deadline) throw new Error(`no connection to ${r.options.port}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };

  const start = async (port: number, ...extra: string[]): Promise<Server> => {
    const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `${port}.rdb`, ...extra], { stdio: 'ignore' });
    procs.push(proc);
    return { port, proc };
  };

  /** The error one command raises (or undefined when it succeeds). */
  const errorOf = async (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replcheck-redis-client-'));
    const [p, r, d, u] = await freePorts(4);
    unused = u;
    primary = await start(p);
    replica = await start(r, '--replicaof', '127.0.0.1', String(p));
    doomed = await start(d);
    for (const s of [primary, replica, doomed]) await ready(connect(s.port));
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const p of procs) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a write to a replica: READONLY, fail (also from the cas script)', async () => {
    const r = connect(replica.port);
    await ready(r);
    expect(classifyRedisError(await errorOf(r.rpush('k', '1')), 'write')).toEqual({ type: 'fail', error: expect.stringMatching(/^READONLY/) });
    expect(classifyRedisError(await errorOf(r.eval(CAS_SCRIPT, 1, 'reg', '1', '', '1')), 'script')).toEqual({ type: 'fail', error: expect.stringMatching(/^READONLY/) });
  });

  it('a write with fewer replicas than min-replicas-to-write: NOREPLICAS, fail', async () => {
    const p = connect(primary.port);
    await ready(p);
    await p.config('SET', 'min-replicas-to-write', '3');
    try {
      expect(classifyRedisError(await errorOf(p.rpush('k', '1')), 'write')).toEqual({ type: 'fail', error: expect.stringMatching(/^NOREPLICAS/) });
      expect(classifyRedisError(await errorOf(p.eval(CAS_SCRIPT, 1, 'reg', '1', '', '1')), 'script')).toEqual({ type: 'fail', error: expect.stringMatching(/^NOREPLICAS/) });
    } finally {
      await p.config('SET', 'min-replicas-to-write', '0');
    }
  });

  it('a write to a port nobody listens on (connection refused): never sent, fail', async () => {
    const r = connect(unused);
    await new Promise((res) => setTimeout(res, 200));
    expect(classifyRedisError(await errorOf(r.rpush('k', '1')), 'write')).toEqual({ type: 'fail', error: expect.stringMatching(/not sent/) });
  });

  it('a write to a frozen server: timeout, info; a read there: fail', async () => {
    const p = connect(primary.port);
    await ready(p);
    primary.proc.kill('SIGSTOP');
    try {
      expect(classifyRedisError(await errorOf(p.rpush('k', '1')), 'write')).toEqual({ type: 'info', error: 'timeout' });
      expect(classifyRedisError(await errorOf(p.lrange('k', 0, -1)), 'read')).toEqual({ type: 'fail', error: 'timeout' });
    } finally {
      primary.proc.kill('SIGCONT');
    }
  });

  it('a write in flight when the server dies: info', async () => {
    const c = new Redis({ ...connectionOptions(5000), host: '127.0.0.1', port: doomed.port });
    c.on('error', () => undefined);
    clients.push(c);
    await ready(c);
    doomed.proc.kill('SIGSTOP');
    const pending = errorOf(c.rpush('k', '1'));
    await new Promise((res) => setTimeout(res, 100));
    doomed.proc.kill('SIGKILL');
    const v = classifyRedisError(await pending, 'write');
    expect(v.type).toBe('info');
    expect(v.error).toMatch(/in flight/);
  });

  it('the cas script: sets only when the value is the expected one (expected null: the key is absent)', async () => {
    const p = connect(primary.port);
    await ready(p);
    const key = `cas-${Date.now()}`;
    const cas = (expected: unknown, next: unknown): Promise<unknown> =>
      p.eval(CAS_SCRIPT, 1, key, expected === null ? '1' : '0', expected === null ? '' : JSON.stringify(expected), JSON.stringify(next));
    expect(await cas(1, 2)).toBe(0);
    expect(await cas(null, 1)).toBe(1);
    expect(await cas(null, 5)).toBe(0);
    expect(await cas(2, 3)).toBe(0);
    expect(await cas(1, 3)).toBe(1);
    expect(await p.get(key)).toBe('3');
  });
});
