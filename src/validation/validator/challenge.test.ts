import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createChallenge } from './challenge.js';
import { openImageFolder, parseCsvLine } from './sources.js';
import { createRng } from './_rng.js';
import { isRoadworkError } from '../../core/errors/index.js';

async function solid(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 96, height: 64, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();
}

async function makeFolder(withManifest: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-folder-'));
  await mkdir(join(dir, 'pos'));
  await mkdir(join(dir, 'neg'));
  await writeFile(join(dir, 'pos', 'a.jpg'), await solid(255, 128, 0));
  await writeFile(join(dir, 'pos', 'b.jpg'), await solid(250, 120, 0));
  await writeFile(join(dir, 'neg', 'c.jpg'), await solid(0, 0, 255));
  await writeFile(join(dir, 'neg', 'notes.txt'), 'not an image');
  if (withManifest) {
    await writeFile(
      join(dir, 'manifest.csv'),
      'file,label,group,source_path\npos/a.jpg,1,city-a,"x,y.jpg"\nneg/c.jpg,0,city-b,z.jpg\n',
    );
  }
  return dir;
}

test('openImageFolder() lists pos/ and neg/ images when there is no manifest', async () => {
  const dir = await makeFolder(false);
  try {
    const source = await openImageFolder(dir);
    assert.deepEqual(
      source.images.map((i) => [i.id, i.label, i.group]),
      [
        ['pos/a.jpg', 1, 'pos'],
        ['pos/b.jpg', 1, 'pos'],
        ['neg/c.jpg', 0, 'neg'],
      ],
    );
    assert.ok((await source.images[0]!.load()).length > 100);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('openImageFolder() follows manifest.csv rows, labels and groups', async () => {
  const dir = await makeFolder(true);
  try {
    const source = await openImageFolder(dir);
    assert.deepEqual(
      source.images.map((i) => [i.id, i.label, i.group]),
      [
        ['pos/a.jpg', 1, 'city-a'],
        ['neg/c.jpg', 0, 'city-b'],
      ],
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('openImageFolder() on a folder that does not exist says so, with the absolute path', async () => {
  await assert.rejects(
    openImageFolder(join('no-such-dir', 'photos')),
    (err) =>
      isRoadworkError(err, 'ERR_DATASET_INVALID') &&
      err.message.startsWith(
        `No such folder: ${join('no-such-dir', 'photos')} (${join(process.cwd(), 'no-such-dir', 'photos')})`,
      ),
  );
});

test('openImageFolder() rejects an empty folder with ERR_DATASET_INVALID', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-empty-'));
  try {
    await assert.rejects(openImageFolder(dir), (err) => isRoadworkError(err, 'ERR_DATASET_INVALID'));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('parseCsvLine() keeps quoted commas and doubled quotes', () => {
  assert.deepEqual(parseCsvLine('a,"b,c","d""e",'), ['a', 'b,c', 'd"e', '']);
});

test('createChallenge() draws both labels about equally and reports the chosen image', async () => {
  const dir = await makeFolder(false);
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
