// registry.follow: a running miner switches to each new production version, under traffic, with no
// failed request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, postSigned, sceneJpeg, send, signedRequest, startTestMiner } from '../../../test/_harness.js';
import { linearImageModel } from '../../../test/fixtures/onnx-models.js';
import { systemClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { loadConfig } from '../../core/config/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import {
  createBundle,
  promoteVersion,
  registerBundle,
  rollbackProduction,
  startCanary,
  stopCanary,
  type RegistryDeps,
} from '../../lifecycle/registry/index.js';
import { buildMiner } from './index.js';
import { createLogger } from '../../core/log/index.js';

const RAW_PIXELS = { normalization: JSON.stringify({ mean: [0, 0, 0], std: [1, 1, 1] }) };

/** A registered bundle whose classifier answers sigmoid(bias) whatever the image. */
async function constantVersion(dir: string, name: string, bias: number, deps: RegistryDeps): Promise<string> {
  const model = join(dir, `${name}.onnx`);
  writeFileSync(model, linearImageModel({ weights: [0, 0, 0], bias, metadata: RAW_PIXELS }));
  await createBundle(join(dir, name), {
    files: { 'model.onnx': model },
    config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'model.onnx' }] },
    metrics: { bias },
  });
  return (await registerBundle(join(dir, name), deps)).version.id;
}

/**
 * A registry with two constant versions, `low` production, and a miner serving it with
 * registry.follow polling every second; everything is released after the test.
 */
async function followingMiner(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  const store = openStore(storeFile(data));
  t.after(() => store.close());
  const deps = { store, bundlesDir: join(data, 'bundles'), clock: systemClock() };
  const low = await constantVersion(dir, 'low', -2, deps);
  const high = await constantVersion(dir, 'high', 2, deps);
  await promoteVersion(low, deps);
  const m = await startTestMiner({ 'registry.follow': true, 'registry.poll_s': 1, data_dir: data });
  t.after(() => m.stop());
  return { store, deps, low, high, m };
}

const LOW = 1 / (1 + Math.exp(2));
const HIGH = 1 / (1 + Math.exp(-2));

test(
  'with registry.follow a serving miner switches to a promoted version and back on rollback, failing no request',
  { timeout: 120_000 },
  async (t) => {
    const { deps, high, m } = await followingMiner(t);
    const image = (await sceneJpeg('follow')).toString('base64');
    let nonce = BigInt(Date.now()) * 1_000_000n;
    const answers: number[] = [];
    const ask = async (): Promise<number> => {
      // Increasing, and never behind the clock (the axon refuses nonces older than its window).
      const now = BigInt(Date.now()) * 1_000_000n;
      nonce = now > nonce ? now : nonce + 1_000n;
      const reply = await postSigned(m.port, signedRequest(m.port, { image, nonce }));
      assert.equal(reply.status, 200, reply.text);
      const p = (reply.json() as { prediction: number }).prediction;
      answers.push(p);
      return p;
    };
    /** Sends requests back to back until one answers `p` (bounded: 20 s). */
    const until = async (p: number): Promise<void> => {
      const end = Date.now() + 20_000;
      while (Math.abs((await ask()) - p) > 1e-6) {
        assert.ok(Date.now() < end, `still not answering ${p} after 20 s: ${answers.slice(-3).join(', ')}`);
      }
    };
    assert.ok(Math.abs((await ask()) - LOW) < 1e-6);

    await promoteVersion(high, deps, { force: true });
    await until(HIGH);
    // Once switched, it stays switched.
    for (let i = 0; i < 5; i++) assert.ok(Math.abs((await ask()) - HIGH) < 1e-6);

    rollbackProduction(deps);
    await until(LOW);
    // Every answer was one of the two versions' (no request failed: `ask` asserts 200).
    assert.ok(answers.every((p) => Math.abs(p - LOW) < 1e-6 || Math.abs(p - HIGH) < 1e-6));
    assert.equal(m.miner.predictor.status().ready, true);
  },
);

test('registry.follow beside cascade.config is refused before anything loads', async () => {
  const settings = loadConfig({
    defaults: {
      'registry.follow': true,
      'cascade.config': 'somewhere/cascade.yaml',
      'wallet.secret': '//Alice',
    },
    env: {},
  });
  await assert.rejects(
    buildMiner(settings, createLogger({ level: 'silent' }), { signer: KEYS.miner }),
    (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && /registry\.follow/.test(e.message),
  );
});

test(
  'a canary started in the registry answers its share of images beside production, by image, until stopped or promoted',
  { timeout: 180_000 },
  async (t) => {
    const { store, deps, low, high, m } = await followingMiner(t);
    const images = await Promise.all(
      Array.from({ length: 12 }, async (_, i) =>
        (await sceneJpeg(`canary-${i}`, i % 2 === 0)).toString('base64'),
      ),
    );
    let nonce = BigInt(Date.now()) * 1_000_000n;
    const ask = async (image: string): Promise<number> => {
      // Increasing, and never behind the clock (the axon refuses nonces older than its window).
      const now = BigInt(Date.now()) * 1_000_000n;
      nonce = now > nonce ? now : nonce + 1_000n;
      const reply = await postSigned(m.port, signedRequest(m.port, { image, nonce }));
      assert.equal(reply.status, 200, reply.text);
      return (reply.json() as { prediction: number }).prediction;
    };
    const round = async (): Promise<number[]> => {
      const out: number[] = [];
      for (const image of images) out.push(await ask(image));
      return out;
    };
    /** Rounds until `ok` holds for one (bounded: 20 s). */
    const until = async (ok: (answers: number[]) => boolean, what: string): Promise<number[]> => {
      const end = Date.now() + 20_000;
      for (;;) {
        const answers = await round();
        if (ok(answers)) return answers;
        assert.ok(
          Date.now() < end,
          `${what} not seen after 20 s: ${answers.map((p) => p.toFixed(2)).join(' ')}`,
        );
      }
    };
    const isLow = (p: number): boolean => Math.abs(p - LOW) < 1e-6;
    const isHigh = (p: number): boolean => Math.abs(p - HIGH) < 1e-6;

    startCanary(store, deps.clock, high, 0.5);
    await until((a) => a.some(isHigh) && a.some(isLow), 'a split between the versions');
    // The switch may fall inside the round that first saw it: judge the next one.
    const split = await round();
    assert.ok(split.some(isHigh) && split.some(isLow));
    assert.ok(split.every((p) => isLow(p) || isHigh(p)));
    // Each image stays with its side.
    assert.deepEqual(await round(), split);
    const metrics = (await send(m.port, '/metrics', { method: 'GET' })).text;
    assert.match(
      metrics,
      new RegExp(
        `^roadwork_canary_answers_total\\{version="${high}",arm="candidate",class="positive",exit="none"\\} [1-9]`,
        'm',
      ),
    );
    assert.match(
      metrics,
      new RegExp(
        `^roadwork_canary_answers_total\\{version="${low}",arm="primary",class="negative",exit="none"\\} [1-9]`,
        'm',
      ),
    );

    stopCanary(store, deps.clock);
    await until((a) => a.every(isLow), 'production alone after the stop');

    startCanary(store, deps.clock, high, 0.5);
    await until((a) => a.some(isHigh), 'the canary again');
    await promoteVersion(high, deps, { force: true });
    await until((a) => a.every(isHigh), 'the promoted canary answering everything');
  },
);
