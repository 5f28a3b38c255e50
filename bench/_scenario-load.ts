// Fault battery scenarios 2-5 on the shared miner: big-image bursts, scan bombs, slow bodies and
// overload, each watching an honest validator B (or, for overload, every lane) for failures.
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import sharp from 'sharp';
import {
  absorb,
  crashed,
  honestLane,
  honestTally,
  newResult,
  p50p99,
  phaseMeans,
  phaseSeconds,
  type Battery,
  type ScenarioResult,
} from './_battery.js';
import type { ChildMiner } from './_child-miner.js';
import { noiseJpeg, scanBomb, sceneJpeg } from './_images.js';
import {
  answered,
  exchange,
  lanes,
  ms,
  quantile,
  refused,
  signWire,
  sleep,
  Tally,
  type Outcome,
  type Wire,
} from './_traffic.js';

/** Validators' timeout (s) in every signed request of these scenarios. */
const TIMEOUT_MS = 9000;

/**
 * B alone, then B beside `load` (which runs until `stop()`): the honest validator's failures and its
 * latency with and without the load, measured in the same run.
 */
async function besideLoad(
  b: Battery,
  miner: ChildMiner,
  r: ScenarioResult,
  load: (stop: () => boolean) => Promise<void>,
  o: { count: number; untilLoadEnds?: boolean },
): Promise<{ alone: Tally; beside: Tally }> {
  const alone = honestTally();
  await honestLane(b, miner.target, alone, { count: o.count });
  const beside = honestTally();
  const phasesBefore = await phaseSeconds(miner.port);
  let stopped = false;
  let loadDone = false;
  const running = load(() => stopped).finally(() => (loadDone = true));
  await honestLane(b, miner.target, beside, {
    offset: o.count,
    ...(o.untilLoadEnds ? { stop: () => loadDone } : { count: o.count }),
  });
  stopped = true;
  await running;
  if (miner.exit() === undefined)
    r.notes.push(
      `miner's mean time per phase under the load: ${phaseMeans(phasesBefore, await phaseSeconds(miner.port))}`,
    );
  absorb(r, alone);
  absorb(r, beside);
  r.notes.push(
    `B alone   ${String(alone.tried).padStart(4)}: ${p50p99(alone.answeredMs)}; ${alone.summary()}`,
  );
  r.notes.push(
    `B beside  ${String(beside.tried).padStart(4)}: ${p50p99(beside.answeredMs)}; ${beside.summary()}`,
  );
  for (const t of [alone, beside]) for (const e of t.wrongExamples) r.notes.push(`  WRONG ${e}`);
  return { alone, beside };
}

function finish(
  b: Battery,
  r: ScenarioResult,
  miner: ChildMiner,
  extra: { label: string; ok: boolean }[],
): ScenarioResult {
  r.crashes += crashed(b, miner);
  r.peakRssMb = miner.peakRssMb();
  r.goals.push({ label: 'no crash', ok: r.crashes === 0 }, { label: '0 5xx', ok: r.fiveXx === 0 }, ...extra);
  return r;
}

