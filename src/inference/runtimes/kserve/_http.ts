// One HTTP exchange with a KServe v2 server within a deadline, over kept-alive connections.
import http from 'node:http';
import https from 'node:https';
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import type { Clock } from '../../../core/clock/index.js';

/** A whole response; `body` is read in full (bounded by `MAX_RESPONSE_BYTES`). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Options of one exchange. */
export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Absolute deadline, ms since epoch on `clock`: connecting, sending and reading all fit inside it. */
  readonly deadlineMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
}

/** Responses larger than this are refused: a backbone's embeddings for a batch are kilobytes. */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** Errors of a reused connection that the server had already closed. */
const STALE_CODES = new Set(['ECONNRESET', 'EPIPE']);

class StaleSocket extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/** Talks to one server; one keep-alive agent so each request skips the TCP (and TLS) handshake. */
export class V2Transport {
  readonly #agent: http.Agent;
  readonly #token: string | undefined;
  readonly #https: boolean;

  constructor(url: string, options: { readonly maxSockets: number; readonly token?: string }) {
    this.#https = url.startsWith('https:');
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    this.#agent = this.#https ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.#token = options.token;
  }

  /**
   * The server's answer, whatever its status; ERR_MODEL_SERVER when it cannot be reached,
   * ERR_STAGE_TIMEOUT when the deadline passes first.
   */
  async send(url: string, call: HttpCall): Promise<HttpAnswer> {
    const remainingMs = call.deadlineMs - call.clock.nowMs();
    if (remainingMs <= 0) {
      throw new RoadworkError(
        'ERR_STAGE_TIMEOUT',
        `KServe request had no time left: ${-remainingMs} ms past the deadline; skipped.`,
      );
    }
    const expiry = new AbortController();
    const timer = setTimeout(() => expiry.abort(), remainingMs);
    const signal = call.signal === undefined ? expiry.signal : AbortSignal.any([call.signal, expiry.signal]);
    try {
      try {
        return await this.#exchange(url, call, signal);
      } catch (err) {
        // A kept-alive connection the server closed as this request went out (its idle timeout, e.g.
        // Node's 5 s) resets before any answer: the request never ran, so one retry on a fresh
        // connection is safe; inference has no side effects either way.
        if (!(err instanceof StaleSocket) || signal.aborted) throw err;
        return await this.#exchange(url, call, signal);
      }
    } catch (err) {
      if (isRoadworkError(err)) throw err;
      if (expiry.signal.aborted) {
        throw new RoadworkError(
          'ERR_STAGE_TIMEOUT',
          `KServe server did not answer within the budget: ${remainingMs} ms for ${call.method} ${url}; skipped.`,
          { cause: err },
        );
      }
      if (call.signal?.aborted) {
        const reason: unknown = call.signal.reason;
        if (isRoadworkError(reason)) throw reason;
        throw new RoadworkError(
          'ERR_STAGE_TIMEOUT',
          `KServe request was aborted by its caller: ${url}; skipped.`,
          {
            cause: reason,
          },
        );
      }
      throw new RoadworkError(
        'ERR_MODEL_SERVER',
        `KServe server cannot be reached: ${url} (${(err as Error).message}); check that it runs and the url option.`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #exchange(url: string, call: HttpCall, signal: AbortSignal): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...call.headers };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (call.body !== undefined) headers['content-length'] = String(call.body.length);
    const send = this.#https ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: call.method, headers, agent: this.#agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.destroy();
            reject(
              new RoadworkError(
                'ERR_MODEL_OUTPUT',
                `KServe response is too large: over ${MAX_RESPONSE_BYTES} bytes from ${url}; check the output tensor.`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size) }),
        );
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(req.reusedSocket && STALE_CODES.has(err.code ?? '') ? new StaleSocket(err) : err),
      );
      req.end(call.body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}

/** The first 200 characters of a body, on one line, for an error message. */
export function excerpt(body: Buffer): string {
  const flat = body.toString('utf8', 0, Math.min(body.length, 400)).replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}
