// PP-OCR worker: owns the detection and recognition sessions; one image in, its text lines out.
import { RoadworkError } from '../../../core/errors/index.js';
import { createOnnxSession, type Device } from '../onnx/index.js';
import { serveJobs } from '../../workers/index.js';
import type { TextLine } from '../types.js';
import { ctcGreedy } from './_ctc.js';
import { findTextBoxes, type DetectSettings } from './_detect.js';
import { sampleRegion } from '../../image/index.js';

/** What every OCR worker is started with. */
export interface OcrWorkerData {
  readonly detPath: string;
  readonly recPath: string;
  /** Class k ≥ 1 of the recogniser is `chars[k]`; class 0 is the CTC blank. */
  readonly chars: readonly string[];
  readonly device: Device;
  /** The longer image side is scaled to this (a multiple of 32) for detection. */
  readonly detSize: number;
  readonly detect: DetectSettings;
  /** Lines recognised with a lower mean probability are dropped. */
  readonly minScore: number;
  /** Widest crop fed to the recogniser, in pixels at its 48-pixel height. */
  readonly maxRecWidth: number;
}

/** One image, its buffer transferred. */
export interface OcrJob {
  readonly data: ArrayBuffer;
  readonly width: number;
  readonly height: number;
}

const REC_HEIGHT = 48;
const DET_MEAN = [0.485, 0.456, 0.406] as const;
const DET_STD = [0.229, 0.224, 0.225] as const;
const REC_MEAN = [0.5, 0.5, 0.5] as const;

serveJobs<OcrWorkerData, OcrJob, TextLine[]>(async (data) => {
  const det = await createOnnxSession(data.detPath, {
    device: data.device,
    warmupShape: [1, 3, data.detSize, data.detSize],
  });
  const rec = await createOnnxSession(data.recPath, { device: data.device });
  // Warm the recogniser and check its class count against the dictionary once, not per request.
  const probe = await rec.run(new Float32Array(3 * REC_HEIGHT * 320), [1, 3, REC_HEIGHT, 320]);
  const classes = data.chars.length;
  if (probe.length % classes !== 0) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Recogniser classes do not match the dictionary: ${classes} characters for ${probe.length} outputs; use the dictionary shipped with the model.`,
    );
  }

  return async (job, time) => {
    time.refuseLate('OCR', 'ERR_STAGE_TIMEOUT');
    const rgb = new Uint8Array(job.data);
    const { width, height } = job;
    const ratio = data.detSize / Math.max(width, height);
    const mapW = Math.max(32, Math.round((width * ratio) / 32) * 32);
    const mapH = Math.max(32, Math.round((height * ratio) / 32) * 32);
    const input = new Float32Array(3 * mapW * mapH);
    sampleRegion(
      rgb,
      width,
      height,
      { x: 0, y: 0, width, height },
      {
        out: input,
        offset: 0,
        planeWidth: mapW,
        planeHeight: mapH,
        outWidth: mapW,
        outHeight: mapH,
        mean: DET_MEAN,
        std: DET_STD,
        // PaddleOCR trains on OpenCV (BGR) images, so its constants apply to B, G, R in turn.
        order: 'bgr',
      },
    );
    const prob = await det.run(input, [1, 3, mapH, mapW]);
    if (prob.length !== mapW * mapH) {
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `Detector output does not match its input: ${prob.length} values for ${mapW}×${mapH}; use a DB text detector.`,
      );
    }
    const sx = width / mapW;
    const sy = height / mapH;
    const boxes = findTextBoxes(prob, mapW, mapH, data.detect).map(({ box }) => ({
      x: box[0] * sx,
      y: box[1] * sy,
      width: (box[2] - box[0]) * sx,
      height: (box[3] - box[1]) * sy,
    }));
    if (boxes.length === 0) return [];

    const widths = boxes.map((b) =>
      Math.min(data.maxRecWidth, Math.max(8, Math.ceil((REC_HEIGHT * b.width) / b.height))),
    );
    const batchW = Math.max(...widths);
    const plane = REC_HEIGHT * batchW;
    // Zero is mid-grey after (x − 0.5) / 0.5, which is what PaddleOCR pads crops with.
    const crops = new Float32Array(boxes.length * 3 * plane);
    boxes.forEach((region, i) =>
      sampleRegion(rgb, width, height, region, {
        out: crops,
        offset: i * 3 * plane,
        planeWidth: batchW,
        planeHeight: REC_HEIGHT,
        outWidth: widths[i]!,
        outHeight: REC_HEIGHT,
        mean: REC_MEAN,
        std: REC_MEAN,
        order: 'bgr',
      }),
    );
    const out = await rec.run(crops, [boxes.length, 3, REC_HEIGHT, batchW]);
    const steps = out.length / (boxes.length * classes);
    const lines: TextLine[] = [];
    boxes.forEach((b, i) => {
      const { text, score } = ctcGreedy(out, i * steps * classes, steps, classes, data.chars);
      if (text.trim().length === 0 || score < data.minScore) return;
      lines.push({
        text: text.trim(),
        score,
        box: [Math.round(b.x), Math.round(b.y), Math.round(b.x + b.width), Math.round(b.y + b.height)],
      });
    });
    return lines;
  };
});
