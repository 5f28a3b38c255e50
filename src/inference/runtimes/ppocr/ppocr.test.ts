import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isRoadworkError } from '../../../core/errors/index.js';
import type { RgbImage } from '../../image/index.js';
import { editDistance, matchKeywords, normalizeText } from '../../cascade/text/index.js';
import type { TextReader } from '../types.js';
import { ctcGreedy } from './_ctc.js';
import { findTextBoxes } from './_detect.js';
import { loadPpOcrReader } from './index.js';
import { testContext } from '../_test-context.js';

const ctx = testContext();

/** A 224×224 sign: `lines` in bold black on a white panel over an orange background. */
async function sign(lines: string[], size = 20): Promise<RgbImage> {
  const texts = lines
    .map(
      (line, i) =>
        `<text x="112" y="${112 - ((lines.length - 1) * size * 1.5) / 2 + i * size * 1.5 + size / 3}" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${size}" text-anchor="middle">${line}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="224" height="224"><rect width="224" height="224" fill="#f28c28"/><rect x="10" y="${112 - lines.length * size}" width="204" height="${lines.length * size * 2}" fill="white"/>${texts}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function plain(rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i % 3]!;
  return { data, width: 224, height: 224 };
}

const soon = (): { deadlineMs: number } => ({ deadlineMs: Date.now() + 20_000 });
const squash = (s: string): string => normalizeText(s).replaceAll(' ', '');

let reader: TextReader;
before(async () => {
  reader = await loadPpOcrReader({ runtime: 'ppocr', model: 'builtin:ppocr-v4' }, ctx);
});
after(async () => {
  await reader?.close();
});

test('read() with the real PP-OCRv4 models reads ROAD WORK AHEAD off a rendered sign', async () => {
  const lines = await reader.read(await sign(['ROAD WORK', 'AHEAD']), soon());
  const text = lines.map((l) => l.text).join(' ');
  const distance = editDistance(squash(text), 'ROADWORKAHEAD');
  assert.ok(distance <= 2, `read ${JSON.stringify(text)}, ${distance} edits away`);
  assert.ok(lines.every((l) => l.score > 0.5 && l.score <= 1));
  // Lines come in reading order with boxes inside the image.
  assert.ok(squash(lines[0]!.text).startsWith('ROAD'));
  for (const { box } of lines) assert.ok(box![0] >= 0 && box![1] >= 0 && box![2] <= 224 && box![3] <= 224);
  assert.deepEqual(
    matchKeywords(lines)
      .map((m) => m.keyword)
      .filter((k) => k === 'ROAD WORK'),
    ['ROAD WORK'],
  );
});

test('read() with the real PP-OCRv4 models reads a one-word DETOUR sign and a German BAUSTELLE', async () => {
  const detour = await reader.read(await sign(['DETOUR'], 28), soon());
  assert.ok(editDistance(squash(detour.map((l) => l.text).join('')), 'DETOUR') <= 1, JSON.stringify(detour));
  const baustelle = await reader.read(await sign(['Baustelle'], 26), soon());
  assert.deepEqual(
    matchKeywords(baustelle).map((m) => m.keyword),
    ['BAUSTELLE'],
  );
});

test('read() boxes the two lines of a ROAD / CLOSED sign apart, and matchKeywords reads them as one sign', async () => {
  const lines = await reader.read(await sign(['ROAD', 'CLOSED'], 24), soon());
  // The detector gives each printed line its own box: no line alone holds the keyword.
  assert.ok(lines.length >= 2, JSON.stringify(lines));
  for (const line of lines) assert.deepEqual(matchKeywords([line.text]), [], line.text);
  const matches = matchKeywords(lines);
  assert.ok(
    matches.some((m) => m.keyword === 'ROAD CLOSED'),
    JSON.stringify(lines),
  );
  assert.equal(new Set(matches.map((m) => m.sign)).size, 1);
});

test('read() returns no lines for an image without text', async () => {
  assert.deepEqual(await reader.read(plain([255, 255, 255]), soon()), []);
  assert.deepEqual(await reader.read(plain([242, 140, 40]), soon()), []);
});

test('read() leaves the caller image intact and rejects a passed deadline with ERR_STAGE_TIMEOUT', async () => {
  const image = await sign(['DETOUR'], 28);
  const copy = image.data.slice();
  await reader.read(image, soon());
  assert.deepEqual(image.data, copy);
  await assert.rejects(reader.read(image, { deadlineMs: Date.now() - 1 }), (err) =>
    isRoadworkError(err, 'ERR_STAGE_TIMEOUT'),
  );
});

test('loadPpOcrReader() fails with ERR_MODEL_LOAD on a corrupt model file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ppocr-'));
  try {
    const bad = join(dir, 'rec.onnx');
    await writeFile(bad, Buffer.from('this is not an ONNX model'));
    await assert.rejects(
      loadPpOcrReader({ runtime: 'ppocr', model: 'builtin:ppocr-v4', options: { rec_model: bad } }, ctx),
      (err) => isRoadworkError(err, 'ERR_MODEL_LOAD'),
    );
    await assert.rejects(
      loadPpOcrReader(
        { runtime: 'ppocr', model: 'builtin:ppocr-v4', options: { det_model: join(dir, 'missing.onnx') } },
        ctx,
      ),
      (err) => isRoadworkError(err, 'ERR_MODEL_LOAD') && /missing\.onnx/.test(err.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadPpOcrReader() rejects an unknown built-in model, folder or option with ERR_CONFIG_INVALID', async () => {
  await assert.rejects(
    loadPpOcrReader({ runtime: 'ppocr', model: 'builtin:ppocr-v9' }, ctx),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /builtin:ppocr-v4/.test(err.message),
  );
  await assert.rejects(loadPpOcrReader({ runtime: 'ppocr', model: '/nonexistent/ocr' }, ctx), (err) =>
    isRoadworkError(err, 'ERR_CONFIG_INVALID'),
  );
  await assert.rejects(
    loadPpOcrReader({ runtime: 'ppocr', model: 'builtin:ppocr-v4', options: { det_size: 300 } }, ctx),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /det_size/.test(err.message),
  );
});

test('ctcGreedy() collapses repeats, drops blanks and averages the kept probabilities', () => {
  const chars = ['', 'A', 'B'];
  // Steps: A A blank A B B → "AAB".
  const best = [1, 1, 0, 1, 2, 2];
  const probs = new Float32Array(best.length * 3);
  best.forEach((k, t) => {
    probs.fill(0.1, t * 3, t * 3 + 3);
    probs[t * 3 + k] = 0.8;
  });
  const { text, score } = ctcGreedy(probs, 0, best.length, 3, chars);
  assert.equal(text, 'AAB');
  assert.ok(Math.abs(score - 0.8) < 1e-6);
  assert.deepEqual(ctcGreedy(new Float32Array([0.9, 0.05, 0.05]), 0, 1, 3, chars), { text: '', score: 0 });
});

test('findTextBoxes() finds separate regions in reading order, grown by the unclip distance', () => {
  const w = 64;
  const h = 32;
  const prob = new Float32Array(w * h);
  const fill = (x1: number, y1: number, x2: number, y2: number, p: number): void => {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) prob[y * w + x] = p;
  };
  fill(40, 4, 60, 10, 0.9); // right word, first row
  fill(4, 5, 30, 11, 0.9); // left word, first row
  fill(4, 20, 30, 26, 0.4); // above threshold, below box threshold
  fill(50, 25, 52, 27, 0.9); // too small
  const boxes = findTextBoxes(prob, w, h, {
    threshold: 0.3,
    boxThreshold: 0.6,
    unclipRatio: 1.5,
    minSize: 3,
    maxBoxes: 10,
  });
  assert.equal(boxes.length, 2);
  const [left, right] = boxes;
  assert.ok(left!.box[0] < right!.box[0]);
  // 26×6 region: grow = 26·6·1.5 / (2·32) ≈ 3.66 on every side.
  assert.ok(Math.abs(left!.box[0] - (4 - 3.65625)) < 1e-9);
  assert.ok(Math.abs(left!.box[2] - (30 + 3.65625)) < 1e-9);
  assert.ok(Math.abs(left!.score - 0.9) < 1e-6);
});
