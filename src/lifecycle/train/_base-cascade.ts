// A trained head served inside an existing cascade: the stage it fits takes the new head, every other
// route, stage and file stays as it was.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { RoadworkError } from '../../core/errors/index.js';
import { DEFAULT_IMAGE_POLICY, type ImagePolicy } from '../../inference/image/index.js';
import {
  parseCascadeConfig,
  readCascadeFile,
  type BackboneHeadConfig,
  type CascadeConfig,
} from '../../inference/cascade/index.js';
import type { ModelRef } from '../../inference/runtimes/index.js';
import { CASCADE_FILE, headline } from '../registry/index.js';

/** How the head was trained, which decides the stage it can replace. */
export interface TrainedServing {
  readonly embedders: readonly ModelRef[];
  readonly tta: boolean;
  /** Default the default policy. */
  readonly preprocess?: ImagePolicy;
}

/** The base cascade and the stage the trained head replaces (see `planBaseCascade`). */
export interface BasePlan {
  /** The cascade file, absolute. */
  readonly file: string;
  /** Its `version:`, if it has one. */
  readonly version?: string;
  readonly stage: string;
  /** The config as written, and where the stage sits in it. */
  readonly raw: Record<string, unknown>;
  readonly route?: number;
  readonly index: number;
  /** How many heads the stage serves (more than one: an ensemble). */
  readonly heads: number;
  /**
   * The stage's heads the trained ones take the place of, `[from, to)` from 0: all of them unless
   * `planBaseCascade` was given a range (`--base-heads`); `from` = `to` = `heads` adds after them.
   */
  readonly replace: { readonly from: number; readonly to: number };
  /** Every local file the config names: its place in the config and the file. */
  readonly files: readonly { readonly path: string; readonly file: string }[];
}

function baseError(message: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_BASE_CASCADE', message, cause === undefined ? undefined : { cause });
}

/** A cascade file, or a bundle folder (its `cascade.json`). */
async function cascadeFileOf(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    throw baseError(`Base cascade not found: ${resolve(path)}; give a cascade file or a bundle folder.`);
  return resolve(info.isDirectory() ? join(path, CASCADE_FILE) : path);
}

interface Candidate {
  readonly name: string;
  readonly route?: number;
  readonly index: number;
  /** Why the head cannot take its place; empty when it can. */
  readonly misfit: readonly string[];
}

const ref = (m: ModelRef) => `${m.runtime}:${m.model}${m.options ? ` ${JSON.stringify(m.options)}` : ''}`;
const policy = (p: ImagePolicy) => `${p.size} ${p.resize} ${p.kernel}`;

function sameModel(served: ModelRef, trained: ModelRef): boolean {
  return (
    served.runtime === trained.runtime &&
    (served.model === trained.model || served.model === resolve(trained.model)) &&
    isDeepStrictEqual(served.options ?? {}, trained.options ?? {})
  );
}

/** Every `backbone-head` stage of the config, each with what keeps the trained head from serving there. */
function candidates(config: CascadeConfig, trained: TrainedServing): Candidate[] {
  const routes: { config: CascadeConfig; route?: number }[] = config.routes?.map((r, i) => ({
    config: r.config,
    route: i,
  })) ?? [{ config }];
  const want = trained.preprocess ?? DEFAULT_IMAGE_POLICY;
  return routes.flatMap(({ config: c, route }) =>
    c.stages.flatMap((s, index) => {
      if (s.common.kind !== 'backbone-head') return [];
      const served = (s.config as BackboneHeadConfig).embedders;
      const misfit: string[] = [];
      if (
        served.length !== trained.embedders.length ||
        !served.every((m, i) => sameModel(m, trained.embedders[i]!))
      )
        misfit.push(
          `embedder ${served.map(ref).join(' + ')}, trained on ${trained.embedders.map(ref).join(' + ')}`,
        );
      if (!isDeepStrictEqual({ ...c.preprocess }, { ...want }))
        misfit.push(`preprocess ${policy(c.preprocess)}, trained on ${policy(want)}`);
      const tta = s.common.tta && c.tta.includes('hflip');
      if (tta !== trained.tta)
        misfit.push(`${tta ? 'hflip TTA' : 'no TTA'}, trained ${trained.tta ? 'with' : 'without'} it`);
      return [{ name: s.common.name, ...(route === undefined ? {} : { route }), index, misfit }];
    }),
  );
}

