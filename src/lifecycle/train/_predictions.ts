// Every scored view's out-of-fold probability as CSV (`roadwork train --predictions`): which images
// a head gets wrong when it never saw their group or camera, for finding label errors and hard cases.
import { csvText } from '../../core/csv/index.js';
import { familyRule } from './_families.js';
import type { OutOfFold, Predictions } from './_protocols.js';

/** The columns, in order. */
export const PREDICTION_COLUMNS = Object.freeze([
  'protocol',
  'image',
  'group',
  'family',
  'camera',
  'level',
  'label',
  'fold',
  'p',
] as const);

/**
 * One line per scored view: the grouped CV's rows (`protocol` `cv`), then the same-camera proxy's
 * (`proxy`, when it ran), with `images[row.image]` naming the image. `p` is the cross-calibrated
 * probability the protocol's tables score (threshold 0.5); `fold` the fold that held the row out.
 */
export function predictionsCsv(predictions: Predictions, images: readonly string[]): string {
  const lines = (protocol: string, oof: OutOfFold | undefined) =>
    oof === undefined
      ? []
      : oof.rows.map((r, i) => {
          const rule = familyRule(r.group);
          return [
            protocol,
            images[r.image] ?? `#${r.image}`,
            r.group,
            rule.family,
            rule.camera,
            r.level,
            r.label,
            oof.fold[i],
            Number(oof.p[i]!.toFixed(6)),
          ];
        });
  return csvText(PREDICTION_COLUMNS, [...lines('cv', predictions.cv), ...lines('proxy', predictions.proxy)]);
}
