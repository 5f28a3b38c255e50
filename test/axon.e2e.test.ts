// End to end over a real socket: our signed dendrite against our axon, and every kind of bad request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDendrite, imageSynapse } from '../src/wire/protocol/index.js';
import {
  KEYS,
  postSigned,
  send,
  sceneJpeg,
  signedRequest,
  startTestMiner,
  type SignedRequestOptions,
  type TestMiner,
} from './_harness.js';

let m: TestMiner;
let jpegB64: string;

before(async () => {
  m = await startTestMiner();
  jpegB64 = (await sceneJpeg()).toString('base64');
});
after(() => m.stop());

/** A request signed like a Python dendrite (of this test's scene unless told), with knobs to make it wrong. */
const signed = (o: SignedRequestOptions = {}) => signedRequest(m.port, { image: jpegB64, ...o });
const post = (req: ReturnType<typeof signed>, patch?: Record<string, string>, body?: string | Buffer) =>
  postSigned(m.port, req, patch, body);

async function expectCode(res: Awaited<ReturnType<typeof post>>, status: number, code: string) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json().code, code, res.text);
  assert.equal(typeof res.json().message, 'string');
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.equal(res.headers.bt_header_axon_status_code, String(status));
}

test('a request signed by our dendrite is answered with a prediction, as Bittensor answers', async () => {
  const dendrite = createDendrite({ signer: KEYS.validator });
  try {
    const result = await dendrite.call(
      { ip: '127.0.0.1', port: m.port, hotkey: KEYS.miner.ss58 },
      imageSynapse(jpegB64),
      { timeoutS: 9 },
    );
    assert.equal(result.statusCode, 200, result.statusMessage);
    const p = result.fields?.prediction;
    assert.equal(typeof p, 'number');
    assert.ok((p as number) >= 0 && (p as number) <= 1);
    assert.equal(result.fields?.image, '', 'the image is not echoed back');
    assert.ok((result.processTime ?? -1) >= 0);
  } finally {
    dendrite.close();
  }
  const raw = await post(signed());
  assert.equal(raw.status, 200);
  assert.match(String(raw.headers['content-type']), /^application\/json/);
  assert.equal(raw.headers.bt_header_axon_status_message, 'Success');
  assert.equal(raw.headers.bt_header_axon_hotkey, KEYS.miner.ss58);
  assert.equal(raw.headers.bt_header_dendrite_hotkey, KEYS.validator.ss58);
  assert.equal(raw.json().axon.status_code, 200);
});

test('forged, empty and wrong-axon signatures get 401 with their codes', async () => {
  // Signed by the stranger's key while claiming to be the validator.
  await expectCode(
    await post(signed({ signer: KEYS.stranger, claimedHotkey: KEYS.validator.ss58 })),
    401,
    'ERR_SIGNATURE_MISMATCH',
  );
  await expectCode(await post(signed(), { bt_header_dendrite_signature: '' }), 401, 'ERR_SIGNATURE_MISSING');
  await expectCode(
    await post(signed(), { bt_header_dendrite_signature: '0x1234' }),
    401,
    'ERR_SIGNATURE_MALFORMED',
  );
  // A genuine signature, but for another miner's axon: not replayable against us.
  await expectCode(await post(signed({ axonHotkey: KEYS.otherMiner.ss58 })), 401, 'ERR_SIGNATURE_MISMATCH');
});

test('replayed and stale nonces get 401; older dendrites only need increasing nonces', async () => {
  const req = signed();
  assert.equal((await post(req)).status, 200);
  await expectCode(await post(req), 401, 'ERR_NONCE_REPLAYED');
  const stale = BigInt(Date.now() - 60_000) * 1_000_000n;
  await expectCode(await post(signed({ nonce: stale })), 401, 'ERR_NONCE_STALE');
  // Bittensor < 7.2 dendrites have no freshness window, only ordering.
  const uuid = randomUUID();
  assert.equal((await post(signed({ nonce: stale, uuid, version: 7_001_000 }))).status, 200);
  await expectCode(
    await post(signed({ nonce: stale - 1n, uuid, version: 7_001_000 })),
    401,
    'ERR_NONCE_REPLAYED',
  );
});

