// POSTs JSON to an OpenAI-compatible server within a deadline: bounded, jittered retries on 5xx and
// network errors only (a 4xx will not change on retry), every attempt aborted when the deadline hits.
import { setTimeout as sleep } from 'node:timers/promises';
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import type { Clock } from '../../../core/clock/index.js';

/** Options for `postJson`. */
export interface PostOptions {
  readonly apiKey: string | undefined;
  /** Absolute deadline, ms since epoch; retries and their waits stay inside it. */
  readonly deadlineMs: number;
  /** What `deadlineMs` is compared against. */
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  /** Hears each retry, for the log. */
  readonly onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

class Retryable extends Error {}

/** The parsed JSON answer of a 2xx response; coded errors for everything else. */
export async function postJson(url: string, body: unknown, options: PostOptions): Promise<unknown> {
  const payload = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptOnce(url, payload, options);
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      const delayMs = Math.round(Math.random() * options.retryBaseMs * 2 ** attempt);
      if (attempt >= options.maxRetries || options.clock.nowMs() + delayMs >= options.deadlineMs) {
        throw new RoadworkError(
          'ERR_MODEL_SERVER',
          `Model server failed after ${attempt + 1} attempt(s): ${url} (${err.message}); check that it is running.`,
          { cause: err.cause ?? err },
        );
      }
      options.onRetry?.(attempt + 1, err.message, delayMs);
      try {
        await sleep(delayMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
      } catch {
        throw aborted(options.signal);
      }
    }
  }
}

async function attemptOnce(url: string, payload: string, options: PostOptions): Promise<unknown> {
  const remainingMs = options.deadlineMs - options.clock.nowMs();
  if (remainingMs <= 0) {
    throw new RoadworkError(
      'ERR_STAGE_TIMEOUT',
      `Model server request had no time left: ${-remainingMs} ms past the deadline; skipped.`,
    );
  }
  const expiry = new AbortController();
  const timer = setTimeout(() => expiry.abort(), remainingMs);
  const signal =
    options.signal === undefined ? expiry.signal : AbortSignal.any([options.signal, expiry.signal]);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
      },
      body: payload,
      signal,
    });
    // The body read shares the signal: a server that stalls mid-body still meets the deadline.
    const text = await response.text();
    if (response.status >= 500) throw new Retryable(`HTTP ${response.status}`);
    if (!response.ok) {
      throw new RoadworkError(
        'ERR_MODEL_SERVER',
        `Model server refused the request: HTTP ${response.status} ${excerpt(text)}; check the model name, key and options.`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `Model server answered with invalid JSON: ${excerpt(text)}; check that base_url is an OpenAI-compatible API.`,
        { cause: err },
      );
    }
  } catch (err) {
    if (err instanceof Retryable || isRoadworkError(err)) throw err;
    if (expiry.signal.aborted) {
      throw new RoadworkError(
        'ERR_STAGE_TIMEOUT',
        `Model server did not answer within the budget: ${remainingMs} ms; skipped.`,
        { cause: err },
      );
    }
    if (options.signal?.aborted) throw aborted(options.signal);
    const reason =
      err instanceof Error ? String((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    const retry = new Retryable(reason);
    retry.cause = err;
    throw retry;
  } finally {
    clearTimeout(timer);
  }
}

function aborted(signal: AbortSignal | undefined): RoadworkError {
  const reason: unknown = signal?.reason;
  if (isRoadworkError(reason)) return reason;
  return new RoadworkError('ERR_STAGE_TIMEOUT', 'Model server request was aborted by its caller; skipped.', {
    cause: reason,
  });
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}
