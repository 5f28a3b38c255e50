// Heads fitted on worker threads: the same numbers as in this thread, for every kind of row a fit
// carries (mirror twins, training-only views, synthetic rows, rewritten camera groups).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../core/random/index.js';
import type { ViewRow } from './_dataset.js';
import { openFitPool, type FitPool } from './_fits.js';
import { packRows, unpackRows } from './_packed-rows.js';
import { crossValidate, inProcessFits, type FitRunner, type TrainConfig } from './_pipeline.js';
import { proxyCrossValidate } from './_proxy.js';
import { trainHead } from './_train-head.js';

/** Dashcam and web rows with a noisy label in feature 0, each vector a view into one shared buffer. */
function rows(n: number, seed: string): ViewRow[] {
  const rng = createRng(seed);
  const dims = 5;
  const buffer = new Float32Array(n * 2 * dims + 7);
  return Array.from({ length: n }, (_, image) => {
    const label: 0 | 1 = image % 3 === 0 ? 1 : 0;
    const at = (k: number) => {
      const v = buffer.subarray(7 + (2 * image + k) * dims, 7 + (2 * image + k + 1) * dims);
      for (let d = 0; d < dims; d++) v[d] = d === 0 ? rng.normal(label ? 1 : -1, 1.5) : rng.normal();
      return v;
    };
    const group = image % 4 === 0 ? 'tracon-web' : image % 4 === 1 ? 'kitti-road-um' : `mi3-c${image % 5}`;
    return {
      image,
      group,
      label,
      level: image % 4 === 0 ? 'source' : 1,
      x: at(0),
      ...(image % 7 ? { xh: at(1) } : {}),
    };
  });
}

const CONFIG: TrainConfig = {
  model: 'logistic',
  l2: 0.1,
  hidden: 6,
  folds: 4,
  seed: 'fits',
  tta: true,
  trainOnFlips: true,
  targetAccuracy: 0.9,
  maxIter: 60,
};

/** A test that runs `body` with a pool of two fit workers, closed however it ends. */
function poolTest(title: string, body: (pool: FitPool) => Promise<void>): void {
  test(title, { timeout: 120_000 }, async () => {
    const pool = await openFitPool(2);
    try {
      await body(pool);
    } finally {
      await pool.close();
    }
  });
}

test('packRows() copies only the rows, not the buffers their vectors view, and unpacks them whole', () => {
  const data = rows(40, 'pack').map((r, i) => (i === 3 ? { ...r, camera: 'in-car' as const } : r));
  const packed = packRows(data);
  assert.equal(packed.x.length, 40 * 5, 'the shared buffer behind the views is not packed');
  const back = unpackRows(packed);
  assert.deepEqual(
    back.map((r) => ({ ...r, x: [...r.x], xh: r.xh && [...r.xh] })),
    data.map((r) => ({ ...r, x: [...r.x], xh: r.xh && [...r.xh] })),
  );
  assert.throws(() => packRows([data[0]!, { ...data[1]!, x: new Float32Array(4) }]), {
    code: 'ERR_INTERNAL',
  });
  const untwinned = data.map(({ xh: _, ...r }) => r);
  const alone = packRows(untwinned);
  assert.equal(alone.xh.length, 0, 'no mirror-twin buffer when no row has a twin');
  assert.deepEqual(
    unpackRows(alone).map((r) => ({ ...r, x: [...r.x] })),
    untwinned.map((r) => ({ ...r, x: [...r.x] })),
  );
});

