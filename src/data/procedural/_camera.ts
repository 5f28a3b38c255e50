/** A pinhole camera over a flat road, with roll, mapping metres to pixels. */
import type { Rng } from '../../core/random/index.js';
import type { Point } from './_raster.js';

/** Where the camera sits and how it is turned. */
export interface CameraSetup {
  readonly width: number;
  readonly height: number;
  /** Horizon row in pixels (before roll). */
  readonly horizon: number;
  /** Vanishing point column in pixels. */
  readonly vanishX: number;
  /** Focal length in pixels. */
  readonly focal: number;
  /** Camera height above the road in metres. */
  readonly cameraHeight: number;
  /** Roll in degrees, positive turns the picture counter-clockwise. */
  readonly roll: number;
}

/** Ranges a random camera is drawn from: fractions of the frame, of its width, and metres. */
export interface CameraRanges {
  /** Horizon row, as fractions of the height. */
  readonly horizon: readonly [number, number];
  /** Vanishing point column, as fractions of the width. */
  readonly vanishX: readonly [number, number];
  /** Focal length, as multiples of the width. */
  readonly focal: readonly [number, number];
  /** Camera height above the road, in metres. */
  readonly cameraHeight: readonly [number, number];
}

/**
 * A camera over a width × height frame drawn from `ranges` (in that order), turned by `roll` degrees,
 * or by a roll drawn from that range last.
 */
export function randomCamera(
  rng: Rng,
  frame: { readonly width: number; readonly height: number },
  ranges: CameraRanges,
  roll: number | readonly [number, number],
): Camera {
  const { width, height } = frame;
  return new Camera({
    width,
    height,
    horizon: height * rng.uniform(...ranges.horizon),
    vanishX: width * rng.uniform(...ranges.vanishX),
    focal: width * rng.uniform(...ranges.focal),
    cameraHeight: rng.uniform(...ranges.cameraHeight),
    roll: typeof roll === 'number' ? roll : rng.uniform(...roll),
  });
}

/** Projects world points: X metres right of the camera, Y metres up, Z metres ahead. */
export class Camera {
  readonly setup: CameraSetup;
  readonly #cos: number;
  readonly #sin: number;

  constructor(setup: CameraSetup) {
    this.setup = setup;
    const rad = (setup.roll * Math.PI) / 180;
    this.#cos = Math.cos(rad);
    this.#sin = Math.sin(rad);
  }

  /** Applies the roll about the frame centre to an unrolled pixel position. */
  roll(x: number, y: number): Point {
    const cx = this.setup.width / 2;
    const cy = this.setup.height / 2;
    const dx = x - cx;
    const dy = y - cy;
    return { x: cx + this.#cos * dx + this.#sin * dy, y: cy - this.#sin * dx + this.#cos * dy };
  }

  /** Pixel position of a world point (Z must be positive). */
  project(X: number, Y: number, Z: number): Point {
    const { focal, vanishX, horizon, cameraHeight } = this.setup;
    return this.roll(vanishX + (focal * X) / Z, horizon + (focal * (cameraHeight - Y)) / Z);
  }

  /** Pixels per metre at depth Z. */
  scale(Z: number): number {
    return this.setup.focal / Z;
  }

  /** The range of X visible at depth Z, ignoring roll. */
  visibleX(Z: number): [number, number] {
    const { focal, vanishX, width } = this.setup;
    return [(-vanishX * Z) / focal, ((width - vanishX) * Z) / focal];
  }
}
