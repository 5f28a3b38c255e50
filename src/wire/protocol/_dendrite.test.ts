// The dendrite against a real node:http server on 127.0.0.1 that inspects what arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeAddress, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { hotkeyFromSecret } from '../wallet/index.js';
import { NonceStore } from './_nonces.js';
import { imageSynapse } from './_synapses.js';
import { verifySynapseRequest } from './_verify.js';
import { createDendrite } from './_dendrite.js';

const AXON = encodeAddress(sr25519PairFromSeed(new Uint8Array(32).fill(21)).publicKey, 42);
const signer = hotkeyFromSecret(
  'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Alice',
);

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function withServer(handler: Handler, run: (port: number) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify(body));
}

test('call() sends Python-shaped headers and body that the axon verifies, and reads the answer', async () => {
  const nonces = new NonceStore();
  const seen: { path?: string; headerOrder?: string[]; body?: string; verified?: unknown } = {};
  await withServer(
    async (req, body, res) => {
      seen.path = req.url;
      seen.headerOrder = req.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
      seen.body = body;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      seen.verified = await verifySynapseRequest(headers, { axonHotkey: AXON, nonces });
      const request = JSON.parse(body) as Record<string, unknown>;
      answer(
        res,
        200,
        { ...request, image: '', prediction: 0.875 },
        {
          bt_header_axon_status_code: '200',
          bt_header_axon_status_message: 'Success',
          bt_header_axon_process_time: '0.0123',
        },
      );
    },
    async (port) => {
      const dendrite = createDendrite({ signer, version: 9_012_000, externalIp: '10.1.2.3' });
      const target = { ip: '127.0.0.1', port, hotkey: AXON };
      const result = await dendrite.call(target, imageSynapse('QUJD'), { timeoutS: 9 });
      assert.equal(result.ok, true);
      assert.equal(result.statusCode, 200);
      assert.equal(result.statusMessage, 'Success');
      assert.equal(result.processTime, 0.0123);
      assert.deepEqual(result.fields, { testnet_label: -1, image: '', prediction: 0.875 });
      assert.deepEqual(seen.verified, { ok: true, caller: signer.ss58 });
      assert.equal(seen.path, '/ImageSynapse');
      const bt = (seen.headerOrder ?? []).filter(
        (h) => !['host', 'connection', 'content-type', 'content-length', 'accept'].includes(h),
      );
      assert.deepEqual(bt, [
        'name',
        'timeout',
        'bt_header_axon_ip',
        'bt_header_axon_port',
        'bt_header_axon_hotkey',
        'bt_header_dendrite_ip',
        'bt_header_dendrite_version',
        'bt_header_dendrite_nonce',
        'bt_header_dendrite_uuid',
        'bt_header_dendrite_hotkey',
        'bt_header_dendrite_signature',
        'header_size',
        'total_size',
        'computed_body_hash',
      ]);
      const body = seen.body ?? '';
      assert.match(
        body,
        /^\{"name": "ImageSynapse", "timeout": 9\.0, "total_size": \d+, "header_size": 0, "dendrite": \{"status_code": null, "status_message": null, "process_time": null, "ip": "10\.1\.2\.3", "port": null, "version": 9012000, "nonce": \d{19}, "uuid": "[^"]+", "hotkey": "5\w+", "signature": "0x[0-9a-f]{128}"\}, "axon": \{"status_code": null, "status_message": null, "process_time": null, "ip": "127\.0\.0\.1", "port": \d+, "version": null, "nonce": null, "uuid": null, "hotkey": "5\w+", "signature": null\}, "computed_body_hash": "", "testnet_label": -1, "image": "QUJD", "prediction": -1\.0\}$/,
      );
      // Keep-alive: a second call reuses the agent and signs a newer nonce the axon accepts.
      const second = await dendrite.call(
        { url: `http://127.0.0.1:${port}`, hotkey: AXON },
        imageSynapse('QUJD'),
      );
      assert.equal(second.ok, true);
      assert.ok(second.nonce > result.nonce);
      assert.deepEqual(seen.verified, { ok: true, caller: signer.ss58 });
      dendrite.close();
    },
  );
});

test('call() reports an axon error status and its message as Python does', async () => {
  await withServer(
    (_req, _body, res) =>
      answer(res, 401, { message: 'Signature mismatch' }, { bt_header_axon_status_code: '401' }),
    async (port) => {
      const dendrite = createDendrite({ signer });
      const result = await dendrite.call({ ip: '127.0.0.1', port, hotkey: AXON }, imageSynapse('QUJD'));
      assert.deepEqual(
        [result.ok, result.statusCode, result.httpStatus, result.statusMessage, result.fields, result.code],
        [false, 401, 401, 'Signature mismatch', undefined, undefined],
      );
      dendrite.close();
    },
  );
});

test('call() turns an unparsable answer into 422 ERR_DENDRITE_RESPONSE', async () => {
  await withServer(
    (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    },
    async (port) => {
      const dendrite = createDendrite({ signer });
      const result = await dendrite.call({ ip: '127.0.0.1', port, hotkey: AXON }, imageSynapse('QUJD'));
      assert.deepEqual([result.ok, result.statusCode, result.code], [false, 422, 'ERR_DENDRITE_RESPONSE']);
      dendrite.close();
    },
  );
});

test('call() times out with 408 ERR_DENDRITE_TIMEOUT when the axon is silent', async () => {
  await withServer(
    () => undefined,
    async (port) => {
      const dendrite = createDendrite({ signer });
      const result = await dendrite.call({ ip: '127.0.0.1', port, hotkey: AXON }, imageSynapse('QUJD'), {
        timeoutS: 0.2,
      });
      assert.deepEqual([result.ok, result.statusCode, result.code], [false, 408, 'ERR_DENDRITE_TIMEOUT']);
      assert.ok(result.elapsedMs >= 190 && result.elapsedMs < 2000, String(result.elapsedMs));
      dendrite.close();
    },
  );
});

test('call() reports a refused connection as 503 ERR_DENDRITE_TRANSPORT', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const dendrite = createDendrite({ signer });
  const result = await dendrite.call({ ip: '127.0.0.1', port, hotkey: AXON }, imageSynapse('QUJD'), {
    timeoutS: 2,
  });
  assert.deepEqual([result.ok, result.statusCode, result.code], [false, 503, 'ERR_DENDRITE_TRANSPORT']);
  dendrite.close();
});
