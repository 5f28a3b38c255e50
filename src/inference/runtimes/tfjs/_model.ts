// Loads a TensorFlow.js model (the MobileNetV2 inside nsfwjs, or a local folder) on the wasm backend.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import { RoadworkError } from '../../../core/errors/index.js';
import { embeddingVersion, resolveModel } from './_artifacts.js';
import type { EmbedderPooling, TfjsModelSpec } from './_spec.js';
import { missingLayer } from '../convert/index.js';

export type { TfjsModelSpec } from './_spec.js';

const require = createRequire(import.meta.url);

/** A loaded feature extractor inside one worker. */
export interface TfjsFeatures {
  readonly dims: number;
  readonly inputSize: number;
  /** Weights digest + layer: identifies what the embedding means. */
  readonly version: string;
  /** Embeds a batch of packed-RGB images (any size: resized bilinearly to the input size). */
  embed(images: readonly { data: Uint8Array; width: number; height: number }[]): Float32Array[];
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
  const model = await resolveModel(spec);
  const layers = model.layers;
  let artifacts = model.artifacts;
  if (spec.inputSize !== undefined && layers !== undefined) {
    artifacts = { ...artifacts, topology: resizedTopology(artifacts.topology, spec.inputSize, layers) };
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
      ? // A graph model's output is flattened as it is unless a pooling is asked for (before pooling
        // existed for them, that was all a graph embedder did).
        await graphRunner(tf, handler, layers?.[0], spec.pooling ?? 'cells')
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
    version: embeddingVersion(model, spec, dims),
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
  pooling: EmbedderPooling,
  strict: boolean,
): Promise<Runner> {
  const model = await tf.loadLayersModel(handler, { strict });
  let target: Tf.LayersModel = model;
  if (names !== undefined) {
    const outputs = names.map((name) => {
      const found = model.layers.find((l) => l.name === name);
      if (found === undefined)
        throw missingLayer(
          name,
          model.layers.map((l) => l.name),
        );
      return found.output as Tf.SymbolicTensor;
    });
    target = tf.model({ inputs: model.inputs, outputs });
  }
  const pool = spatialPool(tf, pooling);
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
  pooling: EmbedderPooling,
): Promise<Runner> {
  const model = await tf.loadGraphModel(handler);
  const shape = model.inputs[0]?.shape ?? [];
  const pool = spatialPool(tf, pooling);
  const one = (batch: Tf.Tensor4D): Tf.Tensor =>
    pool((node === undefined ? model.execute(batch) : model.execute(batch, node)) as Tf.Tensor);
  return {
    inputSize: typeof shape[1] === 'number' && shape[1] > 0 ? shape[1] : 224,
    // A graph exported for one image at a time (CenterNet's [1,512,512,3]) runs the batch image by image.
    forward: (batch) =>
      shape[0] === 1 && batch.shape[0] > 1
        ? tf.concat(
            tf.split(batch, batch.shape[0], 0).map((b) => one(b as Tf.Tensor4D)),
            0,
          )
        : one(batch),
  };
}

/**
 * How an [N,H,W,C] output becomes one vector per image (see `TfjsModelSpec.pooling`); other ranks are
 * flattened. Max pooling keeps small objects (a cone is a few cells of the 7×7 grid) that averaging
 * dilutes.
 */
function spatialPool(tf: typeof Tf, pooling: EmbedderPooling): (t: Tf.Tensor) => Tf.Tensor {
  return (t) => {
    if (t.rank !== 4 || pooling === 'cells') return t.reshape([t.shape[0]!, -1]);
    if (pooling === 'avg') return t.mean([1, 2]);
    if (pooling === 'max') return t.max([1, 2]);
    return tf.concat([t.mean([1, 2]), t.max([1, 2])], 1);
  };
}
