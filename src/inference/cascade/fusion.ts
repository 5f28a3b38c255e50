/** Fusion: one probability from every stage that produced evidence; pluggable (a learned fusion later). */
import { logit, sigmoid } from '../heads/index.js';
import type { StageRecord } from './types.js';

/** Turns the records of one request into p(roadwork), or `undefined` when no stage gave evidence. */
export interface Fusion {
  readonly method: string;
  /** Identifies the fusion and its parameters; part of the cascade version. */
  readonly version: string;
  fuse(records: readonly StageRecord[], weights: Readonly<Record<string, number>>): number | undefined;
}

/** Options of the log-odds fusion. */
export interface LogOddsOptions {
  /** Added to the weighted sum of log-odds. Default 0. */
  readonly bias?: number;
}

/**
 * `p = σ(bias + Σ w_s · logit(p_s))` over stages with a probability. A stage that was skipped or had
 * no evidence adds nothing; a lone stage with weight 1 and bias 0 passes its p through unchanged.
 */
export function logOddsFusion(options: LogOddsOptions = {}): Fusion {
  const bias = options.bias ?? 0;
  return Object.freeze({
    method: 'log-odds',
    version: `log-odds:${bias}`,
    fuse(records: readonly StageRecord[], weights: Readonly<Record<string, number>>): number | undefined {
      let z = bias;
      const used: { p: number; w: number }[] = [];
      for (const r of records) {
        const p = r.outcome?.probability;
        if (p === undefined) continue;
        const w = weights[r.stage] ?? 1;
        used.push({ p, w });
        z += w * logit(p);
      }
      if (used.length === 0) return undefined;
      // The identity case returns p itself: the σ(logit(p)) round trip would move it by an ulp.
      if (used.length === 1 && used[0]!.w === 1 && bias === 0) return used[0]!.p;
      return sigmoid(z);
    },
  });
}

/** Every fusion method by name; the config's `fusion.method` picks one. */
export const FUSIONS: Readonly<Record<string, (options: Readonly<Record<string, unknown>>) => Fusion>> =
  Object.freeze({
    'log-odds': (o) => logOddsFusion({ bias: typeof o.bias === 'number' ? o.bias : 0 }),
  });
