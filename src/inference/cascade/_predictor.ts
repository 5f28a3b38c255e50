// The cascade as a Predictor: cache, TTA views, stages in order under the deadline, early exits, fusion.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, withTimeout, type Clock } from '../../core/clock/index.js';
import { RoadworkError, toRoadworkError } from '../../core/errors/index.js';
import { policyKey, type ImagePolicy, type RgbImage } from '../image/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import type { PredictOptions, Prediction, Predictor, PredictorStatus, StageResult } from './types.js';
import type { Runtime, RuntimeContext } from '../runtimes/types.js';
import type { CascadeConfig } from './_config.js';
import { FUSIONS, type Fusion } from './fusion.js';
import { buildViews } from './_tta.js';
import { RoutedPredictor } from './_route.js';
import type { Stage, StageOutcome, StageRecord } from './types.js';

/** A prediction cache (see src/inference/cache): a failure is a miss, never an error. */
export interface ResultCache {
  get(key: string): Promise<number | undefined>;
  set(key: string, value: number): Promise<void>;
}

/** What the cascade needs; built once by the composition root. */
export interface CascadeDeps {
  readonly runtime: RuntimeContext;
  readonly logger: Logger;
  /** Default `RUNTIMES`. */
  readonly runtimes?: Readonly<Record<string, Runtime>>;
  readonly clock?: Clock;
  readonly metrics?: Pick<Metrics, 'stageRuns' | 'stageExits' | 'stageSkips' | 'stageSeconds'>;
  /** With `hash`, answers are looked up before any stage runs and stored after. */
  readonly cache?: ResultCache;
  /** The cache key of an image (a perceptual hash). */
  readonly hash?: (image: RgbImage) => string;
  /** Overrides the config's fusion (e.g. a learned one). */
  readonly fusion?: Fusion;
  /** Stages already built (tests, custom kinds); default: built from the config. */
  readonly stages?: readonly Stage[];
}

/** One stage's line in `Prediction.stages`: the shared fields plus kind, exit, error and details. */
export interface CascadeStageResult extends StageResult {
  readonly kind: string;
  readonly exit?: 'positive' | 'negative';
  readonly error?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** The cascade predictor: a `Predictor` that also tells its stages and version. */
export interface CascadePredictor extends Predictor {
  readonly stages: readonly Stage[];
  /** Config, stage model versions and fusion, hashed; set once started. */
  version(): string | undefined;
}

/** Builds the cascade's stages from the config; nothing loads until `start()`. */
export function createCascadePredictor(config: CascadeConfig, deps: CascadeDeps): CascadePredictor {
  if (config.routes !== undefined) {
    const { stages: _given, ...shared } = deps;
    return new RoutedPredictor(
      config.routes,
      config.routes.map((route) => createCascadePredictor(route.config, shared)),
    );
  }
  const clock = deps.clock ?? systemClock();
  const stages =
    deps.stages ??
    config.stages.map((s) =>
      s.kind.create(s.common, s.config as never, {
        // One clock for the cascade and the runtimes under it: a deadline means the same to both.
        runtime: { ...deps.runtime, clock },
        clock,
        logger: deps.logger.child({ stage: s.common.name }),
        ...(deps.runtimes === undefined ? {} : { runtimes: deps.runtimes }),
      }),
    );
  const fusion = deps.fusion ?? FUSIONS[config.fusion.method]!(config.fusion.options);
  const timeouts = new Map(config.stages.map((s) => [s.common.name, s.common.timeoutMs]));
  return new Cascade(config, deps, clock, stages, fusion, timeouts);
}

class Cascade implements CascadePredictor {
  readonly stages: readonly Stage[];
  readonly #config: CascadeConfig;
  readonly #deps: CascadeDeps;
  readonly #clock: Clock;
  readonly #fusion: Fusion;
  readonly #timeouts: ReadonlyMap<string, number>;
  readonly #weights: Readonly<Record<string, number>>;
  readonly #needsViews: boolean;
  /** Answers being computed, by cache key: one run per image however many requests carry it. */
  readonly #inflight = new Map<string, Promise<Prediction>>();
  #version: string | undefined;
  #detail = 'not started';

  constructor(
    config: CascadeConfig,
    deps: CascadeDeps,
    clock: Clock,
    stages: readonly Stage[],
    fusion: Fusion,
    timeouts: ReadonlyMap<string, number>,
  ) {
    this.#config = config;
    this.#deps = deps;
    this.#clock = clock;
    this.stages = stages;
    this.#fusion = fusion;
    this.#timeouts = timeouts;
    this.#weights = Object.fromEntries(stages.map((s) => [s.name, s.weight]));
    this.#needsViews = config.tta.length > 1;
  }

  get input(): ImagePolicy {
    return this.#config.preprocess;
  }

  version(): string | undefined {
    return this.#version;
  }

