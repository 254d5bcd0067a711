// The http target's parts on their own: the TCP fault proxy (cut, restore, late targets), the
// real-time scheduler (order, holds, stop, failure), and durable-state JSON with Maps.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinkProxy, type LinkProxy } from '../../../src/targets/real/proxy.js';
import { createRealScheduler, MAX_NOW_PER_TURN } from '../../../src/targets/real/scheduler.js';
import { decodeDurable, encodeDurable, requestJson } from '../../../src/targets/http/wire.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function echoServer(): Promise<number> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url }));
  });
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

describe('link proxy', () => {
  it('forwards, refuses while cut (dropping open connections), forwards again once restored', async () => {
    const port = await echoServer();
    const proxy: LinkProxy = await createLinkProxy(() => port);
    closers.push(() => proxy.close());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    closers.push(async () => agent.destroy());
    const ok = await requestJson(agent, proxy.port, 'GET', '/a', undefined, 2000);
    expect(ok).toEqual({ status: 200, body: { path: '/a' } });
    expect(proxy.connections()).toBe(1); // the kept-alive connection
    proxy.cut();
    expect(proxy.connections()).toBe(0);
    await expect(requestJson(agent, proxy.port, 'GET', '/b', undefined, 2000)).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE|ECONNREFUSED/) });
    proxy.restore();
    expect((await requestJson(agent, proxy.port, 'GET', '/c', undefined, 2000)).body).toEqual({ path: '/c' });
  });

  it('a down target (undefined port) refuses; the port is looked up per connection', async () => {
    let target: number | undefined;
    const proxy = await createLinkProxy(() => target);
    closers.push(() => proxy.close());
    await expect(requestJson(undefined, proxy.port, 'GET', '/x', undefined, 2000)).rejects.toBeDefined();
    target = await echoServer();
    expect((await requestJson(undefined, proxy.port, 'GET', '/y', undefined, 2000)).body).toEqual({ path: '/y' });
  });

  it('adds the configured one-way latency in both directions', async () => {
    const port = await echoServer();
    const proxy = await createLinkProxy(() => port, { latencyMs: [40, 40] });
    closers.push(() => proxy.close());
    const t0 = performance.now();
    const ans = await requestJson(undefined, proxy.port, 'POST', '/slow', { big: 'x'.repeat(200_000) }, 3000);
    expect(ans.body).toEqual({ path: '/slow' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
  });

  it('requestJson times out with code ETIMEDOUT', async () => {
    const server = http.createServer(() => {}); // never answers
    closers.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
    await expect(requestJson(undefined, port, 'GET', '/', undefined, 100)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});

describe('real-time scheduler', () => {
  it('runs callbacks in time order, same-time ones in scheduling order, and ends when nothing is pending', async () => {
    const s = createRealScheduler();
    const seen: string[] = [];
    s.after(20e6, () => seen.push('c'));
    s.after(0, () => seen.push('a'));
    s.after(0, () => seen.push('b'));
    const t = s.after(5e6, () => seen.push('cancelled'));
    t.cancel();
    await s.run();
    expect(seen).toEqual(['a', 'b', 'c']);
    // Node may fire a timer up to a millisecond early by the high-resolution clock.
    expect(s.nowNs()).toBeGreaterThanOrEqual(19e6);
  });

  it('a hold keeps run() going until released; stop() ends it early; callbacks due meanwhile wait for the next run()', async () => {
    const s = createRealScheduler();
    const release = s.hold();
    const seen: number[] = [];
    setTimeout(() => {
      s.after(0, () => seen.push(1));
      release();
    }, 30);
    await s.run();
    expect(seen).toEqual([1]);
    s.after(1e9, () => seen.push(2));
    setTimeout(() => s.stop(), 20);
    await s.run();
    expect(seen).toEqual([1]);
    s.after(0, () => seen.push(3));
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([1]); // not running: it waits
    s.close();
    await s.run();
    expect(seen).toEqual([1, 3]);
  });

  it('fail() and a throwing callback reject run()', async () => {
    const s = createRealScheduler();
    s.after(0, () => {
      throw new Error('boom');
    });
    await expect(s.run()).rejects.toThrow('boom');
    const s2 = createRealScheduler();
    const release = s2.hold();
    setTimeout(() => s2.fail(new Error('setup failed')), 10);
    await expect(s2.run()).rejects.toThrow('setup failed');
    release();
    // reported once: a later run (a teardown after the failure) runs normally
    let ran = false;
    s2.after(0, () => (ran = true));
    await s2.run();
    expect(ran).toBe(true);
  });

  it('callNow from a promise continuation runs fn and what it queued at once, behind what was due; inside a callback or while stopped it waits', async () => {
    const s = createRealScheduler();
    const release = s.hold();
    const seen: string[] = [];
    let immediateRan = false;
    s.after(0, () => {
      seen.push('due');
      // inside a callback: like after(0), it runs after this one returns
      s.callNow(() => seen.push('nested'));
      seen.push('due-end');
    });
    setTimeout(() => {
      s.after(0, () => seen.push('queued'));
      void Promise.resolve().then(() => {
        setImmediate(() => (immediateRan = true));
        s.callNow(() => {
          seen.push('now');
          s.after(0, () => seen.push('next'));
        });
        // all of it ran before this continuation went on: no turn of the event loop in between
        expect(seen).toEqual(['due', 'due-end', 'nested', 'queued', 'now', 'next']);
        expect(immediateRan).toBe(false);
        release();
      });
    }, 10);
    await s.run();
    expect(seen).toEqual(['due', 'due-end', 'nested', 'queued', 'now', 'next']);
    // not running: it waits for the next run()
    s.callNow(() => seen.push('later'));
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(6);
    await s.run();
    expect(seen.at(-1)).toBe('later');
  });

  it('callNow answers from promises with no I/O in between do not starve timers: the loop turns every MAX_NOW_PER_TURN', async () => {
    const s = createRealScheduler();
    let ops = 0;
    let stopped = false;
    let turns = 0;
    let atStop = 0;
    // an op answered from a resolved promise, whose answer starts the next op: a client with no I/O
    const op = (): void => {
      if (stopped) return;
      ops++;
      void Promise.resolve().then(() => s.callNow(op));
    };
    const release = s.hold();
    const count = setInterval(() => turns++, 1);
    s.after(0, op);
    // the time limit: a timer, which only fires when the event loop turns
    s.after(20e6, () => {
      stopped = true;
      atStop = ops;
      release();
    });
    await s.run();
    clearInterval(count);
    expect(stopped).toBe(true);
    expect(atStop).toBeGreaterThan(MAX_NOW_PER_TURN);
    expect(ops).toBe(atStop);
    expect(turns).toBeGreaterThan(0);
  });
});

describe('durable state JSON', () => {
  it('round-trips Maps (LWW stores) and plain data (single-leader logs)', () => {
    const lww = { store: new Map([['k1', { value: [1, 2], tsNs: 5, node: 1, seq: 2 }]]), seq: 2 };
    const back = decodeDurable(encodeDurable(lww)) as typeof lww;
    expect(back.store).toBeInstanceOf(Map);
    expect(back).toEqual(lww);
    const sl = { log: [{ term: 1, index: 1, f: 1, key: 'k', value: 3, nd: 0 }], term: 2, votedFor: -1 };
    expect(decodeDurable(encodeDurable(sl))).toEqual(sl);
  });
});
