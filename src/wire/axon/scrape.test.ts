import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PRIVATE_NETWORKS, scrapePolicy } from './_scrape.js';

function req(remoteAddress: string, authorization?: string): IncomingMessage {
  return {
    socket: { remoteAddress },
    headers: authorization === undefined ? {} : { authorization },
  } as unknown as IncomingMessage;
}

test('scrapePolicy(): loopback and private networks by default, IPv4-mapped IPv6 read as IPv4', () => {
  const policy = scrapePolicy(PRIVATE_NETWORKS);
  for (const ok of [
    '127.0.0.1',
    '::1',
    '10.2.3.4',
    '172.20.0.9',
    '192.168.1.1',
    '::ffff:127.0.0.1',
    'fd00::5',
  ])
    assert.equal(policy.allows(req(ok)), true, ok);
  for (const no of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '::ffff:1.2.3.4'])
    assert.equal(policy.allows(req(no)), false, no);
});

test('scrapePolicy(): a bearer token opens it from anywhere, only when set and only when equal', () => {
  const policy = scrapePolicy([], 's3cret-token');
  assert.equal(policy.allows(req('8.8.8.8', 'Bearer s3cret-token')), true);
  assert.equal(policy.allows(req('8.8.8.8', 'Bearer s3cret-tokeN')), false);
  assert.equal(policy.allows(req('8.8.8.8', 'Bearer s3cret')), false);
  assert.equal(policy.allows(req('8.8.8.8', 'Basic s3cret-token')), false);
  assert.equal(policy.allows(req('127.0.0.1')), false, 'an empty allow list admits no address');
  assert.equal(scrapePolicy([]).allows(req('8.8.8.8', 'Bearer ')), false, 'no token set: none accepted');
});

test('scrapePolicy(): a bad entry is refused with the entry named', () => {
  assert.throws(() => scrapePolicy(['10.0.0.0/33']), /not an IP address or CIDR range: 10\.0\.0\.0\/33/);
  assert.throws(() => scrapePolicy(['localhost']), /localhost/);
});
