// Where a tfjs model's topology and weights come from (nsfwjs builtins or a folder), and the version
// string that names what its embedding means: shared by the wasm and the ONNX engines.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import { RoadworkError } from '../../../core/errors/index.js';
import type { TfjsModelSpec } from './_spec.js';

const require = createRequire(import.meta.url);

/** A tfjs model in memory: `model.json`'s topology and format, and the concatenated weight shards. */
export interface Artifacts {
  readonly topology: Record<string, unknown>;
  readonly format: string | undefined;
  readonly weightSpecs: Tf.io.WeightsManifestEntry[];
  readonly weightData: ArrayBuffer;
}

/** Backbones shipped inside the nsfwjs package (its own classifier layers sit after `flatten_1`). */
const NSFWJS_BUILTINS: Readonly<Record<string, { folder: string; tag: string }>> = Object.freeze({
  // MobileNetV2 at 224²: `flatten_1` is the 1280-d global average pool.
  mobilenetv2: { folder: 'mobilenet_v2', tag: 'mobilenetv2' },
  // InceptionV3 at 299²: `flatten_1` is the 2048-d global average pool of `mixed10`; ~20× the compute.
  inceptionv3: { folder: 'inception_v3', tag: 'inceptionv3' },
});

/** The nsfwjs bundles are browserify UMD files exporting the model JSON and a base64 shard. */
function builtinArtifacts(name: string): { artifacts: Artifacts; layer: string; tag: string } {
  const builtin = NSFWJS_BUILTINS[name];
  if (builtin === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unknown tfjs builtin model: "builtin:${name}"; valid builtins are ${Object.keys(NSFWJS_BUILTINS)
        .map((n) => `builtin:${n}`)
        .join(', ')}`,
    );
  }
  // Absolute paths bypass nsfwjs's `exports` map, which hides the bundles behind dynamic imports.
  const root = join(dirname(require.resolve('nsfwjs')), '..', 'models', builtin.folder);
  const json = require(join(root, 'model.min.js')) as {
    modelTopology: Record<string, unknown>;
    weightsManifest: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[];
  };
  const parts = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => Buffer.from(require(join(root, `${p}.min.js`)) as string, 'base64')),
  );
  const pkg = require(join(root, '..', '..', '..', 'package.json')) as { version: string };
  return {
    artifacts: {
      topology: json.modelTopology,
      format: 'layers-model',
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: toArrayBuffer(Buffer.concat(parts)),
    },
    // `flatten_1` is the 1280-d global average pool, just before nsfwjs's own classifier layers.
    layer: 'flatten_1',
    tag: `nsfwjs-${pkg.version}-${builtin.tag}`,
  };
}

/** Reads a tfjs model's JSON (`model.json` unless named) and its weight shards from a folder. */
export async function folderArtifacts(dir: string, name = 'model.json'): Promise<Artifacts> {
  const file = join(dir, name);
  let json: {
    modelTopology?: Record<string, unknown>;
    format?: string;
    weightsManifest?: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[];
  };
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
  } catch (err) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Cannot read the tfjs model: ${file}; give a folder holding model.json and its shards`,
      { cause: err },
    );
  }
  const groups = json.weightsManifest ?? [];
  const parts: Buffer[] = [];
  for (const p of groups.flatMap((g) => g.paths)) {
    try {
      parts.push(await readFile(join(dir, p)));
    } catch (err) {
      throw new RoadworkError('ERR_MODEL_LOAD', `Cannot read a tfjs weight shard: ${join(dir, p)}`, {
        cause: err,
      });
    }
  }
  return {
    topology: json.modelTopology ?? {},
    format: json.format,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: toArrayBuffer(Buffer.concat(parts)),
  };
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** A spec's model, resolved: its artifacts, embedding layers and the parts of its version. */
export interface ResolvedModel {
  readonly artifacts: Artifacts;
  /** Embedding layers; undefined = the model output. */
  readonly layers: readonly string[] | undefined;
  /** `nsfwjs-<version>-<name>` or `tfjs`, with `@<inputSize>` when resized. */
  readonly tag: string;
  /** sha256 of the weight bytes, hex. */
  readonly digest: string;
}

/** Reads the builtin or folder a spec names; checks that `inputSize` has what it needs. */
export async function resolveModel(spec: TfjsModelSpec): Promise<ResolvedModel> {
  let artifacts: Artifacts;
  let layer = spec.layer;
  let tag: string;
  if (spec.model.startsWith('builtin:')) {
    const b = builtinArtifacts(spec.model.slice('builtin:'.length));
    artifacts = b.artifacts;
    layer ??= b.layer;
    tag = b.tag;
  } else {
    artifacts = await folderArtifacts(spec.model);
    tag = 'tfjs';
  }
  const digest = createHash('sha256').update(new Uint8Array(artifacts.weightData)).digest('hex');
  const layers = layer === undefined ? undefined : typeof layer === 'string' ? [layer] : [...layer];
  if (spec.inputSize !== undefined) {
    if (artifacts.format === 'graph-model' || layers === undefined) {
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `tfjs inputSize needs a layers model and an embedding layer: ${spec.model}`,
      );
    }
    tag = `${tag}@${spec.inputSize}`;
  }
  return { artifacts, layers, tag, digest };
}

/**
 * What the embedding means: weights, layers, pooling, tiles, width and input range. Deliberately not which
 * engine computed it: the ONNX engine's numbers are held equal to the wasm engine's by tests (max
 * abs diff < 1e-3 on real photos), so heads trained on one stay valid on the other.
 */
export function embeddingVersion(model: ResolvedModel, spec: TfjsModelSpec, dims: number): string {
  const pooling = spec.pooling ?? 'avg';
  const [lo, hi] = spec.inputRange;
  const tiles = spec.tiles === undefined ? '' : `@tiles${spec.tiles}`;
  return `tfjs:${model.tag}:${model.layers?.join('+') ?? 'output'}${pooling === 'avg' ? '' : `@${pooling}`}${tiles}:${dims}:${model.digest.slice(0, 12)}:${lo},${hi}`;
}
