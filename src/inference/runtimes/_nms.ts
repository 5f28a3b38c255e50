// Detection post-processing shared by every detector runtime: clipping and per-class NMS.
import type { Detection } from './types.js';

/** A scored box before suppression: class index, score, `[x1, y1, x2, y2]` in image pixels. */
export interface Candidate {
  readonly cls: number;
  readonly score: number;
  readonly box: readonly [number, number, number, number];
}

/** Greedy per-class non-maximum suppression, best first, at most `maxDetections`. */
export function nms(
  candidates: readonly Candidate[],
  o: { readonly iou: number; readonly maxDetections: number; readonly labels: readonly string[] },
): Detection[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= o.maxDetections) break;
    if (kept.some((k) => k.cls === c.cls && iou(k.box, c.box) > o.iou)) continue;
    kept.push(c);
  }
  return kept.map((k) => ({ label: o.labels[k.cls]!, score: k.score, box: [...k.box] }));
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

/** A box in model-input coordinates scaled to the image and clipped to it. */
export function scaledBox(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  o: { readonly scaleX: number; readonly scaleY: number; readonly width: number; readonly height: number },
): [number, number, number, number] {
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return [
    clamp(x1 * o.scaleX, o.width),
    clamp(y1 * o.scaleY, o.height),
    clamp(x2 * o.scaleX, o.width),
    clamp(y2 * o.scaleY, o.height),
  ];
}
