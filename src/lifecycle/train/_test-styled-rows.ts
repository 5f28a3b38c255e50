// Test fixture: labelled rows where the photo style alone predicts the label, for the proxy's and
// the ensemble's tests.
import { createRng } from '../../core/random/index.js';
import type { ViewRow } from './_dataset.js';
import type { TrainConfig } from './_pipeline.js';

/**
 * Rows whose feature 0 is the photo style (1 = in-car camera, 0 = web photo) and feature 1 the
 * roadwork signal (`signal` × label plus noise). In-car positives are dashcam work zones, in-car
 * negatives KITTI and CamVid (two cameras, so a fold holding one out still trains on the other); web photos are mostly negatives: style alone predicts the label well overall.
 */
export function styledRows(signal: number, seed: string): ViewRow[] {
  const rng = createRng(seed);
  const rows: ViewRow[] = [];
  const add = (group: string, label: 0 | 1, style: number, count: number) => {
    for (let i = 0; i < count; i++) {
      const x = Float32Array.from([style + 0.1 * rng.normal(), signal * label + rng.normal(), rng.normal()]);
      rows.push({ image: rows.length, group, label, level: 0, x });
    }
  };
  for (const city of ['a', 'b', 'c', 'd', 'e', 'f']) add(`mi3-${city}`, 1, 1, 12);
  for (const seq of ['um', 'umm', 'uu']) add(`kitti-road-${seq}`, 0, 1, 10);
  for (const drive of ['0001TP', '0006R0']) add(`camvid-${drive}`, 0, 1, 12);
  add('tracon-web', 0, 0, 120);
  add('tracon-web', 1, 0, 10);
  return rows;
}

/** A small logistic configuration for `styledRows`. */
export const STYLED_CONFIG: TrainConfig = {
  model: 'logistic',
  l2: 0.1,
  hidden: 8,
  folds: 5,
  seed: 'proxy',
  tta: false,
  trainOnFlips: false,
  targetAccuracy: 0.9,
};
