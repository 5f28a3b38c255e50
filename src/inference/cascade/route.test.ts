// Routed cascades: one cascade per source-image size, each image decoded the way its route was trained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { isRoadworkError } from '../../core/errors/index.js';
import { decodeImage, inputPolicy, policyFor } from '../image/index.js';
import { createCascadePredictor, parseCascadeConfig, type CascadeStageResult } from './index.js';
import { logisticHead, modelFolder, RAW16, runtimeContext, silent } from './_test-support.js';

const soon = () => ({ deadlineMs: Date.now() + 10_000 });
const stagesOf = (p: { stages?: readonly unknown[] }) => (p.stages ?? []) as CascadeStageResult[];
const redJpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 230, g: 20, b: 20 } } })
    .jpeg({ quality: 95 })
    .toBuffer();

// Two routes on the same embedder with opposite heads: which one answered shows in p and in the stages.
const ROUTED = {
  version: 'routed-test',
  routes: [
    {
      max_side: 256,
      preprocess: { size: 16 },
      stages: [
        {
          name: 'small',
          kind: 'backbone-head',
          embedder: { model: 'mean.onnx', options: RAW16 },
          head: 'red.json',
          exit: false,
        },
      ],
    },
    {
      preprocess: { size: 32, kernel: 'cubic' },
      stages: [
        {
          name: 'large',
          kind: 'backbone-head',
          embedder: { model: 'mean.onnx', options: RAW16 },
          head: 'not-red.json',
          exit: false,
        },
      ],
    },
  ],
};

test('a routed config parses each route as a whole cascade, and refuses ambiguous routes', () => {
  const config = parseCascadeConfig(ROUTED, { baseDir: '/models' });
  assert.deepEqual(
    config.routes?.map((r) => [
      r.maxSide,
      r.config.preprocess.size,
      r.config.stages.map((s) => s.common.name),
    ]),
    [
      [256, 16, ['small']],
      [Infinity, 32, ['large']],
    ],
  );
  assert.deepEqual(
    config.stages.map((s) => s.common.name),
    ['small', 'large'],
    'every route’s stages, for listing',
  );
  const refused = (raw: object, message: RegExp) =>
    assert.throws(
      () => parseCascadeConfig(raw),
      (e: unknown) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && message.test(e.message),
    );
  const [small, large] = ROUTED.routes as [(typeof ROUTED.routes)[0], (typeof ROUTED.routes)[1]];
  refused({ routes: [small] }, /at least two routes/);
  refused({ routes: [{ ...small, max_side: undefined }, large] }, /routes\[0\]\.max_side/);
  refused({ routes: [small, { ...large, max_side: 4000 }] }, /last route/);
  refused({ routes: [small, { ...small, max_side: 128 }, large] }, /routes\[1\]\.max_side.*\[257,/);
  refused(
    { routes: [small, { ...large, stages: small.stages }] },
    /repeat a stage name across routes: "small"/,
  );
  refused({ routes: [small, large], stages: [] }, /stages.*not a known key/);
});

test(
  'each image is decoded with its route’s policy and answered by its route; versions cover both routes',
  { timeout: 60_000 },
  async () => {
    const { dir, remove } = await modelFolder();
    await writeFile(join(dir, 'not-red.json'), JSON.stringify(logisticHead([-8, 0, 0], 4)));
    const cascade = createCascadePredictor(parseCascadeConfig(ROUTED, { baseDir: dir }), {
      runtime: runtimeContext,
      logger: silent,
    });
    await cascade.start();
    try {
      const policy = inputPolicy(cascade);
      assert.deepEqual(policyFor(policy, 224, 224).size, 16);
      assert.deepEqual(policyFor(policy, 1920, 1080), { size: 32, resize: 'center-crop', kernel: 'cubic' });
      // 2.0.4's 224² challenge takes the small route, a 0.4 source-size photo the large one.
      const small = await decodeImage(await redJpeg(224, 224), { policy });
      const large = await decodeImage(await redJpeg(640, 480), { policy });
      assert.deepEqual([small.width, small.source], [16, { width: 224, height: 224 }]);
      assert.deepEqual([large.width, large.source], [32, { width: 640, height: 480 }]);
      const a = await cascade.predict(small, soon());
      const b = await cascade.predict(large, soon());
      assert.deepEqual(
        stagesOf(a).map((s) => s.stage),
        ['small'],
      );
      assert.deepEqual(
        stagesOf(b).map((s) => s.stage),
        ['large'],
      );
      assert.ok(a.probability > 0.9 && b.probability < 0.1, `${a.probability} / ${b.probability}`);
      assert.equal(a.modelVersion, cascade.version());
      assert.equal(b.modelVersion, cascade.version());
      assert.match(cascade.version()!, /^cascade:[0-9a-f]{12}$/);
      // An image made in memory (no source size) routes by its own size.
      const inMemory = await cascade.predict({ ...large, source: undefined } as typeof large, soon());
      assert.deepEqual(
        stagesOf(inMemory).map((s) => s.stage),
        ['small'],
        '32 px ≤ 256: the small route',
      );
      assert.match(
        cascade.status().detail ?? '',
        /≤256 px: 1 stage\(s\): small.*larger: 1 stage\(s\): large/,
      );
      assert.equal(cascade.status().ready, true);
    } finally {
      await cascade.close();
      await remove();
    }
    assert.equal(cascade.status().ready, false);
  },
);
