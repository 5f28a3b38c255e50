// The chain's u128 axon ip, both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipFromU128, ipToU128 } from './index.js';

test('ipFromU128() formats IPv4 by ip type and by size', () => {
  assert.equal(ipFromU128(3_235_789_677n, 4), '192.222.59.109');
  assert.equal(ipFromU128(0x01020304n, 0), '1.2.3.4');
  assert.equal(ipFromU128(0xffffffffn, 4), '255.255.255.255');
});

test('ipFromU128() formats IPv6 with the longest zero run compressed', () => {
  assert.equal(ipFromU128(0x20010db8000000000000000000000001n, 6), '2001:db8::1');
  assert.equal(ipFromU128(1n, 6), '::1');
  assert.equal(ipFromU128(0x20010db8000000010000000000000000n, 6), '2001:db8:0:1::');
  assert.equal(ipFromU128(0x20010db8000100010001000100010001n, 6), '2001:db8:1:1:1:1:1:1');
  assert.equal(ipFromU128(0x2001000000000db80000000000000001n, 6), '2001:0:0:db8::1');
});

test('ipToU128() inverts ipFromU128() and rejects what is not an address', () => {
  for (const address of [
    '1.2.3.4',
    '192.222.59.109',
    '0.0.0.1',
    '2001:db8::1',
    '::1',
    '2001:db8:0:1::',
    'fe80::1:2',
  ]) {
    const encoded = ipToU128(address);
    assert.ok(encoded, address);
    assert.equal(ipFromU128(encoded.ip, encoded.ipType), address);
  }
  assert.deepEqual(ipToU128('::ffff:1.2.3.4'), { ip: 0xffff01020304n, ipType: 6 });
  assert.equal(ipToU128('1.2.3'), undefined);
  assert.equal(ipToU128('example.com'), undefined);
});
