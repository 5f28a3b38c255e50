// Lookup tables of the colour-shape features. Each entry is computed once, at load, by `cs1`'s own
// per-pixel formula (test/fixtures/colour-shape-cs1.ts) in the same float64/float32 arithmetic, so a
// lookup gives the bits the formula gave, without its divisions and branches per pixel.

/** Brightest channel byte → value in [0, 1], rounded to float32 as `cs1` stored it. */
export const VALUE = Float32Array.from({ length: 256 }, (_, m) => m / 255);

/** Brightest channel byte → value histogram bin (0–7). */
export const VALUE_BIN = Uint8Array.from(VALUE, (v) => Math.min(7, Math.floor(v * 8)));

/** Flags in SAT_FLAGS and HUE: the colour classes saturation and value allow, or hue allows. */
export const CAN_ORANGE = 16;
export const CAN_YELLOW = 32;
/** SAT_FLAGS only: saturation < 0.2 and value > 0.75. */
export const CAN_WHITE = 64;

/** Index of SAT and SAT_FLAGS: brightest channel byte and max − min. */
export function satIndex(max: number, d: number): number {
  return (max << 8) | d;
}

/** Saturation d / max rounded to float32, as `cs1` stored it (0 for black). */
export const SAT = new Float32Array(1 << 16);

/** Saturation histogram bin (bits 0–2) and the classes saturation and value allow (float64 tests). */
export const SAT_FLAGS = new Uint8Array(1 << 16);

fillSat();

function fillSat(): void {
  for (let max = 1; max < 256; max++) {
    const v = max / 255;
    for (let d = 0; d <= max; d++) {
      const s = d / max;
      const i = satIndex(max, d);
      SAT[i] = s;
      SAT_FLAGS[i] =
        Math.min(7, Math.floor(SAT[i]! * 8)) |
        (s >= 0.55 && v >= 0.35 ? CAN_ORANGE : 0) |
        (s >= 0.5 && v >= 0.4 ? CAN_YELLOW : 0) |
        (s < 0.2 && v > 0.75 ? CAN_WHITE : 0);
    }
  }
}

/**
 * Index of HUE: which channel is the brightest (red, then green, then blue on ties, as `cs1` tests
 * them), the difference of the other two that places the hue in its sextant, and d = max − min.
 */
export function hueIndex(r: number, g: number, b: number, max: number, d: number): number {
  const at = max === r ? g - b + 255 : max === g ? b - r + 766 : r - g + 1277;
  return (at << 8) | d;
}

/**
 * Hue histogram bin of the float32 hue (bits 0–3) and the classes the float64 hue allows: orange
 * 5°–35°, yellow 35°–65°. Zero where d = 0 (grey: hue 0, no class).
 */
export const HUE = new Uint8Array(3 * 511 * 256);

fillHue();

function fillHue(): void {
  for (let channel = 0; channel < 3; channel++) {
    for (let diff = -255; diff <= 255; diff++) {
      for (let d = Math.max(1, Math.abs(diff)); d < 256; d++) {
        const hue = channel === 0 ? 60 * ((diff / d + 6) % 6) : 60 * (diff / d + (channel === 1 ? 2 : 4));
        HUE[((channel * 511 + diff + 255) << 8) | d] =
          Math.min(11, Math.floor(Math.fround(hue) / 30)) |
          (hue >= 5 && hue <= 35 ? CAN_ORANGE : 0) |
          (hue > 35 && hue <= 65 ? CAN_YELLOW : 0);
      }
    }
  }
}

/** `cs1`'s orientation bin of a gradient: `floor((atan2(gy, gx) + π) / 2π × 8)`, at most 7. */
function orientationBin(gx: number, gy: number): number {
  return Math.min(7, Math.floor(((Math.atan2(gy, gx) + Math.PI) / (2 * Math.PI)) * 8));
}

/**
 * Orientation bin by `sector`: the bin is constant inside each of the 8 open octants, and atan2
 * gives one value along each border whatever the gradient's length. Off a border, gx and gy (differences
 * of float32 values, multiples of 2^-32) are non-zero and |gx| and |gy| differ by at least 2^-32: far
 * beyond atan2's rounding, so the table gives what the formula gives.
 */
export const OCTANT = Uint8Array.from({ length: 27 }, (_, k) => {
  const sx = Math.floor(k / 9) - 1;
  const sy = (Math.floor(k / 3) % 3) - 1;
  const order = (k % 3) - 1;
  const [ax, ay] = order > 0 ? [1, 2] : order < 0 ? [2, 1] : [1, 1];
  return orientationBin(sx * ax, sy * ay);
});

/** Index into OCTANT: the signs (−1, 0, +1) of gx and gy, and |gy| against |gx|. */
export function sector(gx: number, gy: number, ax: number, ay: number): number {
  const sx = Number(gx > 0) - Number(gx < 0);
  const sy = Number(gy > 0) - Number(gy < 0);
  const order = Number(ay > ax) - Number(ay < ax);
  return (sx + 1) * 9 + (sy + 1) * 3 + order + 1;
}
