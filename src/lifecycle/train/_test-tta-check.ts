// Test fixture: a backbone-head cascade must answer exactly what its head gives with hflip TTA.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createCascadePredictor, type CascadeConfig } from '../../inference/cascade/index.js';
import { calibratedLogit, headLogit, sigmoid, type Head } from '../../inference/heads/index.js';
import type { RgbImage } from '../../inference/image/index.js';
import { loadEmbedders, type ModelRef, type RuntimeContext } from '../../inference/runtimes/index.js';
import { generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { flipHorizontal } from '../../validation/validator/index.js';

/** An offline runtime context for tests (nothing is downloaded). */
export const OFFLINE_RUNTIME: RuntimeContext = Object.freeze({
  cacheDir: '/nonexistent',
  offline: true,
  device: 'cpu',
  workers: 1,
  logger: pino({ level: 'silent' }),
});

/** A 224×224 roadwork scene. */
export function testScene(seed: string): RgbImage {
  const s = generateScene(createRng(seed), { roadwork: true, width: 224, height: 224 });
  return { width: s.width, height: s.height, data: s.rgb };
}

/** The starter's backbone: MobileNetV2 with the colour/shape features. */
const STARTER_EMBEDDERS: readonly ModelRef[] = [
  { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { extras: ['colour-shape'] } },
];

/**
 * Asserts that `config` (a cascade on `embedders`, default the starter's) answers `image` with the
 * mean calibrated logit of the image and its mirror through `head` (or the mean over a list of heads,
 * an ensemble), and that the embedder is the one each head names.
 */
export async function assertServesHeadWithFlipTta(
  config: CascadeConfig,
  head: Head | readonly Head[],
  image: RgbImage,
  options: { embedders?: readonly ModelRef[] } = {},
): Promise<void> {
  const embedder = await loadEmbedders(options.embedders ?? STARTER_EMBEDDERS, OFFLINE_RUNTIME);
  let expected: number;
  try {
    const heads = Array.isArray(head) ? (head as readonly Head[]) : [head as Head];
    for (const h of heads) if (h.embedder !== undefined) assert.equal(embedder.version, h.embedder);
    const views = await embedder.embed([image, flipHorizontal(image)], { deadlineMs: Date.now() + 60_000 });
    // Per view the mean of the heads' calibrated logits (an ensemble), then the mean of the two views.
    const logit = (e: Float32Array) =>
      heads.reduce((sum, h) => sum + calibratedLogit(h, headLogit(h, e)), 0) / heads.length;
    expected = sigmoid((logit(views[0]!) + logit(views[1]!)) / 2);
  } finally {
    await embedder.close();
  }
  const predictor = createCascadePredictor(config, {
    runtime: OFFLINE_RUNTIME,
    logger: OFFLINE_RUNTIME.logger,
  });
  await predictor.start();
  try {
    const answer = await predictor.predict(image, { deadlineMs: Date.now() + 60_000 });
    assert.ok(Math.abs(answer.probability - expected) < 1e-5, `${answer.probability} vs ${expected}`);
  } finally {
    await predictor.close();
  }
}
