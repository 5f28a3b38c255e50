import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createRng } from '../../core/random/index.js';
import { ROADWORK_KINDS, encodeScene, generateScene, synthSource } from './index.js';

test('generateScene() returns a full RGB frame that encodes to a decodable JPEG', async () => {
  const scene = generateScene(createRng('valid'), { roadwork: true, width: 320, height: 240 });
  assert.equal(scene.rgb.length, 320 * 240 * 3);
  const jpeg = await encodeScene(scene.rgb, scene.width, scene.height);
  const meta = await sharp(jpeg).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 320, 240]);
});

test('generateScene() honours the label: positives hold a visible roadwork box, negatives none', () => {
  for (let i = 0; i < 30; i++) {
    const pos = generateScene(createRng(`pos-${i}`), { roadwork: true });
    assert.equal(pos.label, 1);
    const work = pos.objects.filter((o) => ROADWORK_KINDS.has(o.kind));
    assert.ok(work.length >= 1, `scene ${i} has no roadwork object`);
    for (const { box } of work) {
      assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 640 && box.y + box.height <= 480);
      assert.ok(box.width >= 3 && box.height >= 3);
    }
    const neg = generateScene(createRng(`neg-${i}`), { roadwork: false });
    assert.equal(neg.label, 0);
    assert.ok(neg.objects.every((o) => !ROADWORK_KINDS.has(o.kind)));
  }
});

test('generateScene() is deterministic for a seed and varies between seeds', () => {
  const a = generateScene(createRng(7), { roadwork: true });
  const b = generateScene(createRng(7), { roadwork: true });
  const c = generateScene(createRng(8), { roadwork: true });
  assert.deepEqual(a.rgb, b.rgb);
  assert.deepEqual(a.objects, b.objects);
  let diff = 0;
  for (let i = 0; i < a.rgb.length; i++) diff += Math.abs(a.rgb[i]! - c.rgb[i]!);
  assert.ok(diff / a.rgb.length > 10, `seeds 7 and 8 differ by only ${diff / a.rgb.length} per channel`);
});

test('synthSource() alternates labels and loads the same JPEG bytes for the same seed', async () => {
  const source = synthSource(4, { seed: 's', width: 160, height: 120 });
  assert.deepEqual(
    source.images.map((i) => i.label),
    [1, 0, 1, 0],
  );
  const first = await source.images[0]!.load();
  const again = await synthSource(4, { seed: 's', width: 160, height: 120 }).images[0]!.load();
  assert.deepEqual(first, again);
  assert.notDeepEqual(first, await source.images[2]!.load());
});
