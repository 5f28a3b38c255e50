// The serveAxon call encoded against the recorded spec-343 metadata; never signed nor sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { ReplayProvider } from './_test-replay-provider.js';
import { connectChain, serveAxonCall } from './index.js';

test('serveAxonCall() encodes SubtensorModule.serve_axon with the ip as u128', async () => {
  const provider = new ReplayProvider('metagraph');
  const api = await connectChain('wss://replay.invalid', { providerFactory: () => provider });
  try {
    const call = serveAxonCall(api, { netuid: 72, ip: '192.222.59.109', port: 8091, version: 9_011_001 });
    assert.equal(call.method.section, 'subtensorModule');
    assert.equal(call.method.method, 'serveAxon');
    const hex = call.method.toHex();
    // Decoding the bytes back through the metadata proves the layout, not just the object we built.
    const decoded = api.createType('Call', hex);
    assert.equal(decoded.section, 'subtensorModule');
    assert.deepEqual(
      decoded.args.map((a) => a.toString()),
      ['72', '9011001', '3235789677', '8091', '4', '4', '0', '0'],
    );
    const [pallet, index] = [decoded.callIndex[0], decoded.callIndex[1]];
    assert.equal(
      hex.slice(0, 6),
      `0x${pallet!.toString(16).padStart(2, '0')}${index!.toString(16).padStart(2, '0')}`,
    );
    // netuid u16 LE, version u32 LE, ip u128 LE (16 bytes), port u16 LE, then four u8s.
    assert.equal(hex.slice(6), '4800' + '397f8900' + '6d3bdec0' + '00'.repeat(12) + '9b1f' + '04040000');
    const v6 = serveAxonCall(api, { netuid: 72, ip: '2001:db8::1', port: 9000 });
    assert.deepEqual(
      api.createType('Call', v6.method.toHex()).args.map((a) => a.toString()),
      ['72', '0', String(0x20010db8000000000000000000000001n), '9000', '6', '4', '0', '0'],
    );
    assert.ok(!provider.calls.some((c) => c.startsWith('author_')), 'nothing was submitted');
  } finally {
    await api.disconnect();
  }
});

test('serveAxonCall() rejects an ip that is not an address and a bad port', async () => {
  const api = await connectChain('wss://replay.invalid', {
    providerFactory: () => new ReplayProvider('metagraph'),
  });
  try {
    assert.throws(
      () => serveAxonCall(api, { netuid: 72, ip: 'my-host', port: 8091 }),
      (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && err.message.includes('"my-host"'),
    );
    assert.throws(
      () => serveAxonCall(api, { netuid: 72, ip: '1.2.3.4', port: 0 }),
      (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && err.message.includes(': 0.'),
    );
  } finally {
    await api.disconnect();
  }
});
