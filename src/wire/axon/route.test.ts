import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route, synapseLabel } from './_route.js';

test('route() sends a POST to either image synapse into the pipeline, ignoring the query string', () => {
  assert.deepEqual(route('POST', '/ImageSynapse', false), {
    ok: true,
    kind: 'synapse',
    name: 'ImageSynapse',
  });
  assert.deepEqual(route('POST', '/ExtendedImageSynapse?x=1', false), {
    ok: true,
    kind: 'synapse',
    name: 'ExtendedImageSynapse',
  });
});

test('route() sends GET and HEAD to the probes, but refuses them on a synapse path with 405', () => {
  assert.deepEqual(route('GET', '/metrics?x', false), { ok: true, kind: 'probe', path: '/metrics' });
  assert.deepEqual(route('HEAD', '/health', true), { ok: true, kind: 'probe', path: '/health' });
  assert.deepEqual(route('GET', '/ImageSynapse', false), {
    ok: false,
    code: 'ERR_METHOD_NOT_ALLOWED',
    message: 'Use POST: GET /ImageSynapse',
  });
});

test('route() refuses unknown synapses (404), other methods (405), then a draining axon (503), in that order', () => {
  const code = (method: string, url: string, draining = false) => {
    const r = route(method, url, draining);
    return r.ok ? r.kind : r.code;
  };
  assert.equal(code('POST', '/VideoSynapse'), 'ERR_NOT_FOUND');
  assert.equal(code('POST', '/VideoSynapse', true), 'ERR_NOT_FOUND');
  assert.equal(code('PUT', '/ImageSynapse', true), 'ERR_METHOD_NOT_ALLOWED');
  assert.equal(code('POST', '/ImageSynapse', true), 'ERR_SHUTTING_DOWN');
  const long = route('POST', `/${'x'.repeat(500)}`, false);
  assert.ok(!long.ok && long.message.length < 100, 'a hostile path is cut in the message');
});

test('synapseLabel() keeps the metric label set bounded to the two synapses and "other"', () => {
  assert.equal(synapseLabel('/ImageSynapse'), 'ImageSynapse');
  assert.equal(synapseLabel('/ImageSynapse?a=b'), 'other');
  assert.equal(synapseLabel('/anything'), 'other');
  assert.equal(synapseLabel(undefined), 'other');
});
