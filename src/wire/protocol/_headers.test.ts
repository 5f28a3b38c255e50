// Header parsing: typed values, coded failures, and no throw on hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseSynapseHeaders } from './_headers.js';

const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

function valid(): Record<string, string> {
  return {
    name: 'ImageSynapse',
    timeout: '9.0',
    computed_body_hash: 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a',
    bt_header_axon_ip: '1.2.3.4',
    bt_header_axon_port: '8091',
    bt_header_axon_hotkey: HOTKEY,
    bt_header_dendrite_ip: '5.6.7.8',
    bt_header_dendrite_version: '9012000',
    bt_header_dendrite_nonce: '1750000000123456789',
    bt_header_dendrite_uuid: 'a2b5c3f0-1cec-11ee-b0dc-e29ce36fec1a',
    bt_header_dendrite_hotkey: HOTKEY,
    bt_header_dendrite_signature: `0x${'ab'.repeat(64)}`,
  };
}

test('parseSynapseHeaders() types every value, with the nonce as a bigint beyond 2^53', () => {
  const result = parseSynapseHeaders(valid());
  assert.ok(result.ok);
  assert.equal(result.headers.name, 'ImageSynapse');
  assert.equal(result.headers.timeout, 9);
  assert.equal(result.headers.dendrite.nonce, 1750000000123456789n);
  assert.equal(result.headers.dendrite.version, 9012000);
  assert.equal(result.headers.axon.port, 8091);
  assert.equal(result.headers.axon.hotkey, HOTKEY);
  assert.equal(result.headers.dendrite.uuid, 'a2b5c3f0-1cec-11ee-b0dc-e29ce36fec1a');
});

test('parseSynapseHeaders() accepts header names in any case', () => {
  const upper = Object.fromEntries(Object.entries(valid()).map(([k, v]) => [k.toUpperCase(), v]));
  const result = parseSynapseHeaders(upper);
  assert.ok(result.ok);
  assert.equal(result.headers.dendrite.hotkey, HOTKEY);
});

test('parseSynapseHeaders() treats a missing version as an old dendrite and a missing signature as empty', () => {
  const h = valid();
  delete h.bt_header_dendrite_version;
  delete h.bt_header_dendrite_signature;
  const result = parseSynapseHeaders(h);
  assert.ok(result.ok);
  assert.equal(result.headers.dendrite.version, undefined);
  assert.equal(result.headers.dendrite.signature, '');
});

test('parseSynapseHeaders() reports each missing required header as ERR_HEADER_MISSING', () => {
  for (const key of [
    'name',
    'timeout',
    'computed_body_hash',
    'bt_header_dendrite_nonce',
    'bt_header_dendrite_uuid',
    'bt_header_dendrite_hotkey',
  ]) {
    const h = valid();
    delete h[key];
    const result = parseSynapseHeaders(h);
    assert.equal(result.ok, false, key);
    assert.ok(!result.ok);
    assert.equal(result.code, 'ERR_HEADER_MISSING', key);
    assert.equal(result.status, 400);
    assert.match(result.message, new RegExp(key));
  }
});

test('parseSynapseHeaders() rejects malformed nonces with ERR_NONCE_INVALID', () => {
  for (const nonce of ['-5', '12a', '1e18', '1.5', '123456789012345678901', ' ', '0x10', '+1']) {
    const result = parseSynapseHeaders({ ...valid(), bt_header_dendrite_nonce: nonce });
    assert.ok(!result.ok, nonce);
    assert.equal(result.code, nonce === ' ' ? 'ERR_HEADER_MISSING' : 'ERR_NONCE_INVALID', nonce);
  }
});

test('parseSynapseHeaders() rejects malformed values, arrays and huge values with ERR_HEADER_INVALID', () => {
  const bad: Record<string, string | string[]>[] = [
    { timeout: 'soon' },
    { timeout: '-1' },
    { timeout: '1e309' },
    { bt_header_dendrite_version: '9.12' },
    { bt_header_dendrite_version: '99999999999' },
    { bt_header_axon_port: '70000' },
    { name: '../etc/passwd' },
    { name: 'x'.repeat(200) },
    { bt_header_dendrite_uuid: 'u'.repeat(10_000) },
    { bt_header_dendrite_hotkey: ['a', 'b'] },
    { bt_header_dendrite_uuid: 'caf\u00e9' },
  ];
  for (const patch of bad) {
    const result = parseSynapseHeaders({ ...valid(), ...patch });
    assert.ok(!result.ok, JSON.stringify(patch).slice(0, 60));
    assert.equal(result.code, 'ERR_HEADER_INVALID', JSON.stringify(patch).slice(0, 60));
  }
  const dup = parseSynapseHeaders({ ...valid(), NAME: 'ImageSynapse' });
  assert.ok(!dup.ok);
  assert.equal(dup.code, 'ERR_HEADER_INVALID');
});

test('parseSynapseHeaders() never throws on random input', () => {
  const keys = Object.keys(valid());
  for (let i = 0; i < 2000; i++) {
    const h: Record<string, string | string[] | undefined> = valid();
    const key = keys[i % keys.length] ?? 'name';
    const r = randomBytes(1 + (i % 64));
    h[key] =
      i % 7 === 0 ? undefined : i % 11 === 0 ? [r.toString('hex')] : r.toString(i % 2 ? 'latin1' : 'base64');
    const result = parseSynapseHeaders(h);
    assert.equal(typeof result.ok, 'boolean');
  }
  assert.equal(parseSynapseHeaders({}).ok, false);
  assert.equal(parseSynapseHeaders(Object.create(null) as Record<string, string>).ok, false);
});
