// The shipped starter model: its cascade config loads, and the cascade's answer is the head's TTA answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createCascadePredictor, loadCascadeConfig } from '../cascade/index.js';
import { calibratedLogit, headLogit, loadHead, sigmoid } from '../heads/index.js';
import { loadModel } from '../runtimes/index.js';
import { generateScene } from '../synth/index.js';
import { createRng, flipHorizontal } from '../validator/index.js';

const STARTER = fileURLToPath(new URL('../../models/starter/', import.meta.url));

test(
  'the starter cascade serves the starter head with hflip TTA on the tfjs MobileNetV2',
  { timeout: 120_000 },
  async () => {
    const runtime = {
      cacheDir: '/nonexistent',
      offline: true,
      device: 'cpu' as const,
      workers: 1,
      logger: pino({ level: 'silent' }),
    };
    const head = await loadHead(`${STARTER}head.json`);
    const s = generateScene(createRng('starter'), { roadwork: true, width: 224, height: 224 });
    const image = { width: s.width, height: s.height, data: s.rgb };

    const embedder = await loadModel(
      'embedder',
      { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { extras: ['colour-shape'] } },
      runtime,
    );
    let expected: number;
    try {
      assert.equal(embedder.version, head.embedder);
      const [a, b] = await embedder.embed([image, flipHorizontal(image)], {
        deadlineMs: Date.now() + 60_000,
      });
      expected = sigmoid(
        (calibratedLogit(head, headLogit(head, a!)) + calibratedLogit(head, headLogit(head, b!))) / 2,
      );
    } finally {
      await embedder.close();
    }

    const config = await loadCascadeConfig(`${STARTER}cascade.yaml`);
    const predictor = createCascadePredictor(config, { runtime, logger: runtime.logger });
    await predictor.start();
    try {
      const answer = await predictor.predict(image, { deadlineMs: Date.now() + 60_000 });
      assert.ok(Math.abs(answer.probability - expected) < 1e-5, `${answer.probability} vs ${expected}`);
    } finally {
      await predictor.close();
    }
  },
);
