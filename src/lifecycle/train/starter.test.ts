// The shipped starter model: its cascade config loads, its answer is the head's TTA answer, it sees real photos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import {
  createCascadePredictor,
  loadCascadeConfig,
  type CascadeStageResult,
  type Prediction,
  type Predictor,
} from '../../inference/cascade/index.js';
import { loadHead } from '../../inference/heads/index.js';
import { augmentImage } from '../../validation/validator/index.js';
import { createRng } from '../../core/random/index.js';
import {
  decodeImage,
  decodeRgb,
  encodeJpeg,
  inputPolicy,
  type RgbImage,
} from '../../inference/image/index.js';
import { generateScene } from '../../data/procedural/index.js';
import { openImageFolder } from '../../data/sources/index.js';
import { auc } from './_metrics.js';
import { assertServesHeadWithFlipTta, OFFLINE_RUNTIME, testScene } from './_test-tta-check.js';
import { photosMissing, requirement } from '../../../test/fixtures/requirements.js';
import { STARTER_04_HEADS, STARTER_204_HEADS } from '../../../test/fixtures/starter-heads.js';

const STARTER = fileURLToPath(new URL('../../../models/starter/', import.meta.url));

test(
  'the starter cascade serves its fifteen 2.0.4 heads as one with hflip TTA on the tfjs MobileNetV2, max-pooled at 448 px',
  { timeout: 120_000 },
  async () => {
    // The mean of the fifteen heads' calibrated logits (three recipes at seeds train, s2…s5), then of
    // the two views; the colour/shape heads are written for the whole embedding.
    const head = await Promise.all(STARTER_204_HEADS.map((f) => loadHead(`${STARTER}${f}`)));
    const config = await loadCascadeConfig(`${STARTER}cascade.yaml`);
    await assertServesHeadWithFlipTta(config, head, testScene('starter'), {
      embedders: [
        {
          runtime: 'tfjs',
          model: 'builtin:mobilenetv2',
          options: { layer: 'out_relu', pooling: 'max', inputSize: 448, extras: ['colour-shape'] },
        },
      ],
    });
  },
);

test(
  'the starter routes source-size images to its eight 0.4 heads on three 448 px tiles of the whole frame, max-pooled, with hflip TTA',
  { timeout: 180_000 },
  async () => {
    // The mean of the eight heads' calibrated logits (three MLPs, five colour/shape heads), then of
    // the two views.
    const head = await Promise.all(STARTER_04_HEADS.map((f) => loadHead(`${STARTER}${f}`)));
    const config = await loadCascadeConfig(`${STARTER}cascade.yaml`);
    assert.deepEqual(
      config.routes?.map((r) => [r.maxSide, r.config.preprocess.size, r.config.preprocess.resize]),
      [
        [256, 224, 'center-crop'],
        [Infinity, 448, 'short-side'],
      ],
    );
    const s = generateScene(createRng('starter-448'), { roadwork: true, width: 796, height: 448 });
    // As the decoder hands over a 1920×1080 protocol-0.4 photo under the route's short-side policy.
    const image = { width: 796, height: 448, data: s.rgb, source: { width: 1920, height: 1080 } };
    await assertServesHeadWithFlipTta(config, head, image, {
      embedders: [
        {
          runtime: 'tfjs',
          model: 'builtin:mobilenetv2',
          options: { layer: 'out_relu', pooling: 'max', inputSize: 448, tiles: 3, extras: ['colour-shape'] },
        },
      ],
    });
  },
);

/** The shipped starter cascade, offline, started. */
async function startedStarter(): Promise<Predictor> {
  const config = await loadCascadeConfig(`${STARTER}cascade.yaml`);
  const predictor = createCascadePredictor(config, {
    runtime: OFFLINE_RUNTIME,
    logger: OFFLINE_RUNTIME.logger,
  });
  await predictor.start();
  return predictor;
}

