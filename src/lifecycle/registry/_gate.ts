// The promotion gate: candidate and production scored offline on the same fixed challenges.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createCascadePredictor, loadCascadeConfig } from '../../inference/cascade/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import {
  DEFAULT_SYNTH_IMAGES,
  evaluateOffline,
  isChallengeSetSource,
  openEvalData,
  type EvalSource,
  type OutputStream,
} from '../../validation/eval/index.js';
import { isChallengeSet } from '../../validation/validator/index.js';
import type { RuntimeContext } from '../../inference/runtimes/types.js';
import type { LabelledImageSource } from '../../data/sources/index.js';
import type { ValidatorProtocol } from '../../wire/protocol/index.js';
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
  /** Where each scoring run shows its progress line (stderr in the CLI); none when absent. */
  readonly progress?: OutputStream;
}

/** The folder under `data_dir` whose challenge set is the default gate (`roadwork challenges --out`). */
export const GATE_SET_DIR = 'gate';

/** The challenge set a promotion is judged on, how it was named, and why it may not be trusted. */
export interface GateSet {
  readonly source: EvalSource;
  /** `--challenges` as given, or the default that was chosen. */
  readonly spec: string;
  /** Set when the gate is procedural scenes: it cannot tell a better model from a worse one. */
  readonly warning?: string;
}

/**
 * Opens the gate set: `spec` when given; else the challenge set in `<dataDir>/gate` when one was
 * written there; else `synth:200` procedural scenes, with a warning: every model scores near chance
 * on them, so that gate passes or refuses at random.
 */
export async function openGateSet(spec: string | undefined, dataDir: string): Promise<GateSet> {
  const configured = join(dataDir, GATE_SET_DIR);
  const chosen = spec ?? ((await isChallengeSet(configured)) ? configured : `synth:${DEFAULT_SYNTH_IMAGES}`);
  const source = await openEvalData(chosen);
  if (!/^synth(:|$)/.test(chosen)) return { source, spec: chosen };
  return {
    source,
    spec: chosen,
    warning:
      `The promotion gate is scoring procedural scenes (${chosen}), on which every model scores near chance: ` +
      `this gate cannot tell a better model from a worse one. Write a gate set of real labelled images once, ` +
      `e.g. roadwork challenges --data REAL_IMAGES --n 400 --out ${configured} (promote uses it by default ` +
      `from then on), or pass --challenges DIR.`,
  };
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
      ...(options.progress && { progress: options.progress }),
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
  /** What the gate set was (`--challenges` or the default chosen), recorded in the history. */
  readonly gate?: string;
  /** Told what the gate is doing before each scoring run (they can take minutes). */
  readonly log?: (line: string) => void;
}

/** What a promotion did. */
export interface PromotionResult {
  readonly version: ModelVersion;
  readonly previous?: ModelVersion;
  readonly candidate?: GateScore;
  readonly production?: GateScore;
  readonly margin: number;
  readonly forced: boolean;
  /** It was production already: nothing was scored or recorded. */
  readonly unchanged?: boolean;
}

/**
 * Makes `id` production when it beats the current production by `margin` in MCC on the same
 * challenges; otherwise fails with ERR_PROMOTION_REFUSED giving both numbers. A store without a
 * production has nothing to beat: the CLI seeds it with the bundled starter first (`ensureProduction`).
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
  if (previous?.id === version.id) return { version, previous, margin, forced: false, unchanged: true };
  await verifyBundle(version.dir);
  let candidate: GateScore | undefined;
  let production: GateScore | undefined;
  if (previous !== undefined && !forced) {
    if (options.evaluate === undefined) {
      throw new RoadworkError('ERR_CONFIG_INVALID', 'Promotion needs an evaluator or force: none given.');
    }
    options.log?.(
      `Scoring production ${previous.id} on the gate set${options.gate ? ` (${options.gate})` : ''}…`,
    );
    production = await options.evaluate(previous.dir);
    options.log?.(
      `Production ${previous.id}: MCC ${production.mcc.toFixed(4)} on ${production.n} challenges. Scoring candidate ${version.id}…`,
    );
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
    ...(options.gate !== undefined && !forced ? { gate: options.gate } : {}),
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
