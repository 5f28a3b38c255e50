import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { isRoadworkError } from '../../../core/errors/index.js';
import { memoryLogger } from '../../../core/log/_test-sink.js';
import { startHubServer } from '../../hub/_test-hub-server.js';
import { cropWindow, tileWindows, type RgbImage } from '../../image/index.js';
import { loadModel } from '../index.js';
import type { ImageEmbedder, ObjectDetector, RuntimeContext } from '../types.js';
import { DETECTOR, EMBEDDER, tinyDetector, tinyEmbedder, writeModel } from './_test-models.js';
import { transformersRuntime } from './index.js';

const registry = { transformers: transformersRuntime };
const soon = (): { deadlineMs: number } => ({ deadlineMs: Date.now() + 20_000 });

function image(width: number, height: number, seed: number): RgbImage {
  return {
    width,
    height,
    data: new Uint8Array(width * height * 3).map((_, i) => (i * 37 + seed * 101) % 256),
  };
}

/** What the tiny embedder's weights give for an 8×8 image: the patch tokens. */
function patchTokens(img: RgbImage): number[][] {
  const { size, patch, dims, weights, bias, mean, std } = EMBEDDER;
  const x = (c: number, y: number, xx: number): number =>
    (img.data[(y * size + xx) * 3 + c]! / 255 - mean[c]!) / std[c]!;
  const tokens: number[][] = [];
  for (let py = 0; py < size / patch; py++) {
    for (let px = 0; px < size / patch; px++) {
      tokens.push(
        Array.from({ length: dims }, (_, d) => {
          let sum = bias[d]!;
          for (let c = 0; c < 3; c++)
            for (let i = 0; i < patch; i++)
              for (let j = 0; j < patch; j++)
                sum += weights[((d * 3 + c) * patch + i) * patch + j]! * x(c, py * patch + i, px * patch + j);
          return sum;
        }),
      );
    }
  }
  return tokens;
}

const max = (t: number[][]): number[] => t[0]!.map((_, d) => Math.max(...t.map((r) => r[d]!)));
const avg = (t: number[][]): number[] => t[0]!.map((_, d) => t.reduce((s, r) => s + r[d]!, 0) / t.length);

function close(actual: Float32Array | undefined, expected: number[], what: string): void {
  assert.ok(actual !== undefined, what);
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i]! - e) < 1e-4, `${what}[${i}]: ${actual[i]} vs ${e}`),
  );
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tjs-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A temporary folder holding the tiny DINOv2-shaped embedder at `<dir>/tiny`. */
function withTinyEmbedder<T>(fn: (dir: string, folder: string) => Promise<T>): Promise<T> {
  return withDir(async (dir) => {
    const folder = join(dir, 'tiny');
    await writeModel(folder, tinyEmbedder());
    return fn(dir, folder);
  });
}

function context(cacheDir: string, extra: Partial<RuntimeContext> = {}): RuntimeContext {
  return { cacheDir, offline: true, device: 'cpu', workers: 1, logger: pino({ level: 'silent' }), ...extra };
}

/** Loads a model through the runtime, runs `fn` with it, and always closes it. */
async function withModel<C extends 'embedder' | 'detector', T>(
  capability: C,
  ref: { model: string; options?: Record<string, unknown> },
  ctx: RuntimeContext,
  fn: (model: { embedder: ImageEmbedder; detector: ObjectDetector }[C]) => Promise<T>,
): Promise<T> {
  const model = await loadModel(capability, { runtime: 'transformers', ...ref }, ctx, registry);
  try {
    return await fn(model);
  } finally {
    await model.close();
  }
}

test(
  'the transformers embedder runs a tiny DINOv2 folder and returns the pooled output its weights imply',
  { timeout: 60_000 },
  async () => {
    await withTinyEmbedder(async (dir, folder) => {
      await withModel('embedder', { model: folder }, context(dir), async (embedder) => {
        assert.equal(embedder.dims, EMBEDDER.dims);
        assert.match(embedder.version, /^transformers:[0-9a-f]{12}$/);
        const images = [image(8, 8, 1), image(8, 8, 2), image(8, 8, 3)];
        const out = await embedder.embed(images, soon());
        assert.equal(out.length, 3);
        images.forEach((img, i) =>
          close(
            out[i],
            max(patchTokens(img)).map((v) => 2 * v),
            `pooler ${i}`,
          ),
        );
      });
    });
  },
);

