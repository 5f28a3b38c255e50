// The main-thread side of tfjs detectors: options, a worker pool per model, decoding raw rows to detections.
import { RoadworkError } from '../../../core/errors/index.js';
import type { RgbImage } from '../../image/index.js';
import type { Clock } from '../../../core/clock/index.js';
import type { WorkerPool } from '../../workers/index.js';
import { nms, scaledBox, type Candidate } from '../_nms.js';
import type { Detection, ModelRef, ObjectDetector, RunOptions, RuntimeContext } from '../types.js';
import { CENTERNET_ROW } from './_centernet.js';
import { COCO_LABELS } from './_coco.js';
import type { TfjsDetectAnswer, TfjsDetectJob } from './_detect-worker.js';
import { startTfjsPool } from './_pool.js';

/** Builtin detectors, by name. */
export const DETECTOR_BUILTINS = ['centernet'] as const;

const OPTION_KEYS = ['confidence', 'iou', 'max_detections'] as const;

/** Checked options of a tfjs detector. */
export interface TfjsDetectorSpec {
  readonly builtin: (typeof DETECTOR_BUILTINS)[number];
  /** Lowest score kept. Default 0.25 (as the onnx runtime). */
  readonly confidence: number;
  /** Same-class boxes overlapping more than this are suppressed. Default 0.45. */
  readonly iou: number;
  /** Most detections per image. Default 100, all the model outputs. */
  readonly maxDetections: number;
}

/** Reads and checks a `ModelRef` for a tfjs detector; unknown models and options name the valid ones. */
export function tfjsDetectorSpec(ref: ModelRef): TfjsDetectorSpec {
  const valid = DETECTOR_BUILTINS.map((b) => `builtin:${b}`).join(', ');
  const name = ref.model.startsWith('builtin:') ? ref.model.slice('builtin:'.length) : undefined;
  if (name === undefined || !(DETECTOR_BUILTINS as readonly string[]).includes(name)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unknown tfjs detector: "${ref.model}"; valid tfjs detectors are ${valid}`,
    );
  }
  const options = ref.options ?? {};
  const bad = (what: string): never => {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid tfjs detector option ${what}; tfjs detector options are ${OPTION_KEYS.join(', ')}`,
    );
  };
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) bad(`key: "${key}"`);
  }
  const fraction = (key: string, fallback: number): number => {
    const v = options[key] ?? fallback;
    // A zero threshold would keep every one of the 100 rows, most of them noise.
    if (typeof v !== 'number' || !(v > 0 && v <= 1))
      bad(`${key}: ${JSON.stringify(v)} (want a number in (0, 1])`);
    return v as number;
  };
  const max = options.max_detections ?? 100;
  if (!Number.isInteger(max) || (max as number) < 1) {
    bad(`max_detections: ${JSON.stringify(max)} (want a positive integer)`);
  }
  return {
    builtin: name as TfjsDetectorSpec['builtin'],
    confidence: fraction('confidence', 0.25),
    iou: fraction('iou', 0.45),
    maxDetections: max as number,
  };
}

/** Loads a tfjs detector: `ctx.workers` worker threads, each with its own wasm backend and model copy. */
export async function loadTfjsDetector(ref: ModelRef, ctx: RuntimeContext): Promise<ObjectDetector> {
  const spec = tfjsDetectorSpec(ref);
  const { pool, info, clock } = await startTfjsPool<
    TfjsDetectJob,
    TfjsDetectAnswer,
    Exclude<TfjsDetectAnswer, Float32Array>
  >('./_detect-worker', { model: ref.model, isInfo: (a) => !(a instanceof Float32Array) }, ctx);
  ctx.logger.info({ model: ref.model, version: info.version, workers: ctx.workers }, 'tfjs detector ready');
  return new TfjsDetector(pool, spec, info.inputSize, info.version, clock);
}

class TfjsDetector implements ObjectDetector {
  readonly version: string;
  readonly labels = COCO_LABELS;
  readonly #pool: WorkerPool<TfjsDetectJob, TfjsDetectAnswer>;
  readonly #spec: TfjsDetectorSpec;
  readonly #inputSize: number;
  readonly #clock: Clock;

  constructor(
    pool: WorkerPool<TfjsDetectJob, TfjsDetectAnswer>,
    spec: TfjsDetectorSpec,
    inputSize: number,
    version: string,
    clock: Clock,
  ) {
    this.#clock = clock;
    this.#pool = pool;
    this.#spec = spec;
    this.#inputSize = inputSize;
    // The thresholds change what `detect` returns, so they are part of the version.
    this.version = `${version}:${spec.confidence},${spec.iou},${spec.maxDetections}`;
  }

  async detect(image: RgbImage, options: RunOptions): Promise<Detection[]> {
    const timeoutMs = options.deadlineMs - this.#clock.nowMs();
    if (timeoutMs <= 0) {
      throw new RoadworkError(
        'ERR_DEADLINE_EXCEEDED',
        `Detection deadline already passed: ${-timeoutMs} ms ago`,
      );
    }
    // An own copy: the buffer is transferred, and the caller's image must stay intact.
    const data = image.data.slice().buffer;
    const rows = await this.#pool.run(
      {
        kind: 'detect',
        image: { data, width: image.width, height: image.height },
      },
      { transfer: [data], timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) },
    );
    if (!(rows instanceof Float32Array) || rows.length % CENTERNET_ROW !== 0) {
      throw new RoadworkError('ERR_MODEL_OUTPUT', 'tfjs detector worker answered detect without rows');
    }
    return decodeCenterNet(rows, this.#spec, this.#inputSize, image);
  }

  async close(): Promise<void> {
    await this.#pool.drain();
  }
}

/** Raw rows → detections in image pixels, best first, after the threshold and per-class NMS. */
function decodeCenterNet(
  rows: Float32Array,
  spec: TfjsDetectorSpec,
  inputSize: number,
  image: { width: number; height: number },
): Detection[] {
  const scale = {
    scaleX: image.width / inputSize,
    scaleY: image.height / inputSize,
    width: image.width,
    height: image.height,
  };
  const candidates: Candidate[] = [];
  for (let i = 0; i < rows.length / CENTERNET_ROW; i++) {
    const [x1, y1, x2, y2, score, cls] = rows.subarray(i * CENTERNET_ROW, (i + 1) * CENTERNET_ROW);
    if (!(Number.isInteger(cls) && cls! >= 0 && cls! < COCO_LABELS.length)) {
      throw new RoadworkError('ERR_MODEL_OUTPUT', `CenterNet gave a class id outside COCO: ${cls}`);
    }
    if (!(score! >= spec.confidence)) continue;
    candidates.push({ cls: cls!, score: score!, box: scaledBox(x1!, y1!, x2!, y2!, scale) });
  }
  return nms(candidates, { iou: spec.iou, maxDetections: spec.maxDetections, labels: COCO_LABELS });
}
