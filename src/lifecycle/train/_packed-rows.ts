// View rows packed into one buffer per field, so a fit crosses to a worker thread as a few
// transferred arrays: a row's vector may be a view into a much larger cache buffer, which
// cloning it alone would copy whole.
import { RoadworkError } from '../../core/errors/index.js';
import type { ViewRow } from './_dataset.js';
import type { CameraKind } from './_families.js';
import type { ViewLevel } from './_views.js';

/**
 * Rows as columns: vectors back to back, `xh` zero where a row has no mirror twin (and empty when no
 * row has one).
 */
export interface PackedRows {
  readonly dims: number;
  readonly x: Float32Array;
  readonly xh: Float32Array;
  readonly hasXh: Uint8Array;
  readonly label: Uint8Array;
  readonly image: Float64Array;
  readonly group: readonly string[];
  readonly level: readonly ViewLevel[];
  readonly camera: readonly (CameraKind | null)[];
}

/** Packs `rows` (all vectors of one length). */
export function packRows(rows: readonly ViewRow[]): PackedRows {
  const dims = rows[0]?.x.length ?? 0;
  const n = rows.length;
  const x = new Float32Array(n * dims);
  const xh = new Float32Array(rows.some((r) => r.xh) ? n * dims : 0);
  const hasXh = new Uint8Array(n);
  rows.forEach((r, i) => {
    if (r.x.length !== dims || (r.xh !== undefined && r.xh.length !== dims))
      throw new RoadworkError(
        'ERR_INTERNAL',
        `packRows(): row ${i} has ${r.x.length} values where the first has ${dims}; rows of one fit share one embedding`,
      );
    x.set(r.x, i * dims);
    if (r.xh) {
      xh.set(r.xh, i * dims);
      hasXh[i] = 1;
    }
  });
  return {
    dims,
    x,
    xh,
    hasXh,
    label: Uint8Array.from(rows, (r) => r.label),
    image: Float64Array.from(rows, (r) => r.image),
    group: rows.map((r) => r.group),
    level: rows.map((r) => r.level),
    camera: rows.map((r) => r.camera ?? null),
  };
}

/** The rows back, their vectors views into the packed buffers. */
export function unpackRows(p: PackedRows): ViewRow[] {
  return Array.from(p.label, (label, i) => ({
    image: p.image[i]!,
    group: p.group[i]!,
    ...(p.camera[i] === null ? {} : { camera: p.camera[i]! }),
    label: label as 0 | 1,
    level: p.level[i]!,
    x: p.x.subarray(i * p.dims, (i + 1) * p.dims),
    ...(p.hasXh[i] ? { xh: p.xh.subarray(i * p.dims, (i + 1) * p.dims) } : {}),
  }));
}

/** The buffers to transfer with a packed set. */
export function packedBuffers(p: PackedRows): ArrayBuffer[] {
  return [p.x, p.xh, p.hasXh, p.label, p.image].map((a) => a.buffer as ArrayBuffer);
}
