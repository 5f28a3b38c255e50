// Hostile traffic against a real miner over a real socket, with real sr25519 signatures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createLogger } from '../src/core/log/index.js';
import type { Signer } from '../src/wire/wallet/index.js';
import {
  KEYS,
  postSigned,
  send,
  sceneJpeg,
  signedRequest,
  startTestMiner,
  type TestMiner,
} from './_harness.js';

let m: TestMiner;
let jpegB64: string;

before(async () => {
  // Few prediction slots and every registered caller admitted: the cases below would starve them.
  m = await startTestMiner({ 'limits.max_in_flight': 2, 'blacklist.min_stake': 0 });
  jpegB64 = (await sceneJpeg('hostile')).toString('base64');
});
after(() => m.stop());

const signed = (signer: Signer, fields?: Record<string, unknown>) =>
  signedRequest(m.port, { signer, image: jpegB64, ...(fields === undefined ? {} : { fields }) });
const post = (req: ReturnType<typeof signed>) => postSigned(m.port, req);

/** A plain GET over loopback: status and body. */
function httpGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

test('slow bodies from one validator hold no prediction slot: another validator is answered at once', async () => {
  const slow: ReturnType<typeof request>[] = [];
  const refused: number[] = [];
  for (let i = 0; i < 12; i++) {
    const req = signed(KEYS.poorValidator);
    const r = request({
      host: '127.0.0.1',
      port: m.port,
      path: req.path,
      method: 'POST',
      headers: {
        ...req.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(req.body)),
      },
    });
    r.on('response', (res) => {
      refused.push(res.statusCode ?? 0);
      res.resume();
    });
    r.on('error', () => undefined);
    r.write(req.body.slice(0, 10)); // and never the rest
    slow.push(r);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Past its share (8 open requests), the slow sender is refused at once.
  assert.equal(refused.length, 4);
  assert.ok(refused.every((s) => s === 503));
  const t = performance.now();
  const res = await post(signed(KEYS.validator));
  assert.equal(res.status, 200, res.text);
  assert.ok(performance.now() - t < 3000);
  for (const r of slow) r.destroy();
});

test('a signed body with an extra field nested 5 000 deep is refused before JSON.parse, and the next is answered', async () => {
  // The body is not signed (only the image's hash is): the field goes into the bytes as sent.
  const req = signed(KEYS.validator);
  const body = req.body.replace(/^\{/, `{"extra":${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)},`);
  const headers: Record<string, string> = { ...req.headers, 'content-type': 'application/json' };
  const t = performance.now();
  const refused = await send(m.port, req.path, { headers, body });
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.json().code, 'ERR_BODY_INVALID_JSON');
  assert.match(refused.json().message, /nested/);
  assert.ok(performance.now() - t < 2000);
  const res = await post(signed(KEYS.validator));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().extra, undefined);
  assert.ok(res.json().prediction >= 0 && res.json().prediction <= 1);
});

test('a request without the name header verifies by its path, as in Bittensor', async () => {
  const req = signed(KEYS.validator);
  const headers: Record<string, string> = { ...req.headers, 'content-type': 'application/json' };
  delete headers.name;
  const res = await send(m.port, req.path, { headers, body: req.body });
  assert.equal(res.status, 200, res.text);
});

test('a repeated bt_header is refused, though Node would join the values', async () => {
  const req = signed(KEYS.validator);
  const status = await new Promise<number>((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: m.port, path: req.path, method: 'POST' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', reject);
    for (const [k, v] of Object.entries(req.headers)) r.setHeader(k, v);
    r.setHeader('bt_header_dendrite_uuid', [req.headers.bt_header_dendrite_uuid!, 'second']);
    r.setHeader('content-type', 'application/json');
    r.setHeader('content-length', String(Buffer.byteLength(req.body)));
    r.end(req.body);
  });
  assert.equal(status, 400);
});

