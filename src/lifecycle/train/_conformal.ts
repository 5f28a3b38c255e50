/**
 * Risk control for the exit thresholds: the widest exit band whose error on exits is ≤ α with
 * probability ≥ 1 − δ, by Learn-then-Test with fixed-sequence testing and binomial p-values.
 *
 * Angelopoulos, Bates, Candès, Jordan, Lei, "Learn then Test: Calibrating predictive algorithms to
 * achieve risk control" (arXiv:2110.01052, 2021): each candidate band λ tests H_λ: "error on exits
 * > α" with the exact binomial tail, and a multiple-testing procedure bounds the family-wise error
 * by δ, so every band certified, the chosen one included, has error ≤ α with probability ≥ 1 − δ.
 * The binomial test at level δ passes exactly when the one-sided Clopper–Pearson upper bound
 * (Clopper & Pearson, Biometrika 26(4), 1934) is ≤ α.
 *
 * The procedure is fixed-sequence testing (bands from confident to wide, stopping at the first that
 * fails), started at `starts` points of the grid spread evenly, each sequence at level δ/starts: the
 * union bound keeps the family-wise error at δ. One start would spend everything on the most
 * confident band, which rarely has enough exits to certify anything; the starts are fixed before
 * the data is seen, so the guarantee stays exact.
 *
 * Conditioning on the number of exits k: given k, the exits of a fixed band are k exchangeable draws
 * from the scores that exit, so their errors are Binomial(k, error on exits) and the p-value is valid
 * given k, hence without it. A band nobody exits cannot be certified and ends its sequence.
 */

/** `ln Γ(x)` for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * `P(X ≤ k)` for `X ~ Binomial(n, p)`, summed exactly in log space (no underflow for large n): the
 * term at k from log-gamma, the others by the ratio of neighbouring terms, so k + 1 cheap steps.
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let t = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * lp + (n - k) * lq;
  const terms = [t];
  for (let i = k; i > 0; i--) {
    t += Math.log(i / (n - i + 1)) + lq - lp;
    terms.push(t);
  }
  const top = Math.max(...terms);
  let s = 0;
  for (const v of terms) s += Math.exp(v - top);
  return Math.min(1, Math.exp(top) * s);
}

/**
 * The one-sided Clopper–Pearson upper bound on a rate from `errors` of `n`: the largest r with
 * `P(Binomial(n, r) ≤ errors) ≥ δ`, so the true rate is below it with probability ≥ 1 − δ.
 * 1 when n is 0 (nothing was observed).
 */
export function clopperPearsonUpper(errors: number, n: number, delta: number): number {
  if (n <= 0 || errors >= n) return 1;
  if (errors === 0) return 1 - delta ** (1 / n);
  // The CDF falls monotonically in r: bisect to below 1e-12.
  let lo = errors / n;
  let hi = 1;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(errors, n, mid) >= delta) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** One candidate band of the sequence, as tested. */
export interface RiskRow {
  readonly low: number;
  readonly high: number;
  /** Fraction of the calibration rows that exit. */
  readonly coverage: number;
  readonly exits: number;
  readonly errors: number;
  /** `P(Binomial(exits, α) ≤ errors)`: the p-value of H: "error on exits > α". */
  readonly pValue: number;
  /**
   * Clopper–Pearson upper bound on the error on exits at confidence 1 − δ/starts (the level each
   * sequence tests at); NaN where not tested.
   */
  readonly bound: number;
  /** Reached by one of the sequences (the others were not tested; their `bound` is NaN). */
  readonly tested: boolean;
  /** Certified by one of the sequences (H: "error on exits > α" rejected before any failure of that sequence). */
  readonly passed: boolean;
}

