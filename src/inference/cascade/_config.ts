// The cascade config: one YAML/JSON file, validated once; errors name the path, file paths resolve against it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RoadworkError } from '../../core/errors/index.js';
import { parseImagePolicy, type ImagePolicy } from '../image/index.js';
import { squashingModel } from '../runtimes/index.js';
import { FUSIONS } from './fusion.js';
import { STAGE_KINDS } from './_kinds.js';
import { configReader, type FileListener } from './_reader.js';
import { isViewName } from './_tta.js';
import type { ConfigReader, StageCommon, StageKind, StageModel } from './types.js';

/** One validated stage: its common fields, its kind, and the kind's own config. */
export interface StageSpec {
  readonly common: StageCommon;
  readonly kind: StageKind<never>;
  readonly config: unknown;
}

/** A validated cascade config. */
export interface CascadeConfig {
  /** The file it came from, or `(default)`. */
  readonly source: string;
  /** How every request image becomes the square the stages see (`preprocess:`; trained the same way). */
  readonly preprocess: ImagePolicy;
  /** TTA views, `identity` first. */
  readonly tta: readonly string[];
  readonly fusion: { readonly method: string; readonly options: Readonly<Record<string, unknown>> };
  /** Kept free before the request deadline for answering. */
  readonly marginMs: number;
  readonly stages: readonly StageSpec[];
  /** Hash of the config as written; part of the cascade version. */
  readonly fingerprint: string;
  /**
   * A routed config (`routes:`): one whole cascade per source-image size, the first whose `maxSide`
   * is at least the image's longer side answering (the last has `maxSide: Infinity`). Its own
   * `stages` are every route's, for listing and checks; `preprocess`, `tta` and `fusion` are the last route's.
   */
  readonly routes?: readonly CascadeRoute[];
}

/** One route of a routed cascade. */
export interface CascadeRoute {
  /** Longest side of the source image this route takes, pixels; `Infinity` for the last. */
  readonly maxSide: number;
  readonly config: CascadeConfig;
}

/** Options for parsing. */
export interface ParseOptions {
  /** Names the file in errors. Default `(inline)`. */
  readonly source?: string;
  /** Relative model paths resolve against it. Default the working directory. */
  readonly baseDir?: string;
  /** Default `STAGE_KINDS`. */
  readonly kinds?: Readonly<Record<string, StageKind<never>>>;
  /** Told of every local file (or folder) the config names, e.g. to copy them into a bundle. */
  readonly onFile?: FileListener;
}

const COMMON_KEYS = ['name', 'kind', 'weight', 'expected_ms', 'timeout_ms', 'tta'];

/** Validates a parsed config object. */
export function parseCascadeConfig(raw: unknown, options: ParseOptions = {}): CascadeConfig {
  const source = options.source ?? '(inline)';
  const kinds = options.kinds ?? STAGE_KINDS;
  const r = configReader(raw, {
    source,
    baseDir: options.baseDir ?? process.cwd(),
    ...(options.onFile ? { onFile: options.onFile } : {}),
  });
  if (r.has('routes')) return parseRoutes(r, raw, options);
  r.only(['version', 'preprocess', 'tta', 'fusion', 'deadline', 'stages']);
  const preprocess = readPreprocess(r);
  const tta = r.has('tta')
    ? r.list('tta').map((v) => {
        if (typeof v.value !== 'string' || !isViewName(v.value)) {
          v.fail(
            `is not a view: ${JSON.stringify(v.value)}; valid views are identity, hflip, vflip, crop:<fraction>`,
          );
        }
        return v.value as string;
      })
    : ['identity'];
  // views[0] is always the image itself: stages that ignore TTA read it.
  if (tta[0] !== 'identity') tta.unshift('identity');
  const fusion = r.has('fusion') ? r.at('fusion') : undefined;
  const method = fusion?.string('method', 'log-odds') ?? 'log-odds';
  if (!Object.hasOwn(FUSIONS, method)) {
    fusion!
      .at('method')
      .fail(`is not a fusion method: "${method}"; valid methods are ${Object.keys(FUSIONS).join(', ')}`);
  }
  fusion?.only(['method', 'bias']);
  if (fusion?.has('bias')) fusion.number('bias');
  const deadline = r.has('deadline') ? r.at('deadline') : undefined;
  deadline?.only(['margin_ms']);
  const marginMs = deadline?.number('margin_ms', 50, { min: 0 }) ?? 50;
  const list = r.list('stages');
  if (list.length === 0) r.at('stages').fail('must list at least one stage');
  const names = new Set<string>();
  const stages = list.map((s, i): StageSpec => {
    const kindName = s.string('kind');
    const kind = Object.hasOwn(kinds, kindName) ? kinds[kindName] : undefined;
    if (kind === undefined) {
      return s
        .at('kind')
        .fail(`is not a stage kind: "${kindName}"; valid kinds are ${Object.keys(kinds).join(', ')}`);
    }
    s.only([...COMMON_KEYS, ...kind.keys]);
    const name = s.string('name', `${kindName}-${i}`);
    if (names.has(name)) s.at('name').fail(`repeats an earlier stage name: "${name}"; names must be unique`);
    names.add(name);
    const common: StageCommon = Object.freeze({
      name,
      kind: kindName,
      weight: s.number('weight', 1),
      expectedMs: s.number('expected_ms', 50, { min: 0 }),
      timeoutMs: s.number('timeout_ms', 0, { min: 0 }),
      tta: s.boolean('tta', true),
    });
    const config = kind.parse(s);
    if (preprocess.resize === 'short-side') refuseSquashing(s, kind.models(config as never));
    return Object.freeze({ common, kind, config });
  });
  return Object.freeze({
    source,
    preprocess,
    tta: Object.freeze(tta),
    fusion: Object.freeze({ method, options: Object.freeze({ ...((fusion?.value as object) ?? {}) }) }),
    marginMs,
    stages: Object.freeze(stages),
    fingerprint: createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 12),
  });
}

