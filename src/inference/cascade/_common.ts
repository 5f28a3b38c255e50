// Pieces every stage kind shares: model references, exit thresholds, a latency prior, logit averaging.
import { logit, sigmoid } from '../heads/index.js';
import { servesByName } from '../runtimes/index.js';
import type { ModelRef } from '../runtimes/types.js';
import type {
  ConfigReader,
  Exit,
  Stage,
  StageCommon,
  StageContext,
  StageOutcome,
  StageStatus,
} from './types.js';

/** Reads `{ runtime, model, options }`; `runtime` defaults to `onnx`, `model` resolves against the config. */
export function readModelRef(r: ConfigReader, defaultRuntime = 'onnx'): ModelRef {
  r.only(['runtime', 'model', 'options']);
  return readModelKeys(r, defaultRuntime);
}

/**
 * Reads the `runtime`, `model` and `options` keys of `r` (which may hold others, as a `classifier`
 * stage does); `model` is a path resolved against the config unless the runtime names models.
 */
export function readModelKeys(r: ConfigReader, defaultRuntime = 'onnx'): ModelRef {
  const options = r.has('options') ? r.at('options').value : undefined;
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    r.at('options').fail(`must be a mapping: ${JSON.stringify(options)}`);
  }
  const runtime = r.string('runtime', defaultRuntime);
  return Object.freeze({
    runtime,
    // A model behind a server is a name the server knows, never a file here: "qwen2-vl" resolved
    // against the config folder would reach the server as a path and 404.
    model: servesByName(runtime) ? r.string('model') : r.file('model'),
    ...(options === undefined ? {} : { options: options as Record<string, unknown> }),
  });
}

/** Exit thresholds: leave the cascade early when p ≥ high or p ≤ low. */
export interface ExitRule {
  readonly high: number;
  readonly low: number;
}

/**
 * Reads `exit: { high, low }`; without defaults and without the key, the stage never exits. `false`
 * turns one side off (`exit: { high: 0.7, low: false }`: sure positives leave, the rest go on).
 */
export function readExit(r: ConfigReader, defaults?: ExitRule): ExitRule | undefined {
  if (!r.has('exit')) return defaults;
  const e = r.at('exit');
  if (e.value === false) return undefined;
  e.only(['high', 'low']);
  // One side may be `false`: no exit on that side (high 2 and low -1 are never reached).
  const side = (key: 'high' | 'low', off: number, min: number, max: number): number => {
    const v = e.has(key) ? e.at(key).value : (defaults?.[key] ?? off);
    if (v === false) return off;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      e.at(key).fail(
        `must be a number in [${min}, ${max}], or false for no exit on that side: ${JSON.stringify(v)}`,
      );
    return v as number;
  };
  const high = side('high', 2, 0, 2);
  const low = side('low', -1, -1, 1);
  if (low >= high) e.fail(`low must be below high: ${low} ≥ ${high}`);
  return { high, low };
}

/** The exit `p` earns under `rule`. */
export function exitFor(p: number, rule: ExitRule | undefined): Exit | undefined {
  if (rule === undefined) return undefined;
  return p >= rule.high ? 'positive' : p <= rule.low ? 'negative' : undefined;
}

/** `σ(mean(logit(p_i)))`: TTA views agree in log-odds space, where a confident view counts fully. */
export function meanInLogOdds(ps: readonly number[]): number {
  if (ps.length === 1) return ps[0]!;
  return sigmoid(ps.reduce((s, p) => s + logit(p), 0) / ps.length);
}

/** A logistic map `p = σ(bias + slope · x)`, for counts and matches. */
export interface LogisticMap {
  readonly bias: number;
  readonly slope: number;
}

/** Reads `key: { bias, slope }`. */
export function readMap(r: ConfigReader, key: string, defaults: LogisticMap): LogisticMap {
  if (!r.has(key)) return defaults;
  const m = r.at(key);
  m.only(['bias', 'slope']);
  return { bias: m.number('bias', defaults.bias), slope: m.number('slope', defaults.slope) };
}

/** Expected run time: the configured prior until runs are seen, then an exponential moving average. */
export class LatencyPrior {
  #ms: number;
  #seen = 0;

  constructor(priorMs: number) {
    this.#ms = priorMs;
  }

  expected(): number {
    return this.#ms;
  }

  observe(ms: number): void {
    // The first real runs replace the guess quickly; later ones only nudge it.
    const alpha = this.#seen < 5 ? 0.5 : 0.1;
    this.#seen++;
    this.#ms = this.#ms + alpha * (ms - this.#ms);
  }
}

/** The kind-specific part of a stage; `defineStage` adds naming, latency tracking and status. */
export interface StageBody {
  start(): Promise<string>;
  run(ctx: StageContext): Promise<StageOutcome>;
  close(): Promise<void>;
}

/** Builds a `Stage` from its common config and a body; `start()` resolves the body's version. */
export function defineStage(common: StageCommon, body: StageBody): Stage {
  const latency = new LatencyPrior(common.expectedMs);
  let version: string | undefined;
  let detail = 'not started';
  return Object.freeze({
    name: common.name,
    kind: common.kind,
    weight: common.weight,
    async start() {
      detail = 'starting';
      try {
        version = await body.start();
        detail = 'ready';
      } catch (err) {
        detail = `failed: ${err instanceof Error ? err.message : String(err)}`;
        throw err;
      }
    },
    async run(ctx: StageContext) {
      const t = performance.now();
      const outcome = await body.run(ctx);
      latency.observe(performance.now() - t);
      return outcome;
    },
    expectedMs: () => latency.expected(),
    status: (): StageStatus => ({
      ready: version !== undefined,
      ...(version === undefined ? {} : { version }),
      detail,
    }),
    async close() {
      detail = 'closed';
      await body.close();
    },
  });
}
