// Decodes YOLO-style detector outputs (v8 `[4+C, A]` and v5 `[A, 5+C]`) and runs class-wise NMS.
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
  const candidates: { cls: number; score: number; box: [number, number, number, number] }[] = [];
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
    candidates.push({
      cls,
      score,
      box: [
        clamp((cx - w / 2) * o.scaleX, o.width),
        clamp((cy - h / 2) * o.scaleY, o.height),
        clamp((cx + w / 2) * o.scaleX, o.width),
        clamp((cy + h / 2) * o.scaleY, o.height),
      ],
    });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: typeof candidates = [];
  for (const c of candidates) {
    if (kept.length >= o.maxDetections) break;
    if (kept.some((k) => k.cls === c.cls && iou(k.box, c.box) > o.iou)) continue;
    kept.push(c);
  }
  return kept.map((k) => ({ label: o.labels[k.cls]!, score: k.score, box: k.box }));
}

/** Intersection over union of two `[x1, y1, x2, y2]` boxes. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: readonly number[]) => (r[2]! - r[0]!) * (r[3]! - r[1]!);
  return inter / (area(a) + area(b) - inter);
}

function clamp(v: number, max: number): number {
  return Math.min(Math.max(v, 0), max);
}
