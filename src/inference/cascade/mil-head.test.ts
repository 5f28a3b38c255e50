// A backbone-head stage serves a MIL head on the real MobileNetV2's cells, as the head file computes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headProbability, parseHead } from '../heads/index.js';
import { loadTfjsEmbedder } from '../runtimes/tfjs/index.js';
import { generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { createCascadePredictor, parseCascadeConfig } from './index.js';
import { runtimeContext, silent } from './_test-support.js';

const OPTIONS = { layer: 'out_relu', pooling: 'cells', inputSize: 128, extras: ['colour-shape'] };

test(
  'a mil head.json is served by a backbone-head stage on tfjs cells, with its own score',
  { timeout: 240_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mil-head-'));
    try {
      const embedder = await loadTfjsEmbedder(
        { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: OPTIONS },
        runtimeContext,
      );
      const scenes = ['mil-a', 'mil-b'].map((seed, i) => {
        const s = generateScene(createRng(seed), { roadwork: i === 0, width: 256, height: 192 });
        return { width: s.width, height: s.height, data: s.rgb };
      });
      let embeddings: Float32Array[];
      let version: string;
      try {
        embeddings = await embedder.embed(scenes, { deadlineMs: Date.now() + 60_000 });
        version = embedder.version;
      } finally {
        await embedder.close();
      }
      const cells = 16;
      const tail = embeddings[0]!.length - cells * 1280;
      assert.ok(tail > 0, 'the colour/shape features follow the cells');
      const rng = createRng('mil-weights');
      const head = parseHead({
        format: 'roadwork-head',
        version: 2,
        type: 'mil',
        inputDims: embeddings[0]!.length,
        mil: { cells, cellDims: 1280, pooling: 'lse', sharpness: 3 },
        layers: [
          {
            weights: [Array.from({ length: 1280 + tail }, () => rng.normal(0, 0.05))],
            bias: [-0.2],
            activation: 'none',
          },
        ],
        temperature: 1.5,
        shift: 0.1,
        embedder: version,
      });
      await writeFile(join(dir, 'head.json'), JSON.stringify(head));
      const cascade = createCascadePredictor(
        parseCascadeConfig(
          {
            stages: [
              {
                kind: 'backbone-head',
                embedder: { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: OPTIONS },
                head: 'head.json',
              },
            ],
          },
          { baseDir: dir },
        ),
        { runtime: runtimeContext, logger: silent },
      );
      await cascade.start();
      try {
        const answers = await Promise.all(
          scenes.map((s) => cascade.predict(s, { deadlineMs: Date.now() + 60_000 })),
        );
        answers.forEach((a, i) => {
          const want = headProbability(head, embeddings[i]!);
          assert.ok(Math.abs(a.probability - want) < 1e-5, `scene ${i}: ${a.probability} vs ${want}`);
        });
        assert.notEqual(answers[0]!.probability, answers[1]!.probability);
      } finally {
        await cascade.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
