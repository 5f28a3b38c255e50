// Flags shared by `roadwork train` and `roadwork calibrate`: data, embedder, views, cache, workers.
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import { RoadworkError } from '../errors/index.js';
import type { ModelRef, RuntimeContext } from '../runtimes/index.js';
import type { EmbeddingOptions } from '../train/index.js';
import { DEFAULT_PROTOCOL, PROTOCOLS, parseProtocol } from '../validator/index.js';

/** The default backbone: MobileNetV2 from nsfwjs with the colour/shape features beside it. */
export const DEFAULT_EMBEDDER = 'tfjs:builtin:mobilenetv2';

/** The options of the default backbone: the colour/shape features beside it. */
const DEFAULT_OPTIONS = '{"extras":["colour-shape"]}';

/** A repeatable flag: the first value given replaces the default, later ones are appended. */
function collect(defaults: readonly string[]) {
  return (value: string, previous: string[]) => (previous === defaults ? [value] : [...previous, value]);
}

/** Adds the shared flags. */
export function addEmbeddingFlags(command: Command): Command {
  const embedders = [DEFAULT_EMBEDDER];
  const options = [DEFAULT_OPTIONS];
  return command
    .requiredOption('--data <dir>', 'labelled images: pos/ and neg/, or manifest.csv (file,label,group)')
    .option(
      '--embedder <runtime:model>',
      'backbone as RUNTIME:MODEL (e.g. transformers:onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX); repeat it to concatenate several backbones',
      collect(embedders),
      embedders,
    )
    .option(
      '--embedder-options <json>',
      'runtime options of the backbone as JSON; repeated, the n-th goes to the n-th --embedder (missing ones are {})',
      collect(options),
      options,
    )
    .option(
      '--protocol <version>',
      `validator generation the scored views imitate: ${PROTOCOLS.join(' or ')} (0.4: the image JPEG q75 at its own size, one view; 2.0.4: --views augmented views)`,
      DEFAULT_PROTOCOL,
    )
    .option('--views <n0,n1,n2,n3>', '2.0.4: scored augmented views per image at levels 0..3', DEFAULT_VIEWS)
    .addOption(new Option('--no-tta', 'no horizontal-flip twin per view (train and evaluate without TTA)'))
    .option('--seed <seed>', 'seed of the views, folds, initialisation and bootstrap', 'train')
    .option('--cache <dir>', 'embedding cache folder', '.data/embeddings')
    .option('--models-dir <dir>', 'where runtimes download models', '.data/models')
    .option('--device <device>', 'cpu or cuda (runtimes that support it)', 'cpu')
    .option('--workers <n>', 'embedder worker threads', '2')
    .option('--offline', 'never touch the network')
    .option('--target-accuracy <a>', 'accuracy wanted on early exits when choosing thresholds', '0.95');
}

const DEFAULT_VIEWS = '1,1,1,1';

function numberList(flag: string, text: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid ${flag}: ${text}; give comma-separated non-negative numbers`,
    );
  }
  return values;
}

/** Parses `RUNTIME:MODEL` plus the JSON options into a model reference. */
export function embedderRef(spec: string, optionsJson: string): ModelRef {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --embedder: ${spec}; write RUNTIME:MODEL, e.g. ${DEFAULT_EMBEDDER}`,
    );
  }
  let options: unknown;
  try {
    options = JSON.parse(optionsJson);
  } catch (err) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --embedder-options: ${optionsJson}; give a JSON object`,
      { cause: err },
    );
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --embedder-options: ${optionsJson}; give a JSON object`,
    );
  }
  const runtime = spec.slice(0, colon);
  const hasOptions = Object.keys(options).length > 0;
  return {
    runtime,
    model: spec.slice(colon + 1),
    ...(hasOptions ? { options: options as Record<string, unknown> } : {}),
  };
}

/** Pairs every `--embedder` with its `--embedder-options` by position. */
export function embedderRefs(specs: readonly string[], options: readonly string[]): ModelRef[] {
  if (options.length > specs.length) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --embedder-options: ${options.length} given for ${specs.length} --embedder; give at most one per --embedder, in the same order`,
    );
  }
  return specs.map((spec, i) => embedderRef(spec, options[i] ?? '{}'));
}

/** Reads the shared flags into embedding options. */
export function embeddingOptions(
  opts: Record<string, unknown>,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
): EmbeddingOptions & { targetAccuracy: number } {
  const perLevel = numberList('--views', String(opts.views));
  if (perLevel.length !== 4)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --views: ${String(opts.views)}; give four counts, levels 0..3`,
    );
  const protocol = parseProtocol(String(opts.protocol ?? DEFAULT_PROTOCOL));
  if (protocol === '0.4' && String(opts.views ?? DEFAULT_VIEWS) !== DEFAULT_VIEWS)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --views under --protocol 0.4: ${String(opts.views)}. Protocol 0.4 scores one view per image (no augmentation); add augmented training-only views with --train-views, or give --protocol 2.0.4`,
    );
  const workers = numberList('--workers', String(opts.workers))[0]!;
  const device = String(opts.device);
  if (device !== 'cpu' && device !== 'cuda')
    throw new RoadworkError('ERR_CONFIG_INVALID', `Invalid --device: ${device}; valid devices are cpu, cuda`);
  const runtime: RuntimeContext = {
    cacheDir: String(opts.modelsDir),
    offline: opts.offline === true,
    device,
    workers: Math.max(1, Math.floor(workers)),
    logger: pino({ level: 'warn' }, pino.destination(2)),
  };
  const target = Number(opts.targetAccuracy);
  if (!(target > 0.5 && target <= 1))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --target-accuracy: ${String(opts.targetAccuracy)}; give a number in (0.5, 1]`,
    );
  return {
    data: String(opts.data),
    embedders: embedderRefs(opts.embedder as string[], opts.embedderOptions as string[]),
    runtime,
    cacheDir: String(opts.cache),
    protocol,
    perLevel,
    tta: opts.tta !== false,
    seed: String(opts.seed),
    progress: stderr,
    targetAccuracy: target,
  };
}

export { numberList };
