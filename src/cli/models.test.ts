// `roadwork models pull` against a local hub server: only the files the runtime needs come down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHubServer } from '../hub/_test-hub-server.js';

const root = new URL('../..', import.meta.url);

function roadwork(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
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
