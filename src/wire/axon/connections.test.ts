// Connection caps over real loopback sockets: sockets past a cap are closed at once, counted, and
// logged once per episode; room freed by closing sockets is given to new ones.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseMetrics } from '../../core/metrics/index.js';
import { clientAddresses, type AxonOptions } from './index.js';
import { startTestAxon } from './_test-support.js';

async function startAxon(t: TestContext, extra: Partial<AxonOptions>) {
  const { port, metrics, lines: logged, stop } = await startTestAxon(extra);
  const lines = logged as { level: number; msg: string }[];
  const sockets: Socket[] = [];
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await stop();
  });
  /** Opens `n` idle sockets; each records whether the server closed it. */
  const open = async (n: number) => {
    const opened = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const s = connect(port, '127.0.0.1', () => resolve(s));
            s.once('error', reject);
            sockets.push(s);
          }),
      ),
    );
    for (const s of opened) s.on('error', () => undefined);
    return opened;
  };
  const refusedCount = async (reason: string) => {
    const text = await metrics.registry.metrics();
    const sample = parseMetrics(text).find(
      (m) => m.name === 'roadwork_axon_connections_refused_total' && m.labels.reason === reason,
    );
    return sample?.value ?? 0;
  };
  return { port, lines, open, refusedCount };
}

/** Waits (bounded) until `cond` holds or `ms` pass. */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  for (let waited = 0; !cond() && waited < ms; waited += 20) await sleep(20);
}

const closed = (s: Socket) => s.destroyed || s.readableEnded;

/** Whether the axon answers an HTTP request on `socket` (any status: it was accepted and parsed). */
function answers(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    socket.once('data', (c: Buffer) => resolve(c.toString('latin1').startsWith('HTTP/1.1 ')));
    socket.once('close', () => resolve(false));
    socket.write('GET /no-such-path HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  });
}

test('limits.max_connections_per_address closes sockets past the cap at once and admits new ones once some close', async (t) => {
  const axon = await startAxon(t, { maxConnectionsPerAddress: 8 });
  const sockets = await axon.open(8 + 5);
  await until(() => sockets.filter(closed).length >= 5);
  // Let a wrongly refused socket show itself before counting.
  await sleep(100);
  assert.equal(sockets.filter(closed).length, 5);
  assert.equal(await axon.refusedCount('per_address'), 5);
  // Once per episode, not once per socket.
  assert.equal(axon.lines.filter((l) => l.msg.startsWith('Refusing connections')).length, 1);

  const kept = sockets.filter((s) => !closed(s));
  assert.equal(await answers(kept[0]!), true);
  for (const s of kept.slice(0, 3)) s.destroy();
  await sleep(100);
  const fresh = await axon.open(3);
  await sleep(100);
  assert.equal(fresh.filter(closed).length, 0);
  assert.equal(await answers(fresh[2]!), true);
  // Full again: the next one is refused.
  const [extra] = await axon.open(1);
  await until(() => closed(extra!));
  assert.equal(closed(extra!), true);
});

test('limits.max_connections closes sockets past the total cap; a trusted proxy is exempt from the per-address cap', async (t) => {
  const axon = await startAxon(t, {
    maxConnections: 6,
    maxConnectionsPerAddress: 2,
    clients: clientAddresses(['loopback']),
  });
  const sockets = await axon.open(6 + 2);
  await until(() => sockets.filter(closed).length >= 2);
  await sleep(100);
  // Six from one (trusted) address stay open: only the total cap applies to the proxy.
  assert.equal(sockets.filter(closed).length, 2);
  assert.equal(await axon.refusedCount('total'), 2);
  assert.equal(await axon.refusedCount('per_address'), 0);
  assert.equal(await answers(sockets.find((s) => !closed(s))!), true);
});
