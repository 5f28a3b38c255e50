// The cascade under deadlines and failures, with a cache, and with VLM and OCR stages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createCache } from '../cache/index.js';
import { perceptualHash } from '../cache/index.js';
import { isRoadworkError, RoadworkError } from '../../core/errors/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import type { Runtime } from '../runtimes/types.js';
import { RUNTIMES } from '../runtimes/index.js';
import { solidImage } from '../../../test/fixtures/onnx-models.js';
import {
  createCascadePredictor,
  defineStage,
  parseCascadeConfig,
  STAGE_KINDS,
  type CascadeDeps,
  type CascadeStageResult,
  type StageKind,
} from './index.js';
import { runtimeContext, silent } from './_test-support.js';

const BASELINE = fileURLToPath(new URL('../../../models/baseline/model.onnx', import.meta.url));
const image = solidImage(64, [200, 120, 40]);
const stagesOf = (p: { stages?: readonly unknown[] }) => (p.stages ?? []) as CascadeStageResult[];

/** Stage kinds for failure paths: one that never answers (until aborted) and one that throws. */
const aborted: string[] = [];
const hangKind: StageKind<null> = {
  description: 'never answers',
  keys: [],
  parse: () => null,
  create: (common) =>
    defineStage(common, {
      start: async () => 'hang',
      run: (ctx) =>
        new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted.push(common.name);
            reject(new Error('aborted'));
          }),
        ),
      close: async () => {},
    }),
  models: () => [],
};
const boomKind: StageKind<null> = {
  ...hangKind,
  description: 'throws',
  create: (common) =>
    defineStage(common, {
      start: async () => 'boom',
      run: async () => {
        throw new RoadworkError('ERR_MODEL_OUTPUT', 'Boom: the model answered NaN.');
      },
      close: async () => {},
    }),
};
const KINDS = { ...STAGE_KINDS, hang: hangKind as StageKind<never>, boom: boomKind as StageKind<never> };

async function cascadeOf(raw: object, deps: Partial<CascadeDeps> = {}) {
  const cascade = createCascadePredictor(parseCascadeConfig(raw, { kinds: KINDS }), {
    runtime: runtimeContext,
    logger: silent,
    ...deps,
  });
  await cascade.start();
  return cascade;
}

test(
  'a stage whose expected time exceeds the remaining budget is skipped, and the next one answers',
  { timeout: 60_000 },
  async () => {
    const metrics = createMetrics({ processMetrics: false });
    const cascade = await cascadeOf(
      {
        deadline: { margin_ms: 0 },
        stages: [
          { name: 'slow', kind: 'classifier', model: BASELINE, expected_ms: 5000 },
          { name: 'fast', kind: 'classifier', model: BASELINE, expected_ms: 5 },
        ],
      },
      { metrics },
    );
    try {
      const p = await cascade.predict(image, { deadlineMs: Date.now() + 1000 });
      const [slow, fast] = stagesOf(p);
      assert.equal(slow!.skipped, 'deadline');
      assert.match(slow!.error!, /expects 5000 ms/);
      assert.equal(fast!.probability, p.probability);
      const skips = await metrics.stageSkips.get();
      assert.deepEqual(
        skips.values.map((v) => [v.labels.stage, v.labels.reason, v.value]),
        [['slow', 'deadline', 1]],
      );
      // With a long budget both run (two views of the same model: fused log-odds double).
      const both = await cascade.predict(image, { deadlineMs: Date.now() + 60_000 });
      assert.equal(stagesOf(both).filter((s) => s.probability !== undefined).length, 2);
    } finally {
      await cascade.close();
    }
  },
);

test(
  'a stage that hangs is cut off at its timeout and aborted; the answer comes from the rest',
  { timeout: 30_000 },
  async () => {
    const cascade = await cascadeOf({
      stages: [
        { name: 'stuck', kind: 'hang', timeout_ms: 150 },
        { name: 'baseline', kind: 'classifier', model: BASELINE, expected_ms: 5 },
      ],
    });
    try {
      const t = performance.now();
      const p = await cascade.predict(image, { deadlineMs: Date.now() + 5000 });
      assert.ok(performance.now() - t < 2000, 'cut off well before the request deadline');
      const [stuck, baseline] = stagesOf(p);
      assert.equal(stuck!.skipped, 'timeout');
      assert.ok(stuck!.ms >= 140, String(stuck!.ms));
      assert.equal(baseline!.probability, p.probability);
      assert.ok(aborted.includes('stuck'), 'the stage saw its signal abort');
    } finally {
      await cascade.close();
    }
  },
);

