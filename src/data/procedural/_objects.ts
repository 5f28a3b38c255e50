/** Street furniture as shapes in a billboard plane: roadwork objects and the distractors that resemble them. */
import type { Rng } from '../../core/random/index.js';
import type { Camera } from './_camera.js';
import type { Colour, Point, Raster } from './_raster.js';

/** Something the rasteriser can fill. */
export type Shape =
  | {
      readonly type: 'poly';
      readonly points: readonly Point[];
      readonly colour: Colour;
      readonly alpha?: number;
    }
  | {
      readonly type: 'ellipse';
      readonly cx: number;
      readonly cy: number;
      readonly rx: number;
      readonly ry: number;
      readonly colour: Colour;
    };

/** Kinds of objects a scene may hold. */
export type ObjectKind =
  'cone' | 'barrel' | 'barrier' | 'sign' | 'worker' | 'car' | 'person' | 'stop-sign' | 'building' | 'tree';

/** The kinds that make a scene a roadwork scene. */
export const ROADWORK_KINDS: ReadonlySet<ObjectKind> = new Set([
  'cone',
  'barrel',
  'barrier',
  'sign',
  'worker',
]);

/** An object placed at ground position (X, Z), built from shapes in draw order. */
export interface Placed {
  readonly kind: ObjectKind;
  readonly Z: number;
  readonly shapes: readonly Shape[];
}

const ORANGE: Colour = [255, 110, 10];
const WHITE: Colour = [240, 240, 240];
const BLACK: Colour = [20, 20, 20];

// Shapes are written in metres in the plane facing the camera: u to the right of X, v up from the road.
class Plane {
  readonly shapes: Shape[] = [];
  readonly #cam: Camera;
  readonly #X: number;
  readonly #Z: number;

  constructor(cam: Camera, X: number, Z: number) {
    this.#cam = cam;
    this.#X = X;
    this.#Z = Z;
  }

