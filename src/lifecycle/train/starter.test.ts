// The shipped starter model: its cascade config loads, its answer is the head's TTA answer, it sees real photos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createCascadePredictor, loadCascadeConfig } from '../../inference/cascade/index.js';
import { loadHead } from '../../inference/heads/index.js';
import { augmentImage } from '../../validation/validator/index.js';
import { createRng } from '../../core/random/index.js';
import { decodeRgb } from '../../inference/image/index.js';
import { openImageFolder } from '../../data/sources/index.js';
import { auc } from './_metrics.js';
import { assertServesHeadWithFlipTta, OFFLINE_RUNTIME, testScene } from './_test-tta-check.js';
import { photosMissing, requirement } from '../../../test/fixtures/requirements.js';

const STARTER = fileURLToPath(new URL('../../../models/starter/', import.meta.url));

test(
  'the starter cascade serves the starter head with hflip TTA on the tfjs MobileNetV2',
  { timeout: 120_000 },
  async () => {
    const head = await loadHead(`${STARTER}head.json`);
    const config = await loadCascadeConfig(`${STARTER}cascade.yaml`);
    await assertServesHeadWithFlipTta(config, head, testScene('starter'));
  },
);

const REAL = fileURLToPath(new URL('../../../../shared/data/roadwork-real-train/', import.meta.url));

test(
  'the starter cascade tells the real roadwork photos it was trained on from the others (validator views)',
  {
    timeout: 180_000,
    skip: requirement(photosMissing(REAL)),
  },
  async () => {
    // Training photos, so this is no measure of generalisation: it fails when serving stops seeing
    // what training saw (decode, colour order, resizing, the features or the head drifting apart).
    const source = await openImageFolder(REAL);
    const pick = (label: 0 | 1) => source.images.filter((i) => i.label === label).slice(0, 16);
    const config = await loadCascadeConfig(`${STARTER}cascade.yaml`);
    const predictor = createCascadePredictor(config, {
      runtime: OFFLINE_RUNTIME,
      logger: OFFLINE_RUNTIME.logger,
    });
    await predictor.start();
    try {
      const p: number[] = [];
      const y: number[] = [];
      for (const img of [...pick(1), ...pick(0)]) {
        const aug = await augmentImage(await img.load(), createRng(`starter-test|${img.id}`), { level: 0 });
        const answer = await predictor.predict(await decodeRgb(aug.jpeg), {
          deadlineMs: Date.now() + 60_000,
        });
        p.push(answer.probability);
        y.push(img.label);
      }
      const accuracy = p.filter((v, i) => (v > 0.5 ? 1 : 0) === y[i]).length / p.length;
      assert.ok(accuracy >= 0.8, `accuracy ${accuracy} on ${p.length} training photos`);
      assert.ok(auc(p, y) >= 0.9, `AUC ${auc(p, y)}`);
    } finally {
      await predictor.close();
    }
  },
);
