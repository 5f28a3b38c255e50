// Slow senders over a real socket: low-stake validators declaring large bodies and trickling them hold
// only their own shares of the body-byte budget, and together only the part outside the reserve, so a
// high-stake validator is still answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../core/clock/index.js';
import { silentLogger } from '../../core/log/index.js';
import { createImageDecoder } from '../../inference/image/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import { hotkeyFromSecret } from '../wallet/index.js';
import { postSigned, signedRequest } from '../../../test/_harness.js';
import { createAxon } from './index.js';
import { MINER, metagraphOf, redCascade, solidJpeg, testAxonOptions } from './_test-support.js';
import type { AxonOptions } from './_types.js';

const SLOW = ['//SlowA', '//SlowB'].map((path) =>
  hotkeyFromSecret(`bottom drive obey lake curtain smoke basket hold race lonely fit walk${path}`),
);
const MAX_BODY = 1 << 20;
const DECLARED = 512 << 10;
const SOCKETS = 8;

/** A signed request whose headers declare `DECLARED` body bytes, of which only the first is sent. */
function trickle(
  port: number,
  signer: (typeof SLOW)[number],
  nonce: bigint,
): { socket: Socket; reply: () => string } {
  const req = signedRequest(port, { signer, nonce, image: 'x' });
  const headers = { ...req.headers, 'content-type': 'application/json', 'content-length': String(DECLARED) };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(`POST ${req.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${head.join('')}\r\n{`);
  return { socket, reply: () => text };
}

/** An axon whose metagraph holds `slow` at stake 5 beside the stake-50 000 VALIDATOR, and trickles from each. */
async function underTrickles(
  t: { after(fn: () => Promise<void>): void },
  slow: readonly (typeof SLOW)[number][],
  perCaller: number,
  options: Partial<AxonOptions>,
) {
  const predictor = await redCascade(32);
  const axon = createAxon(
    {
      hotkey: MINER.ss58,
      metagraph: metagraphOf(slow.map((k) => ({ hotkey: k.ss58, stake: 5 }))),
      predictor,
      decode: createImageDecoder(),
      clock: systemClock(),
      logger: silentLogger(),
      metrics: createMetrics({ processMetrics: false }),
    },
    testAxonOptions({ maxBodyBytes: MAX_BODY, ...options }),
  );
  const { port } = (await axon.listen(0, '127.0.0.1')) as AddressInfo;
  const sockets = slow.flatMap((signer, k) =>
    Array.from({ length: perCaller }, (_, i) =>
      trickle(port, signer, BigInt(Date.now()) * 1_000_000n + BigInt(k * 100 + i)),
    ),
  );
  t.after(async () => {
    for (const s of sockets) s.socket.destroy();
    await axon.close(1000);
    await predictor.close();
  });
  const refused = () => sockets.filter((s) => s.reply().startsWith('HTTP/1.1 503'));
  /** Waits (at most 3 s) until `n` trickles are refused. */
  const refusedAtLeast = async (n: number) => {
    for (let waited = 0; refused().length < n && waited < 3000; waited += 50) await sleep(50);
  };
  const highStake = async () =>
    postSigned(port, signedRequest(port, { image: await solidJpeg([255, 0, 0]) }));
  return { sockets, refused, refusedAtLeast, highStake };
}

test('two slow low-stake callers hold only their shares of the body bytes; a high-stake caller is answered', async (t) => {
  // Defaults otherwise: 8 requests per caller, 8 MiB in flight, 2 MiB per caller.
  const { sockets, refused, refusedAtLeast, highStake } = await underTrickles(t, SLOW, SOCKETS, {});
  // 16 × 512 KiB would fill the 8 MiB budget; with 2 MiB shares each caller gets 4 in, 4 refused at once.
  await refusedAtLeast(2 * (SOCKETS - 4));
  const reply = await highStake();
  assert.equal(reply.status, 200, reply.text);
  for (const s of refused()) assert.match(s.reply(), /limits\.max_body_bytes_per_caller/);
  assert.equal(refused().length, 2 * (SOCKETS - 4));

  // The slow ones admitted are still waiting for their bodies: nothing else refused them.
  assert.equal(sockets.filter((s) => s.reply() === '').length, 2 * 4);
});

// Five colluders, each within its 2 MiB share: 5 × 4 × 512 KiB = 10 MiB would fill the 8 MiB budget.
const COLLUDERS = ['//C1', '//C2', '//C3', '//C4', '//C5'].map((path) =>
  hotkeyFromSecret(`bottom drive obey lake curtain smoke basket hold race lonely fit walk${path}`),
);

test('colluding low-stake callers fill only the budget outside the reserve; the high-stake caller is answered', async (t) => {
  const { refused, refusedAtLeast, highStake } = await underTrickles(t, COLLUDERS, 4, {
    bodyBytesReservedShare: 0.5,
  });
  // Half of 8 MiB is theirs: 8 trickles in, the other 12 refused with the reserve named.
  await refusedAtLeast(12);
  assert.equal(refused().length, 12);
  for (const s of refused()) assert.match(s.reply(), /limits\.body_bytes_reserved_share/);
  const reply = await highStake();
  assert.equal(reply.status, 200, reply.text);
});

test('without a reserve the same colluders lock the high-stake caller out (what the reserve is for)', async (t) => {
  const { refusedAtLeast, highStake } = await underTrickles(t, COLLUDERS, 4, { bodyBytesReservedShare: 0 });
  await refusedAtLeast(4);
  const reply = await highStake();
  assert.equal(reply.status, 503, reply.text);
  assert.match(reply.text, /Too many request bodies in flight/);
});
