import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { WsProvider } from '@polkadot/api';
import { routeConsole } from './index.js';
import { memoryLogger } from './_test-sink.js';

test("routeConsole() turns polkadot's `API-WS: disconnected` console lines into JSON log lines", async () => {
  // A node that accepts the connection and drops it at once: the websocket reports 1006 and retries.
  const node = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const endpoint = `ws://127.0.0.1:${(node.address() as AddressInfo).port}`;
  const { logger, lines } = memoryLogger();
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  const restore = routeConsole(logger);
  const provider = new WsProvider(endpoint, 50);
  try {
    const deadline = Date.now() + 5000;
    while (!lines().some((l) => l.origin === 'api-ws') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await provider.disconnect().catch(() => undefined);
    restore();
    process.stderr.write = write;
    node.close();
  }
  const line = lines().find((l) => l.origin === 'api-ws');
  assert.ok(line, 'the disconnect reached the logger');
  assert.equal(line.lib, 'polkadot');
  assert.equal(line.level, 40, 'a reconnecting websocket is a warning, not an error');
  assert.match(String(line.msg), new RegExp(`^disconnected from ${endpoint}: 1006`));
  assert.deepEqual(
    stderr.filter((s) => s.includes('API-WS')),
    [],
    'nothing bypassed the logger',
  );
});

test('routeConsole() logs other console output by level and restores the console', () => {
  const { logger, lines } = memoryLogger();
  const original = console.warn;
  const restore = routeConsole(logger);
  try {
    console.warn('a %s notice', 'library');
    console.log({ a: 1 });
  } finally {
    restore();
  }
  assert.equal(console.warn, original);
  assert.deepEqual(
    lines().map((l) => [l.level, l.lib, l.msg]),
    [
      [40, 'console', 'a library notice'],
      [30, 'console', '{ a: 1 }'],
    ],
  );
});