/**
 * Reads the base cascade (a file, or a bundle folder) and picks the stage the trained head replaces:
 * `options.stage` by name, else the one `backbone-head` stage whose embedder, preprocess and TTA are
 * the training's. Fails with ERR_BASE_CASCADE saying why each stage does not fit, before any
 * training is spent.
 */
export async function planBaseCascade(
  path: string,
  trained: TrainedServing,
  options: {
    readonly stage?: string;
    /** Replace only the stage's heads `first` to `last` (from 1, inclusive; `last` may pass the end). */
    readonly heads?: { readonly first: number; readonly last: number };
  } = {},
): Promise<BasePlan> {
  const file = await cascadeFileOf(path);
  const { raw } = await readCascadeFile(file).catch((err: unknown) => {
    throw baseError(`Base cascade cannot be read or parsed: ${file}; check the file.`, err);
  });
  const files: { path: string; file: string }[] = [];
  const config = parseCascadeConfig(raw, {
    source: file,
    baseDir: dirname(file),
    onFile: (p, f) => void files.push({ path: p, file: f }),
  });
  const all = candidates(config, trained);
  const named =
    options.stage === undefined ? undefined : config.stages.find((s) => s.common.name === options.stage);
  if (options.stage !== undefined && named === undefined)
    throw baseError(
      `Base cascade ${file} has no stage "${options.stage}"; its stages are ${config.stages.map((s) => s.common.name).join(', ')}.`,
    );
  const pool = options.stage === undefined ? all : all.filter((c) => c.name === options.stage);
  if (options.stage !== undefined && pool.length === 0)
    throw baseError(
      `Base cascade stage "${options.stage}" is of kind ${named!.common.kind}; a trained head replaces the head of a backbone-head stage.`,
    );
  const fits = pool.filter((c) => c.misfit.length === 0);
  if (fits.length !== 1) {
    const why =
      pool.length === 0
        ? 'it has no backbone-head stage'
        : fits.length > 1
          ? `several stages fit (${fits.map((c) => c.name).join(', ')}): name one with --base-stage`
          : pool.map((c) => `${c.name}: ${c.misfit.join('; ')}`).join(' | ');
    throw baseError(`The trained head fits no single stage of the base cascade ${file}: ${why}.`);
  }
  const pick = fits[0]!;
  const version = (raw as { version?: unknown }).version;
  const routes = config.routes?.map((r) => r.config) ?? [config];
  const stage = routes[pick.route ?? 0]!.stages[pick.index]!;
  const heads = (stage.config as BackboneHeadConfig).heads.length;
  return {
    file,
    ...(typeof version === 'string' ? { version } : {}),
    stage: pick.name,
    raw: raw as Record<string, unknown>,
    ...(pick.route === undefined ? {} : { route: pick.route }),
    index: pick.index,
    heads,
    replace: replaceRange(options.heads, heads, pick.name),
    files,
  };
}

