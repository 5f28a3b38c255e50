import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fakeClock } from '../../core/clock/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import { HotkeyCache, NonceStore, buildWireRequest, imageSynapse } from '../protocol/index.js';
import { MINER, VALIDATOR } from './_test-support.js';
import { VersionLabels, generationOf, verifyRequest, type VerifyStepDeps } from './_verify.js';

function setup() {
  const clock = fakeClock();
  const metrics = createMetrics({ processMetrics: false });
  const deps: VerifyStepDeps = {
    axonHotkey: MINER.ss58,
    clock,
    nonces: new NonceStore(),
    keys: new HotkeyCache(),
    deadlineMarginMs: 500,
    metrics,
    versions: new VersionLabels(),
  };
  /** Headers a Python dendrite would send, signed by the validator at the fake clock's time. */
  const headers = (o: { version?: number; timeoutS?: number; signer?: typeof VALIDATOR } = {}) =>
    buildWireRequest(
      { name: 'ImageSynapse', fields: imageSynapse('AAAA').fields },
      { ip: '127.0.0.1', port: 8091, hotkey: MINER.ss58 },
      {
        hotkey: VALIDATOR.ss58,
        sign: (m) => (o.signer ?? VALIDATOR).sign(m),
        uuid: randomUUID(),
        version: o.version ?? 2004,
        externalIp: '127.0.0.1',
        nonce: BigInt(clock.nowMs()) * 1_000_000n,
        timeoutS: o.timeoutS ?? 9,
      },
    ).headers;
  return { clock, metrics, deps, headers };
}

test('verifyRequest() accepts a signed request and tells its caller, version, generation and deadline', async () => {
  const { clock, metrics, deps, headers } = setup();
  const v = verifyRequest('ImageSynapse', headers(), deps);
  assert.ok(v.ok, JSON.stringify(v));
  assert.equal(v.caller, VALIDATOR.ss58);
  assert.equal(v.version, 2004);
  assert.equal(v.generation, '2.x');
  assert.equal(v.deadlineMs, clock.nowMs() + 9000 - 500);
  assert.ok(v.verifyMs >= 0);
  const counted = (await metrics.validatorRequests.get()).values;
  assert.deepEqual(
    counted.map((c) => [c.labels.version, c.labels.generation, c.value]),
    [['2004', '2.x', 1]],
  );
});

test('verifyRequest() caps an absurd timeout at a minute', () => {
  const { clock, deps, headers } = setup();
  const v = verifyRequest('ImageSynapse', headers({ timeoutS: 3600 }), deps);
  assert.ok(v.ok);
  assert.equal(v.deadlineMs, clock.nowMs() + 60_000 - 500);
});

test('verifyRequest() refuses a name header that differs from the path before parsing anything', async () => {
  const { metrics, deps, headers } = setup();
  const v = verifyRequest('ExtendedImageSynapse', headers(), deps);
  assert.deepEqual(v, {
    ok: false,
    code: 'ERR_SYNAPSE_NAME_MISMATCH',
    message: 'Header name does not match the path: ImageSynapse',
  });
  // Refused before the signature: no verify time recorded.
  const verify = (await metrics.overheadSeconds.get()).values.find((x) => x.metricName?.endsWith('_count'));
  assert.equal(verify, undefined);
});

test('verifyRequest() refuses a repeated header, a replayed nonce and a forged signature with their codes', () => {
  const { deps, headers } = setup();
  const h = headers();
  const repeated = verifyRequest('ImageSynapse', { ...h, bt_header_dendrite_nonce: ['1', '2'] }, deps);
  assert.ok(!repeated.ok && repeated.code === 'ERR_HEADER_INVALID', JSON.stringify(repeated));
  assert.ok(verifyRequest('ImageSynapse', h, deps).ok);
  const replayed = verifyRequest('ImageSynapse', h, deps);
  assert.ok(!replayed.ok && replayed.code === 'ERR_NONCE_REPLAYED');
  // Signed by another key while claiming to be the validator.
  const forged = verifyRequest('ImageSynapse', headers({ signer: MINER }), deps);
  assert.ok(!forged.ok && forged.code === 'ERR_SIGNATURE_MISMATCH', JSON.stringify(forged));
});

test('generationOf() and VersionLabels keep the version labels meaningful and bounded', () => {
  assert.equal(generationOf(2004), '2.x');
  assert.equal(generationOf(42), '0.4.x');
  assert.equal(generationOf(9_012_000), 'other');
  assert.equal(generationOf(undefined), 'unknown');
  const labels = new VersionLabels();
  assert.equal(labels.label(undefined), 'none');
  for (let v = 0; v < 100; v++) labels.label(v);
  assert.equal(labels.label(5), '5');
  assert.equal(labels.label(99), 'other');
});
