// The pipeline assembled: createAxon on a loopback socket, a real cascade, and the onAnswered hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { postSigned, send, signedRequest } from '../../../test/_harness.js';
import {
  clientAddresses,
  scrapePolicy,
  type AnsweredHook,
  type AnsweredRequest,
  type AxonOptions,
} from './index.js';
import { MINER, VALIDATOR, solidJpeg, startTestAxon } from './_test-support.js';

function startAxon(onAnswered: AnsweredHook | undefined, extra: Partial<AxonOptions> = {}) {
  return startTestAxon(extra, onAnswered);
}

test('onAnswered receives each answered request with its prediction, stages, version, validator and timings', async (t) => {
  const answered: AnsweredRequest[] = [];
  const a = await startAxon((r) => void answered.push(r));
  t.after(() => a.stop());
  const image = await solidJpeg([255, 0, 0]);
  const res = await postSigned(a.port, signedRequest(a.port, { image, version: 2004 }));
  assert.equal(res.status, 200, res.text);
  await turn();
  assert.equal(answered.length, 1);
  const scraped = await send(a.port, '/metrics', { method: 'GET' });
  assert.match(
    scraped.text,
    new RegExp(`^roadwork_axon_answers_total\\{hotkey="${MINER.ss58}",class="positive"\\} 1$`, 'm'),
    'a red image: p = 1',
  );
  const r = answered[0]!;
  assert.equal(r.prediction, res.json().prediction);
  assert.equal(r.modelVersion, a.predictor.version());
  assert.equal(r.synapse, 'ImageSynapse');
  assert.equal(r.image, image);
  // The decoded image is handed over as the predictor saw it (the cascade's 32² square), for the pHash.
  assert.deepEqual([r.decoded?.width, r.decoded?.height], [32, 32]);
  assert.ok(r.decoded!.data[0]! > 240, 'the decoded image is the red one sent');
  assert.deepEqual(r.validator, { hotkey: VALIDATOR.ss58, version: 2004, generation: '2.x', stake: 50_000 });
  assert.deepEqual(
    r.stages.map((s) => [s.stage, (s as { detail?: unknown }).detail]),
    [['red', { pixels: 32 * 32 }]],
  );
  const { receiveMs, verifyMs, queueMs, decodeMs, predictMs, totalMs } = r.timings;
  for (const ms of [receiveMs, verifyMs, queueMs, decodeMs, predictMs]) assert.ok(ms >= 0 && ms <= totalMs);
  assert.ok(verifyMs > 0 && decodeMs > 0, 'sr25519 and a JPEG decode take measurable time');
  assert.ok(Math.abs(r.receivedAtMs - Date.now()) < 10_000);
  // The request's log line carries its id and caller, as the record does.
  const line = a.lines.find((l) => l.msg === 'Answered');
  assert.equal(line?.reqId, r.id);
  assert.equal(line?.caller, VALIDATOR.ss58);
});

test('a failing onAnswered hook leaves the answers intact and is counted in /metrics', async (t) => {
  let calls = 0;
  const a = await startAxon(() => {
    calls++;
    throw new Error('the query log is full');
  });
  t.after(() => a.stop());
  const image = await solidJpeg([0, 0, 255]);
  for (let i = 0; i < 2; i++) {
    const res = await postSigned(a.port, signedRequest(a.port, { image }));
    assert.equal(res.status, 200, res.text);
  }
  // A refused request is not an answer: the hook never hears of it.
  const refused = await postSigned(a.port, signedRequest(a.port, { image, axonHotkey: VALIDATOR.ss58 }));
  assert.equal(refused.status, 401);
  await turn();
  assert.equal(calls, 2);
  const metrics = await send(a.port, '/metrics', { method: 'GET' });
  const hotkey = `hotkey="${MINER.ss58}"`;
  const line = (rest: string) => new RegExp(`^${rest.replace(/[{}]/g, '\\$&')}$`, 'm');
  assert.match(metrics.text, line(`roadwork_axon_answered_hook_errors_total{${hotkey}} 2`));
  // Two blue images (p ≈ 0): two negative answers, and the positive series present at 0.
  assert.match(metrics.text, line(`roadwork_axon_answers_total{${hotkey},class="negative"} 2`));
  assert.match(metrics.text, line(`roadwork_axon_answers_total{${hotkey},class="positive"} 0`));
  const model = a.predictor.version()!;
  assert.match(metrics.text, line(`roadwork_predict_duration_seconds_count{${hotkey},model="${model}"} 2`));
  const warned = a.lines.filter((l) => l.msg === 'The onAnswered hook failed; the answer was not affected');
  assert.equal(warned.length, 1);
  assert.equal(typeof warned[0]?.reqId, 'string');
});

