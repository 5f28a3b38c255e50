// verifySynapseRequest(): Bittensor's verify rules with real sr25519 keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeAddress, sr25519PairFromSeed, sr25519Sign } from '@polkadot/util-crypto';
import { hotkeyFromSecret } from '../wallet/index.js';
import { fakeClock } from '../../core/clock/index.js';
import { NonceStore } from './_nonces.js';
import { parseSynapseHeaders } from './_headers.js';
import { EMPTY_BODY_HASH } from './_synapses.js';
import { buildWireRequest } from './_wire.js';
import { verifyParsedRequest, verifySynapseRequest } from './_verify.js';

const caller = sr25519PairFromSeed(new Uint8Array(32).fill(11));
const forger = sr25519PairFromSeed(new Uint8Array(32).fill(12));
const CALLER = encodeAddress(caller.publicKey, 42);
const AXON = encodeAddress(sr25519PairFromSeed(new Uint8Array(32).fill(13)).publicKey, 42);
const OTHER_AXON = encodeAddress(sr25519PairFromSeed(new Uint8Array(32).fill(14)).publicKey, 42);
const NOW = 1_750_000_000_000_000_000n;
const UUID = 'f1e2d3c4-1cec-11ee-b0dc-e29ce36fec1a';

// Headers written by hand exactly as Python's Synapse.to_headers() orders and formats them.
function pythonHeaders(
  opts: {
    nonce?: bigint;
    version?: string;
    signer?: typeof caller;
    axon?: string;
    hash?: string;
    uuid?: string;
  } = {},
): Record<string, string> {
  const nonce = opts.nonce ?? NOW - 1_000_000_000n;
  const uuid = opts.uuid ?? UUID;
  const hash = opts.hash ?? EMPTY_BODY_HASH;
  const message = `${nonce}.${CALLER}.${opts.axon ?? AXON}.${uuid}.${hash}`;
  const signature = sr25519Sign(new TextEncoder().encode(message), opts.signer ?? caller);
  const h: Record<string, string> = {
    name: 'ImageSynapse',
    timeout: '9.0',
    bt_header_axon_ip: '10.0.0.1',
    bt_header_axon_port: '8091',
    bt_header_axon_hotkey: opts.axon ?? AXON,
    bt_header_dendrite_ip: '10.0.0.2',
    bt_header_dendrite_version: opts.version ?? '9012000',
    bt_header_dendrite_nonce: String(nonce),
    bt_header_dendrite_uuid: uuid,
    bt_header_dendrite_hotkey: CALLER,
    bt_header_dendrite_signature: `0x${Buffer.from(signature).toString('hex')}`,
    header_size: '640',
    total_size: '21512',
    computed_body_hash: hash,
  };
  if (opts.version === '') delete h.bt_header_dendrite_version;
  return h;
}

const verify = (h: Record<string, string>, nonces = new NonceStore(), nowNs = NOW) =>
  verifySynapseRequest(h, { axonHotkey: AXON, nowNs, nonces });

test('verifySynapseRequest() accepts a request signed as Python signs it and names the caller', async () => {
  assert.deepEqual(await verify(pythonHeaders()), { ok: true, caller: CALLER });
});

test('verifySynapseRequest() accepts a request built by our dendrite wire format and wallet signer', async () => {
  const signer = hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Bob',
  );
  const wire = buildWireRequest(
    { name: 'ImageSynapse', fields: { image: 'QUJD' } },
    { ip: '127.0.0.1', port: 8091, hotkey: AXON },
    {
      hotkey: signer.ss58,
      sign: (m) => signer.sign(m),
      uuid: UUID,
      version: 9_012_000,
      externalIp: '0.0.0.0',
      nonce: NOW,
      timeoutS: 9,
    },
  );
  assert.deepEqual(await verify(wire.headers), { ok: true, caller: signer.ss58 });
});

