/**
 * Procedural objects painted into a real photo. A work zone: "this street, with roadwork"; training-
 * only views built this way (`roadwork train --paste-views`) keep a camera's look and change the
 * label, so a head cannot learn the label from the look of the photo. Look-alikes (an orange car, a
 * stop sign, pedestrians; `--paste-decoys`): "this street, with drawn things that are not
 * roadwork", so a head cannot learn the label from a drawn object either.
 */
import type { Rng } from '../../core/random/index.js';
import { randomCamera, type CameraRanges } from './_camera.js';
import { Raster, type Colour } from './_raster.js';
import { boxOf, drawShapes, type ObjectKind, type PixelBox, type Shape } from './_objects.js';
import { visibleDecoys, visibleWorkZone, type Road } from './scene.js';
import type { Camera } from './_camera.js';
import type { Placed } from './_objects.js';

/** Packed RGB, row-major. */
export interface Photo {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The photo with objects painted in, and every object painted (with its visible box, however small). */
export interface PastedPhoto extends Photo {
  readonly objects: readonly { readonly kind: ObjectKind; readonly box: PixelBox }[];
}

/** Mean luma of the lower half of the frame, where the road and the objects are. */
function groundLuma(photo: Photo): number {
  const { data, width, height } = photo;
  let sum = 0;
  let n = 0;
  for (let o = Math.floor(height / 2) * width * 3; o + 2 < width * height * 3; o += 3 * 7, n++)
    sum += 0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!;
  return n > 0 ? sum / n : 128;
}

/** A dashcam looking down its road: horizon a little above the middle, the camera 1.2–1.7 m up. */
const DASHCAM: CameraRanges = {
  horizon: [0.4, 0.55],
  vanishX: [0.4, 0.6],
  focal: [0.7, 1.0],
  cameraHeight: [1.2, 1.7],
};

const shade = (c: Colour, k: number): Colour => [c[0] * k, c[1] * k, c[2] * k];

/**
 * Paints what `place` puts on a road into `photo`, as a dashcam looking down its road would see it:
 * horizon at 40–55 % of the height, vanishing point near the middle, the camera 1.2–1.7 m up. The
 * photo's road is not found, only assumed, so objects may stand on a pavement or a verge, as
 * roadwork does too. Colours are dimmed with the photo's light (its ground's mean luma), so a dark
 * frame gets no glowing cones. The camera and road are drawn first, so one `rng` seed gives a work
 * zone and look-alikes on the same road. Deterministic in `rng`; `photo` is not changed.
 */
function paste(photo: Photo, rng: Rng, place: (cam: Camera, rng: Rng, road: Road) => Placed[]): PastedPhoto {
  const { width, height } = photo;
  const cam = randomCamera(rng, photo, DASHCAM, [-1.5, 1.5]);
  const lanes = rng.int(2, 3);
  const laneWidth = rng.uniform(3, 3.6);
  const left = -rng.uniform(0.5, lanes - 0.5) * laneWidth;
  const items = place(cam, rng, { left, right: left + lanes * laneWidth, lanes });
  const light = Math.min(1.1, Math.max(0.45, groundLuma(photo) / 125));
  const r = Raster.from(photo.data, width, height);
  for (const it of [...items].sort((a, b) => b.Z - a.Z))
    drawShapes(
      r,
      it.shapes.map((s): Shape => ({ ...s, colour: shade(s.colour, light) })),
    );
  return {
    data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.length),
    width,
    height,
    objects: items.flatMap((it) => {
      const box = boxOf(it.shapes, width, height, 1);
      return box ? [{ kind: it.kind, box }] : [];
    }),
  };
}

/** A work zone (a taper of cones or drums, barriers, a diamond sign, workers; at least one in view) painted into `photo`. */
export function pasteWorkZone(photo: Photo, rng: Rng): PastedPhoto {
  return paste(photo, rng, visibleWorkZone);
}

/** Look-alikes (an orange car, a stop sign, pedestrians; at least one in view) painted into `photo`. */
export function pasteDecoys(photo: Photo, rng: Rng): PastedPhoto {
  return paste(photo, rng, visibleDecoys);
}
