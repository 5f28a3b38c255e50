// A detector stage on the real COCO CenterNet (tfjs runtime, builtin:centernet), end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeImage } from '../image/index.js';
import { loadModel } from '../runtimes/index.js';
import { solidImage } from '../../../test/fixtures/onnx-models.js';
import { createCascadePredictor, parseCascadeConfig, type CascadeStageResult } from './index.js';
import { runtimeContext, silent } from './_test-support.js';

const require = createRequire(import.meta.url);
const soon = () => ({ deadlineMs: Date.now() + 60_000 });
const centernet = { runtime: 'tfjs', model: 'builtin:centernet' };

test(
  'a detector stage on builtin:centernet counts COCO people as workers and exits on the agreement rule',
  { timeout: 120_000 },
  async () => {
    const file = join(dirname(require.resolve('@vladmandic/human')), '..', 'assets', 'samples.jpg');
    const photo = await decodeImage(await readFile(file));
    const config = parseCascadeConfig(
      {
        stages: [
          {
            name: 'coco',
            kind: 'detector',
            detectors: [centernet],
            objects: { worker: ['person'], machinery: ['truck', 'bus'], sign: ['stop sign'] },
            min_score: 0.3,
            rule: { negative_max: 0, positive_min: 3 },
          },
        ],
      },
      { baseDir: '.' },
    );
    const cascade = createCascadePredictor(config, { runtime: runtimeContext, logger: silent });
    await cascade.start();
    const direct = await loadModel('detector', centernet, runtimeContext);
    try {
      const people = (await direct.detect(photo, soon())).filter(
        (d) => d.label === 'person' && d.score >= 0.3,
      ).length;
      assert.ok(people >= 3, `people ${people}`);
      const answer = await cascade.predict(photo, soon());
      const stage = firstStage(answer);
      assert.equal(stage.stage, 'coco');
      assert.deepEqual(stage.detail, { counts: [{ worker: people }], totals: [people] });
      assert.equal(stage.exit, 'positive');
      // p = σ(bias + slope · mean count) with the default map (−2, 1.2).
      assert.ok(Math.abs(answer.probability - 1 / (1 + Math.exp(2 - 1.2 * people))) < 1e-9);

      const grey = firstStage(await cascade.predict(solidImage(320, [128, 128, 128]), soon()));
      assert.deepEqual([grey.exit, grey.detail], ['negative', { counts: [{}], totals: [0] }]);
    } finally {
      await Promise.all([cascade.close(), direct.close()]);
    }
  },
);

function firstStage(answer: { stages?: readonly unknown[] }): CascadeStageResult {
  return (answer.stages ?? [])[0] as CascadeStageResult;
}
