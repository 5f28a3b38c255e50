// `roadwork chain` against recorded Finney node answers, replayed through polkadot-js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApiPromise } from '@polkadot/api';
import { cryptoWaitReady, decodeAddress, mnemonicGenerate, signatureVerify } from '@polkadot/util-crypto';
import {
  DeadProvider,
  RECORDED_UID0,
  ReplayProvider,
  type ReplayOptions,
} from '../../wire/chain/_test-replay-provider.js';
import { RejectingSubmitProvider, replayWithServedAxon } from '../../wire/chain/_test-submit.js';
import { staticMetagraph, type ProviderFactory } from '../../wire/chain/index.js';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { hotkeyFromSecret, type Signer } from '../../wire/wallet/index.js';
import { chainCommand, type ChainCommandDeps } from './chain.js';

// Registered as uid 29 on netuid 14 in the recordings (upstream test_get_neuron_for_pubkey_and_subnet).
const HOTKEY = '5Cf4LPRv6tiyuFsfLRQaFYEEn3zJRGi4bAE9DwbbKmbCSHpV';
const HEAD_BLOCK = 0x63859d;
let dir: string;

before(async () => {
  await cryptoWaitReady();
  dir = await mkdtemp(join(tmpdir(), 'roadwork-chain-cli-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function replay(recording: string, options?: ReplayOptions): ProviderFactory {
  return () => new ReplayProvider(recording, options);
}

async function run(args: string[], deps: Omit<ChainCommandDeps, 'stdout'>): Promise<string> {
  let text = '';
  const command = chainCommand({}, { ...deps, stdout: { write: (s: string) => (text += s) } });
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return text;
}

test('chain status reports the recorded registration of a hotkey (uid 29 on netuid 14)', async () => {
  const deps = { providerFactory: replay('get_neuron_for_pubkey_and_subnet', { absentStorageIsNull: true }) };
  const json = JSON.parse(await run(['status', '--netuid', '14', '--ss58', HOTKEY, '--json'], deps)) as {
    registered: boolean;
    block: number;
    blocksSinceUpdate: number;
    neuron: { uid: number; hotkey: string; stake: number; validatorPermit: boolean; lastUpdate: number };
  };
  assert.equal(json.registered, true);
  assert.equal(json.block, HEAD_BLOCK);
  assert.equal(json.neuron.uid, 29);
  assert.equal(json.neuron.hotkey, HOTKEY);
  assert.equal(json.neuron.validatorPermit, true);
  assert.ok(json.neuron.stake > 0);
  assert.equal(json.blocksSinceUpdate, HEAD_BLOCK - json.neuron.lastUpdate);
  assert.ok(json.blocksSinceUpdate >= 0 && json.blocksSinceUpdate < 1000, `${json.blocksSinceUpdate}`);

  const text = await run(['status', '--netuid', '14', '--ss58', HOTKEY], deps);
  assert.match(text, /at block 6,522,269/);
  assert.match(text, new RegExp(`Hotkey ${HOTKEY}: registered, uid 29\\n`));
  for (const label of [
    'stake',
    'rank',
    'trust',
    'incentive',
    'emission',
    'validator permit',
    'axon',
    'last update',
  ]) {
    assert.match(text, new RegExp(`\\n  ${label} +\\S`), label);
  }
  assert.match(text, /validator permit +yes/);
  assert.match(text, /axon +not served \(publish it: roadwork chain serve-axon/);
  assert.match(text, new RegExp(`last update +block [\\d,]+ \\(${json.blocksSinceUpdate} blocks ago\\)`));
});

test("chain status of the wallet's unregistered hotkey says so and how to register (netuid 1, 1024 neurons)", async () => {
  const secret = mnemonicGenerate(12);
  const ss58 = hotkeyFromSecret(secret).ss58;
  const text = await run(['status', '--netuid', '1', '--wallet.secret', secret, '--wallet.name', 'miner'], {
    providerFactory: replay('subnetwork_n', { absentStorageIsNull: true }),
  });
  // SubnetworkN(1) = 1024 and NetworksAdded(1) = true are recorded; the hotkey's Uids entry is absent.
  assert.match(
    text,
    /^Subnet 1 on wss:\/\/entrypoint-finney\.opentensor\.ai:443 at block [\d,]+: 1,024 neurons\n/,
  );
  assert.match(text, new RegExp(`Hotkey ${ss58} is not registered on subnet 1\\.`));
  assert.match(text, /btcli subnet register --netuid 1 --wallet\.name miner --wallet\.hotkey default/);
  assert.match(text, /coldkey, which roadwork never touches/);
});

test('chain status refuses a netuid the chain does not hold, so `chain status && start` stops there', async () => {
  // NetworksAdded(999) and SubnetworkN(999) are absent from the recording: a node answers their defaults.
  const deps = { providerFactory: replay('subnetwork_n', { absentStorageIsNull: true }) };
  for (const json of [[], ['--json']]) {
    let printed = '';
    await assert.rejects(
      (async () => {
        printed = await run(['status', '--netuid', '999', '--ss58', HOTKEY, ...json], deps);
      })(),
      (err: unknown) =>
        isRoadworkError(err, 'ERR_CONFIG_INVALID') &&
        /^No subnet with this netuid on wss:\/\/entrypoint-finney\.opentensor\.ai:443 at block \d+: 999\. Check --netuid/.test(
          err.message,
        ),
    );
    assert.equal(printed, '', 'no report on stdout');
  }
});

test('chain status names the endpoint, the last error and what to try when the node never answers', async () => {
  await assert.rejects(
    run(
      [
        'status',
        '--ss58',
        HOTKEY,
        '--subtensor.chain_endpoint',
        'ws://10.255.255.1:9944',
        '--timeout',
        '0.5',
      ],
      {
        providerFactory: () => new DeadProvider(),
      },
    ),
    (err: unknown) =>
      isRoadworkError(err, 'ERR_CHAIN_UNREACHABLE') &&
      err.message.includes('within 0.5 s: ws://10.255.255.1:9944') &&
      err.message.includes('--subtensor.chain_endpoint'),
  );
  // A real websocket to a closed port on 127.0.0.1: the refusal itself reaches the message.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
  await assert.rejects(
    run(
      ['status', '--ss58', HOTKEY, '--subtensor.chain_endpoint', `ws://127.0.0.1:${port}`, '--timeout', '1'],
      {},
    ),
    (err: unknown) =>
      isRoadworkError(err, 'ERR_CHAIN_UNREACHABLE') &&
      err.message.includes(`ws://127.0.0.1:${port} (last error: connect ECONNREFUSED 127.0.0.1:${port})`),
  );
});

test("chain status gives up within --timeout counted from the command's start, the wallet's loading included", async () => {
  const signer = hotkeyFromSecret(mnemonicGenerate(12));
  const slowWallet = async (): Promise<Signer> => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    return signer;
  };
  const started = Date.now();
  await assert.rejects(
    run(['status', '--timeout', '1'], { providerFactory: () => new DeadProvider(), loadSigner: slowWallet }),
    (err: unknown) => isRoadworkError(err, 'ERR_CHAIN_UNREACHABLE') && err.message.includes('within 1 s'),
  );
  const tookMs = Date.now() - started;
  // Waiting a full second after the wallet, as before, would take 1.6 s.
  assert.ok(tookMs < 1400, `took ${tookMs} ms`);
});

/** A replay that stops answering storage reads once connected, as a node that stalls mid-command. */
class StallingProvider extends ReplayProvider {
  #stalled: (() => void)[] = [];
  override send<T = unknown>(method: string, params: unknown[]): Promise<T> {
    if (!method.startsWith('state_getStorage') && method !== 'state_queryStorageAt')
      return super.send<T>(method, params);
    return new Promise<T>((_, reject) => this.#stalled.push(() => reject(new Error('disconnected'))));
  }
  override async disconnect(): Promise<void> {
    for (const fail of this.#stalled.splice(0)) fail();
    await super.disconnect();
  }
}

test(
  'chain status gives up on a node that connects and then stops answering, within --timeout',
  { timeout: 20_000 },
  async () => {
    const started = Date.now();
    await assert.rejects(
      run(['status', '--netuid', '14', '--ss58', HOTKEY, '--timeout', '1'], {
        providerFactory: () => new StallingProvider('get_neuron_for_pubkey_and_subnet'),
      }),
      (err: unknown) =>
        isRoadworkError(err, 'ERR_CHAIN_UNREACHABLE') &&
        /stopped answering: nothing more within 1 s/.test(err.message),
    );
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 1500, `took ${tookMs} ms`);
  },
);

test(
  'chain serve-axon gives up within --timeout on a node that stops answering before anything is signed',
  { timeout: 20_000 },
  async () => {
    const provider = new StallingProvider('metagraph', { absentStorageIsNull: true });
    const secret = mnemonicGenerate(12);
    const started = Date.now();
    await assert.rejects(
      run(
        ['serve-axon', '--ip', '203.0.113.7', '--port', '8091', '--timeout', '1', '--wallet.secret', secret],
        {
          providerFactory: () => provider,
        },
      ),
      (err: unknown) =>
        isRoadworkError(err, 'ERR_CHAIN_UNREACHABLE') &&
        /stopped answering: nothing more within 1 s/.test(err.message),
    );
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 1500, `took ${tookMs} ms`);
    assert.ok(!provider.calls.some((c) => c.startsWith('author_')), 'nothing was submitted');
  },
);

test('chain metagraph --out writes a file that staticMetagraph loads back (1024 neurons of netuid 1)', async () => {
  const file = join(dir, 'snap', 'metagraph.json');
  const text = await run(['metagraph', '--netuid', '1', '--out', file], {
    providerFactory: replay('metagraph'),
    clock: fakeClock(1_750_000_000_000),
  });
  assert.match(text, new RegExp(`Wrote 1024 neurons of subnet 1 at block 6852690 to ${file}`));
  const source = staticMetagraph(file);
  await source.start();
  const mg = source.current();
  assert.ok(mg);
  assert.equal(mg.netuid, 1);
  assert.equal(mg.block, 6_852_690);
  assert.equal(mg.neurons.length, 1024);
  assert.deepEqual(mg.neurons[0], RECORDED_UID0);

  const table = await run(['metagraph', '--netuid', '1'], { providerFactory: replay('metagraph') });
  const lines = table.trimEnd().split('\n');
  assert.equal(lines.length, 2 + 1024);
  assert.match(lines[0] ?? '', /^Subnet 1 at block 6,852,690: 1024 neurons, \d+ with a validator permit/);
  assert.match(lines[2] ?? '', /^ {4}0 {2}5DkMmX…y1AQ +2\.5572 {2}\s+192\.222\.59\.109:6028$/);
});

test('chain metagraph refuses a netuid the chain does not hold instead of printing or writing no neurons', async () => {
  // A node answers get_neurons_lite(999) with an empty vector and NetworksAdded(999) with its default.
  const deps = {
    providerFactory: replay('metagraph', {
      absentStorageIsNull: true,
      answers: { 'state_call["NeuronInfoRuntimeApi_get_neurons_lite","0xe703"]': '0x00' },
    }),
  };
  const file = join(dir, 'none', 'metagraph.json');
  for (const extra of [[], ['--json'], ['--out', file]]) {
    let printed = '';
    await assert.rejects(
      (async () => {
        printed = await run(['metagraph', '--netuid', '999', ...extra], deps);
      })(),
      (err: unknown) =>
        isRoadworkError(err, 'ERR_CONFIG_INVALID') &&
        /^No subnet with this netuid on .* at block \d+: 999\./.test(err.message),
    );
    assert.equal(printed, '');
  }
  assert.equal(existsSync(file), false);
});

test('chain serve-axon --dry-run prints a call whose bytes decode back to the ip and port, and sends nothing', async () => {
  const provider = new ReplayProvider('metagraph', { absentStorageIsNull: true });
  const secret = mnemonicGenerate(12);
  const text = await run(
    ['serve-axon', '--ip', '203.0.113.7', '--port', '8091', '--dry-run', '--wallet.secret', secret],
    { providerFactory: () => provider },
  );
  assert.match(
    text,
    new RegExp(`serve_axon for hotkey ${hotkeyFromSecret(secret).ss58} on subnet 72 \\(not registered\\)`),
  );
  assert.match(text, /chain holds +nothing served/);
  assert.match(text, /will publish +203\.0\.113\.7:8091 protocol 4 version 0/);
  assert.match(
    text,
    /call +SubtensorModule\.serve_axon\(netuid=72, version=0, ip=3405803783, port=8091, ipType=4, protocol=4/,
  );
  assert.match(text, /Dry run: nothing was signed or sent\. The hotkey is not registered/);
  const hex = /call hex +(0x[0-9a-f]+)/.exec(text)?.[1];
  assert.ok(hex);
  // Decode the printed bytes with the recorded runtime's metadata, independently of the command.
  const api = await ApiPromise.create({ provider: new ReplayProvider('metagraph'), noInitWarn: true });
  try {
    const call = api.createType('Call', hex);
    assert.equal(`${call.section}.${call.method}`, 'subtensorModule.serveAxon');
    const args = Object.fromEntries(
      call.meta.args.map((a, i) => [a.name.toString(), call.args[i]?.toString()]),
    );
    assert.equal(args['netuid'], '72');
    assert.equal(args['port'], '8091');
    assert.equal(args['ipType'], '4');
    assert.equal(BigInt(args['ip'] ?? '0'), (203n << 24n) | (113n << 8n) | 7n);
  } finally {
    await api.disconnect();
  }
  assert.ok(!provider.calls.some((c) => c.startsWith('author_')), 'nothing was submitted');
});

test('chain serve-axon reports the node refusing the extrinsic (a tiny fake answers only the submission RPC)', async () => {
  const provider = new RejectingSubmitProvider('get_neuron_for_pubkey_and_subnet', {
    absentStorageIsNull: true,
  });
  // The recorded hotkey is registered but its key is unknown: sign with another key, as a wrong wallet would.
  const other = hotkeyFromSecret(mnemonicGenerate(12));
  const signer: Signer = { ss58: HOTKEY, publicKey: decodeAddress(HOTKEY), sign: other.sign };
  let printed = '';
  await assert.rejects(
    (async () => {
      let text = '';
      const command = chainCommand(
        {},
        {
          providerFactory: () => provider,
          loadSigner: () => signer,
          stdout: { write: (s: string) => (text += s) },
        },
      );
      try {
        await command.parseAsync(['serve-axon', '--netuid', '14', '--ip', '198.51.100.4', '--port', '8091'], {
          from: 'user',
        });
      } finally {
        printed = text;
      }
    })(),
    (err: unknown) =>
      isRoadworkError(err, 'ERR_CHAIN_SUBMIT') &&
      err.message.startsWith(
        'The chain refused SubtensorModule.serve_axon: 1010: Invalid Transaction: Transaction has a bad signature.',
      ) &&
      err.message.includes('check the wallet'),
  );
  assert.match(printed, /on subnet 14 \(uid 29\)/);
  assert.match(printed, /Signing with the hotkey and submitting/);
  assert.equal(provider.submitted.length, 1);
  // What reached the node: a signed serve_axon from the hotkey, signed over the payload the runtime checks.
  const api = await ApiPromise.create({
    provider: new ReplayProvider('get_neuron_for_pubkey_and_subnet', { absentStorageIsNull: true }),
    noInitWarn: true,
  });
  try {
    const ext = api.createType('Extrinsic', provider.submitted[0]);
    assert.equal(ext.isSigned, true);
    assert.equal(ext.signer.toString(), HOTKEY);
    assert.equal(`${ext.method.section}.${ext.method.method}`, 'subtensorModule.serveAxon');
    assert.equal(ext.method.args[3]?.toString(), '8091');
    assert.equal(ext.era.isMortalEra, true);
    assert.equal(ext.era.asMortalEra.birth(HEAD_BLOCK), HEAD_BLOCK);
    const head = await api.rpc.chain.getHeader();
    const payload = api.registry.createType('SignerPayload', {
      address: HOTKEY,
      blockHash: head.hash,
      blockNumber: HEAD_BLOCK,
      era: ext.era,
      genesisHash: api.genesisHash,
      method: ext.method,
      nonce: ext.nonce,
      runtimeVersion: api.runtimeVersion,
      signedExtensions: api.registry.signedExtensions,
      tip: ext.tip,
      version: ext.version & 0x7f, // the top bit only marks a signed extrinsic
    });
    const data = payload.toRaw().data;
    assert.equal(signatureVerify(data, ext.signature.toU8a(), other.publicKey).isValid, true);
    assert.equal(signatureVerify(data, ext.signature.toU8a(), decodeAddress(HOTKEY)).isValid, false);
  } finally {
    await api.disconnect();
  }
});

test('chain serve-axon skips, and says so, when the chain already holds the same ip, port and protocol', async () => {
  const secret = mnemonicGenerate(12);
  const ss58 = hotkeyFromSecret(secret).ss58;
  const served = { ip: (203n << 24n) | (113n << 8n) | 7n, port: 8091, ipType: 4, protocol: 4 };
  const factory = await replayWithServedAxon(72, ss58, served);
  const args = ['serve-axon', '--ip', '203.0.113.7', '--port', '8091', '--wallet.secret', secret];
  const same = await run(args, { providerFactory: factory });
  assert.match(same, /chain holds +203\.0\.113\.7:8091 protocol 4 version 0 \(served at block 6,852,000\)/);
  assert.match(
    same,
    /Skipped: the chain already holds 203\.0\.113\.7:8091 for this hotkey; nothing to send\.\n$/,
  );
  // Another port is a change: the (unregistered) hotkey is then refused before anything is signed.
  await assert.rejects(
    run(['serve-axon', '--ip', '203.0.113.7', '--port', '8092', '--wallet.secret', secret], {
      providerFactory: factory,
    }),
    (err: unknown) =>
      isRoadworkError(err, 'ERR_HOTKEY_NOT_REGISTERED') &&
      err.message.includes(`subnet 72: ${ss58}`) &&
      err.message.includes('btcli subnet register --netuid 72'),
  );
});

test('a node that answers a request with an error is ERR_CHAIN_RPC naming the node, not a stack trace', async () => {
  // The replay rejects every call its recording lacks, as a node without that state answers an error.
  const deps = { providerFactory: replay('get_neuron_for_pubkey_and_subnet', { absentStorageIsNull: true }) };
  await assert.rejects(
    run(['metagraph', '--netuid', '72'], deps),
    (err) =>
      isRoadworkError(err, 'ERR_CHAIN_RPC') &&
      /^The subtensor node .* answered with an error: /.test(err.message) &&
      /--subtensor\.chain_endpoint/.test(err.message),
  );
});

test('chain status refuses a malformed --ss58 before connecting (a dead node is never asked)', async () => {
  await assert.rejects(
    run(['status', '--ss58', 'bad', '--timeout', '1'], { providerFactory: () => new DeadProvider() }),
    (err) => isRoadworkError(err, 'ERR_HOTKEY_INVALID'),
  );
});