/** `[from, to)` of the stage's heads that a range from 1 names (all of them without one). */
function replaceRange(
  range: { readonly first: number; readonly last: number } | undefined,
  heads: number,
  stage: string,
): BasePlan['replace'] {
  if (range === undefined) return { from: 0, to: heads };
  if (range.first > heads + 1)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --base-heads ${range.first}-${range.last}: stage ${stage} serves ${heads} head${heads === 1 ? '' : 's'}; start the range at 1 to ${heads} (or ${heads + 1} to add heads after them)`,
    );
  return { from: range.first - 1, to: Math.min(range.last, heads) };
}

/** Sets the value at a config path such as `routes[1].stages[0].head`. */
function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] === undefined ? m[1]! : Number(m[2]),
  );
  let node = root as Record<string | number, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[keys.at(-1)!] = value;
}

/** Every file under a folder, relative to it with `/`. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) found.push(...(await filesUnder(dir, rel)));
    else if (e.isFile()) found.push(rel);
  }
  return found.sort();
}

/** What a bundle needs from the plan: its cascade config and the files to copy in. */
export interface BaseBundleParts {
  readonly config: Record<string, unknown>;
  readonly files: Readonly<Record<string, string>>;
  /**
   * The replaced head's headline numbers (`mcc`, `accuracy`, `auc`), as its own training measured
   * them; one record per head when the stage held an ensemble.
   */
  readonly replaced: Readonly<Record<string, unknown>> | readonly Readonly<Record<string, unknown>>[];
}

/**
 * The base cascade with `headFiles` in place of the chosen stage's heads (all of them, or those in
 * `plan.replace`, the others keeping their places). Every local file or folder the base names is
 * copied into the bundle: those inside the base's folder keep their relative path, others go under
 * `files/`; the config names them from the bundle. The new heads take the replaced heads' names in
 * order (new ones beyond them `head-<stage>.json`, `head-<stage>-2.json`, …) unless another stage,
 * or a head the run keeps, still reads those files.
 */
export async function baseBundleParts(
  plan: BasePlan,
  headFiles: readonly string[],
): Promise<BaseBundleParts> {
  const config = structuredClone(plan.raw);
  const stagePath = `${plan.route === undefined ? '' : `routes[${plan.route}].`}stages[${plan.index}]`;
  const headPath = `${stagePath}.head`;
  // `head: file`, or an ensemble `head: [a, b]`: the stage's head at `k`, or -1 for another path.
  const headAt = (path: string) =>
    path === headPath
      ? 0
      : path.startsWith(`${headPath}[`)
        ? Number(path.slice(headPath.length + 1, -1))
        : -1;
  const { from, to } = plan.replace;
  const isReplaced = (path: string) => {
    const k = headAt(path);
    return k >= from && k < to;
  };
  const stageHeads = plan.files.filter((f) => headAt(f.path) >= 0);
  const oldHeads = stageHeads.filter((f) => isReplaced(f.path)).map((f) => f.file);
  const shared = plan.files.some((f) => !isReplaced(f.path) && oldHeads.includes(f.file));
  const home = dirname(plan.file);
  const names = new Map<string, string>();
  const files: Record<string, string> = {};
  const taken = new Set<string>([CASCADE_FILE]);
  const nameFor = (file: string): string => {
    const inside = relative(home, file);
    if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) && !taken.has(inside))
      return inside.split(sep).join('/');
    let name = `files/${basename(file)}`;
    for (let i = 2; taken.has(name); i++) name = `files/${i}-${basename(file)}`;
    return name;
  };
  for (const { path, file } of plan.files) {
    if (isReplaced(path)) continue;
    let name = names.get(file);
    if (name === undefined) {
      name = nameFor(file);
      names.set(file, name);
      taken.add(name);
      const info = await stat(file).catch(() => undefined);
      if (info === undefined)
        throw baseError(`Base cascade file is missing: ${file} (${path} of ${plan.file}).`);
      if (info.isDirectory()) for (const f of await filesUnder(file)) files[`${name}/${f}`] = join(file, f);
      else files[name] = file;
    }
    setAt(config, path, name);
  }
  const fresh = () => {
    let head = `head-${plan.stage}.json`;
    for (let i = 2; taken.has(head); i++) head = `head-${plan.stage}-${i}.json`;
    return head;
  };
  const trained = headFiles.map((headFile, k) => {
    const old = shared ? undefined : oldHeads[k];
    const head = old === undefined ? fresh() : nameFor(old);
    taken.add(head);
    files[head] = headFile;
    return head;
  });
  // The heads outside the range keep their places (and, copied above, their names).
  const kept = stageHeads.filter((f) => !isReplaced(f.path)).map((f) => names.get(f.file)!);
  const heads = [...kept.slice(0, from), ...trained, ...kept.slice(from)];
  setAt(config, headPath, heads.length === 1 ? heads[0] : heads);
  config.version = `${plan.version ?? basename(plan.file)} + trained ${plan.stage}`;
  const numbers = await Promise.all(oldHeads.map((f) => headline(f).catch(() => ({}))));
  const replaced = numbers.length === 1 ? numbers[0]! : numbers;
  return { config, files, replaced };
}