test(
  'the starter reads a ROAD / CLOSED sign in a 1920×1080 photo of an ordinary road and raises its answer',
  { timeout: 180_000 },
  async () => {
    // A procedural road without roadwork objects, a two-line sign drawn on it, sent as 0.4 sends it.
    const scene = generateScene(createRng('starter-signs'), { roadwork: false, width: 1920, height: 1080 });
    const sign = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="240"><rect width="360" height="240" fill="white" stroke="black" stroke-width="8"/>' +
        '<text x="180" y="105" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="72" text-anchor="middle">ROAD</text>' +
        '<text x="180" y="195" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="72" text-anchor="middle">CLOSED</text></svg>',
    );
    const photo = await sharp(Buffer.from(scene.rgb), { raw: { width: 1920, height: 1080, channels: 3 } })
      .composite([{ input: sign, left: 1300, top: 380 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    const predictor = await startedStarter();
    try {
      const ask = async (jpeg: Buffer) =>
        predictor.predict(await decodeImage(jpeg, { policy: inputPolicy(predictor) }), {
          deadlineMs: Date.now() + 60_000,
        });
      const plain = await ask(
        await encodeJpeg({ data: scene.rgb, width: 1920, height: 1080 }, { quality: 90 }),
      );
      const signed = await ask(photo);
      const stages = (answer: Prediction) => answer.stages as readonly CascadeStageResult[];
      // Without the sign: text-free, so the answer is the head's alone.
      assert.deepEqual(
        stages(plain).map((st) => [st.stage, st.probability === undefined]),
        [
          ['starter-448', false],
          ['signs', true],
        ],
      );
      assert.equal(plain.probability, stages(plain)[0]!.probability);
      // With it: the sign is read as one, and adds the stage's 3 in log-odds to the head's answer.
      const [head, signs] = stages(signed);
      assert.ok((signs?.detail?.keywords as string[]).includes('ROAD CLOSED'), JSON.stringify(signs));
      const logit = (p: number) => Math.log(p / (1 - p));
      assert.ok(
        Math.abs(logit(signed.probability) - logit(head!.probability!) - 3) < 1e-6,
        JSON.stringify(stages(signed)),
      );
    } finally {
      await predictor.close();
    }
  },
);

const REAL = fileURLToPath(new URL('../../../../shared/data/roadwork-real-train/', import.meta.url));

/**
 * Runs 16 roadwork and 16 other training photos through the starter as `prepare` makes each request
 * image, and asserts it tells them apart. Training photos, so this is no measure of generalisation:
 * it fails when serving stops seeing what training saw (decode, colour order, resizing, the features
 * or the head drifting apart).
 */
async function assertSeparatesTrainingPhotos(
  prepare: (bytes: Buffer, id: string, predictor: Predictor) => Promise<RgbImage>,
  check: (answer: Prediction, image: RgbImage, id: string) => void = () => undefined,
): Promise<void> {
  const source = await openImageFolder(REAL);
  const pick = (label: 0 | 1) => source.images.filter((i) => i.label === label).slice(0, 16);
  const predictor = await startedStarter();
  try {
    const p: number[] = [];
    const y: number[] = [];
    for (const img of [...pick(1), ...pick(0)]) {
      const image = await prepare(await img.load(), img.id, predictor);
      const answer = await predictor.predict(image, { deadlineMs: Date.now() + 60_000 });
      check(answer, image, img.id);
      p.push(answer.probability);
      y.push(img.label);
    }
    const accuracy = p.filter((v, i) => (v > 0.5 ? 1 : 0) === y[i]).length / p.length;
    assert.ok(accuracy >= 0.8, `accuracy ${accuracy} on ${p.length} training photos`);
    assert.ok(auc(p, y) >= 0.9, `AUC ${auc(p, y)}`);
  } finally {
    await predictor.close();
  }
}

test(
  'the starter cascade tells the real roadwork photos it was trained on from the others (validator views)',
  { timeout: 180_000, skip: requirement(photosMissing(REAL)) },
  async () => {
    // Protocol 2.0.4's level-0 view, a 224² JPEG: the 224 px route.
    await assertSeparatesTrainingPhotos(async (bytes, id) => {
      const aug = await augmentImage(bytes, createRng(`starter-test|${id}`), { level: 0 });
      return decodeRgb(aug.jpeg);
    });
  },
);

test(
  'the starter tells the real roadwork photos it was trained on from the others at source size (protocol 0.4)',
  { timeout: 300_000, skip: requirement(photosMissing(REAL)) },
  async () => {
    // Protocol 0.4 sends the photo itself: decoded the way the axon does, it takes the 448 px route.
    let routed = 0;
    await assertSeparatesTrainingPhotos(
      (bytes, _id, predictor) => decodeImage(bytes, { policy: inputPolicy(predictor) }),
      (answer, image, id) => {
        const side = Math.max(image.source!.width, image.source!.height);
        // On the 448 px route the signs are read unless the head is sure of roadwork (its exit).
        const sure = (answer.stages?.[0] as CascadeStageResult | undefined)?.exit === 'positive';
        const expected = side <= 256 ? ['starter'] : sure ? ['starter-448'] : ['starter-448', 'signs'];
        assert.deepEqual(
          answer.stages?.map((st) => st.stage),
          expected,
          `${id} (${image.source?.width}×${image.source?.height})`,
        );
        if (side > 256) routed++;
      },
    );
    assert.ok(routed >= 24, `${routed} of 32 photos took the 448 px route`);
  },
);
