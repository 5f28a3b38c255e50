// Turns a vision model's outputs into one embedding per image (CLS, patch mean or max, or the pooler's output).
import type { Tensor } from '@huggingface/transformers';
import { RoadworkError } from '../../../core/errors/index.js';
import type { EmbedderOptions } from './_options.js';

/** Rows of a 2-D `[N, D]` tensor, each in its own buffer (they are transferred one by one). */
function rows(t: Tensor): Float32Array[] {
  const [n, d] = t.dims as [number, number];
  const data = t.data as Float32Array;
  return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
}

/** Tokens that precede the patches: CLS plus any registers; SigLIP has neither. */
function prefixOf(config: Record<string, unknown>, options: EmbedderOptions): number {
  if (options.prefixTokens !== undefined) return options.prefixTokens;
  if (typeof config.model_type === 'string' && config.model_type.startsWith('siglip')) return 0;
  const registers = typeof config.num_register_tokens === 'number' ? config.num_register_tokens : 0;
  return 1 + registers;
}

/** Pools tokens `from`..`to` of each image: their mean, or their element-wise maximum. */
function fromTokens(t: Tensor, from: number, to: number | undefined, reduce: 'mean' | 'max'): Float32Array[] {
  if (t.dims.length !== 3) {
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `last_hidden_state is not [N, tokens, D]: [${t.dims.join(', ')}]; use pooling "pooler" for this model.`,
    );
  }
  const [n, tokens, d] = t.dims as [number, number, number];
  const end = to ?? tokens;
  if (end <= from) {
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `No patch tokens to pool: ${tokens} tokens, ${from} skipped; lower prefixTokens.`,
    );
  }
  const data = t.data as Float32Array;
  return Array.from({ length: n }, (_, i) => {
    const first = (i * tokens + from) * d;
    const out = data.slice(first, first + d);
    for (let k = from + 1; k < end; k++) {
      const base = (i * tokens + k) * d;
      if (reduce === 'max') for (let j = 0; j < d; j++) out[j] = Math.max(out[j]!, data[base + j]!);
      else for (let j = 0; j < d; j++) out[j]! += data[base + j]!;
    }
    if (reduce === 'mean') for (let j = 0; j < d; j++) out[j]! /= end - from;
    return out;
  });
}

/** One embedding per image from the model's outputs, per `options.pooling`. */
export function embeddings(
  outputs: Record<string, Tensor | undefined>,
  config: Record<string, unknown>,
  options: EmbedderOptions,
): Float32Array[] {
  const pooled =
    outputs.pooler_output ?? (outputs.image_embeds?.dims.length === 2 ? outputs.image_embeds : undefined);
  const hidden = outputs.last_hidden_state;
  let result: Float32Array[];
  if (options.pooling === 'pooler' || (options.pooling === 'auto' && pooled !== undefined)) {
    if (pooled === undefined) {
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `Model has no pooler_output: outputs are ${Object.keys(outputs).join(', ')}; use pooling "cls" or "mean".`,
      );
    }
    result = rows(pooled);
  } else if (hidden === undefined) {
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `Model has no last_hidden_state: outputs are ${Object.keys(outputs).join(', ')}; check the export.`,
    );
  } else {
    result =
      options.pooling === 'mean' || options.pooling === 'max'
        ? fromTokens(hidden, prefixOf(config, options), undefined, options.pooling)
        : fromTokens(hidden, 0, 1, 'mean');
  }
  for (const e of result) {
    if (!e.every(Number.isFinite))
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        'Embedding has a non-finite value: NaN or Infinity; check the model export and dtype.',
      );
    if (options.normalize) l2Normalize(e);
  }
  return result;
}

/** Scales `e` in place to unit length (a zero vector stays zero). */
export function l2Normalize(e: Float32Array): void {
  const norm = Math.hypot(...e) || 1;
  for (let j = 0; j < e.length; j++) e[j]! /= norm;
}