poolTest(
  'a fit pool gives the out-of-fold logits of fitting in this thread, for logistic, MLP and trees heads',
  async (pool) => {
    const data = rows(160, 'cv');
    const extraViews = rows(160, 'extra').map((r, i) => ({
      ...r,
      image: data[i]!.image,
      group: data[i]!.group,
    }));
    const synthetic = { rows: rows(30, 'syn').map((r) => ({ ...r, group: 'synth' })), weight: 0.5 };
    for (const model of ['logistic', 'mlp', 'trees'] as const) {
      const config: TrainConfig =
        model === 'trees'
          ? { ...CONFIG, model, extraViews, synthetic, l2: 1, trees: { count: 10, depth: 2, rate: 0.3 } }
          : { ...CONFIG, model, extraViews, synthetic, styleNull: 1 };
      const here = await crossValidate(data, config);
      const there = await crossValidate(data, config, { fits: pool });
      assert.deepEqual(there.fold, here.fold);
      assert.deepEqual(there.logits, here.logits, model);
      // The proxy rewrites groups to cameras and records the kind: that travels too.
      const proxyHere = await proxyCrossValidate(data, { ...config, synthetic: undefined });
      const proxyThere = await proxyCrossValidate(data, { ...config, synthetic: undefined }, { fits: pool });
      assert.deepEqual(proxyThere.p, proxyHere.p, `${model} proxy`);
    }
    // A whole training run with repeated draws: the same head and the same spreads.
    const options = { ...CONFIG, l2: [0.01, 1], repeats: 2, log: () => {}, proxy: { rows: data } };
    const a = await trainHead(data, 'v', options);
    const b = await trainHead(data, 'v', { ...options, fits: pool });
    assert.deepEqual(b.head, a.head);
    assert.deepEqual(b.repeats, a.repeats);
  },
);

poolTest(
  'with one L2 and a pool the proxy fits beside the grouped CV, with the numbers of one after the other',
  async (pool) => {
    const data = rows(160, 'beside');
    let called = 0;
    const counting: FitRunner = {
      size: pool.size,
      fit: (r, c) => {
        called++;
        return pool.fit(r, c);
      },
    };
    let atGroupedLine: number | undefined;
    const log = (line: string) => {
      if (/grouped 4-fold CV/.test(line)) atGroupedLine = called;
    };
    const options = { ...CONFIG, model: 'mlp' as const, l2: [0.1], log, proxy: { rows: data } };
    const beside = await trainHead(data, 'v', { ...options, fits: counting });
    // Four grouped folds; the proxy's fits were handed to the pool before the last of them ended.
    assert.ok(atGroupedLine !== undefined && atGroupedLine > 4, `fits called by then: ${atGroupedLine}`);
    const alone = await trainHead(data, 'v', { ...options, log: () => {} });
    assert.deepEqual(beside.head, alone.head);
    assert.deepEqual(beside.proxy, alone.proxy);
    assert.deepEqual(beside.predictions, alone.predictions);
  },
);

test('in this thread the draws of --repeats run one after another, each logging as it ends', async () => {
  let fitted = 0;
  const counting: FitRunner = {
    size: 1,
    fit: (r, c) => {
      fitted++;
      return inProcessFits.fit(r, c);
    },
  };
  const seen: number[] = [];
  const log = (line: string) => {
    if (/^ {2}draw \d\/3 .*grouped CV/.test(line)) seen.push(fitted);
  };
  await trainHead(rows(80, 'order'), 'v', { ...CONFIG, l2: [0.1], repeats: 3, log, fits: counting });
  // Four folds a draw: draw k's line comes after its own 4·k fits, not after all twelve.
  assert.deepEqual(seen, [4, 8, 12]);
});

test('crossValidate() keeps at most the runner’s size of fits in flight (a conv fit awaits onnxruntime)', async () => {
  const data = rows(80, 'bound');
  for (const size of [1, 2]) {
    let inFlight = 0;
    let most = 0;
    const slow: FitRunner = {
      size,
      async fit(r, c) {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return inProcessFits.fit(r, c);
      },
    };
    const { logits } = await crossValidate(data, CONFIG, { fits: slow });
    assert.equal(most, size);
    // Same folds, same heads: the bound changes the order, never the result.
    assert.deepEqual(logits, (await crossValidate(data, CONFIG)).logits);
  }
});
