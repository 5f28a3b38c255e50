// One ONNX Runtime session per model per thread: created once, warmed up, reused for every run.
import { readFile } from 'node:fs/promises';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { RoadworkError } from '../../../core/errors/index.js';
import { concatVectors } from '../_concat.js';
import { openOrtSession } from './_ort.js';

/** Execution devices a session may ask for. */
export type Device = 'cpu' | 'cuda';

/** Options for `createOnnxSession`. */
export interface OnnxSessionOptions {
  /** Default `'cpu'`. `'cuda'` asks for the CUDA EP (needs onnxruntime-node's CUDA binaries). */
  readonly device?: Device;
  /** With `device: 'cuda'`, use the CPU when CUDA cannot start instead of failing. Default true. */
  readonly fallbackToCpu?: boolean;
  /**
   * Threads inside one operator. Default 1: a pool runs one session per worker, and more threads than
   * cores in total only adds contention.
   */
  readonly intraOpThreads?: number;
  /**
   * Whether onnxruntime's intra-op threads spin (busy-wait) between operators instead of sleeping.
   * Default false (ONNXRUNTIME_SPINNING_DEFAULT): spinning shaves a wake-up off each operator on an
   * idle machine, but its threads take cores from the other workers and processes on a shared one
   * (measured in bench/onnx-backbone.ts). Matters only with intraOpThreads > 1.
   */
  readonly allowSpinning?: boolean;
  /** Shape of one dummy run made at creation so the first real request does not pay for lazy setup. */
  readonly warmupShape?: readonly number[];
  /**
   * Most images (first dimension) in one onnxruntime run: a larger batch runs in chunks of this size,
   * one after another, and their outputs are joined. Default on the CPU: as many as fit in
   * CPU_RUN_INPUT_FLOATS of input (4 at 3×448², 16 at 3×224²); unlimited on CUDA. onnxruntime's CPU
   * arena grows to the largest activations it has held and keeps them: one run of 24 tiles at 448 px
   * held about 1.5 GB per worker, and on the CPU a bigger batch is no faster (bench/source-size.ts
   * --burst, EXPERIMENTS.md "Session 13").
   */
  readonly maxRunBatch?: number;
}

/** Input values per onnxruntime run on the CPU unless `maxRunBatch` is set: four 3×448² images. */
export const CPU_RUN_INPUT_FLOATS = 4 * 3 * 448 * 448;

/** A loaded model with a single float32 input and output. */
export interface OnnxSession {
  /** The device actually in use. */
  readonly device: Device;
  /** Why CUDA was asked for and the CPU is in use; for the log. */
  readonly fallbackReason?: string;
  readonly inputName: string;
  readonly outputName: string;
  /** Runs the model; `dims` describe `input`. */
  run(input: Float32Array, dims: readonly number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Loads a model file or bytes into a session on the asked device. */
export async function createOnnxSession(
  model: string | Uint8Array,
  options: OnnxSessionOptions = {},
): Promise<OnnxSession> {
  const bytes = typeof model === 'string' ? await readModel(model) : model;
  const label = typeof model === 'string' ? model : `${model.byteLength} bytes`;
  const maxRunBatch = options.maxRunBatch;
  if (maxRunBatch !== undefined && !(Number.isInteger(maxRunBatch) && maxRunBatch >= 1)) {
    throw new RoadworkError('ERR_INTERNAL', `maxRunBatch must be a whole number ≥ 1, got ${maxRunBatch}`);
  }
  const device = options.device ?? 'cpu';
  let session: InferenceSession;
  let used: Device = device;
  let fallbackReason: string | undefined;
  try {
    session = await open(bytes, device, options);
  } catch (err) {
    if (device !== 'cuda' || options.fallbackToCpu === false) throw loadError(label, device, err);
    fallbackReason = `CUDA unavailable (${firstLine(err)}); running on the CPU`;
    used = 'cpu';
    try {
      session = await open(bytes, 'cpu', options);
    } catch (cpuErr) {
      throw loadError(label, 'cpu', cpuErr);
    }
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (inputName === undefined || outputName === undefined) {
    await session.release();
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Model has no input or output: ${label}; export it with one of each.`,
    );
  }
  const runOnce = async (input: Float32Array, dims: readonly number[]): Promise<Float32Array> => {
    const result = await session.run({ [inputName]: new Tensor('float32', input, dims) });
    const output = result[outputName];
    if (output === undefined || !(output.data instanceof Float32Array)) {
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `Model output is not float32: ${output?.type ?? 'missing'}; export a float32 output.`,
      );
    }
    return output.data;
  };
  const limit = (perItem: number): number =>
    maxRunBatch ?? (used === 'cpu' ? Math.max(1, Math.floor(CPU_RUN_INPUT_FLOATS / perItem)) : Infinity);
  const run = (input: Float32Array, dims: readonly number[]): Promise<Float32Array> =>
    inChunks(input, dims, limit, runOnce);
  if (options.warmupShape !== undefined) {
    const count = options.warmupShape.reduce((a, b) => a * b, 1);
    await run(new Float32Array(count), options.warmupShape);
  }
  return {
    device: used,
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
    inputName,
    outputName,
    run,
    release: () => session.release(),
  };
}

/**
 * Runs `dims[0]` items at most `limit(values per item)` at a time, in order, and joins the outputs
 * (each chunk's output is its items' outputs, item after item, as for every batched model here).
 */
async function inChunks(
  input: Float32Array,
  dims: readonly number[],
  limitFor: (perItem: number) => number,
  runOnce: (input: Float32Array, dims: readonly number[]) => Promise<Float32Array>,
): Promise<Float32Array> {
  const n = dims[0] ?? 1;
  const per = input.length / n;
  const limit = limitFor(per);
  if (n <= limit) return runOnce(input, dims);
  const parts: Float32Array[] = [];
  for (let at = 0; at < n; at += limit) {
    const k = Math.min(limit, n - at);
    parts.push(await runOnce(input.subarray(at * per, (at + k) * per), [k, ...dims.slice(1)]));
  }
  return concatVectors(parts);
}

/** Spinning of intra-op threads unless `allowSpinning` says otherwise; see OnnxSessionOptions. */
export const ONNXRUNTIME_SPINNING_DEFAULT = false;

/** The onnxruntime-node options a session is created with. */
export function ortSessionOptions(
  device: Device,
  options: OnnxSessionOptions,
): InferenceSession.SessionOptions {
  const spin = options.allowSpinning ?? ONNXRUNTIME_SPINNING_DEFAULT;
  return {
    executionProviders: [device],
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Config entries: the binding joins the keys with dots (session.intra_op.allow_spinning).
    extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
  };
}

function open(bytes: Uint8Array, device: Device, options: OnnxSessionOptions): Promise<InferenceSession> {
  return openOrtSession(bytes, ortSessionOptions(device, options));
}

async function readModel(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new RoadworkError('ERR_MODEL_LOAD', `Model file cannot be read: ${path}; check the model path.`, {
      cause: err,
    });
  }
}

function loadError(label: string, device: Device, err: unknown): RoadworkError {
  return new RoadworkError(
    'ERR_MODEL_LOAD',
    `Model cannot be loaded on ${device}: ${label} (${firstLine(err)}); check the file${device === 'cuda' ? ' and the CUDA install, or use device cpu' : ''}.`,
    { cause: err },
  );
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
