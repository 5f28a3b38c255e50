// `roadwork queries stats|export|prune` on a data_dir holding a real query log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageKey, queryImagesDir } from '../../lifecycle/querylog/index.js';
import { answered, writeQueryLog } from '../../lifecycle/querylog/_test-querylog.js';
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
  assert.match(cmd.helpInformation(), /stats[\s\S]*export[\s\S]*prune/);
  const exp = cmd.commands.find((c) => c.name() === 'export')!;
  assert.match(exp.helpInformation(), /--format <format>.*folders.*csv.*coco.*fiftyone/s);
  assert.match(exp.helpInformation(), /--labelled-only/);
});
