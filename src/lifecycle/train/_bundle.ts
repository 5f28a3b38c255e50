// A trained head as a model bundle: the cascade config that serves it, the data it saw, its metrics.
import { DEFAULT_IMAGE_POLICY, type ImagePolicy } from '../../inference/image/index.js';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { datasetVersionId } from '../../data/datasets/index.js';
import type { Head } from '../../inference/heads/index.js';
import { createBundle, type BundleManifest } from '../registry/index.js';
import type { ModelRef } from '../../inference/runtimes/index.js';
import { openImageFolder } from '../../data/sources/index.js';
import { baseBundleParts, type BasePlan } from './_base-cascade.js';

/** What a training folder held, by content. */
export interface DataFingerprint {
  /** The folder, absolute. */
  readonly folder: string;
  /**
   * `datasetVersionId` of (image sha256, label, group): equal to the `roadwork data` version of the
   * folder when ingestion accepted every image.
   */
  readonly version: string;
  readonly images: number;
  readonly positives: number;
}

/**
 * Hashes every image of a labelled folder with its label and group, less the ids in
 * `options.skipped` (images training found unreadable): the fingerprint is of what was trained on.
 */
export async function dataFingerprint(
  dir: string,
  options: { readonly skipped?: readonly string[] } = {},
): Promise<DataFingerprint> {
  const source = await openImageFolder(dir);
  const skipped = new Set(options.skipped);
  const entries: { sha256: string; label: number; group: string }[] = [];
  for (const img of source.images) {
    if (skipped.has(img.id)) continue;
    const sha256 = createHash('sha256')
      .update(await img.load())
      .digest('hex');
    entries.push({ sha256, label: img.label, group: img.group });
  }
  return {
    folder: resolve(dir),
    version: datasetVersionId(entries),
    images: entries.length,
    positives: entries.filter((e) => e.label === 1).length,
  };
}

/** The bundle's file name of the head (of an ensemble's first head; the others are `head-2.json`, …). */
export const BUNDLE_HEAD_FILE = 'head.json';

/** The bundle's file names of `count` heads: `head.json`, then `head-2.json`, `head-3.json`, … */
export function bundleHeadFiles(count: number): string[] {
  return Array.from({ length: count }, (_, k) => (k === 0 ? BUNDLE_HEAD_FILE : `head-${k + 1}.json`));
}

/** How a trained head is served. */
export interface TrainedCascadeOptions {
  /** The embedder(s) the head was trained on, in order (the stage loads the same ones). */
  readonly embedders: readonly ModelRef[];
  /** Average the logits of the image and its mirror, as the head was evaluated. */
  readonly tta: boolean;
  /** Exit thresholds of the stage; none means it never exits early. */
  readonly exits?: { readonly high: number; readonly low: number };
  /** Default `trained`. */
  readonly stageName?: string;
  /** How images were prepared for training: the cascade serves them the same way. Default the default policy. */
  readonly preprocess?: ImagePolicy;
  /** Heads the stage serves as one ensemble (`--ensemble`); default 1. */
  readonly heads?: number;
}

// Sweep thresholds are 1 − high in binary floating point (0.06999999999999995): store what a person would write.
const tidy = (v: number) => Number(v.toFixed(6));

// A band that exits everything (high = low = 0.5) is written with low just below high, which the
// cascade requires; only scores in that millionth fail to exit.
function exitRule(e: { high: number; low: number }): { high: number; low: number } {
  const high = tidy(e.high);
  return { high, low: Math.min(tidy(e.low), tidy(high - 1e-6)) };
}

/**
 * The cascade config of a one-stage `backbone-head` cascade around `head.json` in the bundle (or an
 * ensemble of `options.heads` heads: `head.json`, `head-2.json`, …).
 */
export function trainedCascadeConfig(options: TrainedCascadeOptions): Record<string, unknown> {
  const { size, resize, kernel } = options.preprocess ?? DEFAULT_IMAGE_POLICY;
  return {
    preprocess: { size, resize, kernel },
    tta: options.tta ? ['identity', 'hflip'] : ['identity'],
    stages: [
      {
        name: options.stageName ?? 'trained',
        kind: 'backbone-head',
        embedder: options.embedders.length === 1 ? options.embedders[0] : options.embedders,
        head: (options.heads ?? 1) > 1 ? bundleHeadFiles(options.heads!) : BUNDLE_HEAD_FILE,
        exit: options.exits ? exitRule(options.exits) : false,
      },
    ],
  };
}

interface Summary {
  readonly n?: number;
  readonly mcc?: { value: number };
  readonly accuracy?: { value: number };
  readonly auc?: { value: number };
  readonly reward?: number;
}

/**
 * The manifest metrics of a trained head: its headline numbers at the top (what `models versions`
 * and `models diff` read), then everything `trainHead` recorded (intervals, levels, families, exits).
 */
export function bundleMetrics(
  head: Head,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const metrics = (head.metrics ?? {}) as Record<string, unknown> & { overall?: Summary };
  const o = metrics.overall ?? {};
  return {
    ...(o.mcc ? { mcc: o.mcc.value } : {}),
    ...(o.accuracy ? { accuracy: o.accuracy.value } : {}),
    ...(o.auc ? { auc: o.auc.value } : {}),
    ...(o.reward === undefined ? {} : { reward: o.reward }),
    ...metrics,
    ...(head.embedder === undefined ? {} : { embedder: head.embedder }),
    ...extra,
  };
}

/** Options of `writeTrainedBundle`. */
export interface TrainedBundleOptions extends TrainedCascadeOptions {
  /** The head file written by training, or an ensemble's files (the run's own first). */
  readonly headFile: string | readonly string[];
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly dataVersion?: string;
  readonly parent?: string;
  /** Serve the head inside this cascade, in place of the stage it fits (`planBaseCascade`); default alone. */
  readonly base?: BasePlan;
}

/** The files, config and metrics of the bundle: the head alone, or inside its base. */
async function bundleParts(options: TrainedBundleOptions) {
  const { base } = options;
  const heads = typeof options.headFile === 'string' ? [options.headFile] : options.headFile;
  if (base === undefined) {
    const names = bundleHeadFiles(heads.length);
    const files = Object.fromEntries(names.map((name, k) => [name, heads[k]!]));
    const config = trainedCascadeConfig({ ...options, heads: heads.length });
    return { files, config, metrics: options.metrics };
  }
  const { files, config, replaced } = await baseBundleParts(base, heads);
  const record = { cascade: base.file, version: base.version ?? null, stage: base.stage, replaced };
  return { files, config, metrics: { ...options.metrics, base: record } };
}

/**
 * Writes the bundle of a trained head into `dir` (see `createBundle`): a one-stage cascade, or the
 * base cascade with the head in place of its stage (the metrics then name the base, the stage and
 * the replaced head's headline numbers).
 */
export async function writeTrainedBundle(
  dir: string,
  options: TrainedBundleOptions,
): Promise<BundleManifest> {
  return createBundle(dir, {
    ...(await bundleParts(options)),
    ...(options.dataVersion === undefined ? {} : { dataVersion: options.dataVersion }),
    ...(options.parent === undefined ? {} : { parent: options.parent }),
  });
}
