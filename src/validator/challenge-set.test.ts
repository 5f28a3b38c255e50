import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthSource } from '../synth/index.js';
import {
  CHALLENGE_MANIFEST,
  ChallengeSequence,
  createRng,
  isChallengeSet,
  openChallengeSet,
  writeChallengeSet,
} from './index.js';

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

test('writeChallengeSet() writes identical bytes for the same seed and replays the generated challenges', async () => {
  const root = await mkdtemp(join(tmpdir(), 'roadwork-set-'));
  try {
    const source = synthSource(12);
    const a = await writeChallengeSet(source, join(root, 'a'), { count: 10, seed: 's1' });
    await writeChallengeSet(source, join(root, 'b'), { count: 10, seed: 's1' });
    await writeChallengeSet(source, join(root, 'c'), { count: 10, seed: 's2' });
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
    });
    assert.deepEqual(Object.keys(JSON.parse(manifest[1]!)), [
      'i',
      'file',
      'label',
      'level',
      'group',
      'source',
      'params',
    ]);

    // The set read back is the sequence eval would generate with the same seed, image for image.
    const opened = await openChallengeSet(join(root, 'a'));
    assert.deepEqual(opened.entries, a.entries);
    const stream = opened.stream();
    const sequence = new ChallengeSequence(source, createRng('s1'));
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
    await assert.rejects(writeChallengeSet(synthSource(4), root, { count: 2, seed: 's' }), {
      code: 'ERR_CONFIG_INVALID',
      message: /not empty: /,
    });
    await writeFile(join(root, CHALLENGE_MANIFEST), '{"i":0}\n');
    await assert.rejects(openChallengeSet(root), {
      code: 'ERR_DATASET_INVALID',
      message: /Not a roadwork challenge manifest/,
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
