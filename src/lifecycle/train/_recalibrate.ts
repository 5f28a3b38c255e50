// Recalibrating a trained head on images it has not seen: temperature, shift, and the exit thresholds.
import { RoadworkError } from '../../core/errors/index.js';
import type { Head } from '../../inference/heads/index.js';
import { createRng } from '../../core/random/index.js';
import { chooseExits, type SweepRow } from './_calibrate.js';
import { riskControlledExits, type RiskControlledExits } from './_conformal.js';
import type { ViewRow } from './_dataset.js';
import { calibration, evaluate, scoreRows, type EvalReport } from './_pipeline.js';
import { groupHoldout } from './_split.js';

/** Risk control of the exits: error on exits ≤ alpha with probability ≥ 1 − delta. */
export interface RiskOptions {
  readonly alpha: number;
  readonly delta: number;
  /** Fraction of the groups held out to choose the exits on (temperature and shift fit on the rest). Default 0.5. */
  readonly holdout?: number;
}

/** Options of `calibrateHead`. */
export interface CalibrateOptions {
  readonly tta: boolean;
  /** Accuracy wanted on exits (the sweep's choice) when `risk` is not given. */
  readonly targetAccuracy: number;
  readonly seed: string;
  /** Choose the exits by risk control on a held-out split of the groups instead. */
  readonly risk?: RiskOptions;
}

/** What `calibrateHead` produced. */
export interface CalibrateResult {
  readonly head: Head;
  /** Metrics of the recalibrated head; on the held-out groups only in risk mode. */
  readonly report: EvalReport;
  readonly exits?: SweepRow;
  readonly risk?: RiskControlledExits;
}

const prob = (z: number, temperature: number, shift: number) =>
  1 / (1 + Math.exp(-(z / temperature + shift)));

// Views of one image are near copies, so only one per image counts as an exchangeable draw.
function onePerImage(rows: readonly number[], image: (i: number) => number, seed: string): number[] {
  const byImage = new Map<number, number[]>();
  for (const i of rows) byImage.set(image(i), [...(byImage.get(image(i)) ?? []), i]);
  const rng = createRng(`risk-view|${seed}`);
  return [...byImage.keys()]
    .sort((a, b) => a - b)
    .map((k) => {
      const list = byImage.get(k)!;
      return list[rng.int(0, list.length - 1)]!;
    });
}

/**
 * Recalibrates a head on rows it was not trained on. Without `risk`: temperature and shift from
 * every row, exits from the sweep for `targetAccuracy`. With `risk`: whole groups are held out
 * (seeded); temperature and shift are fitted on the others, and the exits are chosen on one view per
 * held-out image by `riskControlledExits`, whose guarantee needs scores it was not fitted on.
 */
export async function calibrateHead(
  head: Head,
  rows: readonly ViewRow[],
  options: CalibrateOptions,
): Promise<CalibrateResult> {
  const y = Uint8Array.from(rows, (r) => r.label);
  const z = await scoreRows(head, rows, { tta: options.tta });
  const all = rows.map((_, i) => i);
  const held = options.risk
    ? groupHoldout(
        rows.map((r) => r.group),
        options.risk.holdout ?? 0.5,
        options.seed,
      )
    : undefined;
  const fit = held ? all.filter((i) => !held[i]) : all;
  const test = held ? all.filter((i) => held[i]) : all;
  if (fit.length === 0 || test.length === 0) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `Risk-controlled exits need images from two or more groups: ${new Set(rows.map((r) => r.group)).size} group(s); add a manifest.csv with a group column`,
    );
  }
  const { temperature, shift } = calibration(
    fit.map((i) => z[i]!),
    fit.map((i) => y[i]!),
  );
  const p = Float64Array.from(test, (i) => prob(z[i]!, temperature, shift));
  const report = evaluate(
    p,
    test.map((i) => rows[i]!),
    options.seed,
  );
  let exits: SweepRow | undefined;
  let risk: RiskControlledExits | undefined;
  if (options.risk) {
    const pick = onePerImage(test, (i) => rows[i]!.image, options.seed);
    risk = riskControlledExits(
      pick.map((i) => prob(z[i]!, temperature, shift)),
      pick.map((i) => y[i]!),
      options.risk,
    );
    const c = risk.chosen;
    if (c)
      exits = {
        low: c.low,
        high: c.high,
        coverage: c.coverage,
        accuracy: 1 - c.errors / c.exits,
        exits: c.exits,
      };
  } else exits = chooseExits(report.sweep, options.targetAccuracy);
  const exitMetrics = exits
    ? {
        high: exits.high,
        low: exits.low,
        coverage: exits.coverage,
        accuracy: exits.accuracy,
        ...(risk?.chosen
          ? {
              alpha: risk.alpha,
              delta: risk.delta,
              bound: risk.chosen.bound,
              n: risk.n,
              guarantee: risk.guarantee,
            }
          : {}),
      }
    : undefined;
  return {
    head: {
      ...head,
      temperature,
      shift,
      metrics: {
        ...head.metrics,
        calibration: {
          n: rows.length,
          ...(held ? { fitted_on: fit.length, held_out: test.length } : {}),
          temperature,
          shift,
          ...(exitMetrics ? { exits: exitMetrics } : {}),
          ...(risk && !risk.chosen ? { risk: risk.guarantee } : {}),
        },
      },
    },
    report,
    ...(exits ? { exits } : {}),
    ...(risk ? { risk } : {}),
  };
}
