/** The TAO price in USD from a configurable JSON price feed (`roi.price_feed_url`). */
import { RoadworkError } from '../../core/errors/index.js';

/** Options of {@link fetchTaoUsd}. */
export interface PriceFeedOptions {
  /** Dotted path to the price in the feed's JSON; default `bittensor.usd` (CoinGecko's simple price). */
  readonly path?: string;
  /** Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Default the global `fetch`; tests may pass another. */
  readonly fetch?: typeof fetch;
}

function feedError(url: string, what: string, cause?: unknown): RoadworkError {
  return new RoadworkError(
    'ERR_PRICE_FEED',
    `The TAO price feed gave no price: ${url} (${what}). Check roi.price_feed_url and roi.price_feed_path, or give the price with --roi.tao_usd.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * GETs `url` and reads a positive number (or numeric string) at `path` in its JSON, e.g. CoinGecko's
 * `https://api.coingecko.com/api/v3/simple/price?ids=bittensor&vs_currencies=usd` → `bittensor.usd`.
 */
export async function fetchTaoUsd(url: string, options: PriceFeedOptions = {}): Promise<number> {
  const path = options.path ?? 'bittensor.usd';
  let body: unknown;
  try {
    const response = await (options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    if (!response.ok) throw feedError(url, `HTTP ${response.status}`);
    body = await response.json();
  } catch (err) {
    if (err instanceof RoadworkError) throw err;
    throw feedError(url, err instanceof Error ? err.message : String(err), err);
  }
  let value: unknown = body;
  for (const key of path.split('.').filter((k) => k !== '')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  const price = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0)
    throw feedError(url, `no positive number at ${path}: ${JSON.stringify(value) ?? 'nothing'}`);
  return price;
}
