// Loads a TensorFlow.js model (the MobileNetV2 inside nsfwjs, or a local folder) on the wasm backend.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import { RoadworkError } from '../../errors/index.js';

const require = createRequire(import.meta.url);

/** What the worker needs to rebuild the same feature extractor. */
export interface TfjsModelSpec {
  /** `builtin:mobilenetv2` or a folder holding `model.json` and its weight shards. */
  readonly model: string;
  /**
   * Layer(s) (layers model) or node (graph model) whose output is the embedding, concatenated in
   * order; default: the model output (`flatten_1` for the builtin).
   */
  readonly layer?: string | readonly string[];
  /** How a spatial [N,H,W,C] output becomes a vector: average, max, or both side by side. Default avg. */
  readonly pooling?: 'avg' | 'max' | 'avgmax';
  /** Pixel range the model expects: bytes map linearly onto [lo, hi]. */
  readonly inputRange: readonly [number, number];
  /**
   * Input resolution to run the network at (layers models only), instead of the size it was trained
   * at: a fully convolutional backbone sees small objects (a distant cone) at twice the scale at
   * 448 for four times the compute. Layers after the embedding layer(s) are cut off.
   */
  readonly inputSize?: number;
  /** Hand-made features appended to the embedding (src/features). */
  readonly extras?: readonly 'colour-shape'[];
}

/** A loaded feature extractor inside one worker. */
export interface TfjsFeatures {
  readonly dims: number;
  readonly inputSize: number;
  /** Weights digest + layer: identifies what the embedding means. */
  readonly version: string;
  /** Embeds a batch of packed-RGB images (any size: resized bilinearly to the input size). */
  embed(images: readonly { data: Uint8Array; width: number; height: number }[]): Float32Array[];
}

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

/** Starts the wasm backend from the binaries inside node_modules, so nothing is fetched. */
export async function wasmBackend(): Promise<typeof Tf> {
  const tf = require('@tensorflow/tfjs') as typeof Tf;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof TfWasm;
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) {
    throw new RoadworkError('ERR_MODEL_LOAD', `The tfjs wasm backend failed to start: ${dist}`);
  }
  await tf.ready();
  return tf;
}

/** Loads the model and builds the embedding function; call once per worker. */
export async function loadTfjsFeatures(spec: TfjsModelSpec): Promise<TfjsFeatures> {
  const tf = await wasmBackend();
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
    artifacts = { ...artifacts, topology: resizedTopology(artifacts.topology, spec.inputSize, layers) };
    tag = `${tag}@${spec.inputSize}`;
  }
  const handler: Tf.io.IOHandler = {
    load: () =>
      Promise.resolve({
        modelTopology: artifacts.topology,
        ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
        weightSpecs: artifacts.weightSpecs,
        weightData: artifacts.weightData,
      }),
  };
  const pooling = spec.pooling ?? 'avg';
  const run =
    artifacts.format === 'graph-model'
      ? await graphRunner(tf, handler, layers?.[0])
      : await layersRunner(tf, handler, layers, pooling, spec.inputSize === undefined);
  const [lo, hi] = spec.inputRange;
  const size = run.inputSize;
  const embed = (images: readonly { data: Uint8Array; width: number; height: number }[]) =>
    tf.tidy(() => {
      const batch = tf.stack(
        images.map((img) => {
          const t = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat();
          const scaled = t.mul((hi - lo) / 255).add(lo) as Tf.Tensor3D;
          return img.width === size && img.height === size
            ? scaled
            : tf.image.resizeBilinear(scaled, [size, size], false, true);
        }),
      ) as Tf.Tensor4D;
      const out = run.forward(batch);
      const flat = out.reshape([images.length, -1]);
      const values = flat.dataSync() as Float32Array;
      const dims = flat.shape[1] as number;
      return images.map((_, i) => values.slice(i * dims, (i + 1) * dims));
    });
  const probe = embed([{ data: new Uint8Array(size * size * 3), width: size, height: size }]);
  const dims = probe[0]!.length;
  return {
    dims,
    inputSize: size,
    version: `tfjs:${tag}:${layers?.join('+') ?? 'output'}${pooling === 'avg' ? '' : `@${pooling}`}:${dims}:${digest.slice(0, 12)}:${lo},${hi}`,
    embed,
  };
}

