import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, RawImage } from '@huggingface/transformers';
import pino from 'pino';
import { isRoadworkError } from '../../../core/errors/index.js';
import { startHubServer } from '../../hub/_test-hub-server.js';
import type { RgbImage } from '../../image/index.js';
import { loadModel } from '../index.js';
import type { RuntimeContext, TextLine, TextReader } from '../types.js';
import { linesOf, loadReader, readText } from './_florence.js';
import { parseOptions } from './_options.js';
import { florenceVocab, tinyFlorence } from './_test-florence.js';
import { writeModel } from './_test-models.js';
import { transformersRuntime } from './index.js';

const registry = { transformers: transformersRuntime };
const soon = (): { deadlineMs: number } => ({ deadlineMs: Date.now() + 20_000 });

// In-process loads (the worker sets the same): the folder is the only source.
env.allowRemoteModels = false;

function image(seed: number, size = 224): RgbImage {
  return {
    width: size,
    height: size,
    data: new Uint8Array(size * size * 3).map((_, i) => (i * 37 + seed * 101 + ((i / 97) | 0)) % 256),
  };
}

const raw = (img: RgbImage): RawImage => new RawImage(img.data, img.width, img.height, 3);

// What the byte-level decoder can turn the vocabulary into: its characters, `Ġ` being a space.
const tokenTexts = [...florenceVocab().vocab.keys()]
  .filter((t) => !t.startsWith('<'))
  .map((t) => t.replaceAll('Ġ', ' '));
const alphabet = new Set(tokenTexts.flatMap((t) => [...t]));

/** Asserts `lines` are what a Florence-2 `<OCR>` read gives: non-empty lines of vocabulary text. */
function assertLines(lines: readonly TextLine[], what: string): void {
  assert.ok(Array.isArray(lines), what);
  assert.ok(lines.length >= 1, `${what}: at least one line`);
  for (const line of lines) {
    assert.equal(typeof line.text, 'string', what);
    assert.ok(line.text.length > 0 && line.text === line.text.trim(), `${what}: trimmed "${line.text}"`);
    assert.ok(
      [...line.text].every((c) => alphabet.has(c)),
      `${what}: "${line.text}" is made of the vocabulary`,
    );
    assert.ok(Number.isFinite(line.score) && line.score >= 0 && line.score <= 1, `${what}: score`);
    assert.equal(line.box, undefined, `${what}: <OCR> lines have no box`);
  }
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'florence-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function context(cacheDir: string): RuntimeContext {
  return { cacheDir, offline: true, device: 'cpu', workers: 1, logger: pino({ level: 'silent' }) };
}