/** Bursts of 8 concurrent large JPEGs from A, alternating 2048² and 4000×3000 q75; B one at a time. */
export async function burstScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('bursts');
  const big = [
    ['2048²', (await noiseJpeg(2048, 2048, { seed: 2 })).toString('base64')],
    ['4000×3000', (await noiseJpeg(4000, 3000, { seed: 3 })).toString('base64')],
  ] as const;
  r.notes.push(
    `A's images: ${big.map(([label, x]) => `${label} ${((x.length * 3) / 4 / 2 ** 20).toFixed(1)} MiB`).join(', ')}`,
  );
  const miner = await b.shared();
  for (const [, image] of big) signWire(b.keys.a, miner.target, image);
  miner.resetPeak();
  const a = new Tally((o) => answered(o) || refused(o));
  const aMs = new Map<string, number[]>(big.map(([label]) => [label, []]));
  let bursts = 0;
  const { alone, beside } = await besideLoad(
    b,
    miner,
    r,
    async (stop) => {
      for (let i = 0; !stop() && !(b.quick && i >= 2); i++) {
        const [label, image] = big[i % 2]!;
        await lanes(8, async () => {
          const o = await exchange(miner.port, signWire(b.keys.a, miner.target, image));
          a.add(o, `A ${label}`);
          if (answered(o)) aMs.get(label)!.push(o.ms);
        });
        bursts++;
      }
    },
    { count: b.quick ? 4 : 40, untilLoadEnds: b.quick },
  );
  absorb(r, a);
  r.notes.push(`A ${bursts} bursts of 8: ${a.summary()}`);
  for (const [label, xs] of aMs) r.notes.push(`A ${label} answered: ${p50p99(xs)}`);
  for (const e of a.wrongExamples) r.notes.push(`  WRONG ${e}`);
  r.latency = `B ${p50p99(beside.answeredMs)} beside bursts (alone ${p50p99(alone.answeredMs)})`;
  return finish(b, r, miner, [
    { label: 'B never fails', ok: beside.wrong === 0 && beside.tried > 0 },
    { label: 'A answered or refused (503)', ok: a.wrong === 0 },
  ]);
}

/**
 * Scan bombs in bursts of 8: progressive JPEGs with hundreds of scans (refused before decoding), and a
 * 12 MP one at the scan limit (decoded, or refused by the decoder); B one at a time.
 */
export async function scanBombScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('scan-bombs');
  const scene = await sceneJpeg(`${b.seed}:bomb`);
  const progressive = (w: number, h: number) =>
    sharp(scene).resize(w, h, { fit: 'fill' }).jpeg({ quality: 75, progressive: true }).toBuffer();
  const bombs = [
    ['1024² × 300 scans', scanBomb(await progressive(1024, 1024), 300)],
    ['256² × 5000 scans', scanBomb(await progressive(256, 256), 5000)],
    ['12 MP × 64 scans', scanBomb(await progressive(4000, 3000), 64)],
  ] as const;
  r.notes.push(`bombs: ${bombs.map(([l, x]) => `${l} ${(x.length / 2 ** 20).toFixed(1)} MiB`).join(', ')}`);
  const images = bombs.map(([label, bytes]) => [label, bytes.toString('base64')] as const);
  const miner = await b.shared();
  for (const [, image] of images) signWire(b.keys.a, miner.target, image);
  miner.resetPeak();
  const tooComplex = new Tally((o) => o.status === 400 && o.code === 'ERR_IMAGE_TOO_COMPLEX');
  // At the limit the scans are counted and allowed; libjpeg then refuses the repeated scan itself.
  const limit = new Tally(
    (o) =>
      answered(o) ||
      refused(o) ||
      (o.status === 400 && o.code === 'ERR_IMAGE_FORMAT') ||
      o.code === 'ERR_IMAGE_DECODE_TIMEOUT',
  );
  const byKind = new Map<string, number[]>(images.map(([label]) => [label, []]));
  let bursts = 0;
  const { beside } = await besideLoad(
    b,
    miner,
    r,
    async (stop) => {
      for (let i = 0; !stop() && !(b.quick && i >= 3); i++) {
        const atTheLimit = i % 3 === 2;
        const [label, image] = images[i % 3]!;
        await lanes(8, async () => {
          const o = await exchange(miner.port, signWire(b.keys.a, miner.target, image));
          (atTheLimit ? limit : tooComplex).add(o, `A ${label}`);
          byKind.get(label)!.push(o.ms);
        });
        bursts++;
      }
    },
    { count: b.quick ? 4 : 40, untilLoadEnds: b.quick },
  );
  absorb(r, tooComplex);
  absorb(r, limit);
  r.notes.push(
    `A ${bursts} bursts of 8; over the limit: ${tooComplex.summary()}, ${p50p99(tooComplex.refusedMs)}`,
  );
  r.notes.push(`A at the limit: ${limit.summary() || '(none sent)'}`);
  for (const [label, xs] of byKind) r.notes.push(`A ${label}: ${p50p99(xs)}`);
  for (const e of [...tooComplex.wrongExamples, ...limit.wrongExamples]) r.notes.push(`  WRONG ${e}`);
  const refusalP99 = quantile(tooComplex.refusedMs, 0.99);
  r.latency = `A refused ${p50p99(tooComplex.refusedMs)}; B ${p50p99(beside.answeredMs)} beside`;
  return finish(b, r, miner, [
    { label: 'B never fails', ok: beside.wrong === 0 && beside.tried > 0 },
    { label: 'bombs refused with ERR_IMAGE_TOO_COMPLEX', ok: tooComplex.wrong === 0 && tooComplex.tried > 0 },
    // Refused from the scan count, before any decode: faster than limits.decode_timeout_ms (4 s) could.
    { label: 'bomb refusal p99 < 4 s (the decode timeout)', ok: refusalP99 < 4000 },
    { label: 'at-limit bombs answered or refused', ok: limit.wrong === 0 },
  ]);
}