interface KerasLayer {
  readonly name: string;
  readonly class_name: string;
  readonly config: Record<string, unknown>;
  readonly inbound_nodes: unknown[];
}

/**
 * A Keras topology whose input takes `size`² pixels and whose outputs are the named layers: every
 * layer the outputs do not depend on is dropped (a classifier after a fixed-size pooling would not
 * fit the new spatial size). The dropped layers' weights are then ignored when loading.
 */
function resizedTopology(
  topology: Record<string, unknown>,
  size: number,
  outputs: readonly string[],
): Record<string, unknown> {
  const wrapped = 'model_config' in topology;
  const model = (wrapped ? topology.model_config : topology) as {
    class_name: string;
    config: { layers: KerasLayer[]; input_layers: unknown; output_layers: unknown };
  };
  const byName = new Map(model.config.layers.map((l) => [l.name, l]));
  const keep = new Set<string>();
  const visit = (name: string): void => {
    if (keep.has(name)) return;
    const l = byName.get(name);
    if (l === undefined) {
      throw new RoadworkError('ERR_CONFIG_INVALID', `The tfjs model has no layer: "${name}"`);
    }
    keep.add(name);
    // inbound_nodes: [[ [layerName, nodeIndex, tensorIndex, kwargs], ... ], ...]
    for (const node of l.inbound_nodes as unknown[][]) {
      for (const edge of node as unknown[][]) visit(edge[0] as string);
    }
  };
  outputs.forEach(visit);
  const layers = model.config.layers
    .filter((l) => keep.has(l.name))
    .map((l) =>
      l.class_name === 'InputLayer'
        ? {
            ...l,
            config: {
              ...l.config,
              batch_input_shape: [null, size, size, (l.config.batch_input_shape as number[])[3] ?? 3],
            },
          }
        : l,
    );
  const resized = {
    ...model,
    config: { ...model.config, layers, output_layers: outputs.map((n) => [n, 0, 0]) },
  };
  return wrapped ? { ...topology, model_config: resized } : resized;
}

interface Runner {
  readonly inputSize: number;
  forward(batch: Tf.Tensor4D): Tf.Tensor;
}

async function layersRunner(
  tf: typeof Tf,
  handler: Tf.io.IOHandler,
  names: readonly string[] | undefined,
  pooling: 'avg' | 'max' | 'avgmax',
  strict: boolean,
): Promise<Runner> {
  const model = await tf.loadLayersModel(handler, { strict });
  let target: Tf.LayersModel = model;
  if (names !== undefined) {
    const outputs = names.map((name) => {
      const found = model.layers.find((l) => l.name === name);
      if (found === undefined) {
        throw new RoadworkError(
          'ERR_CONFIG_INVALID',
          `The tfjs model has no layer: "${name}"; its last layers are ${model.layers
            .slice(-6)
            .map((l) => l.name)
            .join(', ')}`,
        );
      }
      return found.output as Tf.SymbolicTensor;
    });
    target = tf.model({ inputs: model.inputs, outputs });
  }
  // Max pooling keeps small objects (a cone is a few cells of the 7×7 grid) that averaging dilutes.
  const pool = (t: Tf.Tensor): Tf.Tensor => {
    if (t.rank !== 4) return t.reshape([t.shape[0]!, -1]);
    if (pooling === 'avg') return t.mean([1, 2]);
    if (pooling === 'max') return t.max([1, 2]);
    return tf.concat([t.mean([1, 2]), t.max([1, 2])], 1);
  };
  const shape = model.inputs[0]?.shape ?? [];
  return {
    inputSize: typeof shape[1] === 'number' ? shape[1] : 224,
    forward: (batch) => {
      const out = target.predict(batch);
      const list = Array.isArray(out) ? out : [out];
      const pooled = list.map(pool);
      return pooled.length === 1 ? pooled[0]! : tf.concat(pooled, 1);
    },
  };
}

async function graphRunner(
  tf: typeof Tf,
  handler: Tf.io.IOHandler,
  node: string | undefined,
): Promise<Runner> {
  const model = await tf.loadGraphModel(handler);
  const shape = model.inputs[0]?.shape ?? [];
  return {
    inputSize: typeof shape[1] === 'number' && shape[1] > 0 ? shape[1] : 224,
    forward: (batch) => (node === undefined ? model.execute(batch) : model.execute(batch, node)) as Tf.Tensor,
  };
}
