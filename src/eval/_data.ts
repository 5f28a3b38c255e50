/** Resolves `--data`: an image folder (pos/ neg/ or manifest.csv) or `synth[:N]` generated scenes. */
import { stat } from 'node:fs/promises';
import { RoadworkError } from '../errors/index.js';
import { synthSource } from '../synth/index.js';
import { openImageFolder, type LabelledImageSource } from '../validator/index.js';

/** Size of the synthetic pool when `synth` has no `:N`. */
export const DEFAULT_SYNTH_IMAGES = 200;

/** Opens the labelled images `spec` names: `synth`, `synth:N`, or a folder path. */
export async function openEvalData(spec: string): Promise<LabelledImageSource> {
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
  let isDir = false;
  try {
    isDir = (await stat(spec)).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `The --data folder does not exist: ${spec}. Give a folder with pos/ and neg/ (or manifest.csv), or synth[:N].`,
    );
  }
  return openImageFolder(spec);
}
