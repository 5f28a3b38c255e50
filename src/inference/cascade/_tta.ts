// Test-time-augmentation views built on packed RGB buffers: flips (validators flip vertically too) and centre crops.
import type { RgbImage } from '../image/index.js';

/** A view name: `identity`, `hflip`, `vflip` or `crop:<fraction>` (centre crop, 0 < fraction ≤ 1). */
export type ViewName = string;

/** Whether `name` is a view this module can build. */
export function isViewName(name: string): boolean {
  if (name === 'identity' || name === 'hflip' || name === 'vflip') return true;
  const m = /^crop:(0?\.\d+|1(\.0*)?)$/.exec(name);
  return m !== null && Number(m[1]) > 0;
}

/** The views of `image`, in the order named. */
export function buildViews(image: RgbImage, names: readonly ViewName[]): RgbImage[] {
  return names.map((name) => view(image, name));
}

function view(image: RgbImage, name: ViewName): RgbImage {
  if (name === 'identity') return image;
  if (name === 'hflip') return flip(image, true);
  if (name === 'vflip') return flip(image, false);
  return crop(image, Number(name.slice('crop:'.length)));
}

function flip(image: RgbImage, horizontal: boolean): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  const row = width * 3;
  for (let y = 0; y < height; y++) {
    const sy = horizontal ? y : height - 1 - y;
    if (!horizontal) {
      out.set(data.subarray(sy * row, sy * row + row), y * row);
      continue;
    }
    for (let x = 0; x < width; x++) {
      const s = sy * row + (width - 1 - x) * 3;
      const d = y * row + x * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { data: out, width, height };
}

function crop(image: RgbImage, fraction: number): RgbImage {
  const w = Math.max(1, Math.round(image.width * fraction));
  const h = Math.max(1, Math.round(image.height * fraction));
  const x0 = Math.floor((image.width - w) / 2);
  const y0 = Math.floor((image.height - h) / 2);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const s = ((y0 + y) * image.width + x0) * 3;
    out.set(image.data.subarray(s, s + w * 3), y * w * 3);
  }
  return { data: out, width: w, height: h };
}