/** What `riskControlledExits` chose, and the guarantee it states. */
export interface RiskControlledExits {
  readonly alpha: number;
  readonly delta: number;
  /** Calibration rows. */
  readonly n: number;
  /** Sequences tested, each at level δ/starts. */
  readonly starts: number;
  /** The widest band certified; undefined when none was. */
  readonly chosen?: RiskRow;
  readonly rows: readonly RiskRow[];
  /** The guarantee in words, with the coverage achieved. */
  readonly guarantee: string;
}

/** The default sequence of symmetric bands: high from 0.995 down to 0.5 in steps of 0.005. */
export const RISK_HIGHS: readonly number[] = Object.freeze(
  Array.from({ length: 100 }, (_, i) => Number((0.995 - 0.005 * i).toFixed(3))),
);

/** Options of `riskControlledExits`. */
export interface RiskControlOptions {
  /** The error on exits allowed. */
  readonly alpha: number;
  /** The probability that the calibration set misleads. */
  readonly delta: number;
  /** Candidate `high` thresholds (the band is `(1 − high, high)`). Default `RISK_HIGHS`. */
  readonly highs?: readonly number[];
  /** Fixed sequences, each at level δ/starts, started evenly over the grid. Default 10. */
  readonly starts?: number;
}

/**
 * Chooses exit thresholds `(1 − high, high)` on calibration scores `p` (final probabilities of rows
 * the head and its calibration never saw) so that the error on exits is ≤ `alpha` with probability
 * ≥ 1 − `delta` on exchangeable data (Learn-then-Test; see the module comment).
 */
export function riskControlledExits(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  options: RiskControlOptions,
): RiskControlledExits {
  const { alpha, delta } = options;
  // Most confident first: the order depends only on the grid, never on the data.
  const highs = [...(options.highs ?? RISK_HIGHS)].sort((a, b) => b - a);
  const starts = Math.max(1, Math.min(highs.length, Math.floor(options.starts ?? 10)));
  const level = delta / starts;
  const counted = highs.map((high) => {
    const low = 1 - high;
    let exits = 0;
    let errors = 0;
    for (let i = 0; i < y.length; i++) {
      const v = p[i]!;
      if (v >= high || v <= low) {
        exits++;
        if ((v >= 0.5 ? 1 : 0) !== y[i]) errors++;
      }
    }
    // p-value of H: "error on exits > α" (the binomial tail at α); ≤ level ⇔ bound ≤ α.
    const pValue = exits === 0 ? 1 : binomialCdf(errors, exits, alpha);
    return { low, high, exits, errors, pValue, tested: false, passed: false };
  });
  for (let s = 0; s < starts; s++) {
    for (let j = Math.round((s * highs.length) / starts); j < highs.length; j++) {
      const row = counted[j]!;
      row.tested = true;
      if (row.pValue > level) break;
      row.passed = true;
    }
  }
  // Bounds only where a sequence looked: a bisection per band is the expensive part.
  const rows: RiskRow[] = counted.map((r) => ({
    ...r,
    coverage: r.exits / Math.max(1, y.length),
    bound: r.tested ? clopperPearsonUpper(r.errors, r.exits, level) : NaN,
  }));
  let chosen: RiskRow | undefined;
  for (const row of rows)
    if (row.passed && (chosen === undefined || row.coverage > chosen.coverage)) chosen = row;
  const guarantee = chosen
    ? `error on exits ≤ ${alpha} with probability ≥ ${1 - delta} on exchangeable data; coverage ${chosen.coverage.toFixed(3)} (${chosen.exits} of ${y.length} calibration rows exit at p ≥ ${chosen.high} or ≤ ${Number(chosen.low.toFixed(6))}, ${chosen.errors} wrong, upper bound ${chosen.bound.toFixed(4)})`
    : `no exit band has error on exits ≤ ${alpha} with probability ≥ ${1 - delta} on these ${y.length} rows; coverage 0 (more calibration data, or a larger α or δ)`;
  return { alpha, delta, starts, n: y.length, ...(chosen ? { chosen } : {}), rows, guarantee };
}