  async start(): Promise<void> {
    this.#detail = 'loading models';
    const started = await Promise.allSettled(this.stages.map((s) => s.start()));
    const failed = started.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      await Promise.allSettled(this.stages.map((s) => s.close()));
      this.#detail = `stage ${this.stages[failed]!.name} failed to start`;
      throw (started[failed] as PromiseRejectedResult).reason;
    }
    const parts = [
      this.#config.fingerprint,
      policyKey(this.#config.preprocess),
      this.#fusion.version,
      ...this.stages.map((s) => s.status().version ?? s.name),
    ];
    this.#version = `cascade:${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 12)}`;
    this.#detail = `${this.stages.length} stage(s): ${this.stages.map((s) => `${s.name} (${s.kind})`).join(', ')}`;
  }

  async predict(image: RgbImage, options: PredictOptions): Promise<Prediction> {
    const version = this.#version;
    if (version === undefined) {
      throw new RoadworkError(
        'ERR_NOT_READY',
        'Cascade is not ready: start() has not finished; wait for readiness.',
      );
    }
    const { cache, hash } = this.#deps;
    const imageHash = cache !== undefined && hash !== undefined ? hash(image) : undefined;
    const key = imageHash === undefined ? undefined : `${imageHash}:${version}`;
    // Handed on with the answer, so the query log need not hash the image a second time.
    const hashed = imageHash === undefined ? {} : { imageHash };
    if (key === undefined) return this.#compute(image, options, version, undefined, hashed);
    const t = performance.now();
    const hit = await cache!.get(key).catch(() => undefined);
    const fromCache = (probability: number, embedding?: Float32Array): Prediction => {
      const cached: CascadeStageResult = {
        stage: 'cache',
        kind: 'cache',
        probability,
        ms: performance.now() - t,
      };
      return {
        probability,
        modelVersion: version,
        stages: [cached],
        ...(embedding === undefined ? {} : { embedding }),
        ...hashed,
      };
    };
    if (hit !== undefined) return fromCache(hit);
    // The same image already being answered (one validator's challenge reaching several of this
    // process's hotkeys at once): wait for that answer instead of running the stages again, but no
    // longer than this request's own deadline or abort (an earlier request may have more time). If it
    // fails (its request was cut off, a stage broke), this request runs them itself.
    const running = this.#inflight.get(key);
    if (running !== undefined) {
      const shared = await shareWithin(running, options, this.#clock);
      if (shared !== undefined) return fromCache(shared.probability, shared.embedding);
    }
    const computing = this.#compute(image, options, version, key, hashed);
    if (running === undefined) {
      this.#inflight.set(key, computing);
      void computing.catch(() => undefined).finally(() => this.#inflight.delete(key));
    }
    return computing;
  }

  async #compute(
    image: RgbImage,
    options: PredictOptions,
    version: string,
    key: string | undefined,
    hashed: { readonly imageHash?: string },
  ): Promise<Prediction> {
    const cache = this.#deps.cache;
    const views = this.#needsViews ? buildViews(image, this.#config.tta) : [image];
    const records: StageRecord[] = [];
    const endMs = options.deadlineMs - this.#config.marginMs;
    for (const stage of this.stages) {
      if (options.signal?.aborted) {
        records.push(this.#skip(stage, 'aborted', 0));
        break;
      }
      const remainingMs = endMs - this.#clock.nowMs();
      if (stage.expectedMs() > remainingMs) {
        records.push(
          this.#skip(
            stage,
            'deadline',
            0,
            `expects ${Math.round(stage.expectedMs())} ms, ${Math.round(remainingMs)} ms left`,
          ),
        );
        continue;
      }
      const record = await this.#run(stage, image, views, records, endMs, options.signal);
      records.push(record);
      if (record.outcome?.exit !== undefined) break;
    }
    const p = this.#fusion.fuse(records, this.#weights);
    if (p === undefined) throw this.#noAnswer(records);
    if (key !== undefined) void cache!.set(key, p).catch(() => undefined);
    const embedding = records.find((r) => r.outcome?.embedding !== undefined)?.outcome?.embedding;
    return {
      probability: p,
      modelVersion: version,
      stages: records.map(toResult),
      ...(embedding === undefined ? {} : { embedding }),
      ...hashed,
    };
  }

  async #run(
    stage: Stage,
    image: RgbImage,
    views: readonly RgbImage[],
    results: readonly StageRecord[],
    endMs: number,
    signal: AbortSignal | undefined,
  ): Promise<StageRecord> {
    const limitMs = this.#timeouts.get(stage.name) ?? 0;
    const nowMs = this.#clock.nowMs();
    const deadlineMs = limitMs > 0 ? Math.min(endMs, nowMs + limitMs) : endMs;
    const abort = new AbortController();
    const stageSignal = signal === undefined ? abort.signal : AbortSignal.any([signal, abort.signal]);
    const t = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadlineMs - nowMs));
    });
    const running = stage.run({ image, views, deadlineMs, signal: stageSignal, results });
    // A stage cut off may still settle later; its answer (or error) is simply dropped.
    running.catch(() => undefined);
    try {
      const outcome: StageOutcome | 'timeout' = await Promise.race([running, cutOff]);
      const ms = performance.now() - t;
      if (outcome === 'timeout') {
        abort.abort(
          new RoadworkError('ERR_STAGE_TIMEOUT', `Stage ${stage.name} ran past its budget; cut off.`),
        );
        return this.#skip(stage, 'timeout', ms, `no answer within ${Math.round(deadlineMs - nowMs)} ms`);
      }
      checkOutcome(stage, outcome);
      const m = this.#deps.metrics;
      m?.stageRuns.inc({ stage: stage.name, kind: stage.kind });
      m?.stageSeconds.observe({ stage: stage.name }, ms / 1000);
      if (outcome.exit !== undefined) m?.stageExits.inc({ stage: stage.name, exit: outcome.exit });
      return { stage: stage.name, kind: stage.kind, ms, outcome };
    } catch (err) {
      const reason = signal?.aborted ? 'aborted' : 'error';
      return this.#skip(stage, reason, performance.now() - t, toRoadworkError(err).message, err);
    } finally {
      clearTimeout(timer);
    }
  }

  #skip(
    stage: Stage,
    reason: string,
    ms: number,
    why?: string,
    err?: unknown,
  ): StageRecord & { cause?: unknown } {
    this.#deps.metrics?.stageSkips.inc({ stage: stage.name, reason });
    this.#deps.logger.warn(
      { stage: stage.name, kind: stage.kind, reason, detail: why },
      'Cascade stage skipped',
    );
    return {
      stage: stage.name,
      kind: stage.kind,
      ms,
      skipped: reason,
      ...(why === undefined ? {} : { error: why }),
      ...(err === undefined ? {} : { cause: err }),
    };
  }

  #noAnswer(records: readonly (StageRecord & { cause?: unknown })[]): RoadworkError {
    const failed = records.find((r) => r.cause !== undefined);
    if (failed !== undefined) return toRoadworkError(failed.cause);
    const why = records.map((r) => `${r.stage}: ${r.skipped ?? 'no evidence'}`).join(', ');
    return new RoadworkError(
      'ERR_STAGE_TIMEOUT',
      `No cascade stage produced an answer in time: ${why}; raise the deadline or lower expected_ms.`,
    );
  }

  status(): PredictorStatus {
    const statuses = this.stages.map((s) => s.status());
    // A model whose every worker is down (crashing, cooling down) cannot answer: not ready, and why.
    const down = this.#deps.runtime.pools?.down() ?? [];
    return {
      ready: this.#version !== undefined && statuses.every((s) => s.ready) && down.length === 0,
      ...(this.#version === undefined ? {} : { modelVersion: this.#version }),
      detail: down.length === 0 ? this.#detail : `no live worker for: ${down.join(', ')}`,
    };
  }

  async close(): Promise<void> {
    this.#version = undefined;
    this.#detail = 'closed';
    await Promise.allSettled(this.stages.map((s) => s.close()));
  }
}

