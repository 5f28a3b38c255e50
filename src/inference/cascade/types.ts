/**
 * The cascade's contracts: the `Predictor` it is (plain data in, plain data out, no transport), its
 * stages, what they see, what they answer, and how kinds build them.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock/index.js';
import type { InputPolicy, RgbImage } from '../image/index.js';
import type { Capability, Runtime, RuntimeContext } from '../runtimes/types.js';

/** Where a stage exited the cascade, if it did. */
export type Exit = 'positive' | 'negative';

/** What one stage answers. No evidence (e.g. no text found) is `probability: undefined`, never 0.5. */
export interface StageOutcome {
  readonly probability?: number;
  readonly exit?: Exit;
  /** Numbers and labels for logs, eval reports and the query store (counts, matches, batch size). */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** The backbone embedding of the image (not its TTA views) when the stage computed one; kept by reference. */
  readonly embedding?: Float32Array;
}

/** One stage that ran, or was skipped, in this request. */
export interface StageRecord {
  readonly stage: string;
  readonly kind: string;
  readonly ms: number;
  readonly outcome?: StageOutcome;
  /** Why it did not contribute: `deadline`, `timeout`, `error`, `aborted`. */
  readonly skipped?: string;
  readonly error?: string;
}

/** What a stage sees. */
export interface StageContext {
  /** The request image as decoded. */
  readonly image: RgbImage;
  /** Test-time-augmentation views, `views[0]` is the image itself; stages with `tta: false` use only it. */
  readonly views: readonly RgbImage[];
  /** Absolute deadline for this stage, ms since epoch (never later than the request's). */
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  /** Earlier stages of this request, in order. */
  readonly results: readonly StageRecord[];
}

/** Readiness of one stage. */
export interface StageStatus {
  readonly ready: boolean;
  /** Identifies models and settings; part of the cascade version. */
  readonly version?: string;
  readonly detail?: string;
}

/** One step of the cascade. */
export interface Stage {
  readonly name: string;
  readonly kind: string;
  /** Log-odds weight in fusion (0: the stage only gates, it never moves p). */
  readonly weight: number;
  /** Loads models and warms them up. */
  start(): Promise<void>;
  run(ctx: StageContext): Promise<StageOutcome>;
  /** Expected wall time of one run, ms: the configured prior, then a moving average of real runs. */
  expectedMs(): number;
  status(): StageStatus;
  close(): Promise<void>;
}

/** Fields every stage config has, whatever its kind. */
export interface StageCommon {
  readonly name: string;
  readonly kind: string;
  readonly weight: number;
  readonly expectedMs: number;
  /** Cut-off for one run, ms (0: only the request deadline). */
  readonly timeoutMs: number;
  /** Run on every TTA view (kinds that support it) or only on the image. */
  readonly tta: boolean;
}

/** What a stage kind may use; built once by the composition root. */
export interface StageDeps {
  readonly runtime: RuntimeContext;
  readonly runtimes?: Readonly<Record<string, Runtime>>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A reader over raw config that names the path of every bad value (see `_config.ts`). */
export interface ConfigReader {
  readonly path: string;
  /** The raw value at this path. */
  readonly value: unknown;
  /** A child reader, e.g. `at('detectors').at(0)`. */
  at(key: string | number): ConfigReader;
  has(key: string): boolean;
  string(key: string, fallback?: string): string;
  number(key: string, fallback?: number, range?: { min?: number; max?: number }): number;
  boolean(key: string, fallback?: boolean): boolean;
  /** A file path resolved against the config file's folder; a number reads an entry of this list. */
  file(key: string | number): string;
  list(key: string): ConfigReader[];
  /** Fails on keys outside `known`, listing the valid ones. */
  only(known: readonly string[]): void;
  fail(message: string): never;
}

/** One model a stage loads, as `roadwork models` lists and pulls it. */
export interface StageModel {
  readonly role: string;
  readonly runtime: string;
  readonly model: string;
  /** What the stage loads it as, and with which runtime options (absent for plain files). */
  readonly capability?: Capability;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** A stage kind: validates its own config and builds the stage. */
export interface StageKind<C = unknown> {
  readonly description: string;
  /** Keys the kind accepts besides the common ones. */
  readonly keys: readonly string[];
  parse(reader: ConfigReader): C;
  create(common: StageCommon, config: C, deps: StageDeps): Stage;
  /** Model references, for `roadwork models list/pull`. */
  models(config: C): readonly StageModel[];
}

/** Per-request options the caller passes down. */
export interface PredictOptions {
  /** Absolute deadline, ms since epoch; work that cannot finish by then is skipped or aborted. */
  readonly deadlineMs: number;
  /** Aborted when the caller goes away or the deadline passes. */
  readonly signal?: AbortSignal;
}

/** What a predictor answers. */
export interface Prediction {
  /** p(roadwork) in [0, 1]. */
  readonly probability: number;
  /** The model version that produced it (for caches, logs and the query store). */
  readonly modelVersion: string;
  /** Optional per-stage details (the cascade fills these). */
  readonly stages?: readonly StageResult[];
  /** The first backbone embedding a stage computed for this image (a reference, for the query log). */
  readonly embedding?: Float32Array;
  /** The image's perceptual hash when the cascade computed one (its answer cache's key). */
  readonly imageHash?: string;
}

/** One stage's contribution to a prediction. */
export interface StageResult {
  readonly stage: string;
  readonly probability?: number;
  readonly skipped?: string;
  readonly ms: number;
}

/** Anything that turns an image into p(roadwork). Implementations run models off the event loop. */
export interface Predictor {
  /**
   * How images must be prepared before `predict` (decode with `decodeImage(bytes, { policy })`): the
   * policy the models were trained with, or one per source size (a routed cascade). Absent: the default policy.
   */
  readonly input?: InputPolicy;
  /** Loads and warms up models; resolves when `predict` is ready to serve. */
  start(): Promise<void>;
  predict(image: RgbImage, options: PredictOptions): Promise<Prediction>;
  /** Readiness details for `/health/ready`. */
  status(): PredictorStatus;
  /** Finishes in-flight work, then releases models and workers. */
  close(): Promise<void>;
}

/** What `/health/ready` reports about the predictor. */
export interface PredictorStatus {
  readonly ready: boolean;
  readonly modelVersion?: string;
  readonly workers?: number;
  readonly detail?: string;
}
