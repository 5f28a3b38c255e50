// Fault battery scenarios 6 and 7: the miner's dependencies fail under it — a Redis cache that is
// paused and killed, and a VLM server that hangs, fails or talks nonsense. Validators must not notice.
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startTestRedis, type TestRedis } from '../src/inference/cache/_test-redis.js';
import {
  crashed,
  honestLane,
  honestTally,
  metricSamples,
  newResult,
  p50p99,
  type Battery,
  type ScenarioResult,
} from './_battery.js';
import { REPO_ROOT, type ChildMiner } from './_child-miner.js';
import { startFakeVlm, VLM_MODES } from './_fake-vlm.js';
import { lanes, ms, sleep, type Tally } from './_traffic.js';

/** The first executable `name` on PATH, if any. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Two honest validators (B and another), each one request after another, until `stop()`. */
function twoHonest(b: Battery, miner: ChildMiner, tally: () => Tally, stop: () => boolean): Promise<void> {
  const signers = [b.keys.b, b.keys.fuzz[0]!];
  // Each lane its own run of scenes: lookups miss the in-process cache and ask Redis.
  const half = Math.floor(b.scenes.length / 2);
  return lanes(2, async (i) => {
    await honestLane(b, miner.target, tally, { stop, signer: signers[i]!, offset: i * half });
  });
}

/** Redis as the prediction cache, paused (SIGSTOP), resumed, killed and restarted under validators. */
export async function redisScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('redis');
  const binary = onPath('redis-server');
  if (binary === undefined) {
    r.skipped = 'redis-server is not on PATH';
    return r;
  }
  let redis: TestRedis = await startTestRedis(undefined, binary);
  const stopRedis = () => void redis.stop();
  process.once('exit', stopRedis);
  let miner: ChildMiner | undefined;
  try {
    miner = await b.startMiner({ settings: { 'cache.kind': 'redis', 'cache.redis_url': redis.url } });
    b.say(`miner pid ${miner.pid}, redis-server on port ${redis.port}`);
    const s = b.quick ? 1 : 6;
    const port = redis.port;
    const phases: [string, () => Promise<void> | void][] = [
      ['Redis up', () => undefined],
      ['Redis paused (SIGSTOP)', () => redis.pause()],
      ['Redis resumed (SIGCONT)', () => redis.resume()],
      ['Redis killed (SIGKILL)', () => redis.stop()],
      ['Redis restarted', async () => void (redis = await startTestRedis(port, binary))],
    ];
    const tallies = phases.map(() => honestTally());
    let phase = 0;
    let done = false;
    miner.resetPeak();
    const traffic = twoHonest(
      b,
      miner,
      () => tallies[phase]!,
      () => done,
    );
    for (let i = 0; i < phases.length; i++) {
      await phases[i]![1]();
      phase = i;
      await sleep(s * 1000);
    }
    done = true;
    await traffic;
    r.crashes += crashed(b, miner);
    for (const [i, [label]] of phases.entries()) {
      const t = tallies[i]!;
      r.tried += t.tried;
      r.wrong += t.wrong;
      r.fiveXx += t.fiveXx;
      r.notes.push(
        `${label.padEnd(24)} ${String(t.tried).padStart(4)}: ${p50p99(t.answeredMs)}, max ${ms(Math.max(0, ...t.answeredMs))} ms; ${t.summary()}`,
      );
      for (const e of t.wrongExamples) r.notes.push(`  WRONG ${e}`);
    }
    if (r.crashes === 0) {
      for (const m of await metricSamples(miner.port, [
        'roadwork_cache_lookups_total',
        'roadwork_cache_errors_total',
      ]))
        r.notes.push(`metric ${m}`);
    }
    const all = tallies.flatMap((t) => t.answeredMs);
    r.peakRssMb = miner.peakRssMb();
    r.latency = `${p50p99(all)}, max ${ms(Math.max(0, ...all))} ms across the outage`;
    r.goals.push(
      { label: 'no crash', ok: r.crashes === 0 },
      { label: '0 validator-facing errors', ok: r.wrong === 0 && r.tried > 0 },
    );
  } finally {
    await miner?.stop();
    await redis.stop();
    process.off('exit', stopRedis);
  }
  return r;
}

