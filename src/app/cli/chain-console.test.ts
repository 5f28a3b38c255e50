// `roadwork chain` and `roadwork doctor` over a real websocket to a node that drops every connection:
// polkadot-js's reconnect lines must not reach the console between the commands' own output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { isRoadworkError } from '../../core/errors/index.js';
import { hotkeyFromSecret } from '../../wire/wallet/index.js';
import { chainCommand } from './chain.js';
import { doctorCommand } from './doctor.js';

/** Runs `fn` with the endpoint of a node that drops every connection; returns what reached console.error. */
async function withDroppingNode(fn: (endpoint: string) => Promise<void>): Promise<unknown[][]> {
  const node = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const printed: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    await fn(`ws://127.0.0.1:${(node.address() as AddressInfo).port}`);
  } finally {
    console.error = original;
    node.close();
  }
  return printed;
}

test("chain commands keep polkadot's reconnect lines out of their output and name the last error", async () => {
  const printed = await withDroppingNode(async (endpoint) => {
    const command = chainCommand({}, { stdout: { write: () => true } });
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
    await assert.rejects(
      command.parseAsync(['metagraph', '--subtensor.chain_endpoint', endpoint, '--timeout', '2'], {
        from: 'user',
      }),
      (e) => isRoadworkError(e, 'ERR_CHAIN_UNREACHABLE') && e.message.includes(endpoint),
    );
  });
  assert.deepEqual(printed, []);
});

test("doctor keeps polkadot's reconnect lines out of its report; its chain line says what failed", async () => {
  let text = '';
  let exit = -1;
  const printed = await withDroppingNode(async (endpoint) => {
    await doctorCommand(
      {},
      {
        stdout: { write: (t: string) => (text += t) },
        loadSigner: () => hotkeyFromSecret('//Doctor'),
        setExitCode: (code) => (exit = code),
      },
    ).parseAsync(['--subtensor.chain_endpoint', endpoint, '--timeout', '2', '--axon', 'http://127.0.0.1:9'], {
      from: 'user',
    });
  });
  assert.deepEqual(printed, [], 'nothing but the report');
  assert.match(text, /✗ chain /);
  assert.equal(exit, 1);
});
