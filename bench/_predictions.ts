// The out-of-fold answers of `roadwork train --predictions` (one CSV per head), for the benches that
// score stages of heads from them (ensemble-predictions.ts, prediction-errors.ts).
import { readFile } from 'node:fs/promises';
import { drawFile } from '../src/app/cli/_train-views.js';
import { parseCsvRecords } from '../src/core/csv/index.js';

/** One scored view: protocol, image, group, family, camera, level, label, fold, p. */
export type PredictionRow = Record<string, string>;

/** Draw K's file beside draw 1's, named as `roadwork train --predictions` names it (p-s2.draw2.csv). */
export const fileOfDraw = (f: string, k: number): string => (k === 1 ? f : drawFile(f, k));

/**
 * Reads prediction files. `repeats` is how many draws of the folds the caller expects them to hold:
 * above 1, a missing file is reported as a run without that many draws.
 */
export function readPredictions(files: readonly string[], repeats = 1): Promise<PredictionRow[][]> {
  return Promise.all(
    files.map(async (f) => {
      const text = await readFile(f, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT' || repeats === 1) throw e;
        throw new Error(`${f}: no such file (were its heads trained with --repeats ${repeats}?)`);
      });
      return parseCsvRecords(text);
    }),
  );
}

/** Throws unless every run lists the views of `rows` (read from `rowsFile`) in the same order. */
export function requireSameRows(
  runs: readonly PredictionRow[][],
  names: readonly string[],
  rows: readonly PredictionRow[],
  rowsFile: string,
): void {
  for (const [k, run] of runs.entries()) {
    const same =
      run.length === rows.length &&
      run.every((r, i) => ['protocol', 'image', 'level'].every((c) => r[c] === rows[i]![c]));
    if (!same) throw new Error(`${names[k]} does not list the rows of ${rowsFile} in the same order`);
  }
}
