// The options of one tfjs embedder, as checked from a `ModelRef` (see `tfjsModelSpec`).
import type { ExtraName } from '../../features/index.js';

/** How a spatial output becomes the embedding (see `TfjsModelSpec.pooling`). */
export type EmbedderPooling = 'avg' | 'max' | 'avgmax' | 'cells';

/** What the worker needs to rebuild the same feature extractor. */
export interface TfjsModelSpec {
  /** `builtin:mobilenetv2` or a folder holding `model.json` and its weight shards. */
  readonly model: string;
  /**
   * Layer(s) (layers model) or node (graph model) whose output is the embedding, concatenated in
   * order; default: the model output (`flatten_1` for the builtin).
   */
  readonly layer?: string | readonly string[];
  /**
   * How a spatial [N,H,W,C] output becomes a vector: average, max, or both side by side (default
   * avg; a graph model's output is flattened unless this is given); `cells` keeps every cell, flattened
   * cell by cell (row-major, C values each: H·W·C dims), for a head that scores cells (a `mil` head).
   * Type in `EmbedderPooling`.
   */
  readonly pooling?: EmbedderPooling;
  /** Pixel range the model expects: bytes map linearly onto [lo, hi]. */
  readonly inputRange: readonly [number, number];
  /**
   * Input resolution to run the network at (layers models only), instead of the size it was trained
   * at: a fully convolutional backbone sees small objects (a distant cone) at twice the scale at
   * 448 for four times the compute. Layers after the embedding layer(s) are cut off.
   */
  readonly inputSize?: number;
  /**
   * Cut each frame into this many square tiles along its longer side (side = the shorter side, spread
   * evenly from end to end, duplicates dropped, so a square frame is one tile), run each at `inputSize`
   * and combine their pooled outputs: element-wise max under `pooling: max`, mean under `avg`. Meant
   * for frames decoded with `preprocess.resize: short-side` (0.4's source-size photos): the network
   * sees the whole frame at its real scale, with no bars whose size would give the camera away. Costs
   * one backbone run per tile. ONNX engine only; not with `avgmax` or `cells`.
   */
  readonly tiles?: number;
  /**
   * Hand-made features appended to the embedding, in this order (src/inference/features):
   * `colour-shape` (140 per-cell colour and edge measures) and `objects` (24 orange and yellow blob
   * measures).
   */
  readonly extras?: readonly ExtraName[];
  /**
   * What runs it: `onnx` converts a layers model to an ONNX graph for onnxruntime (about 14× faster
   * than wasm on MobileNetV2), `wasm` is TensorFlow.js itself, `auto` (default) is onnx when every
   * layer converts and wasm otherwise.
   */
  readonly engine?: 'auto' | 'onnx' | 'wasm';
  /**
   * ONNX engine only: let onnxruntime's intra-op threads spin between operators (faster on an idle
   * machine with several threads per worker, worse on a shared one). Default: the session default,
   * off (see `createOnnxSession`).
   */
  readonly allowSpinning?: boolean;
}
