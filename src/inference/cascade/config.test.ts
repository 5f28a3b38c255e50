// Cascade config validation: errors name the path in the file and list the valid names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import {
  defaultCascadeConfig,
  loadCascadeConfig,
  parseCascadeConfig,
  type BackboneHeadConfig,
} from './index.js';
import { fileURLToPath } from 'node:url';
import { STARTER_04_HEADS, STARTER_204_HEADS } from '../../../test/fixtures/starter-heads.js';

const STARTER_DIR = fileURLToPath(new URL('../../../models/starter/', import.meta.url));

const invalid = (pattern: RegExp) => (err: unknown) =>
  isRoadworkError(err, 'ERR_CONFIG_INVALID') && pattern.test(err.message);

test('parseCascadeConfig() rejects an unknown stage kind, listing the valid kinds', () => {
  assert.throws(
    () => parseCascadeConfig({ stages: [{ kind: 'magic' }] }),
    invalid(
      /stages\[0\]\.kind is not a stage kind: "magic"; valid kinds are classifier, backbone-head, detector, vlm, ocr/,
    ),
  );
});

test('parseCascadeConfig() names the nested path of a missing detector model', () => {
  const raw = {
    stages: [
      { kind: 'classifier', model: 'a.onnx' },
      { kind: 'detector', detectors: [{ runtime: 'onnx' }] },
    ],
  };
  assert.throws(() => parseCascadeConfig(raw), invalid(/stages\[1\]\.detectors\[0\]\.model is required/));
});

test('parseCascadeConfig() reads a backbone-head embedder as one mapping or a list, naming a bad entry', () => {
  const stage = (embedder: unknown) => ({
    stages: [{ kind: 'backbone-head', embedder, head: '/m/head.json' }],
  });
  const one = parseCascadeConfig(stage({ runtime: 'tfjs', model: 'builtin:mobilenetv2' }));
  assert.deepEqual((one.stages[0]!.config as { embedders: unknown[] }).embedders, [
    { runtime: 'tfjs', model: 'builtin:mobilenetv2' },
  ]);
  const two = parseCascadeConfig(
    stage([
      { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { extras: ['colour-shape'] } },
      { runtime: 'tfjs', model: 'builtin:inceptionv3' },
    ]),
  );
  assert.deepEqual(
    (two.stages[0]!.config as { embedders: { model: string }[] }).embedders.map((e) => e.model),
    ['builtin:mobilenetv2', 'builtin:inceptionv3'],
  );
  // `roadwork models pull` fetches each backbone of the list.
  const [listed] = two.stages;
  assert.deepEqual(
    listed!.kind.models(listed!.config as never).map((m) => [m.role, m.model]),
    [
      ['embedder', 'builtin:mobilenetv2'],
      ['embedder.1', 'builtin:inceptionv3'],
      ['head', '/m/head.json'],
    ],
  );
  assert.throws(
    () => parseCascadeConfig(stage([{ runtime: 'tfjs', model: 'builtin:mobilenetv2' }, { runtime: 'tfjs' }])),
    invalid(/stages\[0\]\.embedder\[1\]\.model is required/),
  );
});

