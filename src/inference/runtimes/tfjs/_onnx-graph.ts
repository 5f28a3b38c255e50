// The ONNX engine's graph for a tfjs layers model: converted once, then cached on disk by content.
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, parse } from 'node:path';
import { RoadworkError } from '../../../core/errors/index.js';
import { CONVERTER_VERSION, kerasToOnnx } from '../convert/index.js';
import type { RuntimeContext } from '../types.js';
import type { ResolvedModel } from './_artifacts.js';
import type { TfjsModelSpec } from './_spec.js';

/** Where the graph is (a cached file, or bytes when the cache cannot be written) and its shape. */
export interface OnnxGraph {
  readonly source: string | Uint8Array;
  readonly inputSize: number;
  /** Embedding width before extras. */
  readonly dims: number;
  /** `hit`: read from the cache; `built`: converted and cached; `memory`: converted, not cached. */
  readonly cache: 'hit' | 'built' | 'memory';
}

/** Folder under `models.cache_dir` holding converted graphs. */
export const GRAPH_FOLDER = 'tfjs-onnx';

/**
 * The converted graph of `model` as `spec` asks for it. The cache key covers the converter version,
 * the weights, the topology and every option that changes the graph, so a stale file is never read.
 */
export async function onnxGraphFor(
  model: ResolvedModel,
  spec: TfjsModelSpec,
  ctx: Pick<RuntimeContext, 'cacheDir' | 'logger'>,
): Promise<OnnxGraph> {
  if (model.artifacts.format === 'graph-model') {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Cannot convert a tfjs graph model to ONNX: ${spec.model}; only layers models convert (engine: wasm runs it)`,
    );
  }
  const options = {
    ...(model.layers === undefined ? {} : { outputs: model.layers }),
    pooling: spec.pooling ?? 'avg',
    ...(spec.inputSize === undefined ? {} : { inputSize: spec.inputSize }),
  };
  const key = createHash('sha256')
    .update(`${CONVERTER_VERSION}\0${model.digest}\0${JSON.stringify(model.artifacts.topology)}\0`)
    .update(JSON.stringify(options))
    .digest('hex')
    .slice(0, 16);
  const dir = join(ctx.cacheDir, GRAPH_FOLDER);
  const base = join(dir, `${model.tag.replace(/[^\w.@-]+/g, '_')}-${key}`);
  const cached = await readMeta(base);
  if (cached !== undefined) return { source: `${base}.onnx`, ...cached, cache: 'hit' };
  const converted = kerasToOnnx(model.artifacts, options);
  const meta = { inputSize: converted.inputSize, dims: converted.dims };
  // The graph lands under its final name before the meta file that marks it complete, each by an
  // atomic rename, so a reader sees either no entry or a whole one, even with two miners starting.
  const tmp = `.${process.pid}-${Date.now()}.part`;
  try {
    await makeCacheFolder(ctx.cacheDir, dir);
    await writeFile(`${base}.onnx${tmp}`, converted.bytes);
    await rename(`${base}.onnx${tmp}`, `${base}.onnx`);
    await writeFile(`${base}.json${tmp}`, JSON.stringify(meta));
    await rename(`${base}.json${tmp}`, `${base}.json`);
    return { source: `${base}.onnx`, ...meta, cache: 'built' };
  } catch (err) {
    await Promise.allSettled(['onnx', 'json'].map((ext) => rm(`${base}.${ext}${tmp}`, { force: true })));
    ctx.logger.warn(
      { dir, err: (err as Error).message },
      'converted tfjs graph not cached (make models.cache_dir a writable folder); it is rebuilt at every start',
    );
    return { source: converted.bytes, ...meta, cache: 'memory' };
  }
}

/**
 * Makes `<cacheDir>/tfjs-onnx`, `cacheDir` itself (`<data_dir>/models` before any download) and its
 * parent when that is missing (a fresh `data_dir`), never a longer chain nor a folder at the root: a
 * made-up path such as the tests' `/nonexistent/models` must stay absent, as other tests count on it.
 */
async function makeCacheFolder(cacheDir: string, dir: string): Promise<void> {
  const parent = dirname(cacheDir);
  const root = parse(parent).root;
  if (parent === root) await access(cacheDir);
  else {
    // `data_dir` itself may not exist yet (a first `train` before any `serve`): it is made when its own
    // parent exists and is not the root.
    if (dirname(parent) !== root) await mkdir(parent).catch(existsOk);
    await mkdir(cacheDir).catch(existsOk);
  }
  await mkdir(dir).catch(existsOk);
}

function existsOk(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EEXIST') throw err;
}

async function readMeta(base: string): Promise<{ inputSize: number; dims: number } | undefined> {
  try {
    await access(`${base}.onnx`);
    const meta = JSON.parse(await readFile(`${base}.json`, 'utf8')) as {
      inputSize?: unknown;
      dims?: unknown;
    };
    if (Number.isInteger(meta.inputSize) && Number.isInteger(meta.dims)) {
      return { inputSize: meta.inputSize as number, dims: meta.dims as number };
    }
  } catch {
    // Missing or unreadable: convert again.
  }
  return undefined;
}