/** One request on a raw socket whose body trickles in (`bytes` every `everyMs`); resolves with the answer. */
function slowRequest(port: number, wire: Wire, o: { bytes: number; everyMs: number; headersToo?: boolean }) {
  const t0 = performance.now();
  let socket: Socket | undefined;
  const head = Buffer.from(
    [
      `POST ${wire.path} HTTP/1.1`,
      'host: 127.0.0.1',
      ...Object.entries(wire.headers).map(([k, v]) => `${k}: ${v}`),
      `content-length: ${wire.body.length}`,
      '',
      '',
    ].join('\r\n'),
  );
  const payload = o.headersToo ? Buffer.concat([head, wire.body]) : wire.body;
  const done = new Promise<Outcome>((resolve) => {
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (transport: string) => {
      clearInterval(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const code = /"code":"(ERR_[A-Z_]+)"/.exec(text)?.[1];
      resolve({
        status,
        ...(status === 0 ? { transport } : {}),
        ...(code === undefined ? {} : { code }),
        ms: performance.now() - t0,
        text: text.slice(0, 200),
      });
      socket?.destroy();
    };
    socket = connect(port, '127.0.0.1', () => {
      if (!o.headersToo) socket!.write(head);
      let at = 0;
      timer = setInterval(() => {
        if (at >= payload.length || socket!.destroyed) return clearInterval(timer);
        socket!.write(payload.subarray(at, at + o.bytes));
        at += o.bytes;
      }, o.everyMs);
    });
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      text += c;
      if (/\r\n\r\n/.test(text)) setTimeout(() => finish('answered'), 20);
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'error'));
  });
  return { done, cancel: () => socket?.destroy() };
}

