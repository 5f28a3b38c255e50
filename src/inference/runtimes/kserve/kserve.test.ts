// The kserve runtime against a local KServe v2 server that runs the same ONNX models in-process: its
// answers equal the onnx runtime's, in binary and JSON modes; readiness, metadata, HTTP errors,
// deadlines and the bearer token end in coded errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRoadworkError, type ErrorCode } from '../../../core/errors/index.js';
import {
  convEmbedderModel,
  linearImageModel,
  poolEmbedderModel,
} from '../../../../test/fixtures/onnx-models.js';
import type { RgbImage } from '../../image/index.js';
import { loadModel } from '../index.js';
import { testContext, withDir } from '../_test-context.js';
import type { ModelRef } from '../types.js';
import { startV2Server, type V2Server, type V2ServerBehaviour } from './_test-v2-server.js';

const ctx = testContext(1);
const soon = () => ({ deadlineMs: Date.now() + 10_000 });
const PRE = { size: 32, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
const MODELS = {
  backbone: convEmbedderModel(32),
  tokens: poolEmbedderModel({ size: 32, rows: 2, cols: 2, tokens: true }),
  classifier: linearImageModel({
    inputSize: 32,
    grid: 2,
    weights: [0.9, -0.4, 0.3, 0.2, -0.7, 0.5, 0.1, -0.2, 0.6, 0.3, -0.5, 0.4],
    bias: -0.1,
  }),
};

/** A pseudo-random RGB image (not square, so both runtimes resize it the same way). */
function noise(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) % 2147483648) >> 23;
  return { data, width, height };
}
const IMAGES = [noise(32, 32, 1), noise(48, 40, 2), noise(32, 32, 3)];

