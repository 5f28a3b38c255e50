/** The validator's request loop without transport: challenges drawn in sequence, answered by lanes, delivered in order. */
import type { StageResult } from '../../inference/cascade/types.js';
import { drawChallenge, type Challenge, type ChallengePlan } from './challenge.js';
import type { Rng } from '../../core/random/index.js';

/** What a lane made of one challenge. */
export interface LaneAnswer {
  /** The answer as the validator stores it: -1 when none came in time or it was not a number. */
  readonly prediction: number;
  /** The dendrite's status code: 200 ok, 408 timeout, 503 unreachable, the axon's code otherwise. */
  readonly statusCode: number;
  readonly latencyMs: number;
  /** Why there was no answer: the axon's error code (or the dendrite's), and its message. */
  readonly code?: string;
  readonly reason?: string;
  /** True when the axon could not be reached at all (connection refused): the miner is down. */
  readonly unreachable?: boolean;
  /** Per-stage details, when the answerer can see them (offline, a cascade). */
  readonly stages?: readonly StageResult[];
}

/** Answers one challenge. A lane reports failures as answers with a status; it should not throw. */
export type Lane = (challenge: Challenge, i: number) => Promise<LaneAnswer>;

/** One challenge (without its image) and the answer it got. */
export interface ChallengeResult {
  readonly i: number;
  readonly challenge: Omit<Challenge, 'imageB64'>;
  readonly answer: LaneAnswer;
}

/** Where a run takes its challenges from, in index order: generated (`ChallengeSequence`) or a fixed set. */
export interface ChallengeStream {
  /** How many challenges have been requested so far. */
  readonly drawn: number;
  /** How many there are, when the stream is finite (a challenge set); the run stops there. */
  readonly size?: number;
  /** Starts producing the next challenge; its index is fixed now. */
  draw(): { readonly i: number; readonly challenge: Promise<Challenge> };
}

/**
 * Challenges in index order from one seeded rng. Each is generated only after the previous one is
 * complete, so challenge i is the same whatever the timing of the lanes that consume them.
 */
export class ChallengeSequence implements ChallengeStream {
  readonly #plan: ChallengePlan;
  readonly #rng: Rng;
  #tail: Promise<unknown> = Promise.resolve();
  #drawn = 0;

  constructor(plan: ChallengePlan, rng: Rng) {
    this.#plan = plan;
    this.#rng = rng;
  }

  /** How many challenges have been requested so far. */
  get drawn(): number {
    return this.#drawn;
  }

  /** Starts generating the next challenge; its index is fixed now, its content by the rng's order. */
  draw(): { readonly i: number; readonly challenge: Promise<Challenge> } {
    const i = this.#drawn++;
    const challenge = this.#tail.then(() => drawChallenge(this.#plan, this.#rng));
    this.#tail = challenge.catch(() => undefined);
    return { i, challenge };
  }
}

/** Options of `runChallenges`. Without `count`, `durationMs` or `signal` the run never ends. */
export interface RunChallengesOptions {
  /** Stop after this many challenges. */
  readonly count?: number;
  /** Stop issuing new challenges after this many ms; in-flight ones finish. */
  readonly durationMs?: number;
  /** Total request rate over all lanes, per second; default: as fast as the lanes answer. */
  readonly ratePerS?: number;
  /** Pause after each answer, per lane, ms; default 0. */
  readonly intervalMs?: number;
  /** Challenges generated ahead of the lanes; default the number of lanes. */
  readonly lookahead?: number;
  readonly signal?: AbortSignal;
  /** Called once per challenge, in index order (a slow answer holds back later ones). */
  readonly onResult?: (result: ChallengeResult) => void;
  /** Called with each challenge, image included, as it is sent (any order; e.g. to record its label). */
  readonly onChallenge?: (challenge: Challenge, i: number) => void;
}

/** Runs `lanes` over `sequence` until a limit or the end of a finite stream; resolves with the count answered. */
export async function runChallenges(
  sequence: ChallengeStream,
  lanes: readonly Lane[],
  options: RunChallengesOptions = {},
): Promise<number> {
  const limit = Math.min(options.count ?? Infinity, sequence.size ?? Infinity);
  const startedMs = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : startedMs + options.durationMs;
  const spacingMs = options.ratePerS ? 1000 / options.ratePerS : 0;
  let nextSlotMs = startedMs;
  let failure: unknown;
  const ahead: { i: number; challenge: Promise<Challenge> }[] = [];
  const refill = () => {
    while (ahead.length < (options.lookahead ?? lanes.length) && sequence.drawn < limit) {
      const job = sequence.draw();
      // Handled here so a prefetched challenge that fails after the run stops is not "unhandled".
      job.challenge.catch(() => undefined);
      ahead.push(job);
    }
  };
  const stopped = () =>
    failure !== undefined || options.signal?.aborted === true || performance.now() >= deadline;
  const pending = new Map<number, ChallengeResult>();
  let delivered = 0;
  const deliver = (result: ChallengeResult) => {
    pending.set(result.i, result);
    for (let r = pending.get(delivered); r !== undefined; r = pending.get(delivered)) {
      pending.delete(delivered++);
      options.onResult?.(r);
    }
  };

  const lane = async (answer: Lane) => {
    while (!stopped()) {
      if (spacingMs > 0) {
        const now = performance.now();
        const slot = Math.max(nextSlotMs, now);
        nextSlotMs = slot + spacingMs;
        if (slot > now) await sleep(slot - now, options.signal);
        if (stopped()) return;
      }
      refill();
      const job = ahead.shift();
      if (job === undefined) return;
      refill();
      try {
        const challenge = await job.challenge;
        options.onChallenge?.(challenge, job.i);
        const result = await answer(challenge, job.i);
        const { imageB64: _image, ...meta } = challenge;
        deliver({ i: job.i, challenge: meta, answer: result });
      } catch (err) {
        failure ??= err;
        return;
      }
      if (options.intervalMs) await sleep(options.intervalMs, options.signal);
    }
  };
  await Promise.all(lanes.map(lane));
  if (failure !== undefined) throw failure;
  return delivered;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