/**
 * `running`'s answer, or undefined if it fails; rejects with ERR_DEADLINE_EXCEEDED when the waiting
 * request's deadline passes or its signal aborts first, so a follower never holds its slot (and its
 * caller) past its own time.
 */
function shareWithin(
  running: Promise<Prediction>,
  options: PredictOptions,
  clock: Clock,
): Promise<Prediction | undefined> {
  const cutOff = (why: string) => () =>
    new RoadworkError('ERR_DEADLINE_EXCEEDED', `${why} while waiting for the same image answered in flight`);
  return withTimeout(
    running.catch(() => undefined),
    Math.max(0, options.deadlineMs - clock.nowMs()),
    cutOff('Deadline passed'),
    options.signal,
    cutOff('Request aborted'),
  );
}

function checkOutcome(stage: Stage, outcome: StageOutcome): void {
  const p = outcome.probability;
  if (p !== undefined && !(Number.isFinite(p) && p >= 0 && p <= 1)) {
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `Stage ${stage.name} answered a probability outside [0, 1]: ${p}.`,
    );
  }
}

function toResult(r: StageRecord): CascadeStageResult {
  return {
    stage: r.stage,
    kind: r.kind,
    ms: Math.round(r.ms * 100) / 100,
    ...(r.outcome?.probability === undefined ? {} : { probability: r.outcome.probability }),
    ...(r.outcome?.exit === undefined ? {} : { exit: r.outcome.exit }),
    ...(r.outcome?.detail === undefined ? {} : { detail: r.outcome.detail }),
    ...(r.skipped === undefined ? {} : { skipped: r.skipped }),
    ...(r.error === undefined ? {} : { error: r.error }),
  };
}
