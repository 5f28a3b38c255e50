/** The local validator loop: challenges → signed requests → the subnet's scoring, bounded and stoppable. */
import { dendriteLane } from '../index.js';
import type { AxonTarget, Dendrite } from '../../../wire/protocol/index.js';
import {
  type Challenge,
  type ChallengePlan,
  type ScoreUpdate,
  ChallengeSequence,
  ScoreBoard,
  runChallenges,
} from '../../validator/index.js';
import type { Rng } from '../../../core/random/index.js';

/** One scored answer. */
export interface LocalAnswer {
  readonly i: number;
  readonly challenge: Omit<Challenge, 'imageB64'>;
  /** The miner's answer, or -1 when it gave none in time. */
  readonly prediction: number;
  readonly statusCode: number;
  readonly latencyMs: number;
  readonly score: ScoreUpdate;
}

/** Options of `runLocalValidator`. */
export interface LocalLoopOptions {
  readonly target: AxonTarget;
  /** One dendrite per lane: a dendrite's nonces must reach the axon in order, so lanes never share one. */
  readonly dendrites: readonly Dendrite[];
  /** What challenges are drawn from, under which generation's rules. */
  readonly plan: ChallengePlan;
  readonly rng: Rng;
  /** Stop after this many challenges; default: until aborted. */
  readonly count?: number;
  /** Pause between challenges per lane, ms; default 0. */
  readonly intervalMs?: number;
  /** The validator's timeout, seconds (9 on the subnet). */
  readonly timeoutS?: number;
  readonly signal?: AbortSignal;
  readonly onAnswer?: (answer: LocalAnswer) => void;
}

/**
 * Runs the loop until `count` or abort; resolves with the score board. Challenges come from one
 * seeded sequence (challenge i does not depend on lane timing) and are scored in index order.
 */
export async function runLocalValidator(options: LocalLoopOptions): Promise<ScoreBoard> {
  const board = new ScoreBoard();
  const lanes = options.dendrites.map((d) => dendriteLane(d, options.target, { timeoutS: options.timeoutS }));
  await runChallenges(new ChallengeSequence(options.plan, options.rng), lanes, {
    count: options.count,
    intervalMs: options.intervalMs,
    signal: options.signal,
    onResult: ({ i, challenge, answer }) => {
      const score = board.record(answer.prediction === -1 ? null : answer.prediction, challenge.label);
      options.onAnswer?.({
        i,
        challenge,
        prediction: answer.prediction,
        statusCode: answer.statusCode,
        latencyMs: answer.latencyMs,
        score,
      });
    },
  });
  return board;
}
