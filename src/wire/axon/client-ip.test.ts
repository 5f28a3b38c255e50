import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { clientAddresses } from './_client-ip.js';

function req(remoteAddress: string | undefined, headers: Record<string, string[]> = {}): IncomingMessage {
  return { socket: { remoteAddress }, headersDistinct: headers } as unknown as IncomingMessage;
}
const ip = (r: ReturnType<typeof clientAddresses>, q: IncomingMessage) => r.of(q)?.address;

test('clientAddresses([]) believes no header: the socket peer is the client', () => {
  const off = clientAddresses([]);
  assert.equal(
    ip(off, req('127.0.0.1', { 'x-forwarded-for': ['203.0.113.9'], 'x-real-ip': ['203.0.113.9'] })),
    '127.0.0.1',
  );
  assert.equal(ip(off, req('::ffff:198.51.100.4')), '198.51.100.4');
  assert.equal(off.of(req(undefined)), undefined);
});

test('clientAddresses() reads X-Forwarded-For from the right, past trusted hops only', () => {
  const local = clientAddresses(['loopback']);
  // nginx appends its peer last; what the client wrote itself sits to the left and is not reached.
  const xff = (v: string) => req('127.0.0.1', { 'x-forwarded-for': [v] });
  assert.equal(ip(local, xff('10.9.9.9, 203.0.113.9')), '203.0.113.9');
  assert.equal(ip(local, xff('203.0.113.9, 127.0.0.1')), '203.0.113.9', 'a second local proxy is skipped');
  assert.equal(ip(local, xff('127.0.0.5, ::1')), '127.0.0.5', 'every hop trusted: the first');
  assert.equal(
    ip(local, xff('203.0.113.9, garbage')),
    '127.0.0.1',
    'a malformed hop stops at the last trusted',
  );
  assert.equal(
    ip(local, req('::1', { 'x-forwarded-for': ['10.1.1.1', '203.0.113.9'] })),
    '203.0.113.9',
    'repeated headers read as one list',
  );
  assert.equal(ip(local, req('127.0.0.1', { 'x-real-ip': ['203.0.113.7'] })), '203.0.113.7');
  assert.equal(ip(local, req('127.0.0.1', { 'x-real-ip': ['nonsense'] })), '127.0.0.1');
  // From an untrusted peer the same headers are anyone's words.
  assert.equal(ip(local, req('198.51.100.4', { 'x-forwarded-for': ['10.0.0.1'] })), '198.51.100.4');
  assert.equal(ip(local, req('198.51.100.4', { 'x-real-ip': ['10.0.0.1'] })), '198.51.100.4');
});

test('clientAddresses() takes CIDR ranges and refuses a bad entry with its value', () => {
  const lan = clientAddresses(['10.0.0.0/8']);
  assert.equal(ip(lan, req('10.0.0.2', { 'x-real-ip': ['203.0.113.9'] })), '203.0.113.9');
  assert.equal(ip(lan, req('127.0.0.1', { 'x-real-ip': ['203.0.113.9'] })), '127.0.0.1');
  assert.throws(() => clientAddresses(['nginx']), /not an IP address or CIDR range: nginx/);
});
