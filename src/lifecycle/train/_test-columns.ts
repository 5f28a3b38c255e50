// Test helper: a head on some columns of the rows against the same fit on those columns alone.
import type { Head } from '../../inference/heads/index.js';
import type { ViewRow } from './_dataset.js';
import { logits, matrixOf } from './_fit.js';

/** The rows with only columns `[from, to)` of each view. */
export function slicedRows(rows: readonly ViewRow[], [from, to]: readonly [number, number]): ViewRow[] {
  return rows.map((r) => ({ ...r, x: r.x.subarray(from, to) }));
}

/**
 * The logits of `wide` (a column head of the whole rows) and of `narrow` (fitted on `slicedRows`),
 * row by row: a column head must give the slice's logits.
 */
export function wideAndNarrowLogits(
  wide: Head,
  narrow: Head,
  rows: readonly ViewRow[],
  columns: readonly [number, number],
): [Float64Array, Float64Array] {
  const matrix = (of: readonly ViewRow[]) =>
    matrixOf(
      of.map((r) => [...r.x]),
      of[0]?.x.length ?? 0,
    );
  return [logits(wide, matrix(rows)), logits(narrow, matrix(slicedRows(rows, columns)))];
}
