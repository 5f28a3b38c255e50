// Several hotkeys in one miner (miner.hotkeys): an axon per hotkey on its own loopback port, each with its
// own signature target, nonces and readiness, over one model load, with every request metric labelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KEYS, postSigned, sceneJpeg, send, signedRequest, startTestMiner } from '../../../test/_harness.js';
import { loadConfig } from '../../core/config/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { createLogger } from '../../core/log/index.js';
import { buildMetagraph, writeMetagraphFile } from '../../wire/chain/index.js';
import { hotkeyFromSecret } from '../../wire/wallet/index.js';
import { servedIdentities } from './_hotkeys.js';

const SECOND_SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner2';
const THIRD_SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner3';
const SECOND = hotkeyFromSecret(SECOND_SECRET);
const THIRD = hotkeyFromSecret(THIRD_SECRET);

/** A metagraph with the validator and the main and second miner hotkeys; the third is not registered. */
async function metagraphFile(dir: string): Promise<string> {
  const file = join(dir, 'hotkeys-metagraph.json');
  const miner = (uid: number, hotkey: string) => ({
    uid,
    hotkey,
    stake: 0,
    validatorPermit: false,
    axon: { ip: '127.0.0.1', port: 8091 + uid },
  });
  const neurons = [
    { uid: 0, hotkey: KEYS.validator.ss58, stake: 50_000, validatorPermit: true, axon: null },
    miner(3, KEYS.miner.ss58),
    miner(4, SECOND.ss58),
  ];
  await writeMetagraphFile(file, buildMetagraph(72, 100, neurons, Date.now()));
  return file;
}

test(
  'one miner serves two hotkeys on two ports: each answers as itself, refuses what was signed for the other, keeps its own nonces, and both share one model load',
  { timeout: 120_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'roadwork-hotkeys-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const lines: { msg: string; hotkey?: string }[] = [];
    const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const m = await startTestMiner(
      {
        'metagraph.file': await metagraphFile(dir),
        'miner.hotkeys': [
          { secret: SECOND_SECRET, port: 0 },
          { secret: THIRD_SECRET, port: 0 },
        ],
      },
      { logger },
    );
    t.after(() => m.stop());
    assert.deepEqual(
      m.miner.served.map((s) => s.signer.ss58),
      [KEYS.miner.ss58, SECOND.ss58, THIRD.ss58],
    );
    const portA = m.port;
    const portB = (m.miner.served[1]!.axon.server.address() as AddressInfo).port;
    assert.notEqual(portA, portB);
    const image = (await sceneJpeg('hotkeys')).toString('base64');

    const toA = await postSigned(portA, signedRequest(portA, { image }));
    assert.equal(toA.status, 200, toA.text);
    assert.equal(toA.headers.bt_header_axon_hotkey, KEYS.miner.ss58);
    const toB = await postSigned(portB, signedRequest(portB, { image, axonHotkey: SECOND.ss58 }));
    assert.equal(toB.status, 200, toB.text);
    assert.equal(toB.headers.bt_header_axon_hotkey, SECOND.ss58);
    assert.equal(toB.json().prediction, toA.json().prediction, 'one model, one answer');

    // Signed for A, sent to B: B's axon verifies against its own hotkey and refuses it.
    const crossed = await postSigned(portB, signedRequest(portB, { image }));
    assert.equal(crossed.status, 401, crossed.text);
    assert.equal(crossed.json().code, 'ERR_SIGNATURE_MISMATCH');

    // One uuid and nonce to each: the stores are separate, so both pass; a replay to A is refused.
    const same = {
      image,
      uuid: 'f0f0f0f0-0000-4000-8000-000000000001',
      nonce: BigInt(Date.now()) * 1_000_000n,
    };
    assert.equal((await postSigned(portA, signedRequest(portA, same))).status, 200);
    const sameB = signedRequest(portB, { ...same, axonHotkey: SECOND.ss58 });
    assert.equal((await postSigned(portB, sameB)).status, 200);
    const replay = await postSigned(portA, signedRequest(portA, same));
    assert.equal(replay.json().code, 'ERR_NONCE_REPLAYED');

    // Readiness is each hotkey's own UID lookup: the third is not in the metagraph.
    const portC = (m.miner.served[2]!.axon.server.address() as AddressInfo).port;
    assert.equal((await send(portA, '/health/ready', { method: 'GET' })).status, 200);
    assert.equal((await send(portB, '/health/ready', { method: 'GET' })).status, 200);
    const unlisted = await send(portC, '/health/ready', { method: 'GET' });
    assert.equal(unlisted.status, 503);
    assert.match(unlisted.text, new RegExp(THIRD.ss58));

    // One registry for the process, scraped on either port, with both hotkeys' series.
    const text = (await send(portB, '/metrics', { method: 'GET' })).text;
    const answered = (hotkey: string) =>
      [...text.matchAll(/^roadwork_axon_requests_total\{hotkey="(\w+)",[^}]*status="200"[^}]*\} (\d+)$/gm)]
        .filter((r) => r[1] === hotkey)
        .reduce((n, r) => n + Number(r[2]), 0);
    assert.equal(answered(KEYS.miner.ss58), 2);
    assert.equal(answered(SECOND.ss58), 2);
    assert.match(
      text,
      new RegExp(`^roadwork_axon_requests_total\\{hotkey="${SECOND.ss58}",[^}]*status="401"`, 'm'),
    );
    assert.match(
      text,
      new RegExp(`^roadwork_axon_answers_total\\{hotkey="${THIRD.ss58}",class="positive"\\} 0$`, 'm'),
    );

    // The models loaded once for the three axons: one backbone per route of the starter (224 and 448 px).
    assert.equal(lines.filter((l) => l.msg === 'tfjs embedder ready').length, 2);
    const listening = lines.filter((l) => l.msg === 'Axon listening').map((l) => l.hotkey);
    assert.deepEqual(listening, [KEYS.miner.ss58, SECOND.ss58, THIRD.ss58]);
  },
);

test('servedIdentities() refuses a hotkey served twice and a port used twice, naming the entry', async () => {
  const twice = loadConfig({
    defaults: {
      'miner.hotkeys': [
        { secret: SECOND_SECRET, port: 9001 },
        { secret: SECOND_SECRET, port: 9002 },
      ],
    },
  });
  await assert.rejects(
    servedIdentities(twice, KEYS.miner),
    (e) =>
      isRoadworkError(e, 'ERR_CONFIG_INVALID') && /entry 2 serves a hotkey already served/.test(e.message),
  );
  const main = loadConfig({ defaults: { 'miner.hotkeys': [{ secret: '//Alice', port: 8091 }] } });
  await assert.rejects(
    servedIdentities(main, KEYS.miner),
    (e) =>
      isRoadworkError(e, 'ERR_CONFIG_INVALID') && /entry 1 uses a port already used: 8091/.test(e.message),
  );
  const ok = loadConfig({ defaults: { 'miner.hotkeys': `miner/default:9003`, 'axon.port': 9000 } });
  await assert.rejects(
    servedIdentities(ok, KEYS.miner),
    (e) => isRoadworkError(e, 'ERR_WALLET_NOT_FOUND') && /miner\/hotkeys\/default/.test(e.message),
    'the short form names a wallet file, read from wallet.path',
  );
});
