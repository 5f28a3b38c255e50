import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createChallenge } from './challenge.js';
import { openImageFolder } from '../../data/sources/index.js';
import { createRng } from '../../core/random/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { writeLabelledFolder } from '../../../test/fixtures/images.js';

async function solid(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 96, height: 64, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();
}

async function makeFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-challenge-'));
  await writeLabelledFolder(dir, 2);
  return dir;
}

test('createChallenge() draws both labels about equally and reports the chosen image', async () => {
  const dir = await makeFolder();
  try {
    const source = await openImageFolder(dir);
    const rng = createRng('challenges');
    const labels = [0, 0];
    for (let i = 0; i < 40; i++) {
      const challenge = await createChallenge(source, rng, { level: 0 });
      labels[challenge.label]!++;
      const image = source.images.find((im) => im.id === challenge.sourceId)!;
      assert.equal(image.label, challenge.label);
      assert.equal(challenge.group, image.group);
      assert.equal((await sharp(Buffer.from(challenge.imageB64, 'base64')).metadata()).width, 224);
    }
    assert.ok(labels[0]! >= 10 && labels[1]! >= 10, `labels ${labels}`);
    const again = await createChallenge(source, createRng('same'));
    const twice = await createChallenge(source, createRng('same'));
    assert.deepEqual(again, twice);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('createChallenge() fails with ERR_DATASET_INVALID when a label has no images', async () => {
  const source = {
    name: 'only-pos',
    images: [{ id: 'x', label: 1 as const, group: 'g', load: () => solid(1, 2, 3) }],
  };
  const rng = createRng('missing');
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 20; i++) await createChallenge(source, rng, { level: 0 });
    })(),
    (err) => isRoadworkError(err, 'ERR_DATASET_INVALID'),
  );
});