test(
  'a stage that throws is skipped and the answer is the fusion of the others',
  { timeout: 30_000 },
  async () => {
    const cascade = await cascadeOf({
      fusion: { bias: 0.3 },
      stages: [
        { name: 'broken', kind: 'boom' },
        { name: 'baseline', kind: 'classifier', model: BASELINE },
      ],
    });
    try {
      const p = await cascade.predict(image, { deadlineMs: Date.now() + 5000 });
      const [broken, baseline] = stagesOf(p);
      assert.deepEqual([broken!.skipped, broken!.error], ['error', 'Boom: the model answered NaN.']);
      const q = baseline!.probability!;
      assert.ok(Math.abs(p.probability - 1 / (1 + Math.exp(-(0.3 + Math.log(q / (1 - q)))))) < 1e-9);
    } finally {
      await cascade.close();
    }
  },
);

test(
  'with no stage producing anything the cascade fails: the first error, else ERR_STAGE_TIMEOUT',
  { timeout: 30_000 },
  async () => {
    const boom = await cascadeOf({ stages: [{ kind: 'boom' }, { kind: 'hang', timeout_ms: 50 }] });
    const hang = await cascadeOf({ stages: [{ kind: 'hang', timeout_ms: 50 }] });
    try {
      await assert.rejects(boom.predict(image, { deadlineMs: Date.now() + 5000 }), (e) =>
        isRoadworkError(e, 'ERR_MODEL_OUTPUT'),
      );
      await assert.rejects(hang.predict(image, { deadlineMs: Date.now() + 5000 }), (e) =>
        isRoadworkError(e, 'ERR_STAGE_TIMEOUT'),
      );
    } finally {
      await Promise.all([boom.close(), hang.close()]);
    }
  },
);

test('a cache hit answers without running any stage', { timeout: 30_000 }, async () => {
  const metrics = createMetrics({ processMetrics: false });
  const cache = createCache({ kind: 'memory', size: 100, ttlS: 60, namespace: 'test' }, { logger: silent });
  const cascade = await cascadeOf(
    { stages: [{ kind: 'classifier', model: BASELINE }] },
    { metrics, cache, hash: perceptualHash },
  );
  try {
    const first = await cascade.predict(image, { deadlineMs: Date.now() + 5000 });
    const second = await cascade.predict(image, { deadlineMs: Date.now() + 5000 });
    assert.equal(second.probability, first.probability);
    assert.deepEqual(
      stagesOf(second).map((s) => s.stage),
      ['cache'],
    );
    assert.equal((await metrics.stageRuns.get()).values[0]!.value, 1);
    // The cache key's pHash goes out with both answers, for the query log.
    assert.equal(first.imageHash, perceptualHash(image));
    assert.equal(second.imageHash, perceptualHash(image));
  } finally {
    await cascade.close();
    await cache.close();
  }
});

test(
  'the same image in flight for several requests runs the stages once; the others share its answer, and run themselves if it fails',
  { timeout: 30_000 },
  async () => {
    const metrics = createMetrics({ processMetrics: false });
    const cache = createCache({ kind: 'memory', size: 100, ttlS: 60, namespace: 'test' }, { logger: silent });
    const cascade = await cascadeOf(
      { stages: [{ kind: 'classifier', model: BASELINE }] },
      { metrics, cache, hash: perceptualHash },
    );
    const runs = async () => (await metrics.stageRuns.get()).values.reduce((n, v) => n + v.value, 0);
    try {
      // Four requests for one image at once (one validator's challenge to four hotkeys), and one other image.
      const other = solidImage(64, [20, 200, 90]);
      const answers = await Promise.all([
        ...[0, 1, 2, 3].map(() => cascade.predict(image, { deadlineMs: Date.now() + 5000 })),
        cascade.predict(other, { deadlineMs: Date.now() + 5000 }),
      ]);
      assert.equal(await runs(), 2, 'one run per distinct image');
      const same = answers.slice(0, 4);
      assert.equal(new Set(same.map((a) => a.probability)).size, 1);
      assert.equal(same.filter((a) => stagesOf(a)[0]!.stage === 'cache').length, 3);
      assert.ok(same.every((a) => a.imageHash === perceptualHash(image)));
      assert.notEqual(answers[4]!.probability, same[0]!.probability);
      // A request whose run fails (cut off by its abort) does not fail the one waiting on it.
      const fresh = solidImage(64, [90, 90, 250]);
      const gone = new AbortController();
      gone.abort();
      const [first, second] = await Promise.allSettled([
        cascade.predict(fresh, { deadlineMs: Date.now() + 5000, signal: gone.signal }),
        cascade.predict(fresh, { deadlineMs: Date.now() + 5000 }),
      ]);
      assert.equal(first.status, 'rejected');
      assert.equal(second.status, 'fulfilled');
      assert.notEqual(
        stagesOf((second as PromiseFulfilledResult<{ stages?: unknown[] }>).value)[0]!.stage,
        'cache',
        'it ran the stages itself',
      );
    } finally {
      await cascade.close();
      await cache.close();
    }
  },
);

