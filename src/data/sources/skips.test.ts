// Unreadable images (a truncated JPEG, text named .jpg, a missing file) are skipped once, named and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  ChallengeSequence,
  openChallengeSet,
  planChallenges,
  writeChallengeSet,
} from '../../validation/validator/index.js';
import { SkippedImages, openImageFolder, type ImageSkip } from './index.js';
import { createRng } from '../../core/random/index.js';
import { synthSource } from '../procedural/index.js';

async function jpeg(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 96, height: 64, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();
}

/** pos/: good ones, a truncated JPEG and a text file named .jpg; neg/: good ones. */
async function folderWithBadFiles(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-bad-'));
  await mkdir(join(dir, 'pos'));
  await mkdir(join(dir, 'neg'));
  const good = await jpeg(255, 128, 0);
  await writeFile(join(dir, 'pos', 'a.jpg'), good);
  for (const name of ['b', 'e', 'f', 'g', 'h'])
    await writeFile(join(dir, 'pos', `${name}.jpg`), await jpeg(240, 120, name.charCodeAt(0)));
  await writeFile(join(dir, 'pos', 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 3)));
  await writeFile(join(dir, 'pos', 'text.jpg'), 'this is not an image\n');
  await writeFile(join(dir, 'neg', 'c.jpg'), await jpeg(0, 0, 255));
  for (const name of ['d', 'i', 'j', 'k'])
    await writeFile(join(dir, 'neg', `${name}.jpg`), await jpeg(0, name.charCodeAt(0), 200));
  return dir;
}

for (const protocol of ['0.4', '2.0.4'] as const) {
  test(`drawChallenge() (${protocol}) skips unreadable images once, naming each, and keeps drawing`, async () => {
    const dir = await folderWithBadFiles();
    try {
      const seen: ImageSkip[] = [];
      const skips = new SkippedImages({ onSkip: (s) => seen.push(s) });
      const plan = planChallenges(await openImageFolder(dir), {
        protocol,
        synthetic: synthSource(4),
        skips,
      });
      const sequence = new ChallengeSequence(plan, createRng('bad-files'));
      for (let n = 0; n < 60; n++) {
        const c = await sequence.draw().challenge;
        assert.ok(!['pos/truncated.jpg', 'pos/text.jpg'].includes(c.sourceId));
      }
      assert.deepEqual(seen.map((s) => s.id).sort(), ['pos/text.jpg', 'pos/truncated.jpg']);
      assert.equal(skips.count, 2);
      assert.ok(seen.every((s) => s.source.startsWith(dir) && s.reason.length > 0));
      assert.match(skips.summary(), /^2 unreadable images skipped: pos\/(text|truncated)\.jpg, /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('drawChallenge() with strict skips fails at the first unreadable image, naming it', async () => {
  const dir = await folderWithBadFiles();
  try {
    const plan = planChallenges(await openImageFolder(dir), {
      protocol: '2.0.4',
      skips: new SkippedImages({ strict: true }),
    });
    const sequence = new ChallengeSequence(plan, createRng('bad-files'));
    await assert.rejects(
      (async () => {
        for (let n = 0; n < 60; n++) await sequence.draw().challenge;
      })(),
      { code: 'ERR_DATASET_INVALID', message: /unreadable image pos\/(text|truncated)\.jpg in .*--strict/ },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('drawChallenge() fails with ERR_DATASET_INVALID when no image of a label is readable', async () => {
  const dir = await folderWithBadFiles();
  try {
    for (const name of ['a', 'b', 'e', 'f', 'g', 'h']) await rm(join(dir, 'pos', `${name}.jpg`));
    const plan = planChallenges(await openImageFolder(dir), {
      protocol: '2.0.4',
      skips: new SkippedImages({ onSkip: () => undefined }),
    });
    const sequence = new ChallengeSequence(plan, createRng('bad-files'));
    await assert.rejects(
      (async () => {
        for (let n = 0; n < 20; n++) await sequence.draw().challenge;
      })(),
      { code: 'ERR_DATASET_INVALID', message: /No readable images of label 1 left .*all 2 are unreadable/ },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeChallengeSet() leaves nothing at the target when the draw fails, so a re-run succeeds', async () => {
  const dir = await folderWithBadFiles();
  const root = await mkdtemp(join(tmpdir(), 'roadwork-set-'));
  try {
    const out = join(root, 'set');
    const strict = planChallenges(await openImageFolder(dir), {
      protocol: '2.0.4',
      skips: new SkippedImages({ strict: true }),
    });
    await assert.rejects(writeChallengeSet(strict, out, { count: 40, seed: 'bad-files' }), {
      code: 'ERR_DATASET_INVALID',
    });
    assert.deepEqual(await readdir(root), [], 'no --out and no temporary folder left behind');
    const lenient = planChallenges(await openImageFolder(dir), {
      protocol: '2.0.4',
      skips: new SkippedImages({ onSkip: () => undefined }),
    });
    const set = await writeChallengeSet(lenient, out, { count: 40, seed: 'bad-files' });
    assert.equal((await openChallengeSet(out)).entries.length, 40);
    assert.equal(set.entries.length, 40);
    assert.deepEqual(await readdir(root), ['set']);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }
});
