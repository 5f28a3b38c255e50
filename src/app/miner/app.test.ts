import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { createBundle } from '../../lifecycle/registry/index.js';
import { DEFAULT_MODEL, cascadeConfigFor } from './index.js';

test('cascadeConfigFor() serves a bundled cascade only while every bundle file matches its checksum', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-app-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'bundle');
  await createBundle(bundle, {
    files: { 'model.onnx': DEFAULT_MODEL },
    config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'model.onnx' }] },
  });
  const settings = loadConfig({ flags: { 'cascade.config': join(bundle, 'cascade.json') } });
  const config = await cascadeConfigFor(settings);
  assert.equal(config.stages.length, 1);
  appendFileSync(join(bundle, 'model.onnx'), Buffer.from([0]));
  await assert.rejects(
    cascadeConfigFor(settings),
    (e) => isRoadworkError(e, 'ERR_MODEL_LOAD') && /model\.onnx/.test(e.message),
  );
});
