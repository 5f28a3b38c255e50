// Benchmark (not a test): the cross-validation of `roadwork train` fitted in this thread against a
// pool of worker threads (`--fit-workers`), on rows shaped like the starter's 2.0.4 data (1420
// columns, scored views plus training-only views, mirror twins), one after the other in one run.
// Usage: node --import tsx bench/train-fits.ts [--rows 1200] [--extra 3600] [--folds 5] [--workers 2]
//        [--model logistic|mlp] [--repeats 1]
// The starter's data is 2540 scored and 8255 training-only views; the defaults are smaller so a run
// takes about a minute on 2 cores. Each configuration checks it got the same logits as the first.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/random/index.js';
import {
  crossValidate,
  openFitPool,
  type FitRunner,
  type TrainConfig,
  type ViewRow,
} from '../src/lifecycle/train/index.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1200' },
    extra: { type: 'string', default: '3600' },
    folds: { type: 'string', default: '5' },
    workers: { type: 'string', default: String(availableParallelism()) },
    model: { type: 'string', default: 'logistic' },
    repeats: { type: 'string', default: '1' },
  },
});
const DIMS = 1420;
const rng = createRng('bench-train-fits');

function row(image: number, group: string, label: 0 | 1): ViewRow {
  const v = () =>
    Float32Array.from({ length: DIMS }, (_, d) => (d < 20 ? rng.normal(label ? 0.4 : -0.4) : rng.normal()));
  return { image, group, label, level: image % 4 === 0 ? 0 : 2, x: v(), xh: v() };
}

const n = Number(values.rows);
const rows = Array.from({ length: n }, (_, i) => row(i, `mi3-g${i % 40}`, (i % 3 === 0 ? 1 : 0) as 0 | 1));
const extraViews = Array.from({ length: Number(values.extra) }, (_, k) => {
  const base = rows[k % n]!;
  return { ...row(base.image, base.group, base.label) };
});
const config: TrainConfig = {
  model: values.model === 'mlp' ? 'mlp' : 'logistic',
  l2: 0.01,
  hidden: 32,
  folds: Number(values.folds),
  seed: 'bench',
  tta: true,
  trainOnFlips: true,
  targetAccuracy: 0.95,
  maxIter: 300,
  extraViews,
};
const draws = Number(values.repeats);

async function time(
  name: string,
  fits: FitRunner | undefined,
): Promise<{ s: number; logits: Float64Array[] }> {
  const t0 = performance.now();
  const logits = await Promise.all(
    Array.from({ length: draws }, (_, k) =>
      crossValidate(rows, { ...config, seed: `bench#${k}` }, fits ? { fits } : {}).then((r) => r.logits),
    ),
  );
  const s = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(28)} ${s.toFixed(1)} s`);
  return { s, logits };
}

console.log(
  `${n} scored rows + ${extraViews.length} training-only views, ${DIMS} columns, ${config.folds} folds × ${draws} draw(s), ${config.model}; ${availableParallelism()} cores`,
);
const base = await time('in this thread', undefined);
const workers = Number(values.workers);
const pool = await openFitPool(workers);
try {
  const pooled = await time(`pool of ${workers} workers`, pool);
  const same = pooled.logits.every((l, k) => l.every((v, i) => v === base.logits[k]![i]));
  console.log(`speed-up ×${(base.s / pooled.s).toFixed(2)}; same logits: ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
} finally {
  await pool.close();
}
