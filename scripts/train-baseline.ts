// Trains the baseline roadwork model (colour/layout features + logistic regression) and writes models/baseline/.
// Usage: node --import tsx scripts/train-baseline.ts [--data DIR] [--out DIR]
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createOnnxSession, toModelInput } from '../src/inference/runtimes/onnx/index.js';
import {
  BASELINE_FEATURE_COUNT,
  BASELINE_NORMALIZATION,
  buildBaselineFeatureModel,
  buildBaselineModel,
} from './_baseline-model.js';

const SIZE = 224;
const FOLDS = 5;
const LAMBDAS = [10, 100, 1000, 3000, 10000, 30000];
const SEED = 72;
const COMMAND = 'node --import tsx scripts/train-baseline.ts --data ../shared/data/roadwork-real-train';

interface Sample {
  readonly file: string;
  readonly label: 0 | 1;
  readonly group: string;
}
interface View {
  readonly sample: number;
  readonly kind: 'level0' | 'aug';
  readonly features: Float32Array;
}

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/roadwork-real-train' },
    out: { type: 'string', default: 'models/baseline' },
  },
});

/** Source families from the data README: results are reported per family because styles differ. */
function family(group: string): string {
  if (group.startsWith('mi3-') || group.startsWith('vtti-')) return 'dashcam work zones';
  if (group.startsWith('kitti')) return 'KITTI';
  if (group.startsWith('udacity')) return 'highway';
  return 'web photos';
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function readManifest(dir: string): Promise<Sample[]> {
  const lines = (await readFile(join(dir, 'manifest.csv'), 'utf8')).trim().split('\n').slice(1);
  return lines.map((line) => {
    const [file, label, group] = line.split(',');
    return { file: join(dir, file!), label: label === '1' ? 1 : 0, group: group! };
  });
}

/** Validator-like 224² JPEG (PIL quality 75) views: level 0, its flips, and random resized crops. */
async function views(file: string, random: () => number): Promise<{ kind: View['kind']; rgb: Uint8Array }[]> {
  const { data, info } = await sharp(file, { autoOrient: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: 3 as const } };
  const side = Math.min(info.width, info.height);
  const crops: {
    kind: View['kind'];
    left: number;
    top: number;
    side: number;
    flip: boolean;
    flop: boolean;
  }[] = [
    {
      kind: 'level0',
      left: (info.width - side) >> 1,
      top: (info.height - side) >> 1,
      side,
      flip: false,
      flop: false,
    },
    {
      kind: 'aug',
      left: (info.width - side) >> 1,
      top: (info.height - side) >> 1,
      side,
      flip: false,
      flop: true,
    },
    {
      kind: 'aug',
      left: (info.width - side) >> 1,
      top: (info.height - side) >> 1,
      side,
      flip: true,
      flop: false,
    },
  ];
  for (let i = 0; i < 2; i++) {
    const s = Math.max(16, Math.round(side * Math.sqrt(0.2 + 0.8 * random())));
    crops.push({
      kind: 'aug',
      left: Math.floor(random() * (info.width - s + 1)),
      top: Math.floor(random() * (info.height - s + 1)),
      side: s,
      flip: random() < 0.5,
      flop: random() < 0.5,
    });
  }
  return Promise.all(
    crops.map(async (c) => {
      const jpeg = await sharp(data, raw)
        .extract({ left: c.left, top: c.top, width: c.side, height: c.side })
        .resize(SIZE, SIZE, { kernel: 'linear' })
        .flip(c.flip)
        .flop(c.flop)
        .jpeg({ quality: 75 })
        .toBuffer();
      const rgb = await sharp(jpeg).raw().toBuffer();
      return { kind: c.kind, rgb: new Uint8Array(rgb) };
    }),
  );
}

async function extract(samples: readonly Sample[]): Promise<View[]> {
  const session = await createOnnxSession(buildBaselineFeatureModel({ inputSize: SIZE }), {
    intraOpThreads: 2,
  });
  const random = rng(SEED);
  const out: View[] = [];
  for (let i = 0; i < samples.length; i++) {
    for (const v of await views(samples[i]!.file, random)) {
      const input = toModelInput(v.rgb, SIZE, SIZE, SIZE, BASELINE_NORMALIZATION);
      out.push({ sample: i, kind: v.kind, features: (await session.run(input, [1, 3, SIZE, SIZE])).slice() });
    }
  }
  await session.release();
  return out;
}

/** Deterministic group folds: largest groups first, each into the currently smallest fold. */
function groupFolds(samples: readonly Sample[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const s of samples) sizes.set(s.group, (sizes.get(s.group) ?? 0) + 1);
  const order = [...sizes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const load = new Array<number>(FOLDS).fill(0);
  const fold = new Map<string, number>();
  for (const [group, n] of order) {
    const f = load.indexOf(Math.min(...load));
    fold.set(group, f);
    load[f]! += n;
  }
  return fold;
}

interface Fit {
  weights: Float64Array;
  bias: number;
  mean: Float64Array;
  std: Float64Array;
}

/** Class-balanced L2 logistic regression by Newton's method on standardised features. */
function fitLogistic(xs: readonly Float32Array[], ys: readonly number[], lambda: number): Fit {
  const n = xs.length;
  const d = BASELINE_FEATURE_COUNT;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const x of xs) for (let j = 0; j < d; j++) mean[j]! += x[j]! / n;
  for (const x of xs) for (let j = 0; j < d; j++) std[j]! += (x[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = std[j]! > 1e-12 ? Math.sqrt(std[j]!) : 1;
  const z = xs.map((x) => {
    const row = new Float64Array(d + 1);
    for (let j = 0; j < d; j++) row[j] = (x[j]! - mean[j]!) / std[j]!;
    row[d] = 1;
    return row;
  });
  const positives = ys.filter((y) => y === 1).length;
  const weightOf = (y: number): number => n / (2 * (y === 1 ? positives : n - positives));
  const w = new Float64Array(d + 1);
  for (let iter = 0; iter < 12; iter++) {
    const grad = new Float64Array(d + 1);
    const hess = new Float64Array((d + 1) * (d + 1));
    for (let i = 0; i < n; i++) {
      const row = z[i]!;
      let s = 0;
      for (let j = 0; j <= d; j++) s += w[j]! * row[j]!;
      const p = 1 / (1 + Math.exp(-s));
      const c = weightOf(ys[i]!);
      const r = c * (p - ys[i]!);
      const h = c * Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j <= d; j++) {
        grad[j]! += r * row[j]!;
        const hj = h * row[j]!;
        const base = j * (d + 1);
        for (let k = 0; k <= j; k++) hess[base + k]! += hj * row[k]!;
      }
    }
    for (let j = 0; j < d; j++) {
      grad[j]! += lambda * w[j]!;
      hess[j * (d + 1) + j]! += lambda;
    }
    hess[d * (d + 1) + d]! += 1e-6;
    const step = choleskySolve(hess, grad, d + 1);
    let change = 0;
    for (let j = 0; j <= d; j++) {
      w[j]! -= step[j]!;
      change = Math.max(change, Math.abs(step[j]!));
    }
    if (change < 1e-7) break;
  }
  return { weights: w.subarray(0, d), bias: w[d]!, mean, std };
}

/** Solves H x = g for symmetric positive definite H, given its lower triangle. */
function choleskySolve(h: Float64Array, g: Float64Array, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = h[i * m + j]!;
      for (let k = 0; k < j; k++) s -= l[i * m + k]! * l[j * m + k]!;
      l[i * m + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * m + j]!;
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = g[i]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * y[k]!;
    y[i] = s / l[i * m + i]!;
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * x[k]!;
    x[i] = s / l[i * m + i]!;
  }
  return x;
}

function score(fit: Fit, x: Float32Array): number {
  let s = fit.bias;
  for (let j = 0; j < x.length; j++) s += (fit.weights[j]! * (x[j]! - fit.mean[j]!)) / fit.std[j]!;
  return 1 / (1 + Math.exp(-s));
}

interface Metrics {
  n: number;
  accuracy: number;
  mcc: number;
}

function metrics(pairs: readonly { p: number; y: number }[]): Metrics {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (const { p, y } of pairs) {
    const hat = p > 0.5 ? 1 : 0; // round half to even, as validators score: exactly 0.5 is 0
    if (hat === 1 && y === 1) tp++;
    else if (hat === 0 && y === 0) tn++;
    else if (hat === 1) fp++;
    else fn++;
  }
  const denom = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    n: pairs.length,
    accuracy: round((tp + tn) / Math.max(1, pairs.length)),
    mcc: round(denom === 0 ? 0 : (tp * tn - fp * fn) / denom),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const samples = await readManifest(args.data!);
  const all = await extract(samples);
  console.log(
    `features: ${all.length} views of ${samples.length} images in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const fold = groupFolds(samples);
  const foldOf = (v: View): number => fold.get(samples[v.sample]!.group)!;
  const label = (v: View): number => samples[v.sample]!.label;

  // Grouped cross-validation: every view of a held-out group is predicted by a model that never saw the group.
  const heldOut = new Map<number, { view: View; p: number }[]>();
  for (const lambda of LAMBDAS) {
    const preds: { view: View; p: number }[] = [];
    for (let f = 0; f < FOLDS; f++) {
      const train = all.filter((v) => foldOf(v) !== f);
      const fit = fitLogistic(
        train.map((v) => v.features),
        train.map(label),
        lambda,
      );
      for (const v of all.filter((v) => foldOf(v) === f)) preds.push({ view: v, p: score(fit, v.features) });
    }
    heldOut.set(lambda, preds);
    const m = metrics(preds.map(({ view, p }) => ({ p, y: label(view) })));
    console.log(`lambda ${lambda}: held-out accuracy ${m.accuracy} mcc ${m.mcc}`);
  }
  const best = LAMBDAS.reduce((a, b) =>
    metrics(heldOut.get(b)!.map(({ view, p }) => ({ p, y: label(view) }))).mcc >
    metrics(heldOut.get(a)!.map(({ view, p }) => ({ p, y: label(view) }))).mcc
      ? b
      : a,
  );
  const preds = heldOut.get(best)!;
  const report = (filter: (v: View) => boolean): Metrics =>
    metrics(preds.filter(({ view }) => filter(view)).map(({ view, p }) => ({ p, y: label(view) })));
  const evaluation = {
    protocol: `${FOLDS}-fold grouped cross-validation (manifest groups), lambda chosen by held-out MCC`,
    lambda: best,
    level0: report((v) => v.kind === 'level0'),
    augmented: report((v) => v.kind === 'aug'),
    byFamily: Object.fromEntries(
      [...new Set(samples.map((s) => family(s.group)))]
        .sort()
        .map((fam) => [fam, report((v) => v.kind === 'level0' && family(samples[v.sample]!.group) === fam)]),
    ),
  };
  console.log(JSON.stringify(evaluation, null, 2));

  const fit = fitLogistic(
    all.map((v) => v.features),
    all.map(label),
    best,
  );
  const metadata = {
    input_size: String(SIZE),
    normalization: JSON.stringify(BASELINE_NORMALIZATION),
    name: 'roadwork-baseline',
  };
  const model = buildBaselineModel(
    { weights: fit.weights, bias: fit.bias, featureMean: fit.mean, featureStd: fit.std },
    { inputSize: SIZE, metadata },
  );
  const version = createHash('sha256').update(model).digest('hex').slice(0, 12);
  await mkdir(args.out!, { recursive: true });
  await writeFile(join(args.out!, 'model.onnx'), model);
  const sidecar = {
    name: 'roadwork-baseline',
    version,
    inputSize: SIZE,
    normalization: BASELINE_NORMALIZATION,
    output: 'probability [N,1], p(roadwork)',
    features: BASELINE_FEATURE_COUNT,
    training: {
      command: COMMAND,
      images: samples.length,
      views: all.length,
      positives: samples.filter((s) => s.label === 1).length,
      seed: SEED,
    },
    metrics: evaluation,
  };
  await writeFile(join(args.out!, 'model.json'), JSON.stringify(sidecar, null, 2) + '\n');
  console.log(
    `wrote ${join(args.out!, 'model.onnx')} (${model.byteLength} bytes, version ${version}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

await main();
