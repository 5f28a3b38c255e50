/**
 * What a model runtime can load: image embedders, object detectors, image classifiers, text readers
 * (OCR), yes/no VLMs.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock/index.js';
import type { PoolHealth } from '../workers/index.js';
import type { RgbImage } from '../image/index.js';

/** The kinds of model a runtime can provide. */
export type Capability = 'embedder' | 'detector' | 'classifier' | 'reader' | 'vlm';

/** Per-call limits every model call honours. */
export interface RunOptions {
  /** Absolute deadline, ms since epoch. */
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
}

/** Names a model for a runtime: a local path, a Hugging Face repo id, a URL, or `builtin:<name>`. */
export interface ModelRef {
  readonly runtime: string;
  readonly model: string;
  /** Runtime-specific options (validated by the runtime; unknown keys are errors). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Shared facilities a runtime may use; built once by the composition root. */
export interface RuntimeContext {
  /** Where downloaded models are cached. */
  readonly cacheDir: string;
  /** Never touch the network; a missing file is an error naming it. */
  readonly offline: boolean;
  readonly device: 'cpu' | 'cuda';
  /** Worker threads per loaded model. */
  readonly workers: number;
  /**
   * Threads inside one onnxruntime operator, per worker, for runtimes that take it (the tfjs runtime's
   * ONNX engine); 0 or absent: the cores divided among the workers (`autoIntraOpThreads`).
   */
  readonly intraOpThreads?: number;
  readonly logger: Logger;
  /** What deadlines are compared against (the cascade passes its own); default the system clock. */
  readonly clock?: Clock;
  /** Base URL of the model hub (tests point it at a local server). Default https://huggingface.co */
  readonly hubUrl?: string;
  /** Bearer token for gated or private hub repos; sent to the hub's origin only. */
  readonly hubToken?: string;
  /** Where worker pools register, so readiness sees a model with no live worker. */
  readonly pools?: PoolHealth;
}

/** Turns images into fixed-size embeddings (a backbone). */
export interface ImageEmbedder {
  readonly dims: number;
  /** Identifies weights and preprocessing, for caches and bundles. */
  readonly version: string;
  /**
   * The embedders joined into this one (`concatEmbedders`), in order, each with where its values
   * start; absent for a single embedder. A head trained on one part reads that part's columns.
   */
  readonly parts?: readonly EmbedderPart[];
  /** One embedding per image, in order; batched where the runtime can. */
  embed(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** One embedder inside a concatenation: its values are `[offset, offset + dims)` of the joined embedding. */
export interface EmbedderPart {
  readonly offset: number;
  readonly dims: number;
  readonly version: string;
}

/** One detected object; the box is in pixels of the input image, `[x1, y1, x2, y2]`. */
export interface Detection {
  readonly label: string;
  readonly score: number;
  readonly box: readonly [number, number, number, number];
}

/** Finds objects. */
export interface ObjectDetector {
  readonly version: string;
  /** Class names the model knows. */
  readonly labels: readonly string[];
  detect(image: RgbImage, options: RunOptions): Promise<Detection[]>;
  close(): Promise<void>;
}

/** Turns an image into p(roadwork) directly: a model whose one output is that probability. */
export interface ImageClassifier {
  /** Identifies the weights, for caches and the cascade version. */
  readonly version: string;
  classify(image: RgbImage, options: RunOptions): Promise<number>;
  close(): Promise<void>;
}

/** One line of recognised text. */
export interface TextLine {
  readonly text: string;
  readonly score: number;
  readonly box?: readonly [number, number, number, number];
}

/** Reads text in an image (OCR). */
export interface TextReader {
  readonly version: string;
  read(image: RgbImage, options: RunOptions): Promise<TextLine[]>;
  close(): Promise<void>;
}

/** A vision-language model asked a yes/no question; `pYes` comes from token probabilities. */
export interface YesNoVlm {
  readonly version: string;
  askYesNo(image: RgbImage, question: string, options: RunOptions): Promise<{ pYes: number; answer: string }>;
  close(): Promise<void>;
}

/** A runtime: loaders for the capabilities it has. */
export interface Runtime {
  readonly name: string;
  readonly description: string;
  readonly embedder?: (ref: ModelRef, ctx: RuntimeContext) => Promise<ImageEmbedder>;
  readonly detector?: (ref: ModelRef, ctx: RuntimeContext) => Promise<ObjectDetector>;
  readonly classifier?: (ref: ModelRef, ctx: RuntimeContext) => Promise<ImageClassifier>;
  readonly reader?: (ref: ModelRef, ctx: RuntimeContext) => Promise<TextReader>;
  readonly vlm?: (ref: ModelRef, ctx: RuntimeContext) => Promise<YesNoVlm>;
  /** `model` is a name a server resolves (a VLM behind vLLM), never a file: configs keep it as written. */
  readonly modelsByName?: boolean;
  /**
   * Whether this capability's model, with these options, squashes a non-square frame into its square
   * input: the distortion `preprocess.resize: short-side` exists to avoid (and one that gives the
   * frame's shape away). Absent: the runtime keeps the frame's shape or leaves it to the model's own
   * processor.
   */
  readonly squashes?: (capability: Capability, options?: Readonly<Record<string, unknown>>) => boolean;
  /**
   * The files of a hub repository this runtime needs for a capability with these options (say, one
   * dtype's ONNX weights among several); `roadwork models pull` downloads only these. Absent: all.
   */
  readonly hubFiles?: (
    capability: Capability,
    options?: Readonly<Record<string, unknown>>,
  ) => string[] | undefined;
}
