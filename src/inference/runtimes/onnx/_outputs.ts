// What a model's raw output means: one embedding per image (token outputs pooled), or one probability.
// Shared by the in-process ONNX worker and the `kserve` runtime, so a model served remotely reads as here.
import { RoadworkError } from '../../../core/errors/index.js';

/**
 * `out` holds `n` images' outputs back to back; each is `dims` values, or `T × dims` tokens pooled by
 * their mean or the first (`cls`) token. Returns the `n × dims` embeddings, flat (`out` itself when
 * there is nothing to pool).
 */
export function poolEmbeddings(
  out: Float32Array,
  n: number,
  dims: number,
  pool: 'mean' | 'cls',
): Float32Array {
  const per = out.length / n;
  if (!Number.isInteger(per) || per % dims !== 0) {
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `Embedder output does not split into ${n} images of width ${dims}: ${out.length} values; set the dims option.`,
    );
  }
  const tokens = per / dims;
  if (tokens === 1) return out;
  const pooled = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const base = i * per;
    if (pool === 'cls') {
      pooled.set(out.subarray(base, base + dims), i * dims);
      continue;
    }
    for (let t = 0; t < tokens; t++) {
      for (let d = 0; d < dims; d++) pooled[i * dims + d]! += out[base + t * dims + d]! / tokens;
    }
  }
  return pooled;
}

/** The one value of a classifier's output, or ERR_MODEL_OUTPUT when it is not one probability in [0, 1]. */
export function probabilityOf(output: Float32Array): number {
  const p = output[0];
  if (output.length !== 1 || p === undefined || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `Model output is not one probability in [0, 1]: ${output.length === 1 ? String(p) : `${output.length} values`}; check the model's final sigmoid.`,
    );
  }
  return p;
}
