// Body hash and the synapse registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EMPTY_BODY_HASH, SYNAPSES, computeBodyHash, imageSynapse, synapseSpec } from './_synapses.js';

const sha3 = (s: string) => createHash('sha3-256').update(s).digest('hex');

test('computeBodyHash() with no required fields is SHA3-256 of the empty string', () => {
  assert.equal(EMPTY_BODY_HASH, sha3(''));
  assert.equal(
    computeBodyHash({ image: 'abc' }, []),
    'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a',
  );
});

test('computeBodyHash() hashes the concatenated per-field hashes of str(value), in field order', () => {
  const fields = { a: 'text', b: 2, c: [1, 'x'] };
  const expected = sha3(sha3('text') + sha3('2') + sha3("[1, 'x']"));
  assert.equal(computeBodyHash(fields, ['a', 'b', 'c']), expected);
  assert.notEqual(computeBodyHash(fields, ['b', 'a', 'c']), expected);
  const floatHash = computeBodyHash({ p: 1 }, ['p'], { kinds: new Map([['p', 'float' as const]]) });
  assert.equal(floatHash, sha3(sha3('1.0')));
});

test('SYNAPSES is frozen, ImageSynapse declares no hash fields, unknown names are absent', () => {
  assert.ok(Object.isFrozen(SYNAPSES));
  assert.deepEqual(SYNAPSES.ImageSynapse?.requiredHashFields, []);
  assert.deepEqual(
    SYNAPSES.ImageSynapse?.fields.map((f) => f.name),
    ['testnet_label', 'image', 'prediction'],
  );
  assert.equal(synapseSpec('toString'), undefined);
  assert.equal(synapseSpec('NoSuchSynapse'), undefined);
});

test('imageSynapse() builds the fields a validator sends', () => {
  assert.deepEqual(imageSynapse('QUJD'), {
    name: 'ImageSynapse',
    fields: { testnet_label: -1, image: 'QUJD', prediction: -1 },
  });
});
