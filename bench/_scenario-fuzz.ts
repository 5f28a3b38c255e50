// Fault battery scenario 1: mutated signed requests over several keep-alive connections (and raw
// sockets for framing Node's client will not write). Every answer must be a coded 4xx or a 200.
import { Agent } from 'node:http';
import { connect } from 'node:net';
import sharp from 'sharp';
import { createRng } from '../src/core/random/index.js';
import { cpuSeconds } from './_child-miner.js';
import {
  absorb,
  crashed,
  metricSamples,
  newResult,
  p50p99,
  type Battery,
  type ScenarioResult,
} from './_battery.js';
import { fuzzCase, FAMILIES, type Family, type FuzzCase, type FuzzMaterial } from './_fuzz.js';
import { imageMutants, validImages } from './_fuzz-images.js';
import { sceneJpeg } from './_images.js';
import { answered, exchange, lanes, signWire, Tally, type Outcome } from './_traffic.js';

/** Statuses a mutated request may get: an answer or a refusal that blames the request. */
const ALLOWED = new Set([200, 400, 401, 403, 404, 405, 408, 413, 431]);

// The miner may close a connection whose body it refused unread; the client then sees a reset.
function allowed(family: Family) {
  return (o: Outcome) => {
    if (family === 'valid') return answered(o);
    if (o.status > 0) return ALLOWED.has(o.status);
    return o.transport === 'ECONNRESET' || o.transport === 'EPIPE' || o.transport === 'closed';
  };
}

/** Runs the fuzz scenario on its own miner (prediction cache on, as by default). */
export async function fuzzScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('fuzz');
  const rng = createRng(`${b.seed}:fuzz`);
  const scene = await sceneJpeg(`${b.seed}:fuzz-scene`);
  const material: FuzzMaterial = {
    images: await validImages(scene),
    scene: scene.toString('base64'),
    mutants: await imageMutants(
      rng.fork('mutants'),
      [
        scene,
        await sharp(scene).png().toBuffer(),
        await sharp(scene).webp().toBuffer(),
        await sharp(scene).jpeg({ progressive: true }).toBuffer(),
      ],
      b.quick ? 60 : 300,
    ),
    stranger: b.keys.stranger.ss58,
  };
  const miner = await b.startMiner({});
  b.say(`miner pid ${miner.pid} on port ${miner.port} (started in ${(miner.startMs / 1000).toFixed(1)} s)`);
  const tallies = new Map<Family, Tally>(
    Object.keys(FAMILIES).map((f) => [f as Family, new Tally(allowed(f as Family))]),
  );
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  let lastReport = t0;
  try {
    miner.resetPeak();
    await lanes(b.fuzzLanes, async (lane) => {
      const signer = b.keys.fuzz[lane % b.keys.fuzz.length]!;
      const laneRng = rng.fork(`lane-${lane}`);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const sign = (image: string, o: { timeoutS?: number } = {}) => signWire(signer, miner.target, image, o);
      try {
        while (next < b.fuzzCount && miner.exit() === undefined) {
          next++;
          const c = fuzzCase(laneRng, sign, material);
          const outcome =
            c.raw === undefined ? await viaHttp(miner.port, c, agent) : await viaSocket(miner.port, c);
          latencies.push(outcome.ms);
          tallies.get(c.family)!.add(outcome, `[${c.family}: ${c.what}]`);
          if (performance.now() - lastReport > 15_000) {
            lastReport = performance.now();
            b.say(
              `${next} sent, ${(next / ((lastReport - t0) / 1000)).toFixed(0)}/s, RSS peak ${miner.peakRssMb().toFixed(0)} MiB`,
            );
          }
        }
      } finally {
        agent.destroy();
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    r.notes.push(
      `CPU seconds: miner ${cpuSeconds(miner.pid).toFixed(0)}, battery ${(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(0)}`,
    );
    r.crashes += crashed(b, miner);
    for (const [family, t] of tallies) {
      absorb(r, t);
      const all = [...t.answeredMs, ...t.refusedMs];
      r.notes.push(`${family.padEnd(6)} ${String(t.tried).padStart(6)}  ${p50p99(all)}  ${t.summary()}`);
      for (const example of t.wrongExamples) r.notes.push(`  WRONG ${example}`);
    }
    // Afterwards the miner still answers a plain request and reports itself ready.
    const after =
      r.crashes === 0
        ? await exchange(miner.port, signWire(b.keys.b, miner.target, b.scenes[0]!))
        : undefined;
    const ready =
      r.crashes === 0
        ? await exchange(miner.port, undefined, { method: 'GET', path: '/health/ready' })
        : undefined;
    if (r.crashes === 0) {
      const names = ['roadwork_cache_lookups_total', 'roadwork_cascade_stage_runs_total'];
      for (const sample of await metricSamples(miner.port, names)) r.notes.push(`metric ${sample}`);
    }
    r.peakRssMb = miner.peakRssMb();
    r.latency = `all ${p50p99(latencies)}; ${(r.tried / seconds).toFixed(0)} req/s over ${seconds.toFixed(0)} s`;
    r.goals.push(
      { label: 'no crash', ok: r.crashes === 0 },
      { label: '0 5xx', ok: r.fiveXx === 0 },
      { label: 'only coded 4xx or 200', ok: r.wrong === 0 },
      {
        label: 'answers and is ready afterwards',
        ok: after !== undefined && answered(after) && ready?.status === 200,
      },
    );
    r.notes.push(`error log lines of the miner: ${miner.errorLines().length}`);
    for (const line of miner.errorLines().slice(0, 3)) r.notes.push(`  ${line.slice(0, 400)}`);
  } finally {
    await miner.stop();
  }
  return r;
}

function viaHttp(port: number, c: FuzzCase, agent: Agent): Promise<Outcome> {
  const headers = { ...c.headers, 'content-length': String(c.body.length) };
  return exchange(port, undefined, {
    method: c.method,
    path: c.path,
    headers,
    body: c.body,
    agent,
    timeoutMs: 15_000,
  });
}

/** Writes `c.raw` on a fresh socket; the first status line read is the outcome (none: the miner closed). */
function viaSocket(port: number, c: FuzzCase): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    const s = connect(port, '127.0.0.1');
    const finish = (transport?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      const worst = statuses.find((x) => !ALLOWED.has(x)) ?? statuses[0];
      const code = /"code":"(ERR_[A-Z_]+)"/.exec(text)?.[1];
      resolve({
        status: worst ?? 0,
        ...(worst === undefined ? { transport: transport ?? 'closed' } : {}),
        ...(code === undefined ? {} : { code }),
        ms: performance.now() - t0,
        text: text.slice(0, 300),
      });
    };
    const timer = setTimeout(() => finish('hung'), 15_000);
    s.setEncoding('latin1');
    s.on('data', (chunk: string) => {
      text += chunk;
      // A held request ends with its answer; the miner may keep the connection for the next one.
      if (/HTTP\/1\.[01] \d{3}[^]*\r\n\r\n/.test(text)) setTimeout(() => finish(), 50);
    });
    s.on('close', () => finish());
    s.on('error', (err: NodeJS.ErrnoException) => (text === '' ? finish(err.code ?? 'closed') : finish()));
    s.on('connect', () => {
      // Half-closing tells the miner no more is coming; slow-framing cases keep the socket open.
      if (c.what === 'declares more than it sends') s.write(c.raw!);
      else s.end(c.raw!);
    });
  });
}
