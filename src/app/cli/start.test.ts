// `roadwork start` (npm start) on a folder with unreadable files: skipped and named, or --strict fails;
// its --help shows local mode's own defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCommand } from './start.js';
import { writeLabelledFolder } from '../../../test/fixtures/images.js';

const root = new URL('../../..', import.meta.url);

function roadwork(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/app/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Six readable images per label and, beside them, a text file named .jpg in each. */
async function folder(dir: string): Promise<void> {
  await writeLabelledFolder(dir, 6, 30);
  for (const sub of ['pos', 'neg']) await writeFile(join(dir, sub, 'notes.jpg'), 'not a picture\n');
}

test(
  'start skips unreadable images with a named warning and a count; --strict fails naming one',
  { timeout: 300_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roadwork-start-bad-'));
    try {
      await folder(join(dir, 'data'));
      const args = ['start', '--data', join(dir, 'data'), '--count', '16', '--data_dir', join(dir, 'state')];
      const strict = roadwork([...args, '--strict']);
      assert.equal(strict.code, 1, strict.err);
      assert.match(strict.err, /ERR_DATASET_INVALID: .*unreadable image (pos|neg)\/notes\.jpg/);
      assert.doesNotMatch(strict.err, /unexpected error/);
      const lenient = roadwork(args);
      assert.equal(lenient.code, 0, lenient.err);
      assert.match(lenient.err, /warning: unreadable image (pos|neg)\/notes\.jpg in .*; skipped/);
      assert.match(
        lenient.out,
        /unreadable images? skipped: .*notes\.jpg.*\(--strict fails on them instead\)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("start --help offers --strict and shows local mode's defaults, not the miner's", () => {
  const help = startCommand({}).helpInformation();
  assert.match(help, /--strict +fail at the first unreadable image/);
  assert.match(help, /--log\.level <value> .*\(default: warn\)/s);
  assert.match(help, /--data_dir <value> .*\(default: ~\/\.roadwork\)/s);
});
