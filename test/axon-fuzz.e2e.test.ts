// Random and hostile input over a real socket: every answer is a coded 4xx, never a 500, never a crash.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { JUNK } from '../bench/_fuzz.js';
import { createRng } from '../src/core/random/index.js';
import { send, signedRequest, startTestMiner, type TestMiner } from './_harness.js';

let m: TestMiner;
before(async () => {
  m = await startTestMiner();
});
after(() => m.stop());

const rng = createRng('fuzz');

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(rng.next() * xs.length)] as T;
}

test('300 mutated requests all get a coded 4xx, and a valid request still succeeds', async () => {
  const statuses = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    const wire = signedRequest(m.port, {
      image: Buffer.from([0xff, 0xd8, 0xff, i & 0xff]).toString('base64'),
      uuid: `fuzz-${i}`,
    });
    const headers: Record<string, string> = { ...wire.headers };
    const keys = Object.keys(headers);
    for (let k = 0; k < 1 + Math.floor(rng.next() * 3); k++) {
      const key = pick(keys);
      if (rng.chance(0.3)) delete headers[key];
      else headers[key] = pick(JUNK);
    }
    let body: string | Buffer = wire.body;
    const mode = rng.next();
    if (mode < 0.2) body = Buffer.from(Array.from({ length: 64 }, () => Math.floor(rng.next() * 256)));
    else if (mode < 0.4) body = JSON.stringify({ image: pick([1, null, [], {}, 'x', '====']) });
    else if (mode < 0.5) body = '[]';
    const path = pick([
      '/ImageSynapse',
      '/ImageSynapse',
      '/ExtendedImageSynapse',
      '/x',
      '/',
      '/ImageSynapse/../',
    ]);
    const method = pick(['POST', 'POST', 'POST', 'PUT', 'DELETE']);
    const res = await send(m.port, path, { method, headers, body }).catch((e: Error) => {
      throw new Error(`request ${i}: ${method} ${path} ${JSON.stringify(headers)}: ${e.message}`);
    });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok([400, 401, 403, 404, 405, 413].includes(res.status), `request ${i}: ${res.status} ${res.text}`);
    assert.match(res.json().code, /^ERR_[A-Z_]+$/);
  }
  assert.ok(statuses.size >= 3, `varied outcomes: ${[...statuses.entries()]}`);
});

test('garbage on a raw socket gets a 400 and the connection closes; the axon keeps answering', async () => {
  for (const garbage of [
    'GARBAGE\r\n\r\n',
    'POST /ImageSynapse HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`,
  ]) {
    const reply = await new Promise<string>((resolve) => {
      const s = connect(m.port, '127.0.0.1', () => s.end(garbage));
      let text = '';
      s.setEncoding('utf8');
      s.on('data', (c: string) => (text += c));
      s.on('close', () => resolve(text));
      s.on('error', () => resolve(text));
    });
    assert.match(reply, /^HTTP\/1\.1 4\d\d /);
  }
  assert.equal((await send(m.port, '/health', { method: 'GET' })).status, 200);
});