// `routes:` — each entry a whole cascade plus `max_side` (every entry but the last); sides ascend.
function parseRoutes(r: ConfigReader, raw: unknown, options: ParseOptions): CascadeConfig {
  r.only(['version', 'routes']);
  const list = r.list('routes');
  if (list.length < 2) r.at('routes').fail('must list at least two routes (one cascade needs no routes)');
  let below = 0;
  const routes = list.map((v, i): CascadeRoute => {
    const last = i === list.length - 1;
    if (typeof v.value !== 'object' || v.value === null || Array.isArray(v.value)) {
      v.fail('must be a mapping: a cascade (preprocess, tta, fusion, deadline, stages) and max_side');
    }
    if (last && v.has('max_side')) {
      v.at('max_side').fail('must be left out on the last route, which takes every larger image');
    }
    const maxSide = last ? Infinity : v.number('max_side', undefined, { min: below + 1, max: 100_000 });
    below = maxSide;
    const { max_side: _side, ...cascade } = v.value as Record<string, unknown>;
    const onFile = options.onFile;
    const config = parseCascadeConfig(cascade, {
      ...options,
      source: `${options.source ?? '(inline)'}#routes[${i}]`,
      // Paths inside a route are the route's own: name them from the root, as `routes[1].stages[0].head`.
      ...(onFile ? { onFile: (path: string, file: string) => onFile(`routes[${i}].${path}`, file) } : {}),
    });
    return Object.freeze({ maxSide, config });
  });
  const stages = routes.flatMap((route) => route.config.stages);
  const names = new Set<string>();
  for (const s of stages) {
    if (names.has(s.common.name)) {
      r.at('routes').fail(`repeat a stage name across routes: "${s.common.name}"; names must be unique`);
    }
    names.add(s.common.name);
  }
  const last = routes[routes.length - 1]!.config;
  return Object.freeze({
    ...last,
    source: options.source ?? '(inline)',
    stages: Object.freeze(stages),
    routes: Object.freeze(routes),
    fingerprint: createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 12),
  });
}

// `short-side` hands the stages the frame in its own shape; a model that squashes it into a square
// sees a distortion it was not trained on (and one that gives the frame's shape away).
function refuseSquashing(stage: ConfigReader, models: readonly StageModel[]): void {
  const squashing = squashingModel(models);
  if (squashing === undefined) return;
  stage.fail(
    `squashes the frame: its ${squashing.role} ${squashing.runtime}:${squashing.model} resizes the whole image to a square, but preprocess.resize short-side keeps the frame's shape; give it tiles where its runtime has them (the tfjs and transformers embedders' "tiles": 3), or use resize: center-crop or squash`,
  );
}

function readPreprocess(r: ConfigReader): ImagePolicy {
  try {
    return parseImagePolicy(r.has('preprocess') ? r.at('preprocess').value : undefined);
  } catch (err) {
    return r.at('preprocess').fail((err as Error).message);
  }
}

/** Reads and validates a YAML or JSON cascade file. */
export async function loadCascadeConfig(
  file: string,
  options: Omit<ParseOptions, 'source' | 'baseDir'> = {},
): Promise<CascadeConfig> {
  const { path, raw } = await readCascadeFile(file);
  return parseCascadeConfig(raw, { ...options, source: path, baseDir: dirname(path) });
}

/**
 * A cascade file's YAML (or JSON) as written, unchecked, and its absolute path; fails with
 * ERR_CONFIG_FILE when it cannot be read or parsed. For callers that rewrite a config (`train --base`).
 */
export async function readCascadeFile(file: string): Promise<{ path: string; raw: unknown }> {
  const path = resolve(file);
  try {
    return { path, raw: parseYaml(await readFile(path, 'utf8')) };
  } catch (err) {
    throw new RoadworkError(
      'ERR_CONFIG_FILE',
      `Cascade config cannot be read or parsed: ${path}; check the file.`,
      {
        cause: err,
      },
    );
  }
}
