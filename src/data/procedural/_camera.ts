/** A pinhole camera over a flat road, with roll, mapping metres to pixels. */
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
