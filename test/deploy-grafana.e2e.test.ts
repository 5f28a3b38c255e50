// deploy/grafana/roadwork-miner.json: every query of every panel, run by Debian's Prometheus scraping a
// real miner while `roadwork eval` (evaluateAxon) sends it signed traffic, returns data. The miner serves
// a published registry version with a canary beside it and logs its queries, so the model age, canary and
// query log panels have series; a second miner reads a live metagraph (a replayed chain where the subnet
// burns) for the subnet owner's incentive share, which a static metagraph file cannot give.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MODEL } from '../src/app/miner/index.js';
import { systemClock } from '../src/core/clock/index.js';
import { openStore, storeFile } from '../src/core/store/index.js';
import { recordPublication } from '../src/lifecycle/publish/index.js';
import {
  createBundle,
  promoteVersion,
  registerBundle,
  startCanary,
  type RegistryDeps,
} from '../src/lifecycle/registry/index.js';
import { liveMetagraph } from '../src/wire/chain/index.js';
import { ReplayProvider } from '../src/wire/chain/_test-replay-provider.js';
import { evaluateAxon, openEvalData } from '../src/validation/eval/index.js';
import { KEYS, postSigned, sceneJpeg, signedRequest, startTestMiner, type TestMiner } from './_harness.js';
import { linearImageModel } from './fixtures/onnx-models.js';
import { stopChild } from './fixtures/processes.js';
import { programMissing, requirement } from './fixtures/requirements.js';
import { freePort } from '../src/validation/eval/local/index.js';

const PROMETHEUS = '/usr/bin/prometheus';
const skip = requirement(programMissing(PROMETHEUS, 'prometheus'));

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly datasource?: { readonly uid?: string };
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly w: number };
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly Target[];
}
const DASHBOARD = JSON.parse(
  readFileSync(new URL('../deploy/grafana/roadwork-miner.json', import.meta.url), 'utf8'),
) as { readonly uid: string; readonly panels: readonly Panel[] };
const QUERIES = DASHBOARD.panels.filter((p) => p.type !== 'row');

let miner: TestMiner | undefined;
let chainMiner: TestMiner | undefined;
let prometheus: ChildProcess | undefined;
let promPort = 0;
let dir = '';

