// L-BFGS with a backtracking (Armijo) line search: deterministic full-batch optimisation for small heads.

/** Loss and gradient at a point; `grad` is written in place. */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

/** Options of `lbfgs`. */
export interface LbfgsOptions {
  readonly maxIter?: number;
  /** Stop when the gradient's max-norm falls below this. Default 1e-6. */
  readonly gradTol?: number;
  /** History pairs kept. Default 10. */
  readonly memory?: number;
  /** Called after each accepted step; return true to stop (early stopping). */
  readonly onStep?: (w: Float64Array, iter: number, loss: number) => boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Minimises `f` from `w0` (not modified); returns the final point and loss. */
export function lbfgs(
  f: Objective,
  w0: Float64Array,
  options: LbfgsOptions = {},
): { w: Float64Array; loss: number; iterations: number } {
  const n = w0.length;
  const m = options.memory ?? 10;
  const maxIter = options.maxIter ?? 500;
  const tol = options.gradTol ?? 1e-6;
  let w = Float64Array.from(w0);
  let g = new Float64Array(n);
  let loss = f(w, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Float64Array(m);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]!));
    if (gmax < tol) break;
    // Two-loop recursion: d = −H·g.
    d.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(S[k]!, d);
      const y = Y[k]!;
      for (let i = 0; i < n; i++) d[i]! -= alpha[k]! * y[i]!;
    }
    const gamma =
      S.length > 0
        ? dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!)
        : 1 / Math.max(1, gmax);
    for (let i = 0; i < n; i++) d[i]! *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Y[k]!, d);
      const s = S[k]!;
      for (let i = 0; i < n; i++) d[i]! += s[i]! * (alpha[k]! - beta);
    }
    for (let i = 0; i < n; i++) d[i] = -d[i]!;
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (curvature went wrong): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]! / Math.max(1, gmax);
      slope = dot(g, d);
    }
    let step = 1;
    const wNew = new Float64Array(n);
    const gNew = new Float64Array(n);
    let lossNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) wNew[i] = w[i]! + step * d[i]!;
      lossNew = f(wNew, gNew);
      if (Number.isFinite(lossNew) && lossNew <= loss + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(lossNew < loss) && !(lossNew <= loss + 1e-4 * step * slope)) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = wNew[i]! - w[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const improvement = loss - lossNew;
    w = wNew;
    g = gNew;
    loss = lossNew;
    if (options.onStep?.(w, iter, loss) === true) {
      iter++;
      break;
    }
    if (improvement < 1e-12 * Math.max(1, Math.abs(loss))) {
      iter++;
      break;
    }
  }
  return { w, loss, iterations: iter };
}
