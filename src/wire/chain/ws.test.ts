import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { routeConsole, silentLogger } from '../../core/log/index.js';
import { connectChain, wsProvider } from './index.js';

// Every failed try is logged to the console, as polkadot-js does; the tests count tries instead.
let restoreConsole: () => void;
before(() => (restoreConsole = routeConsole(silentLogger())));
after(() => restoreConsole());

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return done();
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('wsProvider() keeps no timer once disconnected, so a refused connection never holds the process open', async () => {
  const before = timers();
  // What `roadwork chain status --timeout` does: give up on a closed port, then disconnect.
  await assert.rejects(
    connectChain(`ws://127.0.0.1:${await closedPort()}`, { timeoutMs: 300 }),
    /did not become ready within 300 ms/,
  );
  // polkadot-js's own retry timer (2.5 s) outlived disconnect() and kept the process alive until it fired.
  assert.ok(await until(() => timers() <= before, 500), `${timers() - before} timer(s) left running`);
});

test('wsProvider() tries again after each refusal, and stops trying at disconnect()', async () => {
  let attempts = 0;
  // A node that accepts the TCP connection and drops it at once.
  const node = createServer((socket) => {
    attempts++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const provider = wsProvider(`ws://127.0.0.1:${(node.address() as AddressInfo).port}`, { retryMs: 20 });
  try {
    assert.ok(await until(() => attempts >= 3, 5000), `only ${attempts} attempts`);
  } finally {
    await provider.disconnect();
  }
  await new Promise((resolve) => setTimeout(resolve, 30));
  const after = attempts;
  await new Promise((resolve) => setTimeout(resolve, 150));
  node.close();
  assert.equal(attempts, after, 'no attempt after disconnect()');
});
