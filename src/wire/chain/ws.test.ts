import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
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

test(
  'wsProvider() reconnects after a live connection drops, as a miner does when its node restarts',
  { timeout: 15_000 },
  async () => {
    // A node that completes the websocket handshake (RFC 6455 §4.2.2) and is then dropped by the test.
    const sockets: Socket[] = [];
    const node = createHttpServer();
    node.on('upgrade', (req, socket: Socket) => {
      const key = String(req.headers['sec-websocket-key']);
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.on('error', () => undefined);
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    const provider = wsProvider(`ws://127.0.0.1:${(node.address() as AddressInfo).port}`, { retryMs: 20 });
    let connected = 0;
    provider.on('connected', () => connected++);
    try {
      assert.ok(await until(() => connected === 1 && provider.isConnected, 5000), 'first connection');
      sockets[0]!.destroy();
      assert.ok(
        await until(() => connected === 2 && provider.isConnected, 5000),
        `connected ${connected} time(s)`,
      );
      assert.equal(sockets.length, 2);
    } finally {
      await provider.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => node.close(resolve));
    }
  },
);