/** A opens many connections whose bodies (and some whose headers) trickle in; B must be answered in time. */
export async function slowBodyScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('slow-bodies');
  const miner = await b.shared();
  miner.resetPeak();
  const slowN = b.quick ? 16 : 48;
  const lorisN = b.quick ? 8 : 32;
  // In quick mode A's requests carry a 3 s timeout, so the miner gives up on them sooner.
  const timeoutS = b.quick ? 3 : 9;
  const a = new Tally(
    (o) => refused(o) || (o.status === 408 && o.code === 'ERR_DEADLINE_EXCEEDED') || o.status === 0,
  );
  const loris = new Tally((o) => o.status === 0 || o.status === 408 || o.status === 400);
  const { beside } = await besideLoad(
    b,
    miner,
    r,
    async () => {
      const image = b.scenes[0]!;
      const bodies = Array.from({ length: slowN }, () =>
        slowRequest(miner.port, signWire(b.keys.a, miner.target, image, { timeoutS }), {
          bytes: 8,
          everyMs: 250,
        }),
      );
      const headers = Array.from({ length: lorisN }, () =>
        slowRequest(miner.port, signWire(b.keys.stranger, miner.target, image), {
          bytes: 1,
          everyMs: 100,
          headersToo: true,
        }),
      );
      const cap = setTimeout(
        () => [...bodies, ...headers].forEach((x) => x.cancel()),
        timeoutS * 1000 + 6000,
      );
      for (const o of await Promise.all(bodies.map((x) => x.done))) a.add(o, 'A slow body');
      // Slow headers: the miner's headers timeout (10 s) ends them; the quick run does not wait for it.
      if (b.quick) headers.forEach((x) => x.cancel());
      for (const o of await Promise.all(headers.map((x) => x.done))) loris.add(o, 'slow headers');
      clearTimeout(cap);
    },
    { count: b.quick ? 4 : 30, untilLoadEnds: true },
  );
  absorb(r, a);
  r.notes.push(`A ${slowN} slow bodies (${timeoutS} s timeout): ${a.summary()}; ${p50p99([...a.refusedMs])}`);
  r.notes.push(
    `${lorisN} slow-header connections: ${loris.summary()}; ended after ${p50p99(loris.refusedMs.length ? loris.refusedMs : [])}`,
  );
  for (const e of a.wrongExamples) r.notes.push(`  WRONG ${e}`);
  const late = beside.answeredMs.filter((x) => x >= TIMEOUT_MS).length;
  r.latency = `B ${p50p99(beside.answeredMs)} beside slow senders`;
  return finish(b, r, miner, [
    {
      label: 'B answered, each within its timeout',
      ok: beside.wrong === 0 && late === 0 && beside.tried > 0,
    },
    { label: "A's slow bodies refused (503) or timed out (408)", ok: a.wrong === 0 },
  ]);
}

/** Many lanes from many validators past the miner's capacity: each request answered in time or refused fast. */
export async function overloadScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('overload');
  const miner = await b.shared();
  miner.resetPeak();
  const validators = b.keys.overload;
  const perValidator = 8;
  const seconds = b.quick ? 3 : 30;
  const t = new Tally((o) => (answered(o) && o.ms < TIMEOUT_MS) || refused(o));
  const until = performance.now() + seconds * 1000;
  const refusedMs: number[] = [];
  const warnedBefore = new Map([...miner.warnings()].map(([msg, w]) => [msg, w.count]));
  let sent = 0;
  await lanes(validators.length * perValidator, async (lane) => {
    const signer = validators[lane % validators.length]!;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (performance.now() < until && miner.exit() === undefined) {
        const image = b.scenes[sent++ % b.scenes.length]!;
        const o = await exchange(miner.port, signWire(signer, miner.target, image), {
          agent,
          timeoutMs: 15_000,
        });
        t.add(o, 'overload lane');
        if (refused(o)) refusedMs.push(o.ms);
        // A refused validator moves on to other miners; it does not hammer this one.
        if (!answered(o)) await sleep(250 + (lane % 10) * 25);
      }
    } finally {
      agent.destroy();
    }
  });
  absorb(r, t);
  const late = Math.max(0, ...t.answeredMs);
  r.notes.push(
    `${validators.length * perValidator} lanes (${validators.length} validators × ${perValidator}) for ${seconds} s: ${t.summary()}`,
  );
  r.notes.push(
    `answered ${p50p99(t.answeredMs)}, latest ${ms(late)} ms of the ${TIMEOUT_MS} ms timeout; refused (503) ${p50p99(refusedMs)}`,
  );
  for (const e of t.wrongExamples) r.notes.push(`  WRONG ${e}`);
  for (const [msg, w] of miner.warnings()) {
    const n = w.count - (warnedBefore.get(msg) ?? 0);
    if (n > 0) r.notes.push(`miner warned ${n}× "${msg}", e.g. ${w.first.slice(0, 400)}`);
  }
  r.latency = `refused ${p50p99(refusedMs)}; answered p50 ${ms(quantile(t.answeredMs, 0.5))}, latest ${ms(late)} ms`;
  return finish(b, r, miner, [
    { label: 'every request answered in time or refused', ok: t.wrong === 0 },
    { label: 'refusal p99 < 50 ms', ok: refusedMs.length === 0 || quantile(refusedMs, 0.99) < 50 },
    { label: 'latest answer before the timeout', ok: late < TIMEOUT_MS },
  ]);
}
