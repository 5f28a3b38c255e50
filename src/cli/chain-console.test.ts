// `roadwork chain` over a real websocket to a node that drops every connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { isRoadworkError } from '../errors/index.js';
import { chainCommand } from './chain.js';

test("chain commands keep polkadot's reconnect lines out of their output and name the last error", async () => {
  const node = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const endpoint = `ws://127.0.0.1:${(node.address() as AddressInfo).port}`;
  const printed: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    const command = chainCommand({}, { stdout: { write: () => true } });
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
    await assert.rejects(
      command.parseAsync(['metagraph', '--subtensor.chain_endpoint', endpoint, '--timeout', '2'], {
        from: 'user',
      }),
      (e) => isRoadworkError(e, 'ERR_CHAIN_UNREACHABLE') && e.message.includes(endpoint),
    );
  } finally {
    console.error = original;
    node.close();
  }
  assert.deepEqual(printed, []);
});
