// Does a vertical-flip view in the test-time augmentation help the starter recipe? Validators flip
// half of the level 1-3 images upside down. Cross-validated: each fold's head (the starter recipe,
// training-only views included) scores every held-out view as (identity + hflip) / 2 and as
// (identity + hflip + vflip) / 3; temperature and shift cross-fitted as `roadwork train` does.
// Usage: node --import tsx bench/tta-vflip.ts [--data DIR] [--protocol split|strict|image] [--l2 0.01]
// (the first run embeds 1636 vflipped views into <data_dir>/embeddings-vflip; the rest comes from the
// cache `roadwork train --train-views 1,3,3,6` fills; data_dir as roadwork's: ROADWORK_DATA_DIR, else ~/.roadwork).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/core/config/index.js';
import { loadModel, type ModelRef } from '../src/inference/runtimes/index.js';
import {
  crossCalibrate,
  embeddedRows,
  fitHead,
  groupFolds,
  logits,
  matrixOf,
  openEmbeddingCache,
  renderView,
  scores,
  splitGroups,
  viewKey,
} from '../src/lifecycle/train/index.js';
import { flipVertical } from '../src/validation/validator/index.js';
import { openImageFolder } from '../src/data/sources/index.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/roadwork-real-train' },
    protocol: { type: 'string', default: 'split' },
    l2: { type: 'string', default: '0.01' },
  },
});
const SEED = 'train';
const settings = loadConfig({ env: process.env });
const dataDir = settings.data_dir;
const ref: ModelRef = {
  runtime: 'tfjs',
  model: 'builtin:mobilenetv2',
  options: { extras: ['colour-shape'] },
};
const runtime = {
  cacheDir: settings['models.cache_dir'] || join(dataDir, 'models'),
  offline: true,
  device: 'cpu' as const,
  workers: 1,
  logger: pino({ level: 'warn' }),
};
const emb = await embeddedRows({
  data: values.data,
  embedders: [ref],
  runtime,
  cacheDir: settings['embeddings.cache_dir'] || join(dataDir, 'embeddings'),
  protocol: '2.0.4',
  perLevel: [1, 1, 1, 1],
  tta: true,
  seed: SEED,
  trainViews: [1, 3, 3, 6],
  progress: process.stderr,
});
const source = await openImageFolder(values.data);
const cache = await openEmbeddingCache(join(dataDir, 'embeddings-vflip'), {
  version: `${emb.version}|vflip`,
  dims: emb.dims,
});
const embedder = await loadModel('embedder', ref, runtime);
const xv: Float32Array[] = [];
try {
  for (const r of emb.rows) {
    const img = source.images[r.image]!;
    const view = { level: r.level as 0 | 1 | 2 | 3, k: 0, hflip: false };
    const key = viewKey(img.id, SEED, view);
    if (!cache.has(key)) {
      const rgb = await renderView(await img.load(), img.id, SEED, view);
      const [v] = await embedder.embed([flipVertical(rgb)], { deadlineMs: Date.now() + 60_000 });
      await cache.put([{ key, vector: v! }]);
    }
    xv.push(cache.get(key)!);
  }
} finally {
  await embedder.close();
}

const everyGroup = [...new Set(emb.rows.map((r) => r.group))];
const split = { strict: [], split: ['tracon-web'], image: everyGroup }[values.protocol] ?? [];
const rows = splitGroups(emb.rows, split);
const config = {
  model: 'logistic' as const,
  l2: Number(values.l2),
  hidden: 32,
  folds: 5,
  seed: SEED,
  tta: true,
  trainOnFlips: true,
  targetAccuracy: 0.95,
  maxIter: 300,
  extraViews: splitGroups(emb.extra, split),
};
const fold = groupFolds(
  rows.map((r) => r.group),
  config.folds,
  SEED,
);
const two = new Float64Array(rows.length);
const three = new Float64Array(rows.length);
for (let f = 0; f < config.folds; f++) {
  const test = [...rows.keys()].filter((i) => fold[i] === f);
  const head = await fitHead(
    rows.filter((_, i) => fold[i] !== f),
    config,
  );
  const z = (vs: Float32Array[]) => logits(head, matrixOf(vs, emb.dims));
  const [a, b, c] = [
    z(test.map((i) => rows[i]!.x)),
    z(test.map((i) => rows[i]!.xh!)),
    z(test.map((i) => xv[i]!)),
  ];
  test.forEach((i, k) => {
    two[i] = (a[k]! + b[k]!) / 2;
    three[i] = (a[k]! + b[k]! + c[k]!) / 3;
  });
}
const y = Uint8Array.from(rows, (r) => r.label);
console.log(`protocol ${values.protocol}, l2 ${values.l2}, ${rows.length} held-out views`);
console.log('| TTA | MCC | accuracy | AUC | level 0 | level 1 | level 2 | level 3 |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, z] of [
  ['identity + hflip', two],
  ['identity + hflip + vflip', three],
] as const) {
  const p = crossCalibrate(z, y, fold, config.folds);
  const s = scores(p, y);
  const levels = [0, 1, 2, 3].map((level) => {
    const idx = [...rows.keys()].filter((i) => rows[i]!.level === level);
    return scores(
      idx.map((i) => p[i]!),
      idx.map((i) => y[i]!),
    ).mcc.toFixed(3);
  });
  console.log(
    `| ${name} | ${s.mcc.toFixed(3)} | ${s.accuracy.toFixed(3)} | ${s.auc.toFixed(3)} | ${levels.join(' | ')} |`,
  );
}
