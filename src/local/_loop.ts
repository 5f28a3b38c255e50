/** The local validator loop: challenges → signed requests → the subnet's scoring, bounded and stoppable. */
import type { Challenge, LabelledImageSource, Rng, ScoreUpdate } from '../validator/index.js';
import { ScoreBoard, createChallenge } from '../validator/index.js';
import { imageSynapse, type AxonTarget, type Dendrite } from '../protocol/index.js';

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
  readonly source: LabelledImageSource;
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

/** Runs the loop until `count` or abort; resolves with the score board. */
export async function runLocalValidator(options: LocalLoopOptions): Promise<ScoreBoard> {
  const board = new ScoreBoard();
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  let issued = 0;
  // Challenges are drawn in one sequence from the seeded rng, so a run is repeatable for one lane.
  const next = async (): Promise<{ i: number; challenge: Challenge } | undefined> => {
    if (issued >= limit || options.signal?.aborted) return undefined;
    const i = issued++;
    return { i, challenge: await createChallenge(options.source, options.rng) };
  };
  const lane = async (dendrite: Dendrite) => {
    for (let job = await next(); job; job = await next()) {
      const result = await dendrite.call(options.target, imageSynapse(job.challenge.imageB64), {
        timeoutS: options.timeoutS ?? 9,
      });
      const raw = result.ok ? result.fields?.prediction : undefined;
      const prediction = typeof raw === 'number' && Number.isFinite(raw) ? raw : -1;
      const score = board.record(prediction === -1 ? null : prediction, job.challenge.label);
      const { imageB64: _drop, ...challenge } = job.challenge;
      options.onAnswer?.({
        i: job.i,
        challenge,
        prediction,
        statusCode: result.statusCode,
        latencyMs: result.elapsedMs,
        score,
      });
      if (options.intervalMs) await sleep(options.intervalMs, options.signal);
    }
  };
  await Promise.all(options.dendrites.map(lane));
  return board;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
