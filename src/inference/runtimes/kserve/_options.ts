// Checks the `kserve` runtime's options once, at load: unknown keys and bad values fail with the key.
import { RoadworkError } from '../../../core/errors/index.js';
import { IMAGENET_NORMALIZATION } from '../onnx/index.js';
import { badOption, numberOption, readOptions, stringOption, type OptionReader } from '../_options.js';
import type { ModelRef } from '../types.js';

/** Validated options of one served model. */
export interface KserveOptions {
  /** The server's root, before `/v2`. */
  readonly url: string;
  /** The model's name on the server. */
  readonly name: string;
  /** A model version (`/versions/{v}` in every path); absent: the server's choice. */
  readonly modelVersion?: string;
  /** Sent as `Authorization: Bearer …` when set (KServe behind an auth proxy). */
  readonly token?: string;
  /** Binary tensor data: `auto` uses it when the server lists the `binary_tensor_data` extension. */
  readonly binary: 'auto' | boolean;
  /** Input and output tensor names; absent: the metadata's only input and first output. */
  readonly input?: string;
  readonly output?: string;
  /** Preprocessing, as the `onnx` runtime's: square input side (absent: the metadata's, else 224). */
  readonly size?: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Embedders: how `[N, T, D]` token outputs become one vector, and D when the shape leaves it open. */
  readonly pool: 'mean' | 'cls';
  readonly dims?: number;
  /** Most images in one infer request (a Triton model's `max_batch_size`); larger batches are split. */
  readonly maxBatch: number;
  /** Connections kept open to the server (requests beyond them queue, within their deadline). */
  readonly maxSockets: number;
  /** Budget for the readiness and metadata requests at load. */
  readonly loadTimeoutMs: number;
}

const triple: OptionReader = (key, v) => {
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    if (key === 'std' && v.some((x) => (x as number) <= 0)) throw badOption('three numbers > 0');
    return v;
  }
  throw badOption('three numbers');
};

function oneOf(values: readonly unknown[]): OptionReader {
  return (_key, v) => {
    if (values.includes(v)) return v;
    throw badOption(values.map((x) => JSON.stringify(x)).join(' or '));
  };
}

const URL_FORM = 'the server root as an http(s) URL, such as http://127.0.0.1:8000 (no /v2)';
const int = (min: number, max: number): OptionReader => numberOption(min, max, true);

const READERS: Readonly<Record<string, OptionReader>> = {
  url: (key, v) => {
    const url = serverUrl(stringOption(key, v) as string);
    if (url === undefined) throw badOption(URL_FORM);
    return url;
  },
  model_version: (key, v) => stringOption(key, typeof v === 'number' ? String(v) : v),
  token: stringOption,
  binary: oneOf(['auto', true, false]),
  input: stringOption,
  output: stringOption,
  size: int(8, 4096),
  mean: triple,
  std: triple,
  pool: oneOf(['mean', 'cls']),
  dims: int(1, 1 << 20),
  max_batch: int(1, 1024),
  max_sockets: int(1, 1024),
  load_timeout_ms: int(1, 600_000),
};

/**
 * Reads `ref`: `model` is the served name, or `http(s)://host:port#name` (the server and the name in one
 * string; `options.url` then must not disagree); the options with their defaults.
 */
export function parseKserveOptions(ref: ModelRef): KserveOptions {
  const read = readOptions('kserve', ref.options, READERS);
  const { name, url } = splitModel(ref.model);
  if (url !== undefined && read.url !== undefined && read.url !== url) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The KServe server is named twice: ${url} in model and ${String(read.url)} in options.url; keep one.`,
    );
  }
  const opt = <T>(key: string, field: string): Record<string, T> =>
    read[key] === undefined ? {} : { [field]: read[key] as T };
  return Object.freeze<KserveOptions>({
    url: url ?? (read.url as string | undefined) ?? 'http://127.0.0.1:8000',
    name,
    ...opt<string>('model_version', 'modelVersion'),
    ...opt<string>('token', 'token'),
    binary: (read.binary as 'auto' | boolean | undefined) ?? 'auto',
    ...opt<string>('input', 'input'),
    ...opt<string>('output', 'output'),
    ...opt<number>('size', 'size'),
    mean: (read.mean as KserveOptions['mean'] | undefined) ?? IMAGENET_NORMALIZATION.mean,
    std: (read.std as KserveOptions['std'] | undefined) ?? IMAGENET_NORMALIZATION.std,
    pool: (read.pool as 'mean' | 'cls' | undefined) ?? 'mean',
    ...opt<number>('dims', 'dims'),
    maxBatch: (read.max_batch as number | undefined) ?? 16,
    maxSockets: (read.max_sockets as number | undefined) ?? 8,
    loadTimeoutMs: (read.load_timeout_ms as number | undefined) ?? 10_000,
  });
}

/** `http://host:8000#resnet` → the server and the name; a plain name stays a name. */
function splitModel(model: string): { name: string; url?: string } {
  const hash = model.indexOf('#');
  if (!/^https?:\/\//.test(model) || hash === -1) return { name: model };
  const name = model.slice(hash + 1);
  if (name === '' || name.includes('/')) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The KServe model must be a server and a model name: ${model}; write http://host:port#model-name.`,
    );
  }
  const url = serverUrl(model.slice(0, hash));
  if (url === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The KServe model's server is not ${URL_FORM}: ${model}; write http://host:port#model-name.`,
    );
  }
  return { name, url };
}

/** The URL without trailing slashes, or undefined when it is not an http(s) server root. */
function serverUrl(url: string): string | undefined {
  if (!/^https?:\/\/[^/]/.test(url) || /\/v2\/?$/.test(url)) return undefined;
  return url.replace(/\/+$/, '');
}