test('verifySynapseRequest() rejects forged, empty, malformed and misdirected signatures with 401', async () => {
  const forged = await verify(pythonHeaders({ signer: forger }));
  assert.deepEqual(
    [forged.ok, !forged.ok && forged.code, !forged.ok && forged.status],
    [false, 'ERR_SIGNATURE_MISMATCH', 401],
  );
  const empty = await verify({ ...pythonHeaders(), bt_header_dendrite_signature: '' });
  assert.equal(!empty.ok && empty.code, 'ERR_SIGNATURE_MISSING');
  const absent = pythonHeaders();
  delete absent.bt_header_dendrite_signature;
  assert.equal(((r) => !r.ok && r.code)(await verify(absent)), 'ERR_SIGNATURE_MISSING');
  const malformed = await verify({ ...pythonHeaders(), bt_header_dendrite_signature: '0x1234' });
  assert.equal(!malformed.ok && malformed.code, 'ERR_SIGNATURE_MALFORMED');
  const wrongAxon = await verify(pythonHeaders({ axon: OTHER_AXON }));
  assert.equal(!wrongAxon.ok && wrongAxon.code, 'ERR_SIGNATURE_MISMATCH');
  // The header names our axon, but the signature was made for another one: the header value is not trusted.
  const lyingHeader = await verify({ ...pythonHeaders({ axon: OTHER_AXON }), bt_header_axon_hotkey: AXON });
  assert.equal(!lyingHeader.ok && lyingHeader.code, 'ERR_SIGNATURE_MISMATCH');
});

test('verifySynapseRequest() rejects a tampered nonce or uuid', async () => {
  const h = pythonHeaders();
  const nonce = await verify({ ...h, bt_header_dendrite_nonce: String(NOW - 999_999_999n) });
  assert.equal(!nonce.ok && nonce.code, 'ERR_SIGNATURE_MISMATCH');
  const uuid = await verify({ ...h, bt_header_dendrite_uuid: 'another-uuid' });
  assert.equal(!uuid.ok && uuid.code, 'ERR_SIGNATURE_MISMATCH');
});

test('verifySynapseRequest() rejects a replayed nonce and accepts a newer one for the same uuid', async () => {
  const nonces = new NonceStore();
  const h = pythonHeaders();
  assert.equal((await verify(h, nonces)).ok, true);
  const replay = await verify(h, nonces);
  assert.deepEqual([!replay.ok && replay.code, !replay.ok && replay.status], ['ERR_NONCE_REPLAYED', 401]);
  assert.equal((await verify(pythonHeaders({ nonce: NOW - 10n }), nonces)).ok, true);
  const older = await verify(pythonHeaders({ nonce: NOW - 20n }), nonces);
  assert.equal(!older.ok && older.code, 'ERR_NONCE_REPLAYED');
  assert.equal((await verify(pythonHeaders({ nonce: NOW - 20n, uuid: 'fresh-uuid' }), nonces)).ok, true);
});

test('verifySynapseRequest() applies the freshness window only to dendrites from version 7002000', async () => {
  // Window = 4 s + timeout 9 s = 13 s.
  const inside = NOW - 12_900_000_000n;
  const outside = NOW - 13_000_000_000n;
  assert.equal((await verify(pythonHeaders({ nonce: inside }))).ok, true);
  const stale = await verify(pythonHeaders({ nonce: outside }));
  assert.deepEqual([!stale.ok && stale.code, !stale.ok && stale.status], ['ERR_NONCE_STALE', 401]);
  assert.equal((await verify(pythonHeaders({ nonce: outside, version: '7001999' }))).ok, true);
  assert.equal((await verify(pythonHeaders({ nonce: outside, version: '' }))).ok, true);
  assert.equal(
    ((r) => !r.ok && r.code)(await verify(pythonHeaders({ nonce: outside, version: '7002000' }))),
    'ERR_NONCE_STALE',
  );
});

test('verifySynapseRequest() caps the unsigned timeout when widening the window', async () => {
  const h = pythonHeaders({ nonce: NOW - 3_600_000_000_000n });
  const widened = await verify({ ...h, timeout: '999999.0' });
  assert.equal(!widened.ok && widened.code, 'ERR_NONCE_STALE');
});

