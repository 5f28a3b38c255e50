// `roadwork train` and `roadwork calibrate` end to end on a small folder of synthetic scenes (real tfjs model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadHead } from '../heads/index.js';
import { encodeScene, generateScene } from '../synth/index.js';
import { createRng } from '../validator/index.js';
import { calibrateCommand } from './calibrate.js';
import { trainCommand } from './train.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function sceneFolder(dir: string): Promise<void> {
  const lines = ['file,label,group'];
  for (const label of [0, 1] as const) {
    await mkdir(join(dir, label ? 'pos' : 'neg'), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const s = generateScene(createRng(`scene-${label}-${i}`), {
        roadwork: label === 1,
        width: 256,
        height: 192,
      });
      const file = `${label ? 'pos' : 'neg'}/s${i}.jpg`;
      await writeFile(join(dir, file), await encodeScene(s.rgb, s.width, s.height));
      lines.push(`${file},${label},g${i % 4}`);
    }
  }
  await writeFile(join(dir, 'manifest.csv'), `${lines.join('\n')}\n`);
}

test(
  'roadwork train writes a calibrated head from cached embeddings; calibrate refits it',
  { timeout: 240_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'train-cli-'));
    try {
      const data = join(root, 'data');
      await sceneFolder(data);
      const out = join(root, 'head.json');
      const args = ['--data', data, '--cache', join(root, 'cache'), '--views', '1,0,1,0', '--workers', '1'];
      const run = async (extra: string[]) => {
        const o = sink();
        const e = sink();
        await trainCommand({ stdout: o.stream, stderr: e.stream }).parseAsync([...args, ...extra], {
          from: 'user',
        });
        return { out: o.text(), err: e.text() };
      };
      const first = await run(['--out', out, '--folds', '2', '--l2', '0.1,1']);
      assert.match(first.err, /embed \[/);
      assert.match(first.out, /Held-out metrics \(grouped CV/);
      assert.match(first.out, /accuracy on exits/);
      const head = await loadHead(out);
      assert.equal(head.inputDims, 1280 + 140);
      assert.match(head.embedder ?? '', /^tfjs:nsfwjs-4\.3\.0-mobilenetv2:flatten_1:1280:.*\+cs1$/);
      assert.ok(head.temperature > 0 && Number.isFinite(head.shift));
      assert.equal((head.metrics?.overall as { n: number }).n, 16 * 2);

      // Same seed, same cache: nothing is embedded again and the head is identical.
      const second = await run(['--out', `${out}.2`, '--folds', '2', '--l2', '0.1,1']);
      assert.doesNotMatch(second.err, /embed \[/);
      assert.equal(await readFile(`${out}.2`, 'utf8'), await readFile(out, 'utf8'));

      const o = sink();
      const calibrated = join(root, 'calibrated.json');
      await calibrateCommand({ stdout: o.stream, stderr: sink().stream }).parseAsync(
        [...args, '--head', out, '--out', calibrated],
        { from: 'user' },
      );
      assert.match(o.text(), /temperature [\d.]+ \(was [\d.]+\)/);
      const re = await loadHead(calibrated);
      assert.deepEqual(re.layers, head.layers);
      assert.ok((re.metrics as { calibration?: unknown }).calibration !== undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);