test('/metrics answers loopback by default, and 403 ERR_METRICS_FORBIDDEN outside metrics.allow_from without the token', async () => {
  const get = (port: number, headers: Record<string, string> = {}) => httpGet(port, '/metrics', headers);
  assert.equal((await get(m.port)).status, 200, 'loopback is in the default allow list');
  const locked = await startTestMiner({ 'metrics.allow_from': '10.0.0.0/8', 'metrics.token': 'scrape-me' });
  try {
    const refused = await get(locked.port);
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body).code, 'ERR_METRICS_FORBIDDEN');
    assert.doesNotMatch(refused.body, /roadwork_/);
    assert.equal((await get(locked.port, { authorization: 'Bearer wrong' })).status, 403);
    const scraped = await get(locked.port, { authorization: 'Bearer scrape-me' });
    assert.equal(scraped.status, 200);
    assert.match(scraped.body, /roadwork_axon_requests_total|# HELP/);
  } finally {
    await locked.stop();
  }
});

test('GET on a synapse path is 405 ERR_METHOD_NOT_ALLOWED, as the docs say, not 404', async () => {
  const status = await httpGet(m.port, '/ImageSynapse');
  assert.equal(status.status, 405);
  assert.equal(JSON.parse(status.body).code, 'ERR_METHOD_NOT_ALLOWED');
});

test('a miner whose metagraph is of another subnet, or lacks its hotkey, is not ready and says why in the log', async () => {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const other = await startTestMiner({ netuid: 5 }, { logger });
  try {
    const ready = await httpGet(other.port, '/health/ready');
    assert.equal(ready.status, 503);
    assert.match(JSON.parse(ready.body).problem, /metagraph is of subnet 72, but this miner serves netuid 5/);
    assert.ok(lines.some((l) => l.level === 40 && /^Not ready: The metagraph is of subnet 72/.test(l.msg)));
  } finally {
    await other.stop();
  }
  lines.length = 0;
  const stranger = await startTestMiner({}, { logger, signer: KEYS.stranger });
  try {
    const ready = await httpGet(stranger.port, '/health/ready');
    assert.equal(ready.status, 503);
    assert.match(JSON.parse(ready.body).problem, /is not registered on subnet 72/);
    assert.equal(lines.filter((l) => /^Not ready/.test(l.msg)).length, 1, 'logged once, not per probe');
  } finally {
    await stranger.stop();
  }
  assert.equal((await httpGet(m.port, '/health/ready')).status, 200, 'the listed miner is ready');
});

test('refused requests reach the miner log at info, summarised, not one line each', async () => {
  const lines: { level: number; msg: string; code?: string }[] = [];
  const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const quiet = await startTestMiner({}, { logger });
  try {
    const stranger = KEYS.stranger;
    for (let i = 0; i < 20; i++) {
      const res = await postSigned(
        quiet.port,
        signedRequest(quiet.port, { signer: stranger, image: jpegB64 }),
      );
      assert.equal(res.status, 403);
    }
    const refused = lines.filter((l) => l.code === 'ERR_CALLER_UNKNOWN');
    assert.equal(refused.length, 1, '20 refusals, one line until the summary');
    assert.equal(refused[0]!.level, 30);
  } finally {
    await quiet.stop();
  }
  assert.ok(
    lines.some((l) => l.msg === 'Refused 19 more request(s): ERR_CALLER_UNKNOWN'),
    'stopping flushes the summary',
  );
});

test('a miner that answers non-validators warns at start, as the reference miner does', async () => {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const open = await startTestMiner(
    { 'blacklist.force_validator_permit': false, 'blacklist.allow_non_registered': true },
    { logger },
  );
  await open.stop();
  const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
  assert.ok(
    warnings.some((w) => /^blacklist\.allow_non_registered is on/.test(w)),
    warnings.join('\n'),
  );
  assert.ok(warnings.some((w) => /^blacklist\.force_validator_permit is off/.test(w)));
});
