// `roadwork challenges` and `roadwork eval` on a folder holding unreadable files: named, counted, skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { challengesCommand } from './challenges.js';
import { evalCommand } from './eval.js';
import { textSink } from '../../../test/fixtures/streams.js';
import { writeLabelledFolder } from '../../../test/fixtures/images.js';

const BASELINE = fileURLToPath(new URL('../../../models/baseline/model.onnx', import.meta.url));

const sink = textSink;

async function folder(dir: string): Promise<void> {
  await writeLabelledFolder(dir);
  const good = await readFile(join(dir, 'pos', '0.jpg'));
  await writeFile(join(dir, 'pos', 'truncated.jpg'), good.subarray(0, 150));
  await writeFile(join(dir, 'neg', 'readme.jpg'), 'not a picture\n');
}

async function inDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-bad-cli-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('challenges skips unreadable images with named warnings and a count; --strict leaves no --out', () =>
  inDir(async (dir) => {
    const data = join(dir, 'data');
    await folder(data);
    const args = ['--data', data, '--n', '40', '--seed', 'bad', '--protocol', '2.0.4'];
    await assert.rejects(
      challengesCommand({ stdout: sink().stream, stderr: sink().stream }).parseAsync(
        [...args, '--out', join(dir, 'set'), '--strict'],
        { from: 'user' },
      ),
      { code: 'ERR_DATASET_INVALID', message: /unreadable image (pos\/truncated|neg\/readme)\.jpg/ },
    );
    assert.deepEqual((await readdir(dir)).sort(), ['data'], 'nothing half-written at --out');
    const out = sink();
    const err = sink();
    await challengesCommand({ stdout: out.stream, stderr: err.stream }).parseAsync(
      [...args, '--out', join(dir, 'set')],
      { from: 'user' },
    );
    assert.match(err.text(), /warning: unreadable image pos\/truncated\.jpg in .*; skipped/);
    assert.match(err.text(), /warning: unreadable image neg\/readme\.jpg in .*; skipped/);
    assert.match(out.text(), /Wrote 40 protocol 2\.0\.4 challenges .*\n2 unreadable images skipped: /);
  }));

test('eval --offline reports skipped images in its summary and JSON report', { timeout: 60_000 }, () =>
  inDir(async (dir) => {
    const data = join(dir, 'data');
    await folder(data);
    const out = sink();
    const err = sink();
    const json = join(dir, 'out', 'eval.json');
    await evalCommand({ stdout: out.stream, stderr: err.stream }).parseAsync(
      ['--offline', '--model.path', BASELINE, '--data', data, '--n', '40', '--seed', 'bad', '--json', json],
      { from: 'user' },
    );
    assert.match(err.text(), /warning: unreadable image (pos\/truncated|neg\/readme)\.jpg in /);
    assert.match(out.text(), /2 unreadable images skipped: /);
    const report = JSON.parse(await readFile(json, 'utf8')) as {
      n: number;
      skipped_images: { id: string }[];
    };
    assert.equal(report.n, 40);
    assert.deepEqual(report.skipped_images.map((s) => s.id).sort(), ['neg/readme.jpg', 'pos/truncated.jpg']);
    assert.deepEqual(
      await readdir(join(dir, 'out')),
      ['eval.json'],
      'no temporary file left beside the report',
    );
  }),
);
