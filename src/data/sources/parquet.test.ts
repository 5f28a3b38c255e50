import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import sharp from 'sharp';
import { isConsistentRow, openParquetSource } from './index.js';
import { pythonTruthy } from './_parquet-row.js';

function jpeg(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 24, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();
}

/** Rows as Hugging Face writes the NATIX dataset: `image: {bytes, path}`, int64 `label`, string `scene_description`. */
function natixParquet(rows: { image: Buffer; label: bigint; scene: string | null }[]): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: [
      { name: 'image', data: rows.map((r, i) => ({ bytes: new Uint8Array(r.image), path: `${i}.jpg` })) },
      { name: 'label', data: rows.map((r) => r.label) },
      { name: 'scene_description', data: rows.map((r) => r.scene) },
    ],
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
      { name: 'scene_description', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ],
    rowGroupSize: 2,
  });
}

test('isConsistentRow() keeps roadwork with a description and negatives without one, as the validator does', () => {
  assert.equal(isConsistentRow(1, true), true);
  assert.equal(isConsistentRow(0, false), true);
  assert.equal(isConsistentRow(1, false), false);
  assert.equal(isConsistentRow(0, true), false);
  // Python truthiness decides "has a description": None and "" do not, " " does.
  assert.deepEqual([null, undefined, '', ' ', 'cones', 0, Number.NaN, []].map(pythonTruthy), [
    false,
    false,
    false,
    true,
    true,
    false,
    true,
    false,
  ]);
});

test('openParquetSource() reads the NATIX layout, skips inconsistent rows and loads the real JPEG bytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-parquet-'));
  try {
    const images = await Promise.all([
      jpeg(255, 120, 0),
      jpeg(10, 200, 10),
      jpeg(0, 0, 255),
      jpeg(90, 90, 90),
    ]);
    const rows = [
      { image: images[0]!, label: 1n, scene: 'Traffic cones narrow the lane.' },
      { image: images[1]!, label: 0n, scene: null },
      { image: images[2]!, label: 1n, scene: '' }, // roadwork without a description: skipped
      { image: images[3]!, label: 0n, scene: 'A barrier.' }, // negative with a description: skipped
      { image: images[1]!, label: 2n, scene: null }, // not a label the validator ever asks for
    ];
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'train-00000.parquet'), Buffer.from(natixParquet(rows)));
    await writeFile(join(dir, 'data', 'train-00001.parquet'), Buffer.from(natixParquet(rows.slice(0, 2))));

    const one = await openParquetSource(join(dir, 'data', 'train-00000.parquet'));
    assert.deepEqual(
      one.images.map((i) => [i.id, i.label, i.group]),
      [
        ['train-00000.parquet#0', 1, 'natix'],
        ['train-00000.parquet#1', 0, 'natix'],
      ],
    );
    assert.equal(one.skipped, 3);
    assert.deepEqual(await one.images[0]!.load(), images[0]);
    assert.deepEqual(await one.images[1]!.load(), images[1]);

    const folder = await openParquetSource(dir);
    assert.deepEqual(
      folder.images.map((i) => i.id),
      [
        'data/train-00000.parquet#0',
        'data/train-00000.parquet#1',
        'data/train-00001.parquet#0',
        'data/train-00001.parquet#1',
      ],
    );
    assert.deepEqual(await folder.images[3]!.load(), images[1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('openParquetSource() takes a raw bytes image column and base64 text, and names a missing column', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-parquet-'));
  try {
    const image = await jpeg(200, 30, 30);
    const raw = parquetWriteBuffer({
      columnData: [
        {
          name: 'Image',
          data: [new Uint8Array(image), new Uint8Array(Buffer.from(image.toString('base64')))],
          type: 'BYTE_ARRAY',
        },
        { name: 'label', data: [1, 1], type: 'INT32' },
        { name: 'scene_description', data: ['Cones.', 'Workers.'], type: 'STRING' },
      ],
    });
    await writeFile(join(dir, 'raw.parquet'), Buffer.from(raw));
    const source = await openParquetSource(join(dir, 'raw.parquet'));
    assert.equal(source.images.length, 2);
    assert.deepEqual(await source.images[0]!.load(), image);
    assert.deepEqual(await source.images[1]!.load(), image);

    const bare = parquetWriteBuffer({
      columnData: [
        { name: 'image', data: [new Uint8Array(image)], type: 'BYTE_ARRAY' },
        { name: 'label', data: [1], type: 'INT32' },
      ],
    });
    await writeFile(join(dir, 'bare.parquet'), Buffer.from(bare));
    await assert.rejects(openParquetSource(join(dir, 'bare.parquet')), {
      code: 'ERR_DATASET_INVALID',
      message: /lacks scene_description: .*bare\.parquet has image, label/,
    });
    await assert.rejects(openParquetSource(join(dir, 'none')), { code: 'ERR_DATASET_INVALID' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
