import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMetagraph } from '../chain/types.js';
import { checkBlacklist, screenCaller, type BlacklistPolicy } from './_blacklist.js';

const mg = buildMetagraph(
  72,
  1,
  [
    { uid: 0, hotkey: 'VAL', stake: 5000, validatorPermit: true, axon: null },
    { uid: 1, hotkey: 'POOR', stake: 10, validatorPermit: true, axon: null },
    { uid: 2, hotkey: 'MINER', stake: 9000, validatorPermit: false, axon: null },
  ],
  0,
);
const policy: BlacklistPolicy = {
  forceValidatorPermit: true,
  allowNonRegistered: false,
  minStake: 100,
  allow: new Set(),
  deny: new Set(),
};

test('checkBlacklist() admits a registered validator with enough stake', () => {
  const v = checkBlacklist('VAL', mg, policy);
  assert.ok(v.ok && v.neuron?.uid === 0);
});

test('checkBlacklist() rejects empty, unknown, permitless, low-stake and denied callers with their codes', () => {
  const code = (hotkey: string, p: BlacklistPolicy = policy) => {
    const v = checkBlacklist(hotkey, mg, p);
    return v.ok ? 'ok' : v.code;
  };
  assert.equal(code(''), 'ERR_CALLER_UNKNOWN');
  assert.equal(code('STRANGER'), 'ERR_CALLER_UNKNOWN');
  assert.equal(code('MINER'), 'ERR_CALLER_NO_PERMIT');
  assert.equal(code('MINER', { ...policy, forceValidatorPermit: false }), 'ok');
  assert.equal(code('POOR'), 'ERR_CALLER_LOW_STAKE');
  assert.equal(code('VAL', { ...policy, deny: new Set(['VAL']) }), 'ERR_CALLER_DENIED');
  assert.equal(code('STRANGER', { ...policy, allowNonRegistered: true }), 'ok');
  assert.equal(code('STRANGER', { ...policy, allow: new Set(['STRANGER']) }), 'ok');
  assert.equal(
    code('STRANGER', { ...policy, allow: new Set(['STRANGER']), deny: new Set(['STRANGER']) }),
    'ERR_CALLER_DENIED',
  );
});

test('checkBlacklist() with no metagraph admits only allowed or non-registered callers', () => {
  assert.equal(checkBlacklist('VAL', undefined, policy).ok, false);
  assert.equal(checkBlacklist('VAL', undefined, { ...policy, allowNonRegistered: true }).ok, true);
});

test('screenCaller() refuses everyone while no metagraph is loaded, unless strangers are allowed', () => {
  const none = screenCaller('VAL', undefined, policy);
  assert.ok(!none.ok && none.code === 'ERR_METAGRAPH_UNAVAILABLE');
  const open = screenCaller('ANY', undefined, { ...policy, allowNonRegistered: true });
  assert.ok(open.ok && open.neuron === undefined);
  // With a metagraph it is the blacklist: the empty hotkey is refused before anything else.
  const empty = screenCaller('', mg, policy);
  assert.ok(!empty.ok && empty.code === 'ERR_CALLER_UNKNOWN');
  const val = screenCaller('VAL', mg, policy);
  assert.ok(val.ok && val.neuron?.stake === 5000);
});
