// One hub request: manual redirects (the token stays on the hub's origin), a stall timer, coded errors.
import { RoadworkError } from '../../core/errors/index.js';

/** What every hub request needs. */
export interface HttpOptions {
  readonly hubUrl: string;
  readonly token: string | undefined;
  /** Longest wait for headers or for the next chunk of a body. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/** A response and the headers of the first (hub) hop, which carry the repo's ETag and size. */
export interface HubResponse {
  readonly response: Response;
  readonly first: Headers;
  readonly url: string;
  /** Resets the stall timer; call per received chunk. */
  readonly touch: () => void;
  /** Stops the stall timer once the body is read. */
  readonly done: () => void;
}

const MAX_REDIRECTS = 5;

/** GETs `url`, following up to five redirects; the caller reads the body, then calls `done()`. */
export async function hubGet(
  url: string,
  what: string,
  options: HttpOptions,
  extra: Record<string, string> = {},
): Promise<HubResponse> {
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(stalled(what, url, options.timeoutMs)), options.timeoutMs);
  };
  const done = (): void => clearTimeout(timer);
  const signal =
    options.signal === undefined ? stall.signal : AbortSignal.any([options.signal, stall.signal]);
  const hubOrigin = new URL(options.hubUrl).origin;
  let current = url;
  let first: Headers | undefined;
  touch();
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...extra };
      // Redirect targets are pre-signed CDN URLs: a bearer token must never leave the hub's origin.
      if (options.token && new URL(current).origin === hubOrigin)
        headers.authorization = `Bearer ${options.token}`;
      const response = await fetch(current, { headers, redirect: 'manual', signal });
      first ??= response.headers;
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        current = new URL(location, current).href;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw statusError(what, url, response.status);
      }
      return { response, first, url: current, touch, done };
    }
  } catch (err) {
    done();
    if (err instanceof RoadworkError) throw err;
    if (stall.signal.aborted) throw stall.signal.reason;
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Hub request failed for ${what}: ${url} (${String(err)}); check models.hub_url and the network, or use models.offline with a pulled model.`,
      { cause: err },
    );
  }
  done();
  throw new RoadworkError(
    'ERR_MODEL_LOAD',
    `Hub redirected too often for ${what}: ${url} (more than ${MAX_REDIRECTS} hops); check models.hub_url.`,
  );
}

/** The coded error for a stalled transfer. */
export function stalled(what: string, url: string, timeoutMs: number): RoadworkError {
  return new RoadworkError(
    'ERR_MODEL_LOAD',
    `Hub request stalled for ${what}: no data for ${timeoutMs} ms from ${url}; check the network, then run it again (partial files resume).`,
  );
}

function statusError(what: string, url: string, status: number): RoadworkError {
  const fix =
    status === 401 || status === 403
      ? 'the repo may be gated or private: set HF_TOKEN (models.hub_token) and accept its licence on the hub'
      : status === 404
        ? 'check the repo id, the revision and the file name'
        : 'try again later or check models.hub_url';
  return new RoadworkError('ERR_MODEL_LOAD', `Hub answered HTTP ${status} for ${what}: ${url}; ${fix}.`);
}
