// `roadwork models` (registry) and `roadwork data` from the command line, in-process, on a temporary data_dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createBundle } from '../../lifecycle/registry/index.js';
import { dataCommand } from './data.js';
import { modelsCommand } from './models.js';

/** Runs a command with process.stdout/stderr captured (the commands write there directly). */
async function run(
  make: () => { parseAsync(args: string[], o: { from: 'user' }): Promise<unknown> },
  args: string[],
): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const [ow, ew] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += chunk.toString()), true)) as typeof ow;
  process.stderr.write = ((chunk: string | Uint8Array) => ((err += chunk.toString()), true)) as typeof ew;
  try {
    await make().parseAsync(args, { from: 'user' });
  } catch (e) {
    Object.assign(e as object, { out, err });
    throw e;
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  return { out, err };
}

async function inDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-cli-store-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('models versions seeds the starter as production; --force shows in the history; diff rounds', () =>
  inDir(async (dir) => {
    const models = () => modelsCommand({});
    const store = ['--data_dir', join(dir, 'state')];
    const first = await run(models, ['versions', ...store]);
    assert.match(first.err, /Registered the bundled starter as m-[0-9a-f]{16} and made it production/);
    const starter = /\* (m-[0-9a-f]{16})/.exec(first.out)?.[1];
    assert.ok(starter, first.out);
    assert.match(first.out, /promote m-[0-9a-f]{16} {2}\(the bundled starter\)/);

    const bundle = async (name: string, mcc: number, more: Record<string, unknown> = {}) => {
      await writeFile(join(dir, `${name}.onnx`), name);
      const m = await createBundle(join(dir, name), {
        files: { 'model.onnx': join(dir, `${name}.onnx`) },
        config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'model.onnx' }] },
        metrics: { mcc, ...more },
      });
      await run(models, ['register', join(dir, name), ...store]);
      return m.id;
    };
    const a = await bundle('a', 0.123456789);
    const b = await bundle('b', 0.2345678912);
    await run(models, ['promote', a.slice(0, 8), '--force', ...store]);
    const history = await run(models, ['versions', ...store]);
    assert.match(history.out, new RegExp(`promote ${a} {2}\\(forced: --force, gate skipped\\)`));
    assert.doesNotMatch(history.err, /Registered the bundled starter/, 'seeded once');

    const diff = await run(models, ['diff', a.slice(0, 6), b.slice(0, 6), ...store]);
    assert.match(diff.out, /mcc: 0\.1235 → 0\.2346 \(\+0\.1111\)/);
    assert.doesNotMatch(diff.out, /paired/, 'neither was trained with --repeats');

    // Versions trained with --repeats on the same draws compare draw by draw.
    const repeats = (cv: number[]) => ({
      repeats: { seeds: ['s', 's#2', 's#3'], cv: { mcc: { values: cv }, auc: { values: [0.8, 0.8, 0.8] } } },
    });
    const c = await bundle('c', 0.3, repeats([0.3, 0.5, 0.4]));
    const d = await bundle('d', 0.4, repeats([0.35, 0.45, 0.6]));
    const paired = await run(models, ['diff', c, d, ...store]);
    assert.match(paired.out, /paired over 3 draws of the folds/);
    assert.match(
      paired.out,
      /grouped CV MCC: \+0\.067 ± 0\.126 \[-0\.05, 0\.20\], b higher in 2 of 3, lower in 1/,
    );
    assert.match(
      paired.out,
      /grouped CV AUC: \+0\.000 ± 0\.000 \[0\.00, 0\.00\], b higher in 0 of 3, lower in 0/,
    );
    const json = JSON.parse((await run(models, ['diff', c, d, '--json', ...store])).out) as {
      paired: { draws: number };
    };
    assert.equal(json.paired.draws, 3);
    const unpaired = await run(models, ['diff', a, d, ...store]);
    assert.match(unpaired.out, /paired draws: none \(only b was trained with --repeats or --view-seeds\)/);

    // With --view-seeds each seed's views are compared on their own too.
    const viewed = (cv: number[]) => ({
      repeats: {
        seeds: ['s', 's#2', 't', 't#2'],
        views: ['s', 's', 't', 't'],
        cv: { mcc: { values: cv }, auc: { values: [0.8, 0.8, 0.8, 0.8] } },
      },
    });
    const e = await bundle('e', 0.3, viewed([0.3, 0.5, 0.4, 0.4]));
    const f = await bundle('f', 0.4, viewed([0.4, 0.6, 0.3, 0.2]));
    const bySeed = await run(models, ['diff', e, f, ...store]);
    assert.match(bySeed.out, /paired over 4 draws of the folds and views \(2 seeds of the views\)/);
    assert.match(
      bySeed.out,
      /grouped CV MCC: -0\.025 ± 0\.150 \[-0\.20, 0\.10\], b higher in 2 of 4, lower in 2\n {4}by views: s \+0\.100 \(2 higher, 0 lower\); t -0\.150 \(0 higher, 2 lower\)/,
    );
    assert.match(
      (await run(models, ['diff', c, e, ...store])).out,
      /paired draws: none \(their draws differ \(seeds s,s#2,s#3 against s,s#2,t,t#2\)\)/,
    );
  }));

async function imageFolder(dir: string): Promise<void> {
  for (const [sub, colour] of [
    ['pos', { r: 250, g: 120, b: 0 }],
    ['neg', { r: 0, g: 0, b: 250 }],
  ] as const) {
    await mkdir(join(dir, sub), { recursive: true });
    for (let i = 0; i < 2; i++) {
      const jpeg = await sharp({
        create: { width: 80 + i * 8, height: 72, channels: 3, background: { ...colour, g: colour.g + i } },
      })
        .jpeg()
        .toBuffer();
      await writeFile(join(dir, sub, `${i}.jpg`), jpeg);
    }
  }
}

test('data add names an empty folder for what it is; show and export take a prefix; export never mixes', () =>
  inDir(async (dir) => {
    const data = () => dataCommand({});
    const store = ['--data_dir', join(dir, 'state')];
    await mkdir(join(dir, 'empty'));
    await assert.rejects(run(data, ['add', join(dir, 'empty'), '--name', 'e', ...store]), {
      code: 'ERR_DATASET_INVALID',
      message: /No labelled images or parquet files in the folder: .*pos\/ and neg\//,
    });

    await imageFolder(join(dir, 'images'));
    const added = await run(data, ['add', join(dir, 'images'), '--name', 'four', ...store]);
    const version = /d-[0-9a-f]{16}/.exec(added.out)?.[0];
    assert.ok(version, added.out);
    const shown = await run(data, ['show', version.slice(0, 6), '--json', ...store]);
    assert.equal((JSON.parse(shown.out) as { version: string }).version, version);
    await assert.rejects(run(data, ['show', 'd-ffff', ...store]), { code: 'ERR_VERSION_UNKNOWN' });

    const out = join(dir, 'export');
    await run(data, ['export', version.slice(0, 5), '--out', out, ...store]);
    assert.deepEqual((await readdir(out)).sort(), ['manifest.csv', 'neg', 'pos']);
    // A second export into the (now non-empty) folder is refused, not mixed with what is there.
    await writeFile(join(out, 'pos', 'stale.jpg'), 'old');
    await assert.rejects(run(data, ['export', version, '--out', out, ...store]), {
      code: 'ERR_CONFIG_INVALID',
      message: /export folder is not empty/,
    });
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.includes('partial')),
      [],
      'no temporary folder left behind',
    );
  }));