  poly(uv: readonly (readonly [number, number])[], colour: Colour, alpha?: number): this {
    const points = uv.map(([u, v]) => this.#cam.project(this.#X + u, v, this.#Z));
    this.shapes.push({ type: 'poly', points, colour, ...(alpha !== undefined && { alpha }) });
    return this;
  }

  rect(u0: number, v0: number, u1: number, v1: number, colour: Colour): this {
    return this.poly(
      [
        [u0, v0],
        [u1, v0],
        [u1, v1],
        [u0, v1],
      ],
      colour,
    );
  }

  ellipse(u: number, v: number, ru: number, rv: number, colour: Colour): this {
    const c = this.#cam.project(this.#X + u, v, this.#Z);
    const s = this.#cam.scale(this.#Z);
    this.shapes.push({ type: 'ellipse', cx: c.x, cy: c.y, rx: ru * s, ry: rv * s, colour });
    return this;
  }
}

function jitter(rng: Rng, c: Colour, amount: number): Colour {
  return [
    c[0] + rng.uniform(-amount, amount),
    c[1] + rng.uniform(-amount, amount),
    c[2] + rng.uniform(-amount, amount),
  ];
}

/** A traffic cone with white reflective bands. */
export function cone(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const h = rng.uniform(0.45, 0.9);
  const base = h * 0.5;
  const p = new Plane(cam, X, Z).rect(-base * 0.7, 0, base * 0.7, h * 0.06, BLACK);
  const half = (v: number) => (base / 2) * (1 - v / h) + 0.02;
  const band = (v0: number, v1: number, c: Colour) =>
    p.poly(
      [
        [-half(v0), v0],
        [half(v0), v0],
        [half(v1), v1],
        [-half(v1), v1],
      ],
      c,
    );
  band(h * 0.06, h, jitter(rng, ORANGE, 20));
  band(h * 0.3, h * 0.42, WHITE);
  if (rng.chance(0.6)) band(h * 0.55, h * 0.64, WHITE);
  return { kind: 'cone', Z, shapes: p.shapes };
}

/** A drum barrel with alternating orange and white hoops. */
export function barrel(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const h = rng.uniform(0.9, 1.1);
  const w = 0.3;
  const p = new Plane(cam, X, Z).rect(-w, 0, w, h, jitter(rng, ORANGE, 15));
  for (let i = 0; i < 4; i++)
    if (i % 2 === 1 || rng.chance(0.3)) p.rect(-w, (h * (i + 0.2)) / 4, w, (h * (i + 0.75)) / 4, WHITE);
  p.ellipse(0, h, w, 0.06, [200, 80, 10]);
  return { kind: 'barrel', Z, shapes: p.shapes };
}

/** A barrier board with diagonal stripes on two legs. */
export function barrier(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const w = rng.uniform(1.2, 2.4) / 2;
  const stripe: Colour = rng.chance(0.5) ? [220, 30, 30] : ORANGE;
  const p = new Plane(cam, X, Z)
    .rect(-w * 0.8, 0, -w * 0.8 + 0.08, 0.65, [60, 60, 60])
    .rect(w * 0.8 - 0.08, 0, w * 0.8, 0.65, [60, 60, 60])
    .rect(-w, 0.6, w, 1.0, WHITE);
  const step = 0.3;
  for (let u = -w; u + step * 0.5 < w; u += step * 2) {
    const u1 = Math.min(u + step, w);
    p.poly(
      [
        [u, 0.6],
        [u1, 0.6],
        [Math.min(u1 + 0.12, w), 1.0],
        [Math.min(u + 0.12, w), 1.0],
      ],
      stripe,
    );
  }
  return { kind: 'barrier', Z, shapes: p.shapes };
}

/** A diamond work-zone sign on a pole, with a black figure. */
export function sign(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const r = rng.uniform(0.35, 0.55);
  const cy = rng.uniform(1.4, 2.0);
  const diamond = (k: number): [number, number][] => [
    [0, cy + k],
    [k, cy],
    [0, cy - k],
    [-k, cy],
  ];
  const p = new Plane(cam, X, Z)
    .rect(-0.03, 0, 0.03, cy - r, [120, 120, 120])
    .poly(diamond(r), BLACK)
    .poly(diamond(r * 0.88), rng.chance(0.8) ? ORANGE : [250, 210, 0]);
  p.ellipse(0.05, cy + r * 0.35, r * 0.1, r * 0.1, BLACK)
    .rect(-r * 0.12, cy - r * 0.35, r * 0.12, cy + r * 0.2, BLACK)
    .rect(-r * 0.35, cy - r * 0.4, r * 0.35, cy - r * 0.3, BLACK);
  return { kind: 'sign', Z, shapes: p.shapes };
}

function figure(cam: Camera, rng: Rng, X: number, Z: number, torso: Colour, stripes: boolean): Shape[] {
  const h = rng.uniform(1.6, 1.85);
  const legs: Colour = jitter(rng, [40, 45, 70], 20);
  const p = new Plane(cam, X, Z)
    .rect(-0.2, 0, -0.03, h * 0.48, legs)
    .rect(0.03, 0, 0.2, h * 0.48, legs)
    .rect(-0.3, h * 0.45, 0.3, h * 0.8, torso)
    .rect(-0.38, h * 0.5, -0.3, h * 0.78, torso)
    .rect(0.3, h * 0.5, 0.38, h * 0.78, torso);
  if (stripes)
    p.rect(-0.3, h * 0.55, 0.3, h * 0.58, [225, 225, 225]).rect(
      -0.3,
      h * 0.66,
      0.3,
      h * 0.69,
      [225, 225, 225],
    );
  p.ellipse(0, h * 0.88, 0.11, 0.12, jitter(rng, [200, 160, 130], 40));
  if (stripes) p.ellipse(0, h * 0.93, 0.14, 0.08, rng.choice<Colour>([[250, 220, 0], WHITE, ORANGE]));
  return p.shapes;
}

/** A worker in a hi-vis vest and hard hat. */
export function worker(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const vest = rng.choice<Colour>([
    [210, 255, 40],
    [255, 120, 0],
    [255, 200, 0],
  ]);
  return { kind: 'worker', Z, shapes: figure(cam, rng, X, Z, vest, true) };
}

/** A pedestrian in ordinary clothes (distractor for workers). */
export function person(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const shirt = jitter(
    rng,
    rng.choice<Colour>([
      [40, 60, 120],
      [120, 30, 30],
      [60, 60, 60],
      [200, 200, 190],
    ]),
    30,
  );
  return { kind: 'person', Z, shapes: figure(cam, rng, X, Z, shirt, false) };
}

/** A car seen from behind; `colour` lets negatives hold orange cars. */
export function car(cam: Camera, rng: Rng, X: number, Z: number, colour?: Colour): Placed {
  const w = rng.uniform(0.85, 1.0);
  const h = rng.uniform(1.35, 1.7);
  const body =
    colour ??
    jitter(
      rng,
      rng.choice<Colour>([
        [30, 30, 35],
        [200, 200, 205],
        [120, 20, 20],
        [40, 60, 110],
        [90, 90, 95],
      ]),
      20,
    );
  const p = new Plane(cam, X, Z)
    .rect(-w + 0.1, 0, -w + 0.35, 0.35, BLACK)
    .rect(w - 0.35, 0, w - 0.1, 0.35, BLACK)
    .rect(-w, 0.15, w, h * 0.62, body)
    .poly(
      [
        [-w * 0.9, h * 0.62],
        [w * 0.9, h * 0.62],
        [w * 0.7, h],
        [-w * 0.7, h],
      ],
      body,
    )
    .poly(
      [
        [-w * 0.8, h * 0.64],
        [w * 0.8, h * 0.64],
        [w * 0.63, h * 0.95],
        [-w * 0.63, h * 0.95],
      ],
      [35, 45, 55],
    )
    .rect(-w * 0.95, h * 0.4, -w * 0.7, h * 0.5, [200, 20, 20])
    .rect(w * 0.7, h * 0.4, w * 0.95, h * 0.5, [200, 20, 20])
    .rect(-0.25, h * 0.25, 0.25, h * 0.33, [220, 220, 200]);
  return { kind: 'car', Z, shapes: p.shapes };
}

/** A red octagonal stop sign on a pole (distractor for work-zone signs). */
export function stopSign(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const r = rng.uniform(0.3, 0.45);
  const cy = rng.uniform(1.7, 2.2);
  const octagon = (k: number): [number, number][] =>
    Array.from({ length: 8 }, (_, i) => {
      const a = ((i + 0.5) * Math.PI) / 4;
      return [k * Math.cos(a), cy + k * Math.sin(a)] as [number, number];
    });
  const p = new Plane(cam, X, Z)
    .rect(-0.03, 0, 0.03, cy, [130, 130, 130])
    .poly(octagon(r), WHITE)
    .poly(octagon(r * 0.9), [200, 20, 25])
    .rect(-r * 0.55, cy - r * 0.12, r * 0.55, cy + r * 0.12, WHITE);
  return { kind: 'stop-sign', Z, shapes: p.shapes };
}

/** A roadside tree: a trunk and a round crown. */
export function tree(cam: Camera, rng: Rng, X: number, Z: number): Placed {
  const h = rng.uniform(4, 9);
  const p = new Plane(cam, X, Z)
    .rect(-0.15, 0, 0.15, h * 0.55, [80, 60, 40])
    .ellipse(0, h * 0.7, h * 0.28, h * 0.3, jitter(rng, [50, 100, 45], 25));
  return { kind: 'tree', Z, shapes: p.shapes };
}

/** Every roadwork object maker, for random choice. */
export const ROADWORK_MAKERS = Object.freeze({ cone, barrel, barrier, sign, worker });

/** An axis-aligned pixel box, clipped to the frame. */
export interface PixelBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The pixel box of `shapes` in a width × height frame, or undefined when under `minSize` × `minSize`
 * pixels of it are visible (default 3: what a detector could be asked to see).
 */
export function boxOf(
  shapes: readonly Shape[],
  width: number,
  height: number,
  minSize = 3,
): PixelBox | undefined {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const s of shapes) {
    if (s.type === 'poly') {
      for (const p of s.points) {
        x0 = Math.min(x0, p.x);
        x1 = Math.max(x1, p.x);
        y0 = Math.min(y0, p.y);
        y1 = Math.max(y1, p.y);
      }
    } else {
      x0 = Math.min(x0, s.cx - s.rx);
      x1 = Math.max(x1, s.cx + s.rx);
      y0 = Math.min(y0, s.cy - s.ry);
      y1 = Math.max(y1, s.cy + s.ry);
    }
  }
  const cx0 = Math.max(0, Math.floor(x0));
  const cy0 = Math.max(0, Math.floor(y0));
  const cx1 = Math.min(width, Math.ceil(x1));
  const cy1 = Math.min(height, Math.ceil(y1));
  // Anything under 3×3 visible pixels is not something a detector could be asked to see.
  if (cx1 - cx0 < minSize || cy1 - cy0 < minSize) return undefined;
  return { x: cx0, y: cy0, width: cx1 - cx0, height: cy1 - cy0 };
}

/** Paints `shapes` into `r` in order. */
export function drawShapes(r: Raster, shapes: readonly Shape[]): void {
  for (const s of shapes) {
    if (s.type === 'poly') r.polygon(s.points, s.colour, s.alpha);
    else r.ellipse(s.cx, s.cy, s.rx, s.ry, s.colour);
  }
}
