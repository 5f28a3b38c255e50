// `roadwork eval --offline` reads its model as serve does (flags, environment, --config settings file);
// an older eval's `--config CASCADE` still works, with a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evalCommand } from './eval.js';
import { textSink } from '../../../test/fixtures/streams.js';

const BASELINE = fileURLToPath(new URL('../../../models/baseline/model.onnx', import.meta.url));

/** Runs eval offline on 8 procedural scenes; the model the JSON report names, and stderr. */
async function offline(dir: string, args: string[], env: Record<string, string> = {}) {
  const err = textSink();
  const json = join(dir, `eval-${Math.random().toString(36).slice(2)}.json`);
  await evalCommand({ stdout: textSink().stream, stderr: err.stream, env })
    .exitOverride()
    .parseAsync(
      [
        '--offline',
        '--data',
        'synth:8',
        '--n',
        '8',
        '--seed',
        's',
        '--data_dir',
        dir,
        '--json',
        json,
        ...args,
      ],
      { from: 'user' },
    );
  const report = JSON.parse(await readFile(json, 'utf8')) as { model: string; n: number };
  return { model: report.model, n: report.n, err: err.text() };
}

async function inDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-eval-settings-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test(
  'eval --offline takes the model from a flag, the environment or the --config settings file',
  { timeout: 120_000 },
  () =>
    inDir(async (dir) => {
      const flag = await offline(dir, ['--model.path', BASELINE]);
      assert.deepEqual([flag.model, flag.n], [BASELINE, 8]);
      assert.doesNotMatch(flag.err, /warning/);
      const env = await offline(dir, [], { ROADWORK_MODEL: BASELINE });
      assert.equal(env.model, BASELINE);
      const settings = join(dir, 'settings.yaml');
      await writeFile(settings, `model:\n  path: ${JSON.stringify(BASELINE)}\n`);
      const file = await offline(dir, ['--config', settings]);
      assert.equal(file.model, BASELINE);
      assert.doesNotMatch(file.err, /warning/, 'a settings file, read without a warning');
    }),
);

test(
  "an older eval's --config CASCADE or --config MODEL.onnx still works, with a warning naming the setting",
  { timeout: 120_000 },
  () =>
    inDir(async (dir) => {
      const cascade = join(dir, 'cascade.yaml');
      await writeFile(
        cascade,
        `stages:\n  - name: baseline\n    kind: classifier\n    model: ${JSON.stringify(BASELINE)}\n`,
      );
      const old = await offline(dir, ['--config', cascade]);
      assert.equal(old.model, cascade);
      assert.match(old.err, /warning: eval --config .*cascade\.yaml is deprecated: .*--cascade\.config /);
      const onnx = await offline(dir, ['--config', BASELINE]);
      assert.equal(onnx.model, BASELINE);
      assert.match(onnx.err, /warning: eval --config .*model\.onnx is deprecated: .*--model\.path /);
    }),
);

test('eval --help lists the model settings it reads, --config as the settings file', () => {
  const help = evalCommand().helpInformation();
  for (const flag of [
    '--config <file>',
    '--cascade.config',
    '--model.path',
    '--models.cache_dir',
    '--data_dir',
  ])
    assert.ok(help.includes(flag), flag);
  assert.match(help, /--config <file> +settings file/);
  assert.doesNotMatch(help, /--axon\.port|--blacklist\./, 'not the axon settings');
});