async function withReader<T>(
  folder: string,
  options: Record<string, unknown>,
  ctx: RuntimeContext,
  fn: (reader: TextReader) => Promise<T>,
): Promise<T> {
  const reader = await loadModel(
    'reader',
    { runtime: 'transformers', model: folder, options },
    ctx,
    registry,
  );
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

test(
  'the transformers reader runs a tiny Florence-2 folder end to end and reads the same lines every time',
  { timeout: 60_000 },
  async () => {
    await withDir(async (dir) => {
      const folder = join(dir, 'florence');
      await writeModel(folder, tinyFlorence());
      await withReader(folder, {}, context(dir), async (reader) => {
        assert.match(reader.version, /^transformers:[0-9a-f]{12}$/);
        const img = image(1);
        const first = await reader.read(img, soon());
        assertLines(first, 'first read');
        assert.deepEqual(await reader.read(img, soon()), first, 'greedy decoding repeats itself');
        assertLines(await reader.read(image(2, 97), soon()), 'another size');
        await assert.rejects(reader.read(img, { deadlineMs: Date.now() - 1 }), (e) =>
          isRoadworkError(e, 'ERR_STAGE_TIMEOUT'),
        );
        await assert.rejects(reader.read({ ...img, width: 223 }, soon()), (e) =>
          isRoadworkError(e, 'ERR_IMAGE_FORMAT'),
        );
      });
    });
  },
);

test(
  'a Florence-2 repo downloads only the reader files of its dtype, then reads offline from the cache',
  { timeout: 60_000 },
  async () => {
    await withDir(async (dir) => {
      const files = tinyFlorence();
      const hub = await startHubServer({
        'acme/tiny-florence2': { ...files, 'onnx/decoder_model_merged_fp16.onnx': new Uint8Array(8) },
      });
      const img = image(6);
      let online: TextLine[];
      try {
        online = await withReader(
          'acme/tiny-florence2',
          {},
          { ...context(dir), offline: false, hubUrl: hub.url },
          (r) => r.read(img, soon()),
        );
        const fetched = hub.requests.map((r) => r.path.replace('/acme/tiny-florence2/resolve/main/', ''));
        for (const path of Object.keys(files)) assert.ok(fetched.includes(path), `${path} fetched`);
        assert.ok(!fetched.some((p) => p.includes('_fp16')), 'no other dtype fetched');
      } finally {
        await hub.close();
      }
      assertLines(online, 'downloaded');
      assert.deepEqual(
        await withReader('acme/tiny-florence2', {}, context(dir), (r) => r.read(img, soon())),
        online,
      );
    });
  },
);

test(
  'maxNewTokens caps a Florence-2 reading at that many generated tokens',
  { timeout: 60_000 },
  async () => {
    await withDir(async (dir) => {
      const folder = join(dir, 'florence');
      await writeModel(folder, tinyFlorence());
      const img = image(3);
      const read = (maxNewTokens?: number): Promise<TextLine[]> =>
        withReader(folder, maxNewTokens === undefined ? {} : { maxNewTokens }, context(dir), (r) =>
          r.read(img, soon()),
        );
      const full = (await read())[0]?.text ?? '';
      // Three new tokens: the forced `<s>`, one token of text, the forced `</s>`.
      const short = await read(3);
      assert.equal(short.length, 1);
      const one = short[0]!.text;
      assert.ok(
        tokenTexts.some((t) => t.trim() === one),
        `"${one}" is a single token of the vocabulary`,
      );
      assert.ok(full.startsWith(one) && full.length > one.length, `"${one}" begins "${full}" and is shorter`);
    });
  },
);

test('a Florence-2 reading stops at its deadline with a coded error', { timeout: 60_000 }, async () => {
  await withDir(async (dir) => {
    await writeModel(dir, tinyFlorence());
    const options = parseOptions('reader', {});
    const reader = await loadReader(dir, options, 'cpu');
    const img = raw(image(4));
    assertLines(await readText(reader, img, { ...options, remainingMs: () => 20_000 }), 'in time');
    await assert.rejects(readText(reader, img, { ...options, remainingMs: () => -1 }), (e) =>
      isRoadworkError(e, 'ERR_DEADLINE_EXCEEDED'),
    );
  });
});

test(
  '<OCR_WITH_REGION> runs and its quad boxes become line boxes in image pixels',
  { timeout: 60_000 },
  async () => {
    await withDir(async (dir) => {
      await writeModel(dir, tinyFlorence());
      const options = parseOptions('reader', { task: '<OCR_WITH_REGION>' });
      const reader = await loadReader(dir, options, 'cpu');
      // Random weights rarely emit location tokens: the model's answer is only checked for shape.
      const lines = await readText(reader, raw(image(5)), options);
      assert.ok(Array.isArray(lines));
      for (const line of lines) assert.ok(line.text.length > 0 && Number.isFinite(line.score));
      // The real processor parses a Florence-2 answer; the bins' centres scale to a 200×100 image.
      const answer =
        '</s><s>ROAD<loc_100><loc_200><loc_300><loc_200><loc_300><loc_400><loc_100><loc_400></s>';
      const parsed = reader.processor.post_process_generation(answer, '<OCR_WITH_REGION>', [200, 100]);
      const [line, ...rest] = linesOf(parsed['<OCR_WITH_REGION>']);
      assert.equal(rest.length, 0);
      assert.equal(line?.text, 'ROAD');
      const expected = [100.5 * 0.2, 200.5 * 0.1, 300.5 * 0.2, 400.5 * 0.1];
      line?.box?.forEach((v, k) =>
        assert.ok(Math.abs(v - expected[k]!) < 1e-9, `box ${line.box} vs ${expected}`),
      );
      assert.equal(line?.box?.length, 4);
    });
  },
);

test(
  'a Florence-2 folder without a working merged decoder fails to load with ERR_MODEL_LOAD',
  { timeout: 60_000 },
  async () => {
    await withDir(async (dir) => {
      const folder = join(dir, 'florence');
      const files = Object.entries(tinyFlorence()).filter(([path]) => !path.includes('decoder_model_merged'));
      await writeModel(folder, Object.fromEntries(files));
      await assert.rejects(
        loadModel('reader', { runtime: 'transformers', model: folder }, context(dir), registry),
        (e) => isRoadworkError(e, 'ERR_MODEL_LOAD') && e.message.includes('decoder_model_merged'),
      );
      // A decoder that loads but takes the wrong inputs fails the warm-up read, still at load time.
      await writeModel(folder, {
        'onnx/decoder_model_merged.onnx': tinyFlorence()['onnx/embed_tokens.onnx']!,
      });
      await assert.rejects(
        loadModel('reader', { runtime: 'transformers', model: folder }, context(dir), registry),
        (e) => isRoadworkError(e, 'ERR_MODEL_LOAD') && e.message.includes(folder),
      );
      await assert.rejects(
        loadModel(
          'reader',
          { runtime: 'transformers', model: folder, options: { task: '<CAPTION>' } },
          context(dir),
          registry,
        ),
        (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && e.message.includes('<OCR_WITH_REGION>'),
      );
    });
  },
);
