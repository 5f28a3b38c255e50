// The published entry points: `roadwork-miner/protocol` resolves (from the build) with the agreed API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url);

test('roadwork-miner/protocol exports verifySynapseRequest and NonceStore as agreed', async () => {
  if (!existsSync(new URL('dist/protocol/index.js', root))) {
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
