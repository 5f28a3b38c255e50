// A cascade file whose stages are served by a KServe v2 server (the local test server running the
// same ONNX files) answers what the same cascade answers in-process; a served stage whose server
// goes away is skipped, and the in-process stage still answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { createCascadePredictor, loadCascadeConfig } from '../src/inference/cascade/index.js';
import type { CascadeStageResult } from '../src/inference/cascade/index.js';
import { startV2Server } from '../src/inference/runtimes/kserve/_test-v2-server.js';
import { testContext, withDir } from '../src/inference/runtimes/_test-context.js';
import { linearImageModel, poolEmbedderModel, splitImage } from './fixtures/onnx-models.js';

const RAW32 = '{ size: 32, mean: [0, 0, 0], std: [1, 1, 1] }';
const MODELS = {
  mean: poolEmbedderModel({ size: 32 }),
  classifier: linearImageModel({ inputSize: 32, grid: 1, weights: [2, -1, -1], bias: 0.2 }),
};
const HEAD = {
  format: 'roadwork-head',
  version: 1,
  type: 'logistic',
  inputDims: 3,
  layers: [{ weights: [[6, -1, -2]], bias: [-1.5], activation: 'none' }],
  temperature: 1,
  shift: 0,
};

/** One cascade file: a backbone-head stage and a classifier stage, each on `backbone` / `classifier`. */
function cascadeYaml(backbone: string, classifier: string): string {
  return [
    'tta: [identity, hflip]',
    'stages:',
    '  - name: backbone',
    '    kind: backbone-head',
    `    embedder: ${backbone}`,
    '    head: ./head.json',
    '    exit: false',
    '  - name: classifier',
    '    kind: classifier',
    `    ${classifier}`,
    '',
  ].join('\n');
}

async function predictor(dir: string, file: string, yaml: string) {
  await writeFile(join(dir, file), yaml);
  const cascade = createCascadePredictor(await loadCascadeConfig(join(dir, file)), {
    runtime: testContext(1),
    logger: pino({ level: 'silent' }),
  });
  await cascade.start();
  return cascade;
}

const stagesOf = (p: { stages?: readonly unknown[] }) => (p.stages ?? []) as CascadeStageResult[];

test(
  'a cascade with kserve stages answers what the same cascade answers in-process',
  { timeout: 90_000 },
  () =>
    withDir(async (dir) => {
      await Promise.all([
        writeFile(join(dir, 'mean.onnx'), MODELS.mean),
        writeFile(join(dir, 'classifier.onnx'), MODELS.classifier),
        writeFile(join(dir, 'head.json'), JSON.stringify(HEAD)),
      ]);
      const server = await startV2Server(MODELS);
      const served = await predictor(
        dir,
        'served.yaml',
        cascadeYaml(
          `{ runtime: kserve, model: "${server.url}#mean", options: ${RAW32} }`,
          `runtime: kserve\n    model: "${server.url}#classifier"\n    options: ${RAW32}`,
        ),
      );
      const local = await predictor(
        dir,
        'local.yaml',
        cascadeYaml(
          `{ model: ./mean.onnx, options: ${RAW32} }`,
          `model: ./classifier.onnx\n    options: ${RAW32}`,
        ),
      );
      const mixed = await predictor(
        dir,
        'mixed.yaml',
        cascadeYaml(
          `{ model: ./mean.onnx, options: ${RAW32} }`,
          `runtime: kserve\n    model: "${server.url}#classifier"\n    options: ${RAW32}`,
        ),
      );
      try {
        const soon = () => ({ deadlineMs: Date.now() + 10_000 });
        const images = [
          splitImage(224, [230, 120, 20], [90, 90, 90]),
          splitImage(224, [20, 60, 200], [200, 200, 40]),
        ];
        for (const image of images) {
          const [a, b] = [await served.predict(image, soon()), await local.predict(image, soon())];
          assert.ok(Math.abs(a.probability - b.probability) < 1e-6, `${a.probability} vs ${b.probability}`);
          assert.deepEqual(
            stagesOf(a).map((s) => [s.stage, s.skipped]),
            [
              ['backbone', undefined],
              ['classifier', undefined],
            ],
          );
          stagesOf(a).forEach((s, i) =>
            assert.ok(Math.abs(s.probability! - stagesOf(b)[i]!.probability!) < 1e-6),
          );
        }
        // Two stages, two views, two images, all served: the backbone's views as one micro-batch.
        assert.equal(
          server.infers.reduce((n, r) => n + r.shape[0]!, 0),
          2 * 2 * 2,
        );
        assert.ok(server.infers.some((r) => r.model === 'mean' && r.shape[0] === 2));
        assert.notEqual(served.version(), local.version(), 'the served models are other versions');

        // The server goes away: the served stage is skipped with its error, the in-process one answers.
        await server.close();
        const alone = await mixed.predict(images[0]!, soon());
        const classifier = stagesOf(alone).find((s) => s.stage === 'classifier');
        assert.equal(classifier?.skipped, 'error');
        assert.match(classifier?.error ?? '', /cannot be reached/);
        const backbone = stagesOf(await local.predict(images[0]!, soon())).find(
          (s) => s.stage === 'backbone',
        );
        assert.ok(Math.abs(alone.probability - backbone!.probability!) < 1e-6);
      } finally {
        await Promise.all([
          served.close(),
          local.close(),
          mixed.close(),
          server.close().catch(() => undefined),
        ]);
      }
    }),
);
