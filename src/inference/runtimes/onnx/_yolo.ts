// Decodes YOLO-style detector outputs (v8 `[4+C, A]` and v5 `[A, 5+C]`) and runs class-wise NMS.
import { nms, scaledBox, type Candidate } from '../_nms.js';
import type { Detection } from '../types.js';

/** How to read one image's output. */
export interface YoloDecodeOptions {
  readonly layout: 'v8' | 'v5';
  readonly labels: readonly string[];
  readonly confidence: number;
  readonly iou: number;
  readonly maxDetections: number;
  /** Model pixels → input-image pixels. */
  readonly scaleX: number;
  readonly scaleY: number;
  readonly width: number;
  readonly height: number;
}

/** Picks the layout from the graph's shape, else from which row width divides the output. */
export function inferLayout(
  perImage: number,
  classes: number,
  shape: readonly (number | undefined)[],
): 'v8' | 'v5' | undefined {
  if (shape.length === 3) {
    if (shape[1] === 4 + classes) return 'v8';
    if (shape[2] === 5 + classes) return 'v5';
  }
  const v8 = perImage % (4 + classes) === 0;
  const v5 = perImage % (5 + classes) === 0;
  return v8 === v5 ? undefined : v8 ? 'v8' : 'v5';
}

/** Detections above the confidence threshold, after NMS per class, best first. */
export function decodeYolo(out: Float32Array, o: YoloDecodeOptions): Detection[] {
  const classes = o.labels.length;
  const rows = o.layout === 'v8' ? out.length / (4 + classes) : out.length / (5 + classes);
  const at =
    o.layout === 'v8'
      ? (a: number, k: number) => out[k * rows + a]!
      : (a: number, k: number) => out[a * (5 + classes) + k]!;
  const first = o.layout === 'v8' ? 4 : 5;
  const candidates: Candidate[] = [];
  for (let a = 0; a < rows; a++) {
    const objectness = o.layout === 'v5' ? at(a, 4) : 1;
    if (objectness < o.confidence) continue;
    let cls = 0;
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      const s = at(a, first + c);
      if (s > best) [best, cls] = [s, c];
    }
    const score = best * objectness;
    if (!(score >= o.confidence)) continue;
    const [cx, cy, w, h] = [at(a, 0), at(a, 1), at(a, 2), at(a, 3)];
    candidates.push({ cls, score, box: scaledBox(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, o) });
  }
  return nms(candidates, o);
}
