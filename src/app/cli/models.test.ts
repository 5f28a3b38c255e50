// `roadwork models pull` against a local hub server: only the files the runtime needs come down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHubServer } from '../../inference/hub/_test-hub-server.js';

const root = new URL('../../..', import.meta.url);

function roadwork(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, HF_TOKEN: '', HF_HUB_OFFLINE: '', ROADWORK_OFFLINE: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test(
  'models pull downloads only the chosen dtype of a transformers model, never its other variants',
  {
    timeout: 120_000,
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roadwork-pull-'));
    const bytes = (s: string) => new TextEncoder().encode(s);
    const hub = await startHubServer({
      'acme/tiny-vit': {
        'config.json': bytes('{"model_type":"vit"}'),
        'preprocessor_config.json': bytes('{"size":{"height":224,"width":224}}'),
        'README.md': bytes('# tiny'),
        'onnx/model.onnx': bytes('fp32 weights'),
        'onnx/model_fp16.onnx': bytes('fp16 weights'),
        'onnx/model_quantized.onnx': bytes('q8 weights'),
      },
    });
    try {
      writeFileSync(join(dir, 'head.json'), '{}');
      const cascade = join(dir, 'cascade.json');
      writeFileSync(
        cascade,
        JSON.stringify({
          stages: [
            {
              kind: 'backbone-head',
              embedder: { runtime: 'transformers', model: 'acme/tiny-vit', options: { dtype: 'q8' } },
              head: './head.json',
            },
          ],
        }),
      );
      const models = join(dir, 'models');
      const r = await roadwork([
        'models',
        'pull',
        '--cascade.config',
        cascade,
        '--models.cache_dir',
        models,
        '--models.hub_url',
        hub.url,
        '--data_dir',
        dir,
      ]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /acme\/tiny-vit: 3 files in .* \(3 downloaded/);
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name],
        );
      const files = walk(models).filter((f) => !f.includes('.incomplete') && !f.endsWith('.lock'));
      assert.ok(
        files.some((f) => f.endsWith('onnx/model_quantized.onnx')),
        files.join(', '),
      );
      assert.ok(files.some((f) => f.endsWith('config.json')));
      assert.ok(
        !files.some((f) => f.endsWith('onnx/model.onnx') || f.endsWith('model_fp16.onnx')),
        files.join(', '),
      );
      assert.ok(!hub.requests.some((q) => q.path.includes('model_fp16')));
      assert.ok(existsSync(models));
    } finally {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'models list and pull call the bundled backbone bundled, and fail naming a missing model file',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roadwork-list-'));
    try {
      const cascade = join(dir, 'cascade.json');
      writeFileSync(
        cascade,
        JSON.stringify({
          stages: [
            {
              kind: 'backbone-head',
              embedder: { runtime: 'tfjs', model: 'builtin:mobilenetv2' },
              head: './head.json',
            },
          ],
        }),
      );
      for (const sub of ['list', 'pull']) {
        const r = await roadwork(['models', sub, '--cascade.config', cascade, '--data_dir', dir]);
        assert.match(r.out, /builtin:mobilenetv2:? +\[?bundled/, r.out);
        assert.doesNotMatch(r.out, /remote|local \(MISSING\)/);
        assert.notEqual(r.code, 0, `${sub} exits non-zero: ${r.out}`);
        assert.match(r.err, /ERR_MODEL_LOAD: Model file is missing: .*head\.json/);
      }
      writeFileSync(join(dir, 'head.json'), '{}');
      const ok = await roadwork(['models', 'list', '--cascade.config', cascade, '--data_dir', dir]);
      assert.equal(ok.code, 0, ok.err);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('models pull <repo> pulls the repo an offline error names', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-pull-repo-'));
  const hub = await startHubServer({
    'acme/named': {
      'config.json': new TextEncoder().encode('{}'),
      'model.onnx': new TextEncoder().encode('w'),
    },
  });
  try {
    const models = join(dir, 'models');
    const r = await roadwork([
      'models',
      'pull',
      'acme/named',
      '--models.cache_dir',
      models,
      '--models.hub_url',
      hub.url,
      '--data_dir',
      dir,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /acme\/named: 2 files in .* \(2 downloaded/);
    const bad = await roadwork(['models', 'pull', './not-a-repo', '--data_dir', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /Not a hub repo: \.\/not-a-repo/);
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