test('parseCascadeConfig() refuses short-side frames for a model that would squash them, in any route', () => {
  const preprocess = { size: 448, resize: 'short-side' };
  const headStage = (options?: object) => ({
    name: 'b',
    kind: 'backbone-head',
    embedder: { runtime: 'tfjs', model: 'builtin:mobilenetv2', ...(options ? { options } : {}) },
    head: '/m/head.json',
  });
  assert.throws(
    () => parseCascadeConfig({ preprocess, stages: [headStage({ inputSize: 448 })] }),
    invalid(
      /stages\[0\] squashes the frame: its embedder tfjs:builtin:mobilenetv2 resizes the whole image to a square, but preprocess\.resize short-side keeps the frame's shape; give it tiles where its runtime has them/,
    ),
  );
  // An ONNX classifier squashes too; the route's path is named.
  const routed = {
    routes: [
      { max_side: 256, stages: [headStage()] },
      { preprocess, stages: [{ name: 'c', kind: 'classifier', model: '/m/c.onnx' }] },
    ],
  };
  assert.throws(
    () => parseCascadeConfig(routed),
    invalid(/stages\[0\] squashes the frame: its classifier onnx:.*fix \(inline\)#routes\[1\]/),
  );
  // Tiles keep the shape, a detector takes any frame, and other resize modes square the frame first.
  const fine = [
    { preprocess, stages: [headStage({ inputSize: 448, tiles: 3 })] },
    {
      preprocess,
      stages: [{ kind: 'detector', detectors: [{ runtime: 'tfjs', model: 'builtin:centernet' }] }],
    },
    { preprocess: { ...preprocess, resize: 'center-crop' }, stages: [headStage()] },
  ];
  for (const raw of fine) assert.doesNotThrow(() => parseCascadeConfig(raw));
});

test('parseCascadeConfig() rejects unknown keys, bad views, bad thresholds, bad fusion and duplicate names', () => {
  const one = (extra: object) => ({ stages: [{ kind: 'classifier', model: 'a.onnx', ...extra }] });
  assert.throws(
    () => parseCascadeConfig(one({ modle: 1 })),
    invalid(/stages\[0\]\.modle is not a known key; valid keys are name, kind/),
  );
  assert.throws(
    () => parseCascadeConfig({ ...one({}), tta: ['identity', 'rotate'] }),
    invalid(/tta\[1\] is not a view: "rotate"/),
  );
  assert.throws(
    () => parseCascadeConfig(one({ exit: { high: 0.2, low: 0.8 } })),
    invalid(/stages\[0\]\.exit low must be below high/),
  );
  assert.throws(
    () => parseCascadeConfig(one({ exit: { high: 0.9, low: 'maybe' } })),
    invalid(
      /stages\[0\]\.exit\.low must be a number in \[-1, 1\], or false for no exit on that side: "maybe"/,
    ),
  );
  assert.throws(
    () => parseCascadeConfig({ ...one({}), fusion: { method: 'vote' } }),
    invalid(/fusion\.method .*valid methods are log-odds/),
  );
  assert.throws(
    () =>
      parseCascadeConfig({
        stages: [
          { kind: 'classifier', model: 'a.onnx', name: 'x' },
          { kind: 'classifier', model: 'b.onnx', name: 'x' },
        ],
      }),
    invalid(/stages\[1\]\.name repeats/),
  );
  assert.throws(() => parseCascadeConfig({ stages: [] }), invalid(/stages must list at least one stage/));
});

test('parseCascadeConfig() turns one side of an exit off with false', () => {
  const exitOf = (exit: unknown): unknown =>
    (
      parseCascadeConfig({
        stages: [
          { kind: 'backbone-head', embedder: { runtime: 'onnx', model: 'e.onnx' }, head: 'h.json', exit },
        ],
      }).stages[0]!.config as { exit: unknown }
    ).exit;
  // The backbone-head default low (0.12) would otherwise stay.
  assert.deepEqual(exitOf({ high: 0.7 }), { high: 0.7, low: 0.12 });
  assert.deepEqual(exitOf({ high: 0.7, low: false }), { high: 0.7, low: -1 });
  assert.deepEqual(exitOf({ high: false, low: 0.2 }), { high: 2, low: 0.2 });
  assert.throws(() => exitOf({ high: 0.7, low: true }), invalid(/exit\.low/));
});

test('loadCascadeConfig() reads YAML and resolves model paths against the file, keeping hub ids as they are', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cascade-config-'));
  try {
    const file = join(dir, 'cascade.yaml');
    await writeFile(
      file,
      [
        'tta: [hflip, vflip, "crop:0.9"]',
        'fusion: { method: log-odds, bias: -0.25 }',
        'stages:',
        '  - name: backbone',
        '    kind: backbone-head',
        '    embedder: { runtime: transformers, model: onnx-community/dinov2-small }',
        '    head: heads/head.json',
        '  - kind: classifier',
        '    model: ./models/c.onnx',
        '    weight: 0.5',
      ].join('\n'),
    );
    const config = await loadCascadeConfig(file);
    assert.deepEqual(config.tta, ['identity', 'hflip', 'vflip', 'crop:0.9']);
    assert.equal(config.fusion.options.bias, -0.25);
    const [backbone, classifier] = config.stages;
    assert.deepEqual((backbone!.config as { embedders: unknown }).embedders, [
      { runtime: 'transformers', model: 'onnx-community/dinov2-small' },
    ]);
    assert.deepEqual((backbone!.config as BackboneHeadConfig).heads, [join(dir, 'heads/head.json')]);
    assert.deepEqual((backbone!.config as { exit: unknown }).exit, { high: 0.88, low: 0.12 });
    assert.equal((classifier!.config as { model: string }).model, join(dir, 'models/c.onnx'));
    assert.equal(classifier!.common.name, 'classifier-1');
    assert.equal(classifier!.common.weight, 0.5);
    await writeFile(file, 'stages: [\n');
    await assert.rejects(loadCascadeConfig(file), (e) => isRoadworkError(e, 'ERR_CONFIG_FILE'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('defaultCascadeConfig() is the starter cascade, or one classifier stage on model.path', async () => {
  const config = await defaultCascadeConfig();
  // Two routes: 2.0.4's 224² challenges, and 0.4's source-size photos, whose signs are read too.
  assert.deepEqual(
    config.routes?.map((r) => [r.maxSide, r.config.stages.length]),
    [
      [256, 1],
      [Infinity, 2],
    ],
  );
  assert.deepEqual(
    config.stages.map((s) => [s.common.name, s.common.kind]),
    [
      ['starter', 'backbone-head'],
      ['starter-448', 'backbone-head'],
      ['signs', 'ocr'],
    ],
  );
  // A photo the 0.4 heads call ordinary road is not let go before its signs are read; one they call
  // roadwork is, since its signs could only raise an answer that already rounds to roadwork.
  assert.deepEqual((config.stages[1]!.config as { exit: unknown }).exit, { high: 0.5, low: -1 });
  const heads = (i: number) => (config.stages[i]!.config as BackboneHeadConfig).heads;
  assert.deepEqual(
    heads(0),
    STARTER_204_HEADS.map((f) => join(STARTER_DIR, f)),
  );
  assert.deepEqual(
    heads(1),
    STARTER_04_HEADS.map((f) => join(STARTER_DIR, f)),
  );
  const custom = await defaultCascadeConfig({ modelPath: '/x/y.onnx' });
  assert.equal((custom.stages[0]!.config as { model: string }).model, '/x/y.onnx');
});
