// The published entry points: `roadwork-miner` and `roadwork-miner/protocol` resolve (from the build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url);

test('roadwork-miner/protocol exports verifySynapseRequest and NonceStore as agreed', async () => {
  if (!existsSync(new URL('dist/wire/protocol/index.js', root))) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  }
  const lib = await import('roadwork-miner/protocol');
  assert.equal(typeof lib.verifySynapseRequest, 'function');
  assert.equal(lib.verifySynapseRequest.length, 2);
  const store = new lib.NonceStore();
  assert.ok(store);
  // Malformed input resolves to a coded 400, never a throw.
  const res = await lib.verifySynapseRequest(
    { NAME: 'ImageSynapse' },
    { axonHotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' },
  );
  assert.equal(res.ok, false);
  if (!res.ok) {
    assert.equal(res.status, 400);
    assert.match(res.code, /^ERR_/);
  }
});

test('roadwork-miner resolves to the library: miner, config, cascade, image decoding and errors', async () => {
  if (!existsSync(new URL('dist/index.js', root))) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  }
  const lib = await import('roadwork-miner');
  for (const name of [
    'buildMiner',
    'loadConfig',
    'createCascadePredictor',
    'decodeImage',
    'createImageDecoder',
  ]) {
    assert.equal(typeof (lib as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(lib.policyKey(lib.DEFAULT_IMAGE_POLICY), 'center-crop/linear@224');
  assert.equal(lib.loadConfig()['limits.max_per_caller'], 8);
  assert.equal(lib.ERRORS.ERR_IMAGE_TOO_COMPLEX.status, 400);
  assert.ok(new lib.RoadworkError('ERR_INTERNAL', 'x') instanceof Error);
});
