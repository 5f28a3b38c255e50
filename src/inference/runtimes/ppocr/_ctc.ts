// CTC greedy decoding of the recogniser's per-step class probabilities.

/**
 * Best path: the most likely class per time step, repeats collapsed, blanks (class 0) dropped.
 * `chars[k]` is class k's text; the score is the mean probability of the kept steps (0 when none).
 */
export function ctcGreedy(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  chars: readonly string[],
): { text: string; score: number } {
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probs[base]!;
    for (let k = 1; k < classes; k++) {
      const p = probs[base + k]!;
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    }
    if (best !== 0 && best !== previous) {
      text += chars[best] ?? '';
      sum += bestP;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept === 0 ? 0 : sum / kept };
}
