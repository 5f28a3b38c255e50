/**
 * The `onAnswered` hook: each answered request, with its prediction, stages, model version, validator
 * and timings, handed over after the answer is written. It feeds the query log; it must never slow or
 * fail an answer, so it runs on a later turn of the event loop and whatever it throws is only counted.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../../core/metrics/index.js';
import type { StageResult } from '../../inference/cascade/types.js';
import type { RgbImage } from '../../inference/image/index.js';
import type { SynapseName } from './_route.js';
import type { Generation } from './_verify.js';

/** Where one answered request spent its time, ms (from `performance.now()`). */
export interface AnswerTimings {
  /** Body arrival and JSON parse. */
  readonly receiveMs: number;
  /** Header parse, signature and nonce. */
  readonly verifyMs: number;
  /** Waiting for a prediction slot (admission by stake). */
  readonly queueMs: number;
  /** Image decode to the model's square. */
  readonly decodeMs: number;
  /** The predictor's `predict`. */
  readonly predictMs: number;
  /** From arrival until the answer was written. */
  readonly totalMs: number;
}

/** The validator that asked, as its verified headers and the metagraph tell. */
export interface AnsweredValidator {
  /** ss58 hotkey, signature verified. */
  readonly hotkey: string;
  /** `bt_header_dendrite_version` (2004 for 2.0.4, 42 for 0.4.2); undefined when absent. */
  readonly version: number | undefined;
  /** The protocol generation the version implies; `unknown` without a version. */
  readonly generation: Generation;
  /** Its stake in the metagraph (0 when not registered but let in). */
  readonly stake: number;
}

/** One answered request, as `onAnswered` receives it. */
export interface AnsweredRequest {
  /** This axon's id of the request; also `reqId` on its log lines. */
  readonly id: string;
  readonly synapse: SynapseName;
  /** Arrival, ms since epoch (the injected clock). */
  readonly receivedAtMs: number;
  readonly validator: AnsweredValidator;
  /** The base64 image as sent (the request's own string, not a copy). */
  readonly image: string;
  /** The image decoded as the predictor saw it (the same object; a perceptual hash is taken from it). */
  readonly decoded?: RgbImage;
  /** The first backbone embedding a cascade stage computed (the same array), when one did. */
  readonly embedding?: Float32Array;
  /** The decoded image's perceptual hash, when the predictor computed one (its cache key). */
  readonly phash?: string;
  /** The p(roadwork) answered. */
  readonly prediction: number;
  /** The model (cascade) version that produced it. */
  readonly modelVersion: string;
  /** Each stage's output as the cascade reported it (a cache hit is one `cache` stage); empty when the predictor gives none. */
  readonly stages: readonly StageResult[];
  readonly timings: AnswerTimings;
}

/** The hook; may return a promise (not awaited by the axon). */
export type AnsweredHook = (answered: AnsweredRequest) => void | Promise<void>;

/** Calls an `AnsweredHook` off the answer's path, counting and logging its failures. */
export class AnsweredFeed {
  readonly #hook: AnsweredHook;
  readonly #errors: Metrics['answeredHookErrors'];
  readonly #hotkey: string;
  #failures = 0;

  /** `options.hotkey` labels the failures: the axon's own hotkey (default '', no label). */
  constructor(
    hook: AnsweredHook,
    metrics: Pick<Metrics, 'answeredHookErrors'>,
    options: { readonly hotkey?: string } = {},
  ) {
    this.#hook = hook;
    this.#errors = metrics.answeredHookErrors;
    this.#hotkey = options.hotkey ?? '';
  }

  /** Failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Schedules the hook with `build()`'s record on the next turn of the event loop (after I/O), so the
   * answer already written is flushed first; `log` is the request's logger.
   */
  notify(build: () => AnsweredRequest, log: () => Logger): void {
    setImmediate(() => {
      try {
        const pending = this.#hook(build());
        if (pending !== undefined) Promise.resolve(pending).catch((err: unknown) => this.#fail(err, log));
      } catch (err) {
        this.#fail(err, log);
      }
    });
  }

  #fail(err: unknown, log: () => Logger): void {
    this.#failures++;
    this.#errors.inc({ hotkey: this.#hotkey });
    // The first failure in full; later ones at debug (the counter has them all), so a broken hook cannot flood the log.
    if (this.#failures === 1) log().warn({ err }, 'The onAnswered hook failed; the answer was not affected');
    else log().debug({ err }, 'The onAnswered hook failed again');
  }
}
