import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { synthSource } from '../../data/procedural/index.js';
import {
  CHALLENGE_MANIFEST,
  ChallengeSequence,
  isChallengeSet,
  openChallengeSet,
  planChallenges,
  writeChallengeSet,
} from './index.js';
import { createRng } from '../../core/random/index.js';

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

test('writeChallengeSet() writes identical bytes for the same seed and replays the generated challenges', async () => {
  const root = await mkdtemp(join(tmpdir(), 'roadwork-set-'));
  try {
    const source = synthSource(12);
    const plan = planChallenges(source, { protocol: '2.0.4' });
    const a = await writeChallengeSet(plan, join(root, 'a'), { count: 10, seed: 's1' });
    await writeChallengeSet(plan, join(root, 'b'), { count: 10, seed: 's1' });
    await writeChallengeSet(plan, join(root, 'c'), { count: 10, seed: 's2' });
    const [fa, fb, fc] = await Promise.all(['a', 'b', 'c'].map((d) => filesOf(join(root, d))));
    assert.equal(fa!.size, 11, '10 JPEGs and the manifest');
    assert.deepEqual(fb, fa);
    assert.notDeepEqual(fc!.get('000000.jpg'), fa!.get('000000.jpg'));
    assert.ok(await isChallengeSet(join(root, 'a')));
    assert.equal(await isChallengeSet(root), false);

    const manifest = (await readFile(join(root, 'a', CHALLENGE_MANIFEST), 'utf8')).trim().split('\n');
    assert.deepEqual(JSON.parse(manifest[0]!), {
      format: 'roadwork-challenges',
      version: 1,
      seed: 's1',
      data: source.name,
      count: 10,
      protocol: '2.0.4',
    });
    assert.deepEqual(Object.keys(JSON.parse(manifest[1]!)), [
      'i',
      'file',
      'label',
      'group',
      'source',
      'level',
      'params',
    ]);

    // The set read back is the sequence eval would generate with the same seed, image for image.
    const opened = await openChallengeSet(join(root, 'a'));
    assert.deepEqual(opened.entries, a.entries);
    const stream = opened.stream();
    const sequence = new ChallengeSequence(plan, createRng('s1'));
    assert.equal(stream.size, 10);
    for (let n = 0; n < 10; n++) {
      const [fromSet, generated] = await Promise.all([stream.draw().challenge, sequence.draw().challenge]);
      assert.deepEqual(fromSet, generated);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('writeChallengeSet() refuses a non-empty folder, and openChallengeSet() a foreign manifest', async () => {
  const root = await mkdtemp(join(tmpdir(), 'roadwork-set-'));
  try {
    await writeFile(join(root, 'keep.txt'), 'x');
    await assert.rejects(
      writeChallengeSet(planChallenges(synthSource(4), { protocol: '2.0.4' }), root, { count: 2, seed: 's' }),
      {
        code: 'ERR_CONFIG_INVALID',
        message: /not empty: /,
      },
    );
    await writeFile(join(root, CHALLENGE_MANIFEST), '{"i":0}\n');
    await assert.rejects(openChallengeSet(root), {
      code: 'ERR_DATASET_INVALID',
      message: /Not a roadwork challenge manifest/,
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a protocol 0.4 set: source-size JPEGs q75, one third per origin, api images held out by group, replayed as drawn', async () => {
  const root = await mkdtemp(join(tmpdir(), 'roadwork-set-'));
  try {
    // Real images in six groups of two per label, at 800×600; synthetic scenes at 320×240.
    const base = synthSource(24, { seed: 'real', width: 800, height: 600 });
    const real = {
      name: 'real',
      images: base.images.map((img, i) => ({ ...img, id: `r${i}`, group: `drive-${Math.floor(i / 4)}` })),
    };
    const synthetic = synthSource(8, { seed: 'gen', width: 320, height: 240 });
    const plan = planChallenges(real, { protocol: '0.4', synthetic });
    assert.equal(plan.protocol, '0.4');
    if (plan.protocol !== '0.4') return;
    const realGroups = new Set(plan.pools.real.images.map((i) => i.group));
    const apiGroups = new Set(plan.pools.api.images.map((i) => i.group));
    assert.ok(apiGroups.size > 0 && realGroups.size > 0);
    assert.deepEqual(
      [...apiGroups].filter((g) => realGroups.has(g)),
      [],
      'no group in both pools',
    );
    assert.equal(plan.pools.real.images.length + plan.pools.api.images.length, 24);
    for (const pool of [plan.pools.real, plan.pools.api])
      assert.deepEqual(new Set(pool.images.map((i) => i.label)), new Set([0, 1]), pool.name);

    const set = await writeChallengeSet(plan, join(root, 'set'), { count: 30, seed: 's04' });
    assert.equal(set.header.protocol, '0.4');
    const origins = new Set(set.entries.map((e) => e.origin));
    assert.deepEqual(origins, new Set(['real', 'synthetic', 'api']));
    for (const e of set.entries) {
      assert.equal(e.level, undefined);
      const meta = await sharp(join(root, 'set', e.file)).metadata();
      const expected = e.origin === 'synthetic' ? [320, 240] : [800, 600];
      assert.deepEqual([meta.width, meta.height], expected, `${e.file} at its source size`);
      assert.deepEqual([e.size?.width, e.size?.height], expected);
      assert.equal(meta.format, 'jpeg');
    }
    const labels = set.entries.map((e) => e.label);
    assert.ok(labels.includes(0) && labels.includes(1));

    const replay = (await openChallengeSet(join(root, 'set'))).stream();
    const sequence = new ChallengeSequence(plan, createRng('s04'));
    for (let n = 0; n < 30; n++) {
      const [fromSet, drawn] = await Promise.all([replay.draw().challenge, sequence.draw().challenge]);
      assert.deepEqual(fromSet, drawn);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
