// The promotion gate: candidate and production scored offline on the same fixed challenges.
import type { Logger } from 'pino';
import { createCascadePredictor, loadCascadeConfig } from '../cascade/index.js';
import { RoadworkError } from '../errors/index.js';
import { evaluateOffline, isChallengeSetSource, type EvalSource } from '../eval/index.js';
import type { RuntimeContext } from '../runtimes/types.js';
import type { LabelledImageSource, ValidatorProtocol } from '../validator/index.js';
import { verifyBundle } from './_bundle.js';
import {
  getVersion,
  productionVersion,
  recordPromotion,
  type ModelVersion,
  type RegistryDeps,
} from './_registry.js';

/** A version's score on the challenge set. */
export interface GateScore {
  readonly mcc: number;
  readonly accuracy: number;
  readonly n: number;
}

/** Scores a bundle folder; the same function scores candidate and production. */
export type BundleEvaluator = (dir: string) => Promise<GateScore>;

/** Options of `challengeEvaluator`. */
export interface ChallengeEvaluatorOptions {
  /** A challenge set (`roadwork challenges`), labelled images or synthetic scenes (`openEvalData`). */
  readonly source: EvalSource;
  /** Seed of the challenges drawn from images (a challenge set carries its own). */
  readonly seed: string;
  /** Challenges drawn from images; a challenge set is replayed whole. */
  readonly count: number;
  /** The validator generation the drawn challenges imitate (default 0.4); a set has its own. */
  readonly protocol?: ValidatorProtocol;
  /** 0.4's synthetic third; default procedural scenes. */
  readonly synthetic?: LabelledImageSource;
  readonly runtime: RuntimeContext;
  readonly logger: Logger;
}

/** An evaluator that runs a bundle's cascade (verified first) through offline eval. */
export function challengeEvaluator(options: ChallengeEvaluatorOptions): BundleEvaluator {
  return async (dir) => {
    const manifest = await verifyBundle(dir);
    const config = await loadCascadeConfig(`${dir}/${manifest.config}`);
    const predictor = createCascadePredictor(config, { runtime: options.runtime, logger: options.logger });
    const count = isChallengeSetSource(options.source) ? options.source.entries.length : options.count;
    const { report } = await evaluateOffline({
      source: options.source,
      seed: options.seed,
      count,
      model: manifest.id,
      predictor,
      ...(options.protocol && { protocol: options.protocol }),
      ...(options.synthetic && { synthetic: options.synthetic }),
    });
    return { mcc: report.mcc, accuracy: report.accuracy, n: report.n };
  };
}

/** Options of `promoteVersion`. */
export interface PromoteOptions {
  /** Scores versions; required unless `force` or there is no production yet. */
  readonly evaluate?: BundleEvaluator;
  /** The candidate's MCC must reach production's plus this. Default 0.02. */
  readonly margin?: number;
  /** Skip the gate (recorded in the history). */
  readonly force?: boolean;
}

/** What a promotion did. */
export interface PromotionResult {
  readonly version: ModelVersion;
  readonly previous?: ModelVersion;
  readonly candidate?: GateScore;
  readonly production?: GateScore;
  readonly margin: number;
  readonly forced: boolean;
}

/**
 * Makes `id` production when it beats the current production by `margin` in MCC on the same
 * challenges; otherwise fails with ERR_PROMOTION_REFUSED giving both numbers. The first promotion
 * has nothing to beat.
 */
export async function promoteVersion(
  id: string,
  deps: RegistryDeps,
  options: PromoteOptions = {},
): Promise<PromotionResult> {
  const version = getVersion(deps.store, id);
  const margin = options.margin ?? 0.02;
  const previous = productionVersion(deps.store);
  const forced = options.force ?? false;
  if (previous?.id === version.id) return { version, previous, margin, forced };
  await verifyBundle(version.dir);
  let candidate: GateScore | undefined;
  let production: GateScore | undefined;
  if (previous !== undefined && !forced) {
    if (options.evaluate === undefined) {
      throw new RoadworkError('ERR_CONFIG_INVALID', 'Promotion needs an evaluator or force: none given.');
    }
    production = await options.evaluate(previous.dir);
    candidate = await options.evaluate(version.dir);
    if (!(candidate.mcc >= production.mcc + margin)) {
      throw new RoadworkError(
        'ERR_PROMOTION_REFUSED',
        `Promotion refused, ${version.id} does not beat production ${previous.id} by ${margin}: MCC ${candidate.mcc.toFixed(4)} vs ${production.mcc.toFixed(4)} on ${candidate.n} challenges (needs ≥ ${(production.mcc + margin).toFixed(4)}). Train a better model, lower --margin, or pass --force.`,
      );
    }
  }
  recordPromotion(deps.store, version.id, deps.clock.nowMs(), {
    margin,
    forced,
    previous: previous?.id ?? null,
    ...(candidate ? { candidate, production } : {}),
  });
  return {
    version,
    margin,
    forced,
    ...(previous ? { previous } : {}),
    ...(candidate ? { candidate } : {}),
    ...(production ? { production } : {}),
  };
}
