// A TextReader over PP-OCR workers: the event loop only copies the image in and the lines out.
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import type { RgbImage } from '../../image/index.js';
import type { Clock } from '../../../core/clock/index.js';
import type { WorkerPool } from '../../workers/index.js';
import type { RunOptions, TextLine, TextReader } from '../types.js';
import type { OcrJob } from './_worker.js';

/** Reads text through a started pool of OCR workers. */
export class PpOcrReader implements TextReader {
  readonly version: string;
  readonly #pool: WorkerPool<OcrJob, TextLine[]>;
  readonly #clock: Clock;
  #closed = false;

  constructor(pool: WorkerPool<OcrJob, TextLine[]>, version: string, clock: Clock) {
    this.#pool = pool;
    this.version = version;
    this.#clock = clock;
  }

  async read(image: RgbImage, options: RunOptions): Promise<TextLine[]> {
    if (this.#closed) {
      throw new RoadworkError(
        'ERR_NOT_READY',
        `OCR reader is closed: ${this.version}; load it again to use it.`,
      );
    }
    if (image.data.length !== image.width * image.height * 3) {
      throw new RoadworkError(
        'ERR_IMAGE_FORMAT',
        `Image data length does not match its size: ${image.data.length} for ${image.width}×${image.height}×3; pass packed RGB.`,
      );
    }
    const remainingMs = options.deadlineMs - this.#clock.nowMs();
    if (remainingMs <= 0) {
      throw new RoadworkError(
        'ERR_STAGE_TIMEOUT',
        `OCR had no time left: ${-remainingMs} ms past the deadline; skipped.`,
      );
    }
    const timeout = new RoadworkError(
      'ERR_STAGE_TIMEOUT',
      `OCR missed its budget: ${remainingMs} ms; skipped.`,
    );
    const expiry = new AbortController();
    const timer = setTimeout(() => expiry.abort(timeout), remainingMs);
    const signal =
      options.signal === undefined ? expiry.signal : AbortSignal.any([options.signal, expiry.signal]);
    // Own copy: the buffer is transferred to the worker, and the caller's image must stay intact.
    const data = image.data.slice().buffer;
    try {
      return await this.#pool.run(
        { data, width: image.width, height: image.height },
        { transfer: [data], signal },
      );
    } catch (err) {
      if (expiry.signal.aborted) throw timeout;
      if (isRoadworkError(err)) throw err;
      throw new RoadworkError('ERR_INTERNAL', `OCR failed: ${String(err)}; see the log.`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.drain();
  }
}