test('verifySynapseRequest() rejects a wrong body hash with 400 before looking at the signature', async () => {
  const r = await verify({
    ...pythonHeaders(),
    computed_body_hash: 'ab'.repeat(32),
    bt_header_dendrite_signature: '',
  });
  assert.deepEqual([!r.ok && r.code, !r.ok && r.status], ['ERR_BODY_HASH_MISMATCH', 400]);
});

test('verifySynapseRequest() verifies unknown synapse names with no hash fields', async () => {
  assert.equal((await verify({ ...pythonHeaders(), name: 'SomeOtherSynapse' })).ok, true);
});

test('verifySynapseRequest() does not store the nonce of a request whose signature failed', async () => {
  const nonces = new NonceStore();
  const far = NOW + 1_000_000_000_000n;
  assert.equal((await verify(pythonHeaders({ nonce: far, signer: forger }), nonces)).ok, false);
  assert.equal(nonces.size, 0);
  assert.equal((await verify(pythonHeaders(), nonces)).ok, true);
});

test('verifySynapseRequest() rejects an invalid caller hotkey with a coded 401', async () => {
  const r = await verify({
    ...pythonHeaders(),
    bt_header_dendrite_hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ',
  });
  assert.deepEqual([!r.ok && r.code, !r.ok && r.status], ['ERR_HOTKEY_INVALID', 401]);
});

test('verifySynapseRequest() answers malformed headers with 400 codes and never throws', async () => {
  const base = pythonHeaders();
  const missing = { ...base };
  delete missing.bt_header_dendrite_nonce;
  assert.equal(((r) => !r.ok && r.code)(await verify(missing)), 'ERR_HEADER_MISSING');
  assert.equal(
    ((r) => !r.ok && r.code)(await verify({ ...base, bt_header_dendrite_nonce: '9'.repeat(400) })),
    'ERR_NONCE_INVALID',
  );
  assert.equal(
    ((r) => !r.ok && r.code)(await verify({ ...base, bt_header_dendrite_nonce: '9'.repeat(100_000) })),
    'ERR_HEADER_INVALID',
  );
  assert.equal(
    ((r) => !r.ok && r.code)(await verify({ ...base, bt_header_dendrite_nonce: '-17' })),
    'ERR_NONCE_INVALID',
  );
  const keys = Object.keys(base);
  for (let i = 0; i < 500; i++) {
    const h = {
      ...base,
      [keys[i % keys.length] ?? 'name']: randomBytes(1 + (i % 90)).toString(i % 3 ? 'hex' : 'latin1'),
    };
    const r = await verify(h);
    if (!r.ok) assert.ok(r.status === 400 || r.status === 401, r.code);
  }
});

test('verifyParsedRequest() reads time from the injected clock', () => {
  const clock = fakeClock(Number(NOW / 1_000_000n));
  const parsed = parseSynapseHeaders(pythonHeaders());
  assert.ok(parsed.ok);
  const nonces = new NonceStore();
  assert.equal(verifyParsedRequest(parsed.headers, { axonHotkey: AXON, clock, nonces }).ok, true);
  clock.advance(60_000);
  const later = parseSynapseHeaders(pythonHeaders({ uuid: 'later' }));
  assert.ok(later.ok);
  const r = verifyParsedRequest(later.headers, { axonHotkey: AXON, clock, nonces });
  assert.equal(!r.ok && r.code, 'ERR_NONCE_STALE');
});

test('NonceStore evicts the oldest keys beyond maxEntries', () => {
  const store = new NonceStore({ maxEntries: 2 });
  store.set('a', 1n);
  store.set('b', 2n);
  store.set('a', 3n);
  store.set('c', 4n);
  assert.deepEqual([store.get('a'), store.get('b'), store.get('c'), store.size], [3n, undefined, 4n, 2]);
});
