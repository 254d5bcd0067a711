// The HTTP client real-time targets share: one JSON request over node:http (keep-alive agents
// given by the caller) with a hard per-request timeout, an abort signal and a bounded body.

import http from 'node:http';

/** The loopback address own clusters bind to. */
export const LOOPBACK = '127.0.0.1';

export interface JsonRequest {
  agent: http.Agent | undefined;
  host: string;
  port: number;
  method: 'GET' | 'POST';
  path: string;
  /** JSON-encoded when given. */
  body?: unknown;
  timeoutMs: number;
  /** Aborting rejects with code 'EABORTED' and destroys the request. */
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** Largest request/response body accepted, bytes. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * One JSON request with a hard timeout (connect + response). Rejects with an
 * Error whose `code` is the socket error code, or 'ETIMEDOUT' when timeoutMs elapsed.
 */
export function requestJson(r: JsonRequest): Promise<HttpAnswer> {
  const { agent, host, port, method, path, body, timeoutMs, signal } = r;
  const extra = r.headers ?? {};
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    let settled = false;
    const fail = (err: Error & { code?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const req = http.request(
      {
        host,
        port,
        method,
        path,
        agent,
        headers: payload ? { ...extra, 'content-type': 'application/json', 'content-length': payload.length } : extra,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            fail(Object.assign(new Error('response too large'), { code: 'E2BIG' }));
            return;
          }
          chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text.length ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    const timer = setTimeout(() => {
      fail(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: Error & { code?: string }) => fail(e));
    if (signal) {
      const onAbort = (): void => {
        fail(Object.assign(new Error('aborted'), { code: 'EABORTED' }));
        req.destroy();
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        req.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
    if (payload) req.end(payload);
    else req.end();
  });
}

