/** Resolves `--data`: an image folder, NATIX parquet, a written challenge set, or `synth[:N]` generated scenes. */
import { stat } from 'node:fs/promises';
import { RoadworkError } from '../../core/errors/index.js';
import { synthSource } from '../../data/procedural/index.js';
import {
  folderLayout,
  noLabelledData,
  openImageFolder,
  openParquetSource,
  type LabelledImageSource,
} from '../../data/sources/index.js';
import { isChallengeSet, openChallengeSet, type ChallengeSet } from '../validator/index.js';

/** Size of the synthetic pool when `synth` has no `:N`. */
export const DEFAULT_SYNTH_IMAGES = 200;

/** 0.4's synthetic pool when none is given: `DEFAULT_SYNTH_IMAGES` procedural scenes at 1024×1024, SDXL's size. */
export function defaultSyntheticPool(): LabelledImageSource {
  return synthSource(DEFAULT_SYNTH_IMAGES, { seed: 'synthetic-pool', width: 1024, height: 1024 });
}

/** What eval can draw challenges from: labelled images to augment, or a fixed challenge set. */
export type EvalSource = LabelledImageSource | ChallengeSet;

/** Whether `source` is a written challenge set (replayed as is) rather than images to augment. */
export function isChallengeSetSource(source: EvalSource): source is ChallengeSet {
  return 'header' in source && 'entries' in source;
}

/**
 * Opens what `spec` names: `synth` or `synth:N`; a folder with `challenges.jsonl` (a challenge set);
 * a folder with `manifest.csv`, `pos/` or `neg/` (images); a `.parquet` file or a folder of them.
 */
export async function openEvalData(spec: string): Promise<EvalSource> {
  const synth = /^synth(?::(.*))?$/.exec(spec);
  if (synth) {
    const n = synth[1] === undefined ? DEFAULT_SYNTH_IMAGES : Number(synth[1]);
    if (!Number.isInteger(n) || n < 2) {
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Invalid synthetic pool size in --data: ${spec}. Use synth or synth:N with N ≥ 2.`,
      );
    }
    return synthSource(n);
  }
  const info = await stat(spec).catch(() => undefined);
  if (info?.isFile() && spec.toLowerCase().endsWith('.parquet')) return openParquetSource(spec);
  if (!info?.isDirectory()) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `The --data folder does not exist: ${spec}. Give a folder with pos/ and neg/ (or manifest.csv), parquet files, a challenge set, or synth[:N].`,
    );
  }
  if (await isChallengeSet(spec)) return openChallengeSet(spec);
  const layout = await folderLayout(spec);
  if (layout === 'none') throw noLabelledData(spec);
  return layout === 'images' ? openImageFolder(spec) : openParquetSource(spec);
}

/** Opens labelled images for `roadwork challenges`: like `openEvalData`, but a challenge set is refused. */
export async function openImageData(spec: string): Promise<LabelledImageSource> {
  const source = await openEvalData(spec);
  if (isChallengeSetSource(source)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The --data folder is already a challenge set: ${spec}. Give the images it should be drawn from.`,
    );
  }
  return source;
}
