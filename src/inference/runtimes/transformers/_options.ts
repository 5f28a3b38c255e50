// The transformers runtime's model options: checked once at load, unknown keys rejected.
import { RoadworkError } from '../../../core/errors/index.js';
import type { Capability } from '../types.js';

/** ONNX weight variants and the file suffix transformers.js gives each. */
export const DTYPE_SUFFIX = Object.freeze({
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
});

/** One of `DTYPE_SUFFIX`'s keys. */
export type Dtype = keyof typeof DTYPE_SUFFIX;

/** How an embedding is taken from the model's outputs. */
export type Pooling = 'auto' | 'cls' | 'mean' | 'max' | 'pooler';

/** Options every capability takes. */
export interface CommonOptions {
  /** Weight variant. Default `fp32`. */
  readonly dtype: Dtype;
  /** ONNX Runtime threads per worker. Default 1 (the pool gives parallelism). */
  readonly intraOpThreads: number;
}

/** Embedder options. */
export interface EmbedderOptions extends CommonOptions {
  /**
   * `auto` (default): `pooler_output`, else `image_embeds`, else the CLS token; `cls`: first token of
   * `last_hidden_state`; `mean`: mean of the patch tokens; `max`: their element-wise maximum (a small
   * object in one patch counts, as max pooling over MobileNetV2's cells does); `pooler`: `pooler_output`
   * or an error.
   */
  readonly pooling: Pooling;
  /** Tokens before the patches, skipped by `mean` and `max`. Default 1 + `num_register_tokens` (0 for SigLIP). */
  readonly prefixTokens: number | undefined;
  /** L2-normalise each embedding. Default false. */
  readonly normalize: boolean;
  /** Images per model call. Default 8. */
  readonly batchSize: number;
  /**
   * Cut each frame into up to this many square tiles along its longer side (as the tfjs option does;
   * for `preprocess.resize: short-side`), embed each and combine: element-wise max under `pooling:
   * max`, the mean otherwise (normalised again under `normalize`). Unset: the frame goes whole to the
   * model's own processor (its resize and centre crop).
   */
  readonly tiles: number | undefined;
}

/** Detector options. */
export interface DetectorOptions extends CommonOptions {
  /** Lowest score kept. Default 0.5. */
  readonly threshold: number;
  /** Text queries for open-vocabulary detectors (OWL-ViT, OWLv2, Grounding DINO); none for closed-set. */
  readonly queries: readonly string[] | undefined;
}

/** Reader (Florence-2) options. */
export interface ReaderOptions extends CommonOptions {
  /** `<OCR>` (default: text, one line per newline) or `<OCR_WITH_REGION>` (lines with boxes). */
  readonly task: '<OCR>' | '<OCR_WITH_REGION>';
  /** Default 256. */
  readonly maxNewTokens: number;
}

/** Options by capability. */
export interface OptionsOf {
  embedder: EmbedderOptions;
  detector: DetectorOptions;
  reader: ReaderOptions;
}

const KEYS: Record<keyof OptionsOf, readonly string[]> = {
  embedder: ['dtype', 'intraOpThreads', 'pooling', 'prefixTokens', 'normalize', 'batchSize', 'tiles'],
  detector: ['dtype', 'intraOpThreads', 'threshold', 'queries'],
  reader: ['dtype', 'intraOpThreads', 'task', 'maxNewTokens'],
};

function bad(key: string, value: unknown, fix: string): RoadworkError {
  return new RoadworkError(
    'ERR_CONFIG_INVALID',
    `Invalid transformers option ${key}: ${JSON.stringify(value)}; ${fix}.`,
  );
}

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw bad(key, value, `use one of ${allowed.join(', ')}`);
}

function num(
  key: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    throw bad(key, value, `use ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return value;
}

/** Checks `raw` for `capability`, filling defaults; ERR_CONFIG_INVALID names a bad or unknown key. */
export function parseOptions<C extends keyof OptionsOf>(
  capability: C,
  raw: Readonly<Record<string, unknown>> = {},
): OptionsOf[C] {
  for (const key of Object.keys(raw)) {
    if (!KEYS[capability].includes(key))
      throw bad(key, raw[key], `a transformers ${capability} takes ${KEYS[capability].join(', ')}`);
  }
  const common: CommonOptions = {
    dtype: oneOf('dtype', raw.dtype, Object.keys(DTYPE_SUFFIX) as Dtype[], 'fp32'),
    intraOpThreads: num('intraOpThreads', raw.intraOpThreads, 1, 1, 64, true),
  };
  if (capability === 'embedder') {
    if (raw.normalize !== undefined && typeof raw.normalize !== 'boolean')
      throw bad('normalize', raw.normalize, 'use true or false');
    const options: EmbedderOptions = {
      ...common,
      pooling: oneOf('pooling', raw.pooling, ['auto', 'cls', 'mean', 'max', 'pooler'], 'auto'),
      prefixTokens:
        raw.prefixTokens === undefined ? undefined : num('prefixTokens', raw.prefixTokens, 1, 0, 64, true),
      normalize: raw.normalize === true,
      batchSize: num('batchSize', raw.batchSize, 8, 1, 256, true),
      tiles: raw.tiles === undefined ? undefined : num('tiles', raw.tiles, 1, 1, 8, true),
    };
    return options as OptionsOf[C];
  }
  if (capability === 'detector') {
    const q = raw.queries;
    if (
      q !== undefined &&
      (!Array.isArray(q) || q.length === 0 || !q.every((s) => typeof s === 'string' && s.length > 0))
    ) {
      throw bad('queries', q, 'use a non-empty list of words, e.g. ["traffic cone", "road barrier"]');
    }
    const options: DetectorOptions = {
      ...common,
      threshold: num('threshold', raw.threshold, 0.5, 0, 1, false),
      queries: q as string[] | undefined,
    };
    return options as OptionsOf[C];
  }
  const options: ReaderOptions = {
    ...common,
    task: oneOf('task', raw.task, ['<OCR>', '<OCR_WITH_REGION>'], '<OCR>'),
    maxNewTokens: num('maxNewTokens', raw.maxNewTokens, 256, 1, 4096, true),
  };
  return options as OptionsOf[C];
}

/** The files a capability needs, as globs for the hub: configs, tokenizer files, one ONNX variant. */
export function neededFiles(capability: Capability, dtype: Dtype): string[] {
  const suffix = DTYPE_SUFFIX[dtype];
  const sessions =
    capability === 'reader'
      ? ['vision_encoder', 'embed_tokens', 'encoder_model', 'decoder_model_merged']
      : ['model'];
  return [
    'config.json',
    'preprocessor_config.json',
    '*.json',
    '*.txt',
    ...sessions.flatMap((s) => [`onnx/${s}${suffix}.onnx`, `onnx/${s}${suffix}.onnx_data*`]),
  ];
}