async function promql(expr: string): Promise<unknown[]> {
  const url = `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const body = (await (await fetch(url)).json()) as {
    status: string;
    error?: string;
    data?: { result: unknown[] };
  };
  assert.equal(body.status, 'success', `${expr}: ${body.error}`);
  return body.data?.result ?? [];
}

/**
 * Waits until Prometheus has scraped the miner successfully `n` times since `sinceMs` (a loaded
 * machine can make scrapes time out), so every series it will be asked about has two samples.
 */
async function scrapedSince(sinceMs: number, n: number): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const seconds = Math.max(1, Math.floor((Date.now() - sinceMs) / 1000));
    const [r] = (await promql(`min(sum_over_time(up{job="roadwork-miner"}[${seconds}s]))`)) as {
      value: [number, string];
    }[];
    if (Number(r?.value[1] ?? 0) >= n) return;
    assert.ok(Date.now() < until, `Prometheus scraped the miner fewer than ${n} times in 60 s`);
    await sleep(500);
  }
}

/** Registers a bundle of one classifier stage on `model` as `name`; resolves with its version id. */
async function registered(model: string, name: string, deps: RegistryDeps): Promise<string> {
  await createBundle(join(dir, name), {
    files: { 'model.onnx': model },
    config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'model.onnx' }] },
  });
  return (await registerBundle(join(dir, name), deps)).version.id;
}

/**
 * A registry in `data`: the baseline model promoted and published 10 days ago, and a canary (a constant
 * model answering 0.88) taking half the images.
 */
async function registryWithCanary(data: string): Promise<void> {
  const store = openStore(storeFile(data));
  try {
    const deps = { store, bundlesDir: join(data, 'bundles'), clock: systemClock() };
    const production = await registered(DEFAULT_MODEL, 'production', deps);
    await promoteVersion(production, deps);
    recordPublication(store, {
      version: production,
      repo: 'alice/roadwork',
      hubUrl: 'https://huggingface.co',
      commit: 'c0ffee',
      submittedBy: KEYS.miner.ss58,
      submissionTime: Math.floor(Date.now() / 1000) - 10 * 86_400,
      at: Date.now(),
    });
    const constant = join(dir, 'constant.onnx');
    const normalization = JSON.stringify({ mean: [0, 0, 0], std: [1, 1, 1] });
    writeFileSync(constant, linearImageModel({ weights: [0, 0, 0], bias: 2, metadata: { normalization } }));
    startCanary(store, deps.clock, await registered(constant, 'candidate', deps), 0.5);
  } finally {
    store.close();
  }
}

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'roadwork-prometheus-'));
  const data = join(dir, 'data');
  await registryWithCanary(data);
  // The query log is on by default: it logs every answer in data_dir.
  miner = await startTestMiner({ 'registry.follow': true, data_dir: data });
  chainMiner = await startTestMiner(
    { 'model.path': join(dir, 'constant.onnx'), 'axon.publish': false, 'querylog.enabled': false },
    {
      metagraph: liveMetagraph({
        endpoint: 'wss://replay.invalid',
        netuid: 72,
        providerFactory: () => new ReplayProvider('economics-burning'),
      }),
    },
  );
  promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: roadwork-miner',
      `    static_configs: [{ targets: ['127.0.0.1:${miner.port}', '127.0.0.1:${chainMiner.port}'] }]`,
    ].join('\n'),
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  const until = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${promPort}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    assert.ok(Date.now() < until && prometheus.exitCode === null, 'Prometheus did not become ready');
    await sleep(200);
  }
});

after(async () => {
  await stopChild(prometheus, 'SIGTERM');
  await miner?.stop();
  await chainMiner?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('the dashboard is well formed: unique ids, one Prometheus datasource variable, panels on the grid', () => {
  assert.equal(DASHBOARD.uid, 'roadwork-miner');
  const ids = DASHBOARD.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(QUERIES.length >= 15, String(QUERIES.length));
  for (const p of QUERIES) {
    assert.ok(p.gridPos.x + p.gridPos.w <= 24, p.title);
    assert.equal(p.datasource?.uid, '${datasource}', p.title);
    assert.ok((p.targets ?? []).length > 0, p.title);
    for (const t of p.targets ?? [])
      assert.equal(t.datasource?.uid, '${datasource}', `${p.title} ${t.refId}`);
  }
});

test(
  'every panel query returns data from a real Prometheus scraping a miner under eval traffic',
  { skip, timeout: 180_000 },
  async () => {
    const port = miner!.port;
    // A sample before the traffic, so rates over the run are not 0 (and their quantiles not NaN).
    await scrapedSince(Date.now(), 1);
    const t0 = Date.now();
    // Eight scenes drawn 24 times, in two halves: repeats reach the prediction cache. A series is born
    // at its first request, so a scrape between the halves makes every rate over the run positive even
    // when a loaded machine missed every scrape during the traffic itself.
    const source = await openEvalData('synth:8');
    for (const half of [1, 2]) {
      const result = await evaluateAxon({
        axon: `http://127.0.0.1:${port}`,
        axonHotkey: KEYS.miner.ss58,
        signers: [KEYS.validator],
        source,
        seed: `grafana-${half}`,
        count: 12,
      });
      assert.ok(result.records.length >= 12);
      // A scrape in the last second, a second after the half ended: one that saw its series.
      if (half === 1) {
        await sleep(1_000);
        await scrapedSince(Date.now(), 1);
      }
    }
    // Refusals too, so the refusal panels have something to show.
    const image = (await sceneJpeg()).toString('base64');
    for (let i = 0; i < 3; i++) {
      const res = await postSigned(port, signedRequest(port, { image, signer: KEYS.stranger }));
      assert.equal(res.status, 403);
    }
    await scrapedSince(Date.now(), 2);
    // Grafana's $__rate_interval, stretched over the whole run, however long a loaded machine made it.
    const window = `${Math.ceil((Date.now() - t0) / 1000) + 5}s`;
    const empty: string[] = [];
    for (const panel of QUERIES) {
      for (const target of panel.targets ?? []) {
        // What Grafana substitutes: every miner, and a rate window.
        const expr = target.expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', window);
        // A gauge that is not known reads NaN (the owner's share with a static metagraph): no data either.
        const known = ((await promql(expr)) as { value: [number, string] }[]).filter(
          (r) => r.value[1] !== 'NaN',
        );
        if (known.length === 0) empty.push(`${panel.title} (${target.refId}): ${expr}`);
      }
    }
    assert.deepEqual(empty, [], 'panels without data');
  },
);