/** A GET from `localAddress` (any 127.x address is this host's), with `headers`. */
function getFrom(port: number, path: string, localAddress: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('axon.trust_proxy: X-Forwarded-For names the client for /metrics and the log only from a trusted proxy', async (t) => {
  // /metrics for 127.0.0.1 alone; 127.0.0.1 plays the proxy, 127.0.0.3 a client.
  const scrape = scrapePolicy(['127.0.0.1/32']);
  const trusting = await startAxon(undefined, { scrape, clients: clientAddresses(['127.0.0.1/32']) });
  t.after(() => trusting.stop());
  const proxied = { 'x-forwarded-for': '127.0.0.3' };
  assert.equal(await getFrom(trusting.port, '/metrics', '127.0.0.1'), 200);
  assert.equal(
    await getFrom(trusting.port, '/metrics', '127.0.0.1', proxied),
    403,
    'the proxy forwards 127.0.0.3',
  );
  assert.equal(await getFrom(trusting.port, '/metrics', '127.0.0.3'), 403);
  assert.equal(
    await getFrom(trusting.port, '/metrics', '127.0.0.3', { 'x-forwarded-for': '127.0.0.1' }),
    403,
    'an untrusted peer cannot claim an allowed address',
  );
  const image = await solidJpeg([255, 0, 0]);
  const signed = signedRequest(trusting.port, { image });
  const res = await postSigned(trusting.port, signed, { 'x-forwarded-for': '203.0.113.9' });
  assert.equal(res.status, 200, res.text);
  assert.equal(trusting.lines.find((l) => l.msg === 'Answered')?.ip, '203.0.113.9');

  // Off (the default): the socket's peer, whatever the headers say.
  const plain = await startAxon(undefined, { scrape });
  t.after(() => plain.stop());
  assert.equal(await getFrom(plain.port, '/metrics', '127.0.0.1', proxied), 200);
  assert.equal(await getFrom(plain.port, '/metrics', '127.0.0.3', { 'x-forwarded-for': '127.0.0.1' }), 403);
  const again = await postSigned(plain.port, signedRequest(plain.port, { image }), {
    'x-forwarded-for': '203.0.113.9',
  });
  assert.equal(again.status, 200, again.text);
  assert.equal(plain.lines.find((l) => l.msg === 'Answered')?.ip, '127.0.0.1');
});

/** Sends raw bytes and resolves with everything the server wrote before closing. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    setTimeout(() => (socket.destroy(), resolve(text)), 5000).unref();
  });
}

test("what Node's HTTP parser refuses is answered with a status, its reason and a coded JSON body", async (t) => {
  const axon = await startAxon(undefined);
  t.after(() => axon.stop());
  const cases: [string, string, string][] = [
    [
      'GET /health HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n',
      '400 Bad Request',
      'ERR_HTTP_MALFORMED',
    ],
    [
      `GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      '431 Request Header Fields Too Large',
      'ERR_HEADERS_TOO_LARGE',
    ],
  ];
  for (const [bytes, statusLine, code] of cases) {
    const reply = await rawExchange(axon.port, bytes);
    assert.ok(reply.startsWith(`HTTP/1.1 ${statusLine}\r\n`), reply.slice(0, 80));
    const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
    assert.equal(body.code, code);
    assert.ok(body.message.length > 0);
  }
});
