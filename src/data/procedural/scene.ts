/** Procedural street scenes with and without roadwork, drawn in pure TypeScript for the local validator. */
import type { Rng } from '../../core/random/index.js';
import { randomCamera, type Camera } from './_camera.js';
import { Raster, type Colour } from './_raster.js';
import {
  ROADWORK_KINDS,
  ROADWORK_MAKERS,
  boxOf,
  car,
  cone,
  drawShapes,
  person,
  stopSign,
  tree,
  type ObjectKind,
  type PixelBox,
  type Placed,
  type Shape,
} from './_objects.js';

export type { PixelBox };

/** A generated scene and its ground truth. */
export interface Scene {
  /** Packed RGB, row-major. */
  readonly rgb: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** 1 when the scene holds roadwork. */
  readonly label: 0 | 1;
  /** Visible objects with their boxes, roadwork and distractors alike. */
  readonly objects: readonly { readonly kind: ObjectKind; readonly box: PixelBox }[];
}

/** What to generate. */
export interface SceneOptions {
  readonly roadwork: boolean;
  readonly width?: number;
  readonly height?: number;
}

const SKIES: readonly { top: Colour; bottom: Colour; gain: number }[] = [
  { top: [80, 130, 205], bottom: [185, 210, 235], gain: 1 },
  { top: [145, 150, 160], bottom: [205, 205, 210], gain: 0.95 },
  { top: [60, 60, 110], bottom: [235, 150, 95], gain: 0.75 },
  { top: [10, 12, 28], bottom: [45, 45, 65], gain: 0.45 },
];

function groundQuad(cam: Camera, xa: number, xb: number, za: number, zb: number) {
  return [cam.project(xa, 0, za), cam.project(xb, 0, za), cam.project(xb, 0, zb), cam.project(xa, 0, zb)];
}

function drawRoad(
  r: Raster,
  cam: Camera,
  rng: Rng,
  road: { left: number; right: number; lanes: number },
): void {
  const far = 400;
  const asphalt = rng.uniform(55, 95);
  r.polygon(groundQuad(cam, road.left, road.right, 0.5, far), [asphalt, asphalt, asphalt + 3]);
  const laneWidth = (road.right - road.left) / road.lanes;
  const yellowCentre = road.lanes % 2 === 0 && rng.chance(0.4);
  for (let i = 0; i <= road.lanes; i++) {
    const X = road.left + i * laneWidth;
    const edge = i === 0 || i === road.lanes;
    const centre = yellowCentre && i === road.lanes / 2;
    const colour: Colour = centre ? [220, 180, 30] : [225, 225, 220];
    if (edge || centre) r.polygon(groundQuad(cam, X - 0.08, X + 0.08, 0.5, 120), colour, 0.9);
    else
      for (let z = 2 + rng.uniform(0, 9); z < 120; z += 9)
        r.polygon(groundQuad(cam, X - 0.07, X + 0.07, z, z + 3), colour, 0.9);
  }
}

function buildings(cam: Camera, rng: Rng, side: -1 | 1, X: number): Placed[] {
  const out: Placed[] = [];
  for (let z = rng.uniform(3, 10); z < 160;) {
    const len = rng.uniform(8, 30);
    const h = rng.uniform(5, 28);
    const c: Colour = [rng.uniform(90, 200), rng.uniform(80, 180), rng.uniform(70, 170)];
    const x = X + side * rng.uniform(0, 3);
    const shapes: Shape[] = [
      {
        type: 'poly',
        points: [
          cam.project(x, 0, z),
          cam.project(x, h, z),
          cam.project(x, h, z + len),
          cam.project(x, 0, z + len),
        ],
        colour: c,
      },
    ];
    const dark: Colour = [c[0] * 0.45, c[1] * 0.5, c[2] * 0.6];
    for (let fy = 1.2; fy + 1.4 < h; fy += 3.2) {
      for (let fz = z + 1; fz + 1.5 < z + len; fz += 3.5) {
        shapes.push({
          type: 'poly',
          points: [
            cam.project(x, fy, fz),
            cam.project(x, fy + 1.4, fz),
            cam.project(x, fy + 1.4, fz + 1.5),
            cam.project(x, fy, fz + 1.5),
          ],
          colour: dark,
        });
      }
    }
    out.push({ kind: 'building', Z: z + len, shapes });
    z += len + rng.uniform(0, 6);
  }
  return out;
}