async function withServer<T>(
  behaviour: Partial<V2ServerBehaviour>,
  fn: (s: V2Server) => Promise<T>,
): Promise<T> {
  const server = await startV2Server(MODELS, behaviour);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

const kserve = (server: V2Server, name: string, options: Record<string, unknown> = {}): ModelRef => ({
  runtime: 'kserve',
  model: `${server.url}#${name}`,
  options: { ...PRE, ...options },
});

function hasCode(code: ErrorCode, text?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(isRoadworkError(err, code), `expected ${code}, got ${String(err)}`);
    if (text) assert.match((err as Error).message, text);
    return true;
  };
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

/** The same model file run by the onnx runtime in a worker, with the same preprocessing. */
async function inProcess<T>(
  dir: string,
  name: keyof typeof MODELS,
  fn: (ref: ModelRef) => Promise<T>,
): Promise<T> {
  const file = join(dir, `${name}.onnx`);
  await writeFile(file, MODELS[name]);
  return fn({ runtime: 'onnx', model: file, options: PRE });
}

for (const binary of [true, false]) {
  const mode = binary ? 'binary tensor data' : 'JSON data';
  test(
    `a kserve embedder answers what the onnx runtime answers in-process, over ${mode}`,
    { timeout: 60_000 },
    () =>
      withDir((dir) =>
        withServer({ binary }, async (server) => {
          for (const name of ['backbone', 'tokens'] as const) {
            const remote = await loadModel('embedder', kserve(server, name), ctx);
            const local = await inProcess(dir, name, (ref) => loadModel('embedder', ref, ctx));
            try {
              assert.equal(remote.dims, local.dims);
              assert.equal(remote.dims, name === 'backbone' ? 64 : 3);
              assert.match(remote.version, new RegExp(`^kserve:${name}:[0-9a-f]{12}$`));
              const [a, b] = [await remote.embed(IMAGES, soon()), await local.embed(IMAGES, soon())];
              a.forEach((v, i) => assertClose(v, b[i]!, `${name} image ${i}`));
            } finally {
              await Promise.all([remote.close(), local.close()]);
            }
          }
          // The server saw the mode chosen from its extensions, and one request per batch of three.
          assert.ok(server.infers.length >= 2);
          assert.ok(server.infers.every((r) => r.binary === binary && r.shape[0] === 3 && r.shape[2] === 32));
        }),
      ),
  );

  test(
    `a kserve classifier answers what the onnx runtime answers in-process, over ${mode}`,
    { timeout: 60_000 },
    () =>
      withDir((dir) =>
        withServer({ binary }, async (server) => {
          const remote = await loadModel('classifier', kserve(server, 'classifier'), ctx);
          const local = await inProcess(dir, 'classifier', (ref) => loadModel('classifier', ref, ctx));
          try {
            for (const image of IMAGES) {
              const [a, b] = [await remote.classify(image, soon()), await local.classify(image, soon())];
              assert.ok(a > 0 && a < 1 && Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
            }
            assert.ok(server.infers.every((r) => r.binary === binary && r.shape[0] === 1));
          } finally {
            await Promise.all([remote.close(), local.close()]);
          }
        }),
      ),
  );
}

test(
  'binary: true is used even when the server does not list it, and its refusal is ERR_MODEL_SERVER',
  { timeout: 30_000 },
  () =>
    withServer({ binary: false }, async (server) => {
      const model = await loadModel('classifier', kserve(server, 'classifier', { binary: true }), ctx);
      try {
        await assert.rejects(
          model.classify(IMAGES[0]!, soon()),
          hasCode('ERR_MODEL_SERVER', /HTTP 400 .*binary/),
        );
      } finally {
        await model.close();
      }
    }),
);

test('a server or model that is not ready fails the load with ERR_MODEL_NOT_READY', { timeout: 30_000 }, () =>
  withServer({ serverReady: false }, async (server) => {
    await assert.rejects(
      loadModel('embedder', kserve(server, 'backbone'), ctx),
      hasCode('ERR_MODEL_NOT_READY', /server/),
    );
    server.set({ serverReady: true, modelReady: false });
    await assert.rejects(
      loadModel('embedder', kserve(server, 'backbone'), ctx),
      hasCode('ERR_MODEL_NOT_READY', /Model backbone/),
    );
    await assert.rejects(
      loadModel('embedder', kserve(server, 'nonesuch'), ctx),
      hasCode('ERR_MODEL_NOT_READY'),
    );
    server.set({ modelReady: true });
    await (await loadModel('embedder', kserve(server, 'backbone'), ctx)).close();
  }),
);

test('an unreachable server fails the load with ERR_MODEL_SERVER', { timeout: 30_000 }, async () => {
  const server = await startV2Server({});
  const url = server.url;
  await server.close();
  await assert.rejects(
    loadModel('embedder', { runtime: 'kserve', model: `${url}#backbone` }, ctx),
    hasCode('ERR_MODEL_SERVER', /cannot be reached/),
  );
});

test(
  'metadata that does not fit the stage fails the load with ERR_MODEL_SIGNATURE',
  { timeout: 30_000 },
  () =>
    withServer({}, async (server) => {
      // The served model takes 32²; a stage sending 64² would be refused at every call.
      await assert.rejects(
        loadModel('embedder', kserve(server, 'backbone', { size: 64 }), ctx),
        hasCode('ERR_MODEL_SIGNATURE', /64×64/),
      );
      await assert.rejects(
        loadModel('embedder', kserve(server, 'backbone', { output: 'logits' }), ctx),
        hasCode('ERR_MODEL_SIGNATURE', /no output logits/),
      );
      // A backbone served as the classifier: 64 values per image, not one probability.
      await assert.rejects(
        loadModel('classifier', kserve(server, 'backbone'), ctx),
        hasCode('ERR_MODEL_SIGNATURE', /one probability/),
      );
      server.set({ metadata: (m) => ({ ...m, inputs: m.inputs.map((t) => ({ ...t, datatype: 'UINT8' })) }) });
      await assert.rejects(
        loadModel('embedder', kserve(server, 'backbone'), ctx),
        hasCode('ERR_MODEL_SIGNATURE', /UINT8/),
      );
      server.set({
        metadata: (m) => ({ ...m, inputs: m.inputs.map((t) => ({ ...t, shape: [-1, 32, 32, 3] })) }),
      });
      await assert.rejects(
        loadModel('embedder', kserve(server, 'backbone'), ctx),
        hasCode('ERR_MODEL_SIGNATURE', /NCHW/),
      );
    }),
);

test(
  'a server slower than the deadline ends in ERR_STAGE_TIMEOUT within the deadline',
  { timeout: 30_000 },
  () =>
    withServer({}, async (server) => {
      const model = await loadModel('classifier', kserve(server, 'classifier'), ctx);
      try {
        server.set({ delayMs: 3000 });
        const started = Date.now();
        await assert.rejects(
          model.classify(IMAGES[0]!, { deadlineMs: started + 250 }),
          hasCode('ERR_STAGE_TIMEOUT'),
        );
        const took = Date.now() - started;
        assert.ok(took >= 240 && took < 1000, `gave up after ${took} ms`);
        await assert.rejects(
          model.classify(IMAGES[0]!, { deadlineMs: Date.now() - 1 }),
          hasCode('ERR_STAGE_TIMEOUT', /no time left/),
        );
        // The caller's own abort is honoured too.
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        await assert.rejects(
          model.classify(IMAGES[0]!, { deadlineMs: Date.now() + 5000, signal: controller.signal }),
          hasCode('ERR_STAGE_TIMEOUT', /aborted/),
        );
      } finally {
        await model.close();
      }
    }),
);

test('an HTTP error from infer is ERR_MODEL_SERVER with its status', { timeout: 30_000 }, () =>
  withServer({}, async (server) => {
    const model = await loadModel('embedder', kserve(server, 'backbone'), ctx);
    try {
      server.set({ inferStatus: 500 });
      await assert.rejects(
        model.embed(IMAGES, soon()),
        hasCode('ERR_MODEL_SERVER', /HTTP 500 .*forced failure/),
      );
    } finally {
      await model.close();
    }
  }),
);

test(
  'the token option is sent as a bearer token; without it a guarded server refuses the load',
  { timeout: 30_000 },
  () =>
    withServer({ token: 's3cret' }, async (server) => {
      await assert.rejects(
        loadModel('embedder', kserve(server, 'backbone'), ctx),
        hasCode('ERR_MODEL_SERVER', /HTTP 401/),
      );
      const model = await loadModel('embedder', kserve(server, 'backbone', { token: 's3cret' }), ctx);
      try {
        assert.equal((await model.embed([IMAGES[0]!], soon())).length, 1);
      } finally {
        await model.close();
      }
    }),
);

test(
  'batches larger than max_batch are split into several requests, answers in order',
  { timeout: 30_000 },
  () =>
    withServer({}, async (server) => {
      const model = await loadModel('embedder', kserve(server, 'backbone', { max_batch: 2 }), ctx);
      const whole = await loadModel('embedder', kserve(server, 'backbone'), ctx);
      try {
        const before = server.infers.length;
        const [a, b] = [await model.embed(IMAGES, soon()), await whole.embed(IMAGES, soon())];
        assert.deepEqual(
          server.infers
            .slice(before)
            .map((r) => r.shape[0])
            .sort(),
          [1, 2, 3],
        );
        a.forEach((v, i) => assertClose(v, b[i]!, `image ${i}`));
      } finally {
        await Promise.all([model.close(), whole.close()]);
      }
    }),
);

test('a kept-alive connection the server closed is retried once on a fresh one', { timeout: 30_000 }, () =>
  withServer({}, async (server) => {
    const model = await loadModel('classifier', kserve(server, 'classifier'), ctx);
    try {
      const expected = await model.classify(IMAGES[0]!, soon());
      server.set({ dropReused: 1 });
      assert.equal(await model.classify(IMAGES[0]!, soon()), expected);
      // Two connections kept open, both closed by the server: the retry meets the second and fails.
      await Promise.all([model.classify(IMAGES[0]!, soon()), model.classify(IMAGES[1]!, soon())]);
      server.set({ dropReused: 2 });
      await assert.rejects(model.classify(IMAGES[0]!, soon()), hasCode('ERR_MODEL_SERVER', /socket hang up/));
    } finally {
      await model.close();
    }
  }),
);

test('bad options fail at load with ERR_CONFIG_INVALID naming the key', async () => {
  const load = (model: string, options: Record<string, unknown>) =>
    loadModel('embedder', { runtime: 'kserve', model, options }, ctx);
  await assert.rejects(load('m', { urll: 'http://x' }), hasCode('ERR_CONFIG_INVALID', /urll; valid options/));
  await assert.rejects(load('m', { url: 'http://x:8000/v2' }), hasCode('ERR_CONFIG_INVALID', /url/));
  await assert.rejects(load('m', { binary: 'yes' }), hasCode('ERR_CONFIG_INVALID', /binary/));
  await assert.rejects(
    load('http://a:1#m', { url: 'http://b:2' }),
    hasCode('ERR_CONFIG_INVALID', /named twice/),
  );
});
