// Calibration on held-out logits: temperature scaling, the MCC-optimal decision shift, exit thresholds.
import { logit, sigmoid } from '../../inference/heads/index.js';

/** Mean negative log-likelihood of `logits / temperature`. */
export function nll(logits: ArrayLike<number>, y: ArrayLike<number>, temperature = 1): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const z = logits[i]! / temperature;
    s += Math.max(z, 0) - z * y[i]! + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return s / Math.max(1, y.length);
}

/** The range `fitTemperature` searches; a fit at either end means the logits carry no usable scale. */
export const TEMPERATURE_RANGE = Object.freeze([1 / 20, 20] as const);

/** Whether a fitted temperature sits at an end of `TEMPERATURE_RANGE` (within 1 %). */
export function atTemperatureBound(temperature: number): boolean {
  return temperature <= TEMPERATURE_RANGE[0] * 1.01 || temperature >= TEMPERATURE_RANGE[1] / 1.01;
}

/** The temperature minimising held-out NLL (golden-section search on log T in `TEMPERATURE_RANGE`). */
export function fitTemperature(logits: ArrayLike<number>, y: ArrayLike<number>): number {
  let a = Math.log(TEMPERATURE_RANGE[0]);
  let b = Math.log(TEMPERATURE_RANGE[1]);
  const g = (Math.sqrt(5) - 1) / 2;
  const f = (t: number) => nll(logits, y, Math.exp(t));
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 80; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/**
 * The shift that moves the MCC-optimal threshold to 0.5: scans every midpoint between sorted
 * calibrated logits (classes reweighted to equal mass, as validators send balanced challenges)
 * and returns `-z*` for the best cut `z*`, so `sigmoid(z + shift) ≥ 0.5` ⇔ `z ≥ z*`.
 */
export function decisionShift(
  calibrated: ArrayLike<number>,
  y: ArrayLike<number>,
): { shift: number; mcc: number } {
  const n = y.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  const wPos = 0.5 / Math.max(1, pos);
  const wNeg = 0.5 / Math.max(1, n - pos);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => calibrated[a]! - calibrated[b]!);
  // Start with everything predicted positive, then move rows below the cut one by one.
  let tp = pos * wPos;
  let fp = (n - pos) * wNeg;
  let fn = 0;
  let tn = 0;
  const score = () => {
    const den = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
    return den === 0 ? 0 : (tp * tn - fp * fn) / den;
  };
  let best = score();
  let cut = calibrated[idx[0]!]! - 1;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (y[i]) {
      tp -= wPos;
      fn += wPos;
    } else {
      fp -= wNeg;
      tn += wNeg;
    }
    const next = k + 1 < n ? calibrated[idx[k + 1]!]! : calibrated[i]! + 1;
    if (next === calibrated[i]) continue;
    const s = score();
    // Prefer the cut nearest 0 among equals: a smaller shift moves fewer borderline answers.
    const mid = (calibrated[i]! + next) / 2;
    if (s > best + 1e-12 || (Math.abs(s - best) <= 1e-12 && Math.abs(mid) < Math.abs(cut))) {
      best = s;
      cut = mid;
    }
  }
  return { shift: -cut, mcc: best };
}

/** One row of the accuracy-vs-coverage table: answers outside (low, high) exit. */
export interface SweepRow {
  readonly low: number;
  readonly high: number;
  /** Fraction of rows that exit. */
  readonly coverage: number;
  /** Accuracy on the rows that exit (NaN when none do). */
  readonly accuracy: number;
  readonly exits: number;
}

/**
 * Symmetric exit thresholds `high = 1 − low` from wide to narrow: coverage can only grow as the band
 * narrows, so the table reads as a trade-off curve. `p` are final (calibrated, shifted) probabilities.
 */
export function thresholdSweep(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  highs: readonly number[] = [0.99, 0.98, 0.97, 0.95, 0.93, 0.9, 0.88, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5],
): SweepRow[] {
  return [...highs]
    .sort((a, b) => b - a)
    .map((high) => {
      const low = 1 - high;
      let exits = 0;
      let right = 0;
      for (let i = 0; i < y.length; i++) {
        const v = p[i]!;
        if (v >= high || v <= low) {
          exits++;
          if ((v >= 0.5 ? 1 : 0) === y[i]) right++;
        }
      }
      return {
        low,
        high,
        coverage: exits / Math.max(1, y.length),
        accuracy: exits ? right / exits : NaN,
        exits,
      };
    });
}

/** The widest-coverage row whose accuracy on exits reaches `target` (undefined when none does). */
export function chooseExits(rows: readonly SweepRow[], target: number): SweepRow | undefined {
  let best: SweepRow | undefined;
  for (const r of rows)
    if (r.exits > 0 && r.accuracy >= target && (best === undefined || r.coverage > best.coverage)) best = r;
  return best;
}

/** Calibrated probability from a raw logit. */
export function calibrate(z: number, temperature: number, shift: number): number {
  return sigmoid(z / temperature + shift);
}

export { logit };
