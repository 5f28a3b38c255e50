/** The two eval modes: signed requests to an axon (online), or the predictor called in-process (offline). */
import { tmpdir } from 'node:os';
import { silentLogger } from '../../core/log/index.js';
import { createCascadePredictor, defaultCascadeConfig } from '../../inference/cascade/index.js';
import type { Predictor } from '../../inference/cascade/types.js';
import { createDendrite } from '../../wire/protocol/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { VALIDATOR_TIMEOUT_S, dendriteLane, predictorLane } from './_lanes.js';
import { runEval, type EvalResult, type EvalRunOptions } from './_run.js';
import { parseAxonTarget, probeAxon } from './_target.js';

/** Options of `evaluateAxon`. */
export interface OnlineEvalOptions extends EvalRunOptions {
  /** `http://HOST:PORT` of the axon. */
  readonly axon: string;
  /** The miner's ss58 hotkey (requests are signed for it). */
  readonly axonHotkey: string;
  /** One signer per simulated validator. */
  readonly signers: readonly Signer[];
  /** Lanes per validator, each with its own dendrite; default 1. */
  readonly concurrency?: number;
  /** Default 9 s, the validators' timeout. */
  readonly timeoutS?: number;
}

/**
 * Evaluates a running miner over HTTP with real signed `ImageSynapse` requests: validators ×
 * concurrency lanes, one dendrite each, so every dendrite's nonces reach the axon in order.
 */
export async function evaluateAxon(options: OnlineEvalOptions): Promise<EvalResult> {
  const target = parseAxonTarget(options.axon, options.axonHotkey);
  await probeAxon(target);
  const concurrency = options.concurrency ?? 1;
  const dendrites = options.signers.flatMap((signer) =>
    Array.from({ length: concurrency }, () => createDendrite({ signer })),
  );
  try {
    return await runEval(
      dendrites.map((d) => dendriteLane(d, target, { timeoutS: options.timeoutS ?? VALIDATOR_TIMEOUT_S })),
      {
        ...options,
        description: {
          mode: 'online',
          axon: options.axon,
          axon_hotkey: options.axonHotkey,
          validators: options.signers.length,
          concurrency,
          ...bounds(options),
        },
      },
    );
  } finally {
    for (const d of dendrites) d.close();
  }
}

/** Options of `evaluateOffline`. */
export interface OfflineEvalOptions extends EvalRunOptions {
  /** What is scored, as the report shows it: a cascade config, a model file (loaded when `predictor` is absent). */
  readonly model: string;
  /**
   * The predictor to score, e.g. a cascade (it is started and closed here either way); default `model`
   * as one ONNX `classifier` stage, the cascade `serve` builds for `model.path`.
   */
  readonly predictor?: Predictor;
  /** Lanes, and worker threads of the loaded model; default 1. */
  readonly concurrency?: number;
  readonly timeoutS?: number;
}

/** Evaluates a model without HTTP: the same challenges and decoding as online mode, the same scoring. */
export async function evaluateOffline(options: OfflineEvalOptions): Promise<EvalResult> {
  const concurrency = options.concurrency ?? 1;
  const predictor = options.predictor ?? (await classifierCascade(options.model, concurrency));
  await predictor.start();
  try {
    const lane = predictorLane(predictor, { timeoutS: options.timeoutS ?? VALIDATOR_TIMEOUT_S });
    return await runEval(
      Array.from({ length: concurrency }, () => lane),
      {
        ...options,
        description: {
          mode: 'offline',
          model: options.model,
          validators: 1,
          concurrency,
          ...bounds(options),
        },
      },
    );
  } finally {
    await predictor.close();
  }
}

async function classifierCascade(model: string, workers: number): Promise<Predictor> {
  const logger = silentLogger();
  // A local file on the CPU: the hub cache is never read, so any folder will do.
  const runtime = { cacheDir: tmpdir(), offline: true, device: 'cpu' as const, workers, logger };
  return createCascadePredictor(await defaultCascadeConfig({ modelPath: model }), { runtime, logger });
}

function bounds(options: EvalRunOptions): { rate_per_s?: number; duration_s?: number } {
  return {
    ...(options.ratePerS === undefined ? {} : { rate_per_s: options.ratePerS }),
    ...(options.durationMs === undefined ? {} : { duration_s: options.durationMs / 1000 }),
  };
}
