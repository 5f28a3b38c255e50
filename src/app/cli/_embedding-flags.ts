// Flags shared by `roadwork train` and `roadwork calibrate`: data, embedder, views; and the settings
// they read (data_dir, embedding and model caches, device, workers) from the one schema, as serve does.
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import { dataPath } from '../../core/files/index.js';
import { runtimeContextFor } from '../miner/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { squashingModel, type ModelRef } from '../../inference/runtimes/index.js';
import type { EmbeddingOptions } from '../../lifecycle/train/index.js';
import { DEFAULT_PROTOCOL, PROTOCOLS, parseProtocol } from '../../wire/protocol/index.js';
import { SkippedImages, describeSkip } from '../../data/sources/index.js';
import { DEFAULT_IMAGE_POLICY, RESIZE_MODES, type ResizeMode } from '../../inference/image/index.js';
import { numberFlag, numberListFlag } from './_number-flag.js';
import { addSettingOptions, settingsFrom, type SettingsUsed } from './_settings.js';

/** The default backbone: MobileNetV2 from nsfwjs with the colour/shape features beside it. */
export const DEFAULT_EMBEDDER = 'tfjs:builtin:mobilenetv2';

/**
 * The options of the default backbone: the colour/shape features beside it. Only the default
 * backbone gets them unasked: `extras` is a tfjs option, which other runtimes refuse.
 */
const DEFAULT_OPTIONS = '{"extras":["colour-shape"]}';

/** A repeatable flag: the first value given replaces the default, later ones are appended. */
function collect(defaults: readonly string[] | undefined) {
  return (value: string, previous: string[] | undefined) =>
    previous === undefined || previous === defaults ? [value] : [...previous, value];
}

/**
 * The settings train and calibrate read, as serve reads them (flags, environment, `--config` file):
 * where state lives, where models download, the runtimes' device and threads.
 */
export const EMBEDDING_SETTINGS: SettingsUsed = Object.freeze([
  'data_dir',
  'embeddings.cache_dir',
  'models.cache_dir',
  'models.offline',
  'models.hub_url',
  'models.hub_token',
  'model.device',
  'model.workers',
  'model.intra_op_threads',
]);

/** Embedding runs two backbone workers unless told otherwise (serve's default is one). */
const EMBEDDING_DEFAULTS = Object.freeze({ 'model.workers': 2 });

/** Flags of earlier versions, each now a setting: still read, with a warning naming the setting. */
const RENAMED_FLAGS = Object.freeze([
  { flag: '--cache <dir>', attr: 'cache', key: 'embeddings.cache_dir' },
  { flag: '--models-dir <dir>', attr: 'modelsDir', key: 'models.cache_dir' },
  { flag: '--device <device>', attr: 'device', key: 'model.device' },
  { flag: '--workers <n>', attr: 'workers', key: 'model.workers' },
  { flag: '--offline', attr: 'offline', key: 'models.offline' },
] as const);

/** `--data` as given: one folder as a string (as before), several as a list. */
function dataFolders(value: unknown): string | string[] {
  const list = Array.isArray(value) ? value.map(String) : [String(value)];
  return list.length === 1 ? list[0]! : list;
}

/** Adds the shared flags. */
export function addEmbeddingFlags(command: Command): Command {
  const embedders = [DEFAULT_EMBEDDER];
  command
    .requiredOption(
      '--data <dir>',
      'labelled images: pos/ and neg/, or manifest.csv (file,label,group); repeat it to use several folders (groups namespaced by folder)',
      collect(undefined),
    )
    .option(
      '--embedder <runtime:model>',
      'backbone as RUNTIME:MODEL (e.g. transformers:onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX); repeat it to concatenate several backbones, e.g. features:builtin:objects after the default for hand-made object features',
      collect(embedders),
      embedders,
    )
    .option(
      '--embedder-options <json>',
      `runtime options of the backbone as JSON; repeated, the n-th goes to the n-th --embedder (missing ones are {}) (default: ${DEFAULT_OPTIONS} for ${DEFAULT_EMBEDDER} as the first backbone, else {})`,
      collect(undefined),
    )
    .option(
      '--protocol <version>',
      `validator generation the scored views imitate: ${PROTOCOLS.join(' or ')} (0.4: the image JPEG q75 at its own size, one view; 2.0.4: --views augmented views)`,
      DEFAULT_PROTOCOL,
    )
    .option('--views <n0,n1,n2,n3>', '2.0.4: scored augmented views per image at levels 0..3', DEFAULT_VIEWS)
    .option(
      '--preprocess-size <px>',
      "side of the square every view is decoded to (bilinear), as the served cascade's preprocess.size; larger keeps 0.4's source-size detail for an embedder with a larger inputSize",
      String(DEFAULT_IMAGE_POLICY.size),
    )
    .option(
      '--preprocess-resize <mode>',
      `how a non-square view is fitted into that square, as the served cascade's preprocess.resize: ${RESIZE_MODES.join(', ')} (letterbox keeps the whole frame, black bars added; short-side keeps its shape, for an embedder with tiles)`,
      DEFAULT_IMAGE_POLICY.resize,
    )
    .addOption(new Option('--no-tta', 'no horizontal-flip twin per view (train and evaluate without TTA)'))
    .option('--seed <seed>', 'seed of the views, folds, initialisation and bootstrap', 'train')
    .option('--strict', 'fail at the first unreadable image instead of skipping it with a warning')
    .option('--target-accuracy <a>', 'accuracy wanted on early exits when choosing thresholds', '0.95');
  addSettingOptions(command, EMBEDDING_SETTINGS, EMBEDDING_DEFAULTS);
  for (const r of RENAMED_FLAGS) command.addOption(new Option(r.flag, `deprecated: --${r.key}`).hideHelp());
  return command;
}

