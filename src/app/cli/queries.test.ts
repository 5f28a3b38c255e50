// `roadwork queries stats|export|prune` on a data_dir holding a real query log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageKey, openQueryStore, queryImagesDir } from '../../lifecycle/querylog/index.js';
import { answered, writeQueryLog } from '../../lifecycle/querylog/_test-querylog.js';
import { logCrafted } from '../../lifecycle/querylog/_test-mining.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { queriesCommand } from './queries.js';

async function run(args: string[]): Promise<string> {
  const chunks: string[] = [];
  await queriesCommand({}, { write: (t: string) => chunks.push(t) }).parseAsync(args, { from: 'user' });
  return chunks.join('');
}

test('queries stats, export and prune work on the data_dir the miner logged to', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-queries-cli-'));
  try {
    const place = { dataDir: dir, storeUrl: '' };
    const reqs = [await answered([240, 20, 20]), await answered([20, 20, 240])];
    await writeQueryLog(
      place,
      reqs.map((r, i) => ({ ...r, receivedAtMs: Date.now() - (2 - i) * 1000 })),
      [{ sha256: imageKey(reqs[0]!.image), label: 1, source: 'operator', at: 1, by: 'ana' }],
    );

    const text = await run(['stats', '--data_dir', dir]);
    assert.match(text, /^Logged 2 requests from .* 2 distinct images/m);
    assert.match(text, /^Labelled 1 of them; dropped 0 \(queue full\) and 0 \(write failed\)/m);
    assert.match(text, /By label:\n +1 +roadwork\n +1 +unlabelled\n/);
    const json = JSON.parse(await run(['stats', '--json', '--data_dir', dir]));
    assert.equal(json.logged, 2);
    assert.deepEqual(json.byLabel, { roadwork: 1, unlabelled: 1 });

    const out = join(dir, 'export');
    assert.match(
      await run(['export', '--out', out, '--data_dir', dir]),
      /Wrote 1 images \(1 labelled\) as folders .*; 1 unlabelled left out/,
    );
    assert.match(
      readFileSync(join(out, 'manifest.csv'), 'utf8'),
      /^file,label,group\npos\/[0-9a-f]{64}\.jpg,1,/,
    );

    assert.match(
      await run(['prune', '--querylog.max_entries', '1', '--data_dir', dir]),
      /^Pruned 1 requests and 1 images/,
    );
    assert.equal(existsSync(join(queryImagesDir(place), imageKey(reqs[0]!.image).slice(0, 2))), true);
    assert.equal(JSON.parse(await run(['stats', '--json', '--data_dir', dir])).logged, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('queries --help lists its subcommands and export names every format', () => {
  const cmd = queriesCommand({});
  assert.match(cmd.helpInformation(), /stats[\s\S]*hard[\s\S]*similar[\s\S]*export[\s\S]*prune/);
  const exp = cmd.commands.find((c) => c.name() === 'export')!;
  assert.match(exp.helpInformation(), /--format <format>.*folders.*csv.*coco.*fiftyone/s);
  assert.match(exp.helpInformation(), /--labelled-only/);
});

test('queries hard says plainly why it lists nothing: an empty log, every request labelled, or nothing uncertain', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-queries-none-'));
  try {
    const place = { dataDir: dir, storeUrl: '' };
    assert.equal(
      await run(['hard', '--data_dir', dir]),
      'The query log is empty: no answered request has been logged yet (roadwork serve logs them with querylog.enabled).\n',
    );
    const store = await openQueryStore(place);
    await logCrafted(store, queryImagesDir(place), [
      { image: 1, prediction: 0.5, label: 1 },
      { image: 2, prediction: 0.45, label: 0 },
    ]);
    assert.equal(
      await run(['hard', '--data_dir', dir]),
      'Every request is labelled (2 requests): there is nothing left to rank.\n',
    );
    await logCrafted(store, queryImagesDir(place), [{ image: 3, prediction: 0.99 }]);
    await store.close();
    assert.match(
      await run(['hard', '--data_dir', dir]),
      /^No hard cases: every unlabelled image is confident/,
    );
    assert.equal(await run(['hard', '--json', '--data_dir', dir]), '[]\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('queries hard lists the hard cases with their reasons, and queries similar the nearest images', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-queries-hard-'));
  try {
    const place = { dataDir: dir, storeUrl: '' };
    const store = await openQueryStore(place);
    const ids = await logCrafted(store, queryImagesDir(place), [
      { image: 1, prediction: 0.5, embedding: [1, 0, 0] },
      {
        image: 2,
        prediction: 0.6,
        embedding: [0.8, 0.2, 0],
        stages: [
          { stage: 'edges', probability: 0.9, ms: 1 },
          { stage: 'vlm', probability: 0.2, ms: 9 },
        ],
      },
      { image: 3, prediction: 0.99, embedding: [0, 1, 0], label: 1 },
      { image: 4, prediction: 0.01, embedding: [0, 0, 1] },
    ]);
    await store.close();

    const text = await run(['hard', '--data_dir', dir]);
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, /^ +id +prediction +score +dups +reasons$/);
    assert.match(
      lines[1]!,
      new RegExp(
        `^ +${ids[1]} +0\\.600 +1\\.30 +0 +threshold \\(0\\.60\\): prediction 0\\.60 is 0\\.10 from the threshold 0\\.50$`,
      ),
    );
    assert.match(
      lines[2]!,
      /^ {30,}disagreement \(0\.70\): stages disagree: edges says roadwork \(0\.90\), vlm says not \(0\.20\)$/,
    );
    assert.match(lines[3]!, new RegExp(`^ +${ids[0]} +0\\.500 +1\\.00 +0 +threshold`));
    assert.equal(lines.length, 4);
    const json = JSON.parse(await run(['hard', '--json', '--limit', '1', '--data_dir', dir]));
    assert.deepEqual(
      json.map((c: { id: number }) => c.id),
      [ids[1]],
    );
    assert.deepEqual(Object.keys(json[0]).sort(), [
      'cluster',
      'duplicates',
      'id',
      'prediction',
      'reasons',
      'receivedAt',
      'score',
      'sha256',
      'validator',
    ]);

    const similar = (await run(['similar', String(ids[0]), '--data_dir', dir])).trimEnd().split('\n');
    assert.match(similar[0]!, /^ +id +distance +label +prediction +sha256$/);
    assert.deepEqual(
      similar.slice(1).map((l) => l.trim().split(/ +/).slice(0, 3)),
      [
        [String(ids[1]), '0.0299', '-'],
        // A tie: the newer first.
        [String(ids[3]), '1.0000', '-'],
        [String(ids[2]), '1.0000', 'roadwork'],
      ],
    );
    const near = JSON.parse(await run(['similar', String(ids[0]), '--k', '1', '--json', '--data_dir', dir]));
    assert.deepEqual(
      near.map((n: { id: number }) => n.id),
      [ids[1]],
    );
    await assert.rejects(run(['similar', '99999', '--data_dir', dir]), (err) =>
      isRoadworkError(err, 'ERR_QUERY_UNKNOWN'),
    );
    await assert.rejects(
      run(['hard', '--limit', '0', '--data_dir', dir]),
      (err) =>
        isRoadworkError(err, 'ERR_CONFIG_INVALID') && /--limit is not a whole number/.test(err.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