test(
  'the transformers embedder pools CLS, the patch mean or the patch max as configured',
  { timeout: 60_000 },
  async () => {
    await withTinyEmbedder(async (dir, folder) => {
      const img = image(8, 8, 7);
      const patches = patchTokens(img);
      // prefixTokens 2 skips the CLS token and the first patch: the max of the other three differs from
      // CLS (the max of all four) in at least one dimension for this image.
      assert.notDeepEqual(max(patches.slice(1)), max(patches));
      for (const [options, expected] of [
        [{ pooling: 'cls' }, max(patches)],
        [{ pooling: 'mean' }, avg(patches)],
        [{ pooling: 'max' }, max(patches)],
        [{ pooling: 'max', prefixTokens: 2 }, max(patches.slice(1))],
        [{ pooling: 'mean', prefixTokens: 2 }, avg(patches.slice(1))],
      ] as const) {
        await withModel(
          'embedder',
          { model: folder, options: { ...options, batchSize: 2 } },
          context(dir),
          async (e) => close((await e.embed([img], soon()))[0], expected, JSON.stringify(options)),
        );
      }
    });
  },
);

test(
  'tiles cut a wide frame into squares along its length: the patch max over every tile, or the mean of the tiles',
  { timeout: 60_000 },
  async () => {
    await withTinyEmbedder(async (dir, folder) => {
      // A 20×8 frame: three 8×8 tiles at x = 0, 6 and 12, each exactly the processor's input size.
      const wide = image(20, 8, 11);
      const tiles = tileWindows(20, 8, 3).map((w) => cropWindow(wide, w));
      assert.deepEqual(
        tileWindows(20, 8, 3).map((w) => w.x),
        [0, 6, 12],
      );
      const tokens = tiles.map(patchTokens);
      for (const [options, expected] of [
        [{ pooling: 'max', tiles: 3 }, max(tokens.flat())],
        [{ pooling: 'mean', tiles: 3 }, avg(tokens.map(avg))],
      ] as const) {
        await withModel('embedder', { model: folder, options }, context(dir), async (e) => {
          const [out, square] = await e.embed([wide, tiles[1]!], soon());
          close(out, expected, JSON.stringify(options));
          // A square frame is one tile: what the model gives without tiles.
          close(square, options.pooling === 'max' ? max(tokens[1]!) : avg(tokens[1]!), 'square');
        });
      }
      await assert.rejects(
        withModel('embedder', { model: folder, options: { tiles: 9 } }, context(dir), async () => undefined),
        /Invalid transformers option tiles: 9; use an integer from 1 to 8/,
      );
    });
  },
);

test(
  'device cuda either runs the embedder on CUDA or falls back to the CPU, saying why, with the same output',
  { timeout: 60_000 },
  async () => {
    await withTinyEmbedder(async (dir, folder) => {
      const img = image(8, 8, 3);
      const { logger, lines } = memoryLogger();
      await withModel(
        'embedder',
        { model: folder, options: { pooling: 'mean' } },
        context(dir, { device: 'cuda', logger }),
        async (e) => close((await e.embed([img], soon()))[0], avg(patchTokens(img)), 'cuda or fallback'),
      );
      const fallback = lines().find((l) => l.msg === 'transformers model runs on the CPU');
      // This machine has no GPU (and the npm package no CUDA provider): the warning names the reason.
      if (fallback !== undefined) assert.match(String(fallback.reason), /CUDA unavailable/);
      else
        assert.ok(
          process.env.CUDA_VISIBLE_DEVICES !== undefined || existsSync('/dev/nvidia0'),
          'no GPU here, yet no fallback warning',
        );
    });
  },
);