/** A cascade whose second stage asks a fake VLM that answers, then fails in every way it can. */
export async function vlmScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('vlm');
  const vlm = await startFakeVlm();
  const dir = b.tmp('vlm');
  const config = join(dir, 'cascade.json');
  // The starter stage answers every request (no early exit, so the VLM is always asked); the VLM
  // stage is cut off at 1.5 s, as an operator would bound a remote model.
  writeFileSync(
    config,
    JSON.stringify({
      version: 'fault-battery-vlm',
      preprocess: { size: 224, resize: 'center-crop', kernel: 'linear' },
      tta: ['identity', 'hflip'],
      stages: [
        {
          name: 'starter',
          kind: 'backbone-head',
          embedder: {
            runtime: 'tfjs',
            model: 'builtin:mobilenetv2',
            options: { layer: 'out_relu', pooling: 'max', inputSize: 448, extras: ['colour-shape'] },
          },
          head: join(REPO_ROOT, 'models/starter/head.json'),
          exit: false,
          expected_ms: 250,
        },
        {
          name: 'vlm',
          kind: 'vlm',
          vlm: {
            runtime: 'openai',
            model: `http://127.0.0.1:${vlm.port}/v1#fake-vlm`,
            options: { max_retries: 2 },
          },
          timeout_ms: 1500,
          weight: 0.5,
        },
      ],
    }),
  );
  let miner: ChildMiner | undefined;
  try {
    miner = await b.startMiner({ settings: { 'cascade.config': config, 'cache.kind': 'none' } });
    b.say(`miner pid ${miner.pid}, fake VLM on port ${vlm.port}`);
    miner.resetPeak();
    const perMode = b.quick ? 2 : 12;
    let askedInOk = 0;
    const all: number[] = [];
    for (const mode of VLM_MODES) {
      vlm.setMode(mode);
      const before = vlm.asked();
      const t = honestTally();
      await lanes(2, async (i) => {
        await honestLane(b, miner!.target, t, {
          count: perMode / 2,
          signer: i === 0 ? b.keys.b : b.keys.fuzz[1]!,
          offset: i * Math.floor(b.scenes.length / 2),
        });
      });
      if (mode === 'ok') askedInOk = vlm.asked() - before;
      r.tried += t.tried;
      r.wrong += t.wrong;
      r.fiveXx += t.fiveXx;
      all.push(...t.answeredMs);
      r.notes.push(
        `VLM ${mode.padEnd(10)} ${String(t.tried).padStart(3)}: ${p50p99(t.answeredMs)}, max ${ms(Math.max(0, ...t.answeredMs))} ms; VLM asked ${vlm.asked() - before}×; ${t.summary()}`,
      );
      for (const e of t.wrongExamples) r.notes.push(`  WRONG ${e}`);
    }
    r.crashes += crashed(b, miner);
    if (r.crashes === 0) {
      for (const m of await metricSamples(miner.port, ['roadwork_cascade_stage_skips_total']))
        r.notes.push(`metric ${m}`);
    }
    r.peakRssMb = miner.peakRssMb();
    r.latency = `${p50p99(all)}, max ${ms(Math.max(0, ...all))} ms over ${VLM_MODES.length} VLM modes`;
    r.goals.push(
      { label: 'no crash', ok: r.crashes === 0 },
      { label: 'the VLM stage is asked when it works', ok: askedInOk > 0 },
      { label: '0 validator-facing errors', ok: r.wrong === 0 && r.tried > 0 },
    );
  } finally {
    await miner?.stop();
    await vlm.close();
  }
  return r;
}
