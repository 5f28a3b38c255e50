/** Scoring exactly as SN72 validators do it: per-miner history, MCC and accuracy windows, cubed reward, EMA. */

/** The validators' constants (natix `MinerPerformanceTracker`, `get_rewards`, `update_scores`). */
export const SCORING = Object.freeze({
  /** Predictions kept per miner (`store_last_n_predictions`). */
  historySize: 100,
  /** Window of the MCC term. */
  mccWindow: 100,
  /** Window of the accuracy term. */
  accuracyWindow: 10,
  /** `--neuron.moving_average_alpha`. */
  alpha: 0.05,
  /** `REWARD_CURVE_EXPONENT`. */
  exponent: 3,
});

/** One scored answer; `prediction` is -1 when the miner did not answer (timeout, error). */
export interface ScoredAnswer {
  readonly prediction: number;
  readonly label: 0 | 1;
}

/** Metrics over one window, as the validator's tracker returns them (all 0 when it cannot compute). */
export interface WindowMetrics {
  readonly accuracy: number;
  readonly mcc: number;
  /** Answers in the window that were not -1. */
  readonly valid: number;
}

/** What one `ScoreBoard.record()` did. */
export interface ScoreUpdate {
  readonly reward: number;
  readonly mcc: number;
  readonly accuracy: number;
  /** The moving-average score after this answer. */
  readonly score: number;
}

const EMPTY: WindowMetrics = Object.freeze({ accuracy: 0, mcc: 0, valid: 0 });

/** Rounds like `numpy.round`: exact halves go to the even neighbour, so 0.5 → 0 and 1.5 → 2. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Accuracy and clamped MCC over the last `window` answers, reproducing the validator's tracker:
 * the window is cut before -1 answers are dropped, and whenever scikit-learn would raise (a rounded
 * prediction outside {0, 1} makes the targets multiclass or drops the positive label; NaN or
 * infinity), the validator catches it and every metric becomes 0.
 */
export function windowMetrics(history: readonly ScoredAnswer[], window: number): WindowMetrics {
  const recent = history.slice(Math.max(0, history.length - window));
  const kept = recent.filter((a) => a.prediction !== -1);
  if (kept.length === 0) return EMPTY;
  const rounded = kept.map((a) => roundHalfEven(a.prediction));
  if (!rounded.every(Number.isFinite)) return EMPTY;
  const classes = new Set<number>([...rounded, ...kept.map((a) => a.label)]);
  if (classes.size > 2 || (classes.size === 2 && !classes.has(1))) return EMPTY;

  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  kept.forEach((a, i) => {
    const p = rounded[i];
    if (p === a.label) correct++;
    if (a.label === 1) {
      if (p === 1) tp++;
      else fn++;
    } else if (p === 1) fp++;
    else tn++;
  });
  const accuracy = correct / kept.length;
  const bothLabels = new Set(kept.map((a) => a.label)).size > 1;
  const bothPredictions = new Set(rounded).size > 1;
  let mcc = 0;
  if (bothLabels && bothPredictions) {
    const denominator = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
    mcc = denominator === 0 ? 0 : Math.max(0, (tp * tn - fp * fn) / denominator);
  }
  return { accuracy, mcc, valid: kept.length };
}

/**
 * The reward for one answer given the metrics that already include it:
 * `(0.5·mcc₁₀₀ + 0.5·acc₁₀)³`, 0 for -1 and for answers outside [0, 1].
 */
export function rewardFor(
  prediction: number,
  mcc: number,
  accuracy: number,
  exponent: number = SCORING.exponent,
): number {
  if (prediction === -1) return 0;
  const penalty = prediction < 0 || prediction > 1 ? 0 : 1;
  return ((0.5 * mcc + 0.5 * accuracy) * penalty) ** exponent;
}

/** Options of a `ScoreBoard`; defaults are the validators' values in `SCORING`. */
export interface ScoreBoardOptions {
  readonly historySize?: number;
  readonly alpha?: number;
  readonly exponent?: number;
  /** The miner's hotkey; a different hotkey passed to `record` resets the board. */
  readonly hotkey?: string;
}

/** One miner as one validator sees it: its answer history and its moving-average score. */
export class ScoreBoard {
  #history: ScoredAnswer[] = [];
  #score = 0;
  #hotkey: string | undefined;
  readonly #historySize: number;
  readonly #alpha: number;
  readonly #exponent: number;

  constructor(options: ScoreBoardOptions = {}) {
    this.#historySize = options.historySize ?? SCORING.historySize;
    this.#alpha = options.alpha ?? SCORING.alpha;
    this.#exponent = options.exponent ?? SCORING.exponent;
    this.#hotkey = options.hotkey;
  }

  /** The moving-average score (starts at 0, like the validator's `np.zeros`). */
  get score(): number {
    return this.#score;
  }

  /** The stored answers, oldest first (-1 answers included). */
  get history(): readonly ScoredAnswer[] {
    return this.#history;
  }

  /** Metrics over the last `window` stored answers. */
  metrics(window: number): WindowMetrics {
    return windowMetrics(this.#history, window);
  }

  /**
   * Scores one answer: stores it, then computes the metrics (which include it), the reward and
   * the new score. `null` (no answer) is stored as -1, as the synapse's default prediction is.
   */
  record(prediction: number | null, label: 0 | 1, hotkey?: string): ScoreUpdate {
    if (hotkey !== undefined && this.#hotkey !== undefined && hotkey !== this.#hotkey) this.reset(hotkey);
    if (hotkey !== undefined) this.#hotkey = hotkey;
    const p = prediction ?? -1;
    this.#history.push({ prediction: p, label });
    if (this.#history.length > this.#historySize)
      this.#history.splice(0, this.#history.length - this.#historySize);
    const { mcc } = this.metrics(SCORING.mccWindow);
    const { accuracy } = this.metrics(SCORING.accuracyWindow);
    const reward = rewardFor(p, mcc, accuracy, this.#exponent);
    this.#score = this.#alpha * reward + (1 - this.#alpha) * this.#score;
    return { reward, mcc, accuracy, score: this.#score };
  }

  /**
   * Forgets the history and the score: the tracker resets the history when a UID's hotkey
   * changes, and `resync_metagraph` zeroes the score of a replaced hotkey.
   */
  reset(hotkey?: string): void {
    this.#history = [];
    this.#score = 0;
    this.#hotkey = hotkey;
  }
}