function workZone(cam: Camera, rng: Rng, road: Road): Placed[] {
  const laneWidth = (road.right - road.left) / road.lanes;
  const lane = rng.int(0, road.lanes - 1);
  const laneLeft = road.left + lane * laneWidth;
  const z0 = rng.uniform(4, 22);
  const items: Placed[] = [];
  const kinds = ['cone', 'barrel', 'barrier', 'sign', 'worker'] as const;
  const chosen = new Set<(typeof kinds)[number]>([rng.choice(kinds)]);
  for (const k of kinds) if (rng.chance(0.35)) chosen.add(k);
  if (chosen.has('cone') || chosen.has('barrel')) {
    // A taper: a diagonal line of cones or drums closing the lane.
    const make =
      chosen.has('barrel') && (!chosen.has('cone') || rng.chance(0.5))
        ? ROADWORK_MAKERS.barrel
        : ROADWORK_MAKERS.cone;
    const n = rng.int(3, 9);
    const spacing = rng.uniform(2, 5);
    for (let i = 0; i < n; i++) {
      const t = i / Math.max(1, n - 1);
      items.push(make(cam, rng, laneLeft + laneWidth * (0.15 + 0.7 * t), z0 + i * spacing));
    }
  }
  if (chosen.has('barrier')) {
    const n = rng.int(1, 3);
    for (let i = 0; i < n; i++)
      items.push(
        ROADWORK_MAKERS.barrier(
          cam,
          rng,
          laneLeft + laneWidth * rng.uniform(0.3, 0.7),
          z0 + rng.uniform(1, 12),
        ),
      );
  }
  if (chosen.has('sign'))
    items.push(ROADWORK_MAKERS.sign(cam, rng, road.right + rng.uniform(0.5, 2), z0 - rng.uniform(0, 5) + 2));
  if (chosen.has('worker')) {
    const n = rng.int(1, 3);
    for (let i = 0; i < n; i++)
      items.push(
        ROADWORK_MAKERS.worker(
          cam,
          rng,
          laneLeft + laneWidth * rng.uniform(0.2, 0.9),
          z0 + rng.uniform(2, 15),
        ),
      );
  }
  return items;
}

/** The road a work zone closes a lane of: its edges in metres (X) and its lane count. */
export interface Road {
  readonly left: number;
  readonly right: number;
  readonly lanes: number;
}

/**
 * A work zone on `road` with at least one roadwork object in the frame: when the zone falls outside
 * it, a cone is put where the camera surely sees it.
 */
export function visibleWorkZone(cam: Camera, rng: Rng, road: Road): Placed[] {
  const items = workZone(cam, rng, road);
  const { width, height } = cam.setup;
  if (items.some((it) => ROADWORK_KINDS.has(it.kind) && boxOf(it.shapes, width, height))) return items;
  const [xa, xb] = cam.visibleX(8);
  return [...items, cone(cam, rng, (xa + xb) / 2, 8)];
}

/**
 * Look-alikes on `road` (an orange car, a stop sign, pedestrians) with at least one in the frame:
 * when none is, an orange car is put in plain view.
 */
export function visibleDecoys(cam: Camera, rng: Rng, road: Road): Placed[] {
  const items = distractors(cam, rng, road);
  const { width, height } = cam.setup;
  if (items.some((it) => boxOf(it.shapes, width, height))) return items;
  const [xa, xb] = cam.visibleX(12);
  return [...items, car(cam, rng, (xa + xb) / 2, 12, [235, rng.uniform(90, 140), 20])];
}

