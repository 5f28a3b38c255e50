// Folder sources: pos/ and neg/ with or without a manifest, and the CSV reader behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openImageFolder } from './index.js';
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