test(
  'the transformers embedder loads a repo through the local hub server download path, then offline from the cache',
  { timeout: 60_000 },
  async () => {
    await withDir(async (dir) => {
      const hub = await startHubServer({
        'acme/tiny-dinov2': { ...tinyEmbedder(), 'README.md': new Uint8Array(3) },
      });
      const online = context(dir, { offline: false, hubUrl: hub.url });
      const img = image(8, 8, 4);
      const expected = max(patchTokens(img)).map((v) => 2 * v);
      try {
        await withModel('embedder', { model: 'acme/tiny-dinov2' }, online, async (e) =>
          close((await e.embed([img], soon()))[0], expected, 'downloaded'),
        );
        assert.ok(hub.requests.some((r) => r.path === '/acme/tiny-dinov2/resolve/main/onnx/model.onnx'));
        assert.ok(
          !hub.requests.some((r) => r.path.endsWith('README.md')),
          'only the needed files were fetched',
        );
      } finally {
        await hub.close();
      }
      await withModel('embedder', { model: 'acme/tiny-dinov2' }, context(dir), async (e) =>
        close((await e.embed([img], soon()))[0], expected, 'cached'),
      );
    });
  },
);

test(
  'the transformers detector returns DETR boxes in input-image pixels with the config labels',
  { timeout: 60_000 },
  async () => {
    await withDir(async (dir) => {
      const folder = join(dir, 'detr');
      await writeModel(folder, tinyDetector());
      await withModel(
        'detector',
        { model: folder, options: { threshold: 0.5 } },
        context(dir),
        async (detector) => {
          assert.deepEqual(detector.labels, DETECTOR.labels);
          const img: RgbImage = { width: 20, height: 10, data: new Uint8Array(20 * 10 * 3).fill(128) };
          const m = (128 / 255 - 0.5) / 0.5;
          const expected = [0, 1, 2].flatMap((q) => {
            const logits = [0, 1, 2].map((c) => DETECTOR.a[q * 3 + c]! * m + DETECTOR.l[q * 3 + c]!);
            const best = logits.indexOf(Math.max(...logits));
            const score = Math.exp(logits[best]!) / logits.reduce((s, v) => s + Math.exp(v), 0);
            if (best === 2 || score < 0.5) return [];
            const [cx, cy, w, h] = DETECTOR.boxes.slice(q * 4, q * 4 + 4) as [number, number, number, number];
            return [
              {
                label: DETECTOR.labels[best]!,
                score,
                box: [(cx - w / 2) * 20, (cy - h / 2) * 10, (cx + w / 2) * 20, (cy + h / 2) * 10],
              },
            ];
          });
          assert.equal(expected.length, 2, 'the fixture has two confident queries');
          const found = [...(await detector.detect(img, soon()))].sort((a, b) => b.score - a.score);
          assert.equal(found.length, expected.length);
          found.forEach((f, i) => {
            const e = expected[i]!;
            assert.equal(f.label, e.label);
            assert.ok(Math.abs(f.score - e.score) < 1e-5, `score ${f.score} vs ${e.score}`);
            f.box.forEach((v, k) => assert.ok(Math.abs(v - e.box[k]!) < 1e-3, `box ${f.box} vs ${e.box}`));
          });
        },
      );
    });
  },
);

test(
  'the transformers runtime rejects unknown options and names a folder without the ONNX file',
  { timeout: 60_000 },
  async () => {
    await withTinyEmbedder(async (dir, folder) => {
      await assert.rejects(
        loadModel(
          'embedder',
          { runtime: 'transformers', model: folder, options: { pool: 'cls' } },
          context(dir),
          registry,
        ),
        (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && /pool/.test(e.message),
      );
      await assert.rejects(
        loadModel(
          'embedder',
          { runtime: 'transformers', model: folder, options: { dtype: 'q8' } },
          context(dir),
          registry,
        ),
        (e) =>
          isRoadworkError(e, 'ERR_MODEL_LOAD') &&
          e.message.includes(join(folder, 'onnx/model_quantized.onnx')),
      );
    });
  },
);

test('the transformers embedder refuses a call whose deadline has passed', { timeout: 60_000 }, async () => {
  await withTinyEmbedder(async (dir, folder) => {
    await withModel('embedder', { model: folder }, context(dir), (embedder) =>
      assert.rejects(embedder.embed([image(8, 8, 1)], { deadlineMs: Date.now() - 1 }), (e) =>
        isRoadworkError(e, 'ERR_STAGE_TIMEOUT'),
      ),
    );
  });
});