function distractors(cam: Camera, rng: Rng, road: Road): Placed[] {
  const items: Placed[] = [];
  if (rng.chance(0.45)) {
    const laneWidth = (road.right - road.left) / road.lanes;
    items.push(
      car(cam, rng, road.left + laneWidth * (rng.int(0, road.lanes - 1) + 0.5), rng.uniform(8, 40), [
        235,
        rng.uniform(90, 140),
        20,
      ]),
    );
  }
  if (rng.chance(0.45)) items.push(stopSign(cam, rng, road.right + rng.uniform(0.5, 2), rng.uniform(6, 30)));
  if (rng.chance(0.4)) {
    for (let i = rng.int(1, 3); i > 0; i--)
      items.push(person(cam, rng, road.right + rng.uniform(0.5, 2.5), rng.uniform(5, 30)));
  }
  return items;
}

/**
 * Generates one street scene. With `roadwork`, it holds a work zone (a taper of cones or drums,
 * barriers, a diamond sign, workers in hi-vis) with at least one visible roadwork object; without,
 * it may hold look-alikes (orange cars, red stop signs, pedestrians). Deterministic in `rng`.
 */
export function generateScene(rng: Rng, options: SceneOptions): Scene {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const sky = rng.choice(SKIES);
  const roll = Math.max(-6, Math.min(6, rng.normal(0, 2)));
  const cam = randomCamera(
    rng,
    { width, height },
    { horizon: [0.35, 0.55], vanishX: [0.35, 0.65], focal: [0.7, 1.1], cameraHeight: [1.2, 2.2] },
    roll,
  );
  const r = new Raster(width, height);
  r.verticalGradient(-height * 0.1, height * 0.7, sky.top, sky.bottom);
  const urban = rng.chance(0.6);
  const ground: Colour = urban ? [125, 122, 118] : [75 + rng.uniform(0, 40), 105, 55];
  r.polygon(groundQuad(cam, -500, 500, 0.3, 500), ground);

  const lanes = rng.int(2, 4);
  const laneWidth = rng.uniform(3, 3.8);
  const left = -rng.uniform(0.5, lanes - 0.5) * laneWidth;
  const road = { left, right: left + lanes * laneWidth, lanes };
  const walk = rng.uniform(1.5, 4);
  r.polygon(groundQuad(cam, road.left - walk, road.left, 0.5, 400), [160, 158, 152]);
  r.polygon(groundQuad(cam, road.right, road.right + walk, 0.5, 400), [160, 158, 152]);
  drawRoad(r, cam, rng, road);

  const items: Placed[] = [];
  if (urban)
    items.push(
      ...buildings(cam, rng, -1, road.left - walk - 1),
      ...buildings(cam, rng, 1, road.right + walk + 1),
    );
  else
    for (let z = rng.uniform(5, 15); z < 120; z += rng.uniform(8, 25))
      items.push(
        tree(
          cam,
          rng,
          rng.chance(0.5) ? road.left - walk - rng.uniform(1, 6) : road.right + walk + rng.uniform(1, 6),
          z,
        ),
      );
  for (let i = rng.int(0, 4); i > 0; i--) {
    items.push(car(cam, rng, road.left + laneWidth * (rng.int(0, lanes - 1) + 0.5), rng.uniform(10, 90)));
  }
  items.push(...(options.roadwork ? visibleWorkZone(cam, rng, road) : distractors(cam, rng, road)));
  const boxes = items.map((it) => boxOf(it.shapes, width, height));

  const order = items.map((_, i) => i).sort((a, b) => items[b]!.Z - items[a]!.Z);
  for (const i of order) drawShapes(r, items[i]!.shapes);

  r.grade({
    gain: sky.gain * rng.uniform(0.75, 1.15),
    tint: [rng.uniform(225, 255), rng.uniform(225, 255), rng.uniform(225, 255)],
    haze: rng.chance(0.3) ? rng.uniform(0.2, 0.7) : rng.uniform(0, 0.15),
    hazeColour: sky.bottom,
    horizon: cam.setup.horizon,
  });
  r.noise(rng.uniform(0, 8), () => rng.next());

  const objects = items.flatMap((it, i) => (boxes[i] ? [{ kind: it.kind, box: boxes[i] }] : []));
  return {
    rgb: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.length),
    width,
    height,
    label: options.roadwork ? 1 : 0,
    objects,
  };
}
