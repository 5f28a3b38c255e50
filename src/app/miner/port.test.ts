import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { loadConfig } from '../../core/config/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { silentLogger } from '../../core/log/index.js';
import type { MetagraphSource } from '../../wire/chain/types.js';
import type { Predictor } from '../../inference/cascade/types.js';
import { hotkeyFromSecret } from '../../wire/wallet/index.js';
import { buildMiner } from './index.js';
import { checkPortFree } from '../../core/net/index.js';

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('checkPortFree() names a taken port and the fix, and passes a free one or port 0', async () => {
  const { server, port } = await holdPort();
  try {
    await assert.rejects(
      checkPortFree(port, '127.0.0.1'),
      (e) =>
        isRoadworkError(e, 'ERR_PORT_IN_USE') &&
        e.message.includes(`127.0.0.1:${port}`) &&
        /--axon\.port/.test(e.message),
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  await checkPortFree(port, '127.0.0.1');
  await checkPortFree(port, '127.0.0.1'); // the probe gave the port back
  await checkPortFree(0, '127.0.0.1');
});

test('checkPortFree() calls a host that is not this machine a configuration error', async () => {
  await assert.rejects(
    checkPortFree(8091, '192.0.2.1'),
    (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && /Axon host .*: 192\.0\.2\.1/.test(e.message),
  );
});

test('Miner.start() fails on a taken port before it loads the models or the metagraph', async () => {
  const { server, port } = await holdPort();
  const started: string[] = [];
  const predictor: Predictor = {
    start: async () => void started.push('predictor'),
    predict: () => Promise.reject(new Error('unused')),
    status: () => ({ ready: false }),
    close: async () => undefined,
  };
  const metagraph: MetagraphSource = {
    start: async () => void started.push('metagraph'),
    current: () => undefined,
    status: () => ({ kind: 'static', loaded: false, fresh: false }),
    close: async () => undefined,
  };
  const settings = loadConfig({ flags: { 'axon.host': '127.0.0.1', 'axon.port': port } });
  const miner = await buildMiner(settings, silentLogger(), {
    signer: hotkeyFromSecret('//Miner'),
    predictor,
    metagraph,
  });
  try {
    await assert.rejects(miner.start(), (e) => isRoadworkError(e, 'ERR_PORT_IN_USE'));
    assert.deepEqual(started, []);
  } finally {
    await miner.stop();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('Miner.stop() during start-up waits for the models, and start() then never listens', async () => {
  let finishLoading: () => void = () => undefined;
  const closed: string[] = [];
  const predictor: Predictor = {
    start: () => new Promise<void>((resolve) => (finishLoading = resolve)),
    predict: () => Promise.reject(new Error('unused')),
    status: () => ({ ready: false }),
    close: async () => void closed.push('predictor'),
  };
  const metagraph: MetagraphSource = {
    start: async () => undefined,
    current: () => undefined,
    status: () => ({ kind: 'static', loaded: true, fresh: true }),
    close: async () => void closed.push('metagraph'),
  };
  const settings = loadConfig({ flags: { 'axon.host': '127.0.0.1', 'axon.port': 0 } });
  const miner = await buildMiner(settings, silentLogger(), {
    signer: hotkeyFromSecret('//Miner'),
    predictor,
    metagraph,
  });
  const starting = miner.start();
  await new Promise((r) => setTimeout(r, 20));
  const stopping = miner.stop();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(closed, [], 'nothing is closed while the models still load');
  finishLoading();
  await assert.rejects(starting, (e) => isRoadworkError(e, 'ERR_SHUTTING_DOWN'));
  await stopping;
  assert.deepEqual(closed.sort(), ['metagraph', 'predictor']);
  assert.equal(miner.axon.server.listening, false, 'the axon never listened');
});