test(
  "a request waiting on the same image in flight gives up at its own deadline or abort, not the earlier request's",
  { timeout: 30_000 },
  async () => {
    const cache = createCache({ kind: 'memory', size: 100, ttlS: 60, namespace: 'test' }, { logger: silent });
    // The first request's answer takes 1.5 s: the classifier answers, then a stage hangs to its timeout.
    const cascade = await cascadeOf(
      {
        stages: [
          { kind: 'classifier', model: BASELINE, exit: false },
          { name: 'slow', kind: 'hang', expected_ms: 1, timeout_ms: 1500 },
        ],
      },
      { cache, hash: perceptualHash },
    );
    try {
      const t0 = performance.now();
      const leader = cascade.predict(image, { deadlineMs: Date.now() + 10_000 });
      await new Promise((r) => setTimeout(r, 20));
      const late = cascade.predict(image, { deadlineMs: Date.now() + 200 });
      const gone = new AbortController();
      const leaving = cascade.predict(image, { deadlineMs: Date.now() + 10_000, signal: gone.signal });
      gone.abort();
      const deadline = (e: unknown) => isRoadworkError(e, 'ERR_DEADLINE_EXCEEDED');
      await assert.rejects(leaving, deadline);
      await assert.rejects(late, deadline);
      const lateMs = performance.now() - t0;
      assert.ok(
        lateMs < 1000,
        `the follower gave up at its deadline, not the leader's answer (${lateMs} ms)`,
      );
      // The first request is untouched and still answers from its own stages.
      const first = await leader;
      assert.ok(performance.now() - t0 >= 1400);
      assert.equal(stagesOf(first)[0]!.stage, 'classifier-0');
    } finally {
      await cascade.close();
      await cache.close();
    }
  },
);

/** A runtime standing in for a VLM server and an OCR model: answers follow the image's redness. */
const fakeServers: Runtime = {
  name: 'fake',
  description: 'test doubles for remote models',
  vlm: async () => ({
    version: 'fake-vlm',
    askYesNo: async (im) => ({ pYes: 0.1 + 0.8 * (im.data[0]! / 255), answer: 'yes' }),
    close: async () => {},
  }),
  reader: async () => ({
    version: 'fake-ocr',
    read: async (im) =>
      im.data[0]! > 128
        ? [
            { text: 'Road  Work ahead', score: 0.9 },
            { text: 'UMLEITUNG', score: 0.8 },
          ]
        : im.data[1]! > 128
          ? [{ text: 'BAKERY', score: 0.9 }]
          : [],
    close: async () => {},
  }),
};

test(
  'vlm and ocr stages: p = p(yes); keywords raise p; text without keywords is no evidence',
  { timeout: 30_000 },
  async () => {
    const cascade = await cascadeOf(
      {
        stages: [
          { name: 'ocr', kind: 'ocr', reader: { runtime: 'fake', model: 'x' }, map: { bias: 0, slope: 1 } },
          { name: 'vlm', kind: 'vlm', vlm: { runtime: 'fake', model: 'y' }, weight: 0.5 },
        ],
      },
      { runtimes: { ...RUNTIMES, fake: fakeServers } },
    );
    try {
      const red = await cascade.predict(solidImage(8, [255, 0, 0]), { deadlineMs: Date.now() + 5000 });
      const [ocr, vlm] = stagesOf(red);
      assert.deepEqual(ocr!.detail!.keywords, ['ROAD WORK', 'ROAD WORKS', 'UMLEITUNG']);
      assert.ok(Math.abs(ocr!.probability! - 1 / (1 + Math.exp(-2))) < 1e-9);
      assert.ok(Math.abs(vlm!.probability! - 0.9) < 1e-9);
      // z = logit(σ(2)) + 0.5·logit(0.9)
      assert.ok(Math.abs(red.probability - 1 / (1 + Math.exp(-(2 + 0.5 * Math.log(9))))) < 1e-9);
      const green = await cascade.predict(solidImage(8, [0, 255, 0]), { deadlineMs: Date.now() + 5000 });
      assert.equal(stagesOf(green)[0]!.probability, undefined, 'BAKERY is no evidence');
      // Only the VLM contributes: σ(0.5·logit(0.1)) = 0.25.
      assert.ok(Math.abs(green.probability - 0.25) < 1e-9, String(green.probability));
    } finally {
      await cascade.close();
    }
  },
);
