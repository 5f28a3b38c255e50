// Checks the `openai` runtime's options once, at load: unknown keys and bad values fail with the key.
import { badOption, numberOption, readOptions, stringOption, type OptionReader } from '../_options.js';
import type { ModelRef } from '../types.js';

/** The question asked when the config names none. */
export const DEFAULT_QUESTION =
  'Does this image show road work or a construction zone on or beside the road? Answer yes or no.';

/** Validated options of one VLM. */
export interface VlmOptions {
  /** The server's API root, ending before `/chat/completions`. */
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly question: string;
  /** Alternatives returned per token; yes/no variants must fit among them. */
  readonly topLogprobs: number;
  /** Requests in flight to the server at once, per loaded model. */
  readonly maxConcurrency: number;
  /** Retries after a 5xx or network error, while the deadline allows. */
  readonly maxRetries: number;
  /** First retry delay; doubled per retry, fully jittered. */
  readonly retryBaseMs: number;
  readonly jpegQuality: number;
  /** pYes for a bare "yes" when the server sends no logprobs (1 − this for "no"). */
  readonly textFallbackP: number;
}

const unit: OptionReader = (_key, v) => {
  if (typeof v === 'number' && v >= 0.5 && v <= 1) return v;
  throw badOption('a number from 0.5 to 1');
};

const int = (min: number, max: number): OptionReader => numberOption(min, max, true);

const READERS: Readonly<Record<string, OptionReader>> = {
  base_url: (key, v) => {
    const url = stringOption(key, v) as string;
    if (!/^https?:\/\//.test(url)) throw badOption('an http(s) URL such as http://127.0.0.1:8000/v1');
    return url.replace(/\/+$/, '');
  },
  api_key: stringOption,
  question: stringOption,
  top_logprobs: int(1, 20),
  max_concurrency: int(1, 256),
  max_retries: int(0, 10),
  retry_base_ms: int(1, 10_000),
  jpeg_quality: int(1, 100),
  text_fallback_p: unit,
};

/** Reads `ref.options` with their defaults; fails on an unknown key or a bad value. */
export function parseVlmOptions(ref: ModelRef): VlmOptions {
  const read = readOptions('openai', ref.options, READERS);
  return Object.freeze({
    baseUrl: (read.base_url as string | undefined) ?? 'http://127.0.0.1:8000/v1',
    apiKey: read.api_key as string | undefined,
    question: (read.question as string | undefined) ?? DEFAULT_QUESTION,
    topLogprobs: (read.top_logprobs as number | undefined) ?? 20,
    maxConcurrency: (read.max_concurrency as number | undefined) ?? 4,
    maxRetries: (read.max_retries as number | undefined) ?? 2,
    retryBaseMs: (read.retry_base_ms as number | undefined) ?? 50,
    jpegQuality: (read.jpeg_quality as number | undefined) ?? 90,
    textFallbackP: (read.text_fallback_p as number | undefined) ?? 0.8,
  });
}