const DEFAULT_VIEWS = '1,1,1,1';

/** `--views` and `--train-views`: four whole counts of views, one per augmentation level 0..3. */
export const VIEW_COUNTS = Object.freeze({ count: 4, min: 0, integer: true, example: DEFAULT_VIEWS });

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

/** The embedder references of `--embedder` and `--embedder-options`, the default options applied. */
function embeddersOf(opts: Record<string, unknown>): ModelRef[] {
  const specs = opts.embedder as string[];
  const given = opts.embedderOptions as string[] | undefined;
  const options = given ?? (specs[0] === DEFAULT_EMBEDDER ? [DEFAULT_OPTIONS] : []);
  return embedderRefs(specs, options);
}

/** The settings of the command line, the renamed flags of earlier versions read with a warning. */
function embeddingSettings(
  opts: Record<string, unknown>,
  stderr: NodeJS.WritableStream,
  env: Record<string, string | undefined>,
): Settings {
  const flags: Record<string, unknown> = { ...opts };
  for (const r of RENAMED_FLAGS) {
    if (opts[r.attr] === undefined) continue;
    stderr.write(`warning: ${r.flag.split(' ')[0]} is deprecated; use --${r.key}\n`);
    flags[r.key] ??= opts[r.attr];
  }
  return settingsFrom(flags, env, EMBEDDING_DEFAULTS, (message) => stderr.write(`warning: ${message}\n`));
}

/**
 * Reads the shared flags into embedding options, with the settings they came with (flags, then `env`,
 * then the `--config` file: `data_dir`, `models.*`, `model.device`, `model.workers`).
 */
export function embeddingOptions(
  opts: Record<string, unknown>,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  env: Record<string, string | undefined> = {},
): EmbeddingOptions & { targetAccuracy: number; skips: SkippedImages; settings: Settings } {
  const settings = embeddingSettings(opts, stderr, env);
  const perLevel = numberListFlag(opts.views, '--views', VIEW_COUNTS);
  const protocol = parseProtocol(String(opts.protocol ?? DEFAULT_PROTOCOL));
  if (protocol === '0.4' && String(opts.views ?? DEFAULT_VIEWS) !== DEFAULT_VIEWS)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --views under --protocol 0.4: ${String(opts.views)}. Protocol 0.4 scores one view per image (no augmentation); add augmented training-only views with --train-views, or give --protocol 2.0.4`,
    );
  const size = numberFlag(opts.preprocessSize ?? DEFAULT_IMAGE_POLICY.size, '--preprocess-size', {
    min: 32,
    max: 2048,
    integer: true,
    example: String(DEFAULT_IMAGE_POLICY.size),
  });
  const resize = String(opts.preprocessResize ?? DEFAULT_IMAGE_POLICY.resize);
  if (!(RESIZE_MODES as readonly string[]).includes(resize))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --preprocess-resize: ${resize}; give one of ${RESIZE_MODES.join(', ')}`,
    );
  const embedders = embeddersOf(opts);
  // short-side hands the embedder the whole frame; one that squashes it to a square (a distortion that
  // gives the frame's shape away) is refused before any view is embedded, as a cascade config is.
  const squashing = squashingModel(embedders.map((e) => ({ ...e, capability: 'embedder' as const })));
  if (resize === 'short-side' && squashing !== undefined)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `--preprocess-resize short-side keeps the frame's shape, but ${squashing.runtime}:${squashing.model} resizes the whole image to a square; give it tiles (add "tiles":3 to a tfjs embedder's --embedder-options), or use center-crop`,
    );
  const runtime = runtimeContextFor(settings, pino({ level: 'warn' }, pino.destination(2)));
  const target = numberFlag(opts.targetAccuracy, '--target-accuracy', {
    above: 0.5,
    max: 1,
    example: '0.95',
  });
  // A warning must not land in the middle of a progress bar redrawn in place.
  const lead = stderr.isTTY === true ? '\n' : '';
  const skips = new SkippedImages({
    strict: opts.strict === true,
    onSkip: (skip) => stderr.write(`${lead}warning: ${describeSkip(skip)}; skipped\n`),
  });
  return {
    data: dataFolders(opts.data),
    embedders,
    runtime,
    cacheDir: settings['embeddings.cache_dir'] || dataPath(settings.data_dir, 'embeddings'),
    skips,
    protocol,
    perLevel,
    ...(size === DEFAULT_IMAGE_POLICY.size && resize === DEFAULT_IMAGE_POLICY.resize
      ? {}
      : { preprocess: { ...DEFAULT_IMAGE_POLICY, size, resize: resize as ResizeMode } }),
    tta: opts.tta !== false,
    seed: String(opts.seed),
    progress: stderr,
    targetAccuracy: target,
    settings,
  };
}