test('unknown callers, non-validators and low stakes get 403 before the body is read', async () => {
  await expectCode(await post(signed({ signer: KEYS.stranger })), 403, 'ERR_CALLER_UNKNOWN');
  await expectCode(await post(signed({ signer: KEYS.otherMiner })), 403, 'ERR_CALLER_NO_PERMIT');
  await expectCode(await post(signed({ signer: KEYS.poorValidator })), 403, 'ERR_CALLER_LOW_STAKE');
  const noHotkey = signed();
  const headers = { ...noHotkey.headers };
  delete (headers as Record<string, string>).bt_header_dendrite_hotkey;
  const res = await send(m.port, noHotkey.path, { headers, body: noHotkey.body });
  await expectCode(res, 403, 'ERR_CALLER_UNKNOWN');
  // A blacklisted caller's large body is never read: the answer comes and the connection closes.
  const big = await post(signed({ signer: KEYS.stranger }), {}, Buffer.alloc(4 << 20, 0x41));
  await expectCode(big, 403, 'ERR_CALLER_UNKNOWN');
  assert.equal(big.headers.connection, 'close');
});

test('a wrong body hash and malformed headers get 400', async () => {
  await expectCode(
    await post(signed(), { computed_body_hash: 'ab'.repeat(32) }),
    400,
    'ERR_BODY_HASH_MISMATCH',
  );
  await expectCode(await post(signed(), { bt_header_dendrite_nonce: '12x' }), 400, 'ERR_NONCE_INVALID');
  await expectCode(await post(signed(), { name: 'OtherSynapse' }), 400, 'ERR_SYNAPSE_NAME_MISMATCH');
});

test('bad base64, non-images, oversized bodies and decompression bombs get coded errors', async () => {
  await expectCode(await post(signed({ image: '%%%not base64%%%' })), 400, 'ERR_IMAGE_BASE64');
  await expectCode(
    await post(signed({ image: Buffer.from('hello, I am not an image').toString('base64') })),
    400,
    'ERR_IMAGE_FORMAT',
  );
  await expectCode(await post(signed({ image: '' })), 400, 'ERR_IMAGE_MISSING');
  await expectCode(await post(signed(), {}, '{"image": '), 400, 'ERR_BODY_INVALID_JSON');
  const huge = signed({ image: 'A'.repeat((24 << 20) + 4) });
  await expectCode(await post(huge), 413, 'ERR_BODY_TOO_LARGE');
  // A real JPEG whose frame header claims 30000×30000 pixels.
  const bomb = await sceneJpeg('bomb');
  const sof = bomb.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0, 'baseline JPEG has an SOF0 marker');
  bomb.writeUInt16BE(30000, sof + 5);
  bomb.writeUInt16BE(30000, sof + 7);
  await expectCode(await post(signed({ image: bomb.toString('base64') })), 400, 'ERR_IMAGE_TOO_LARGE');
  // Truncated JPEG.
  const jpeg = await sceneJpeg('cut');
  await expectCode(
    await post(signed({ image: jpeg.subarray(0, 200).toString('base64') })),
    400,
    'ERR_IMAGE_FORMAT',
  );
});

test('unknown paths get 404, wrong methods 405, and the axon still answers afterwards', async () => {
  await expectCode(await send(m.port, '/VideoSynapse', { body: '{}' }), 404, 'ERR_NOT_FOUND');
  await expectCode(
    await send(m.port, '/ImageSynapse', { method: 'PUT', body: '{}' }),
    405,
    'ERR_METHOD_NOT_ALLOWED',
  );
  const ok = await post(signed());
  assert.equal(ok.status, 200);
  assert.ok(ok.json().prediction >= 0 && ok.json().prediction <= 1);
});

test('health, readiness and metrics report the running miner', async () => {
  assert.equal((await send(m.port, '/health', { method: 'GET' })).status, 200);
  const ready = await send(m.port, '/health/ready', { method: 'GET' });
  assert.equal(ready.status, 200, ready.text);
  assert.equal(ready.json().predictor.ready, true);
  assert.equal(ready.json().metagraph.loaded, true);
  const metrics = await send(m.port, '/metrics', { method: 'GET' });
  assert.match(
    metrics.text,
    /roadwork_axon_requests_total\{hotkey="5\w+",synapse="ImageSynapse",status="200",code="OK",caller="5/,
  );
  assert.match(metrics.text, /code="ERR_SIGNATURE_MISMATCH"/);
  assert.match(metrics.text, /roadwork_process_resident_memory_bytes/);
  // Unregistered callers share one label, so invented hotkeys cannot grow the metrics.
  assert.doesNotMatch(metrics.text, new RegExp(KEYS.stranger.ss58));
});
