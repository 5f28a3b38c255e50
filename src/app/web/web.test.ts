// The web app over real HTTP on a real query log: the token, labels and undo, filters, export, the
// dashboard's numbers from a real registry, and retrain as a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig, settingsEnvironment } from '../../core/config/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { labelOf } from '../../lifecycle/querylog/index.js';
import { checkUiBinding, createWebApp, type DashboardSnapshot } from './index.js';
import { silentLogger } from '../../core/log/index.js';
import { Dashboard, quantileMs } from './_dashboard.js';
import { createMetrics } from '../../core/metrics/index.js';
import { webFixture } from './_test-web.js';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

test('checkUiBinding() refuses any address beyond loopback without a token, and allows it with one', () => {
  for (const host of ['0.0.0.0', '192.168.1.5', '::', 'example.org'])
    assert.throws(
      () => checkUiBinding(host, ''),
      (e) => isRoadworkError(e, 'ERR_UI_UNSAFE_BIND') && e.message.includes(host),
    );
  for (const host of ['127.0.0.1', '127.8.0.1', '::1', 'localhost']) checkUiBinding(host, '');
  checkUiBinding('0.0.0.0', 'secret');
});

test('the app refuses to listen on 0.0.0.0 without a token', async (t) => {
  const f = await webFixture(1);
  t.after(() => f.close());
  await assert.rejects(f.app.listen(0, '0.0.0.0'), (e) => isRoadworkError(e, 'ERR_UI_UNSAFE_BIND'));
});

test('a taken port fails listen() with ERR_PORT_IN_USE naming the web app and --ui.port', async (t) => {
  const holder = createNetServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => holder.close(resolve)));
  const port = (holder.address() as AddressInfo).port;
  const f = await webFixture(1);
  t.after(() => f.close());
  const other = createWebApp(
    {
      store: f.store,
      imagesDir: '/nonexistent',
      dataDir: '/nonexistent',
      metrics: async () => '',
      logger: silentLogger(),
    },
    { token: '', retrainArgs: [] },
  );
  await assert.rejects(
    other.listen(port, '127.0.0.1'),
    (e) =>
      isRoadworkError(e, 'ERR_PORT_IN_USE') &&
      e.message.startsWith(`Web app port is already in use: 127.0.0.1:${port}`) &&
      /--ui\.port \(ROADWORK_UI_PORT\)/.test(e.message),
  );
});

test('with ui.token, a request without it gets 401; the bearer header or the cookie ?token= sets pass', async (t) => {
  const f = await webFixture(2, { token: 's3cret' });
  t.after(() => f.close());
  for (const path of ['/', '/app.js', '/api/queries', `/api/image/${f.shas[0]}`, '/api/dashboard']) {
    const res = await fetch(`${f.url}${path}`);
    assert.equal(res.status, 401, path);
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_UI_UNAUTHORIZED');
  }
  assert.equal((await post(`${f.url}/api/label`, { sha256: f.shas[1], label: 1 })).status, 401);
  assert.equal(await labelOf(f.store, f.shas[1]!), undefined, 'a refused label is not saved');
  assert.equal(
    (await fetch(`${f.url}/api/queries`, { headers: { authorization: 'Bearer wrong' } })).status,
    401,
  );
  assert.equal(
    (await fetch(`${f.url}/api/queries`, { headers: { authorization: 'Bearer s3cret' } })).status,
    200,
  );
  const first = await fetch(`${f.url}/?token=s3cret`, { redirect: 'manual' });
  // The cookie is set and the page reloaded without the token in its address.
  assert.equal(first.status, 303);
  assert.equal(first.headers.get('location'), '/');
  const cookie = first.headers.get('set-cookie')!;
  assert.match(cookie, /HttpOnly/);
  const withCookie = await fetch(`${f.url}/api/queries`, { headers: { cookie: cookie.split(';')[0]! } });
  assert.equal(withCookie.status, 200);
  assert.equal(((await withCookie.json()) as { queries: unknown[] }).queries.length, 2);
});

/** A request with headers fetch() will not send as given (Host), over plain node:http. */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { code?: string }).code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, ...(code === undefined ? {} : { code }) });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('what another site could make the browser send is refused: foreign Host, cross-origin or non-JSON changes', async (t) => {
  const f = await webFixture(3);
  t.after(() => f.close());
  const sha = f.shas[1]!;
  const body = JSON.stringify({ sha256: sha, label: 1 });
  const port = new URL(f.url).port;
  const refused = async (
    path: string,
    options: { method?: string; headers?: Record<string, string>; body?: string },
  ) => {
    const r = await raw(`${f.url}${path}`, options);
    assert.deepEqual([r.status, r.code], [403, 'ERR_UI_FORBIDDEN_ORIGIN'], JSON.stringify(options));
  };
  // A form or a text/plain fetch from another site needs no CORS preflight, so it must fail here; so
  // must JSON from another origin (another port on this machine too) or marked cross-site.
  const changes: Record<string, string>[] = [
    { 'content-type': 'text/plain', origin: 'http://evil.example' },
    { 'content-type': 'application/x-www-form-urlencoded' },
    { 'content-type': 'text/plain' },
    { 'content-type': 'application/json', origin: 'http://evil.example' },
    { 'content-type': 'application/json', origin: 'http://127.0.0.1:1' },
    { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
  ];
  for (const headers of changes) await refused('/api/label', { method: 'POST', headers, body });
  await refused('/api/retrain', { method: 'POST', headers: { 'content-type': 'text/plain' } });
  assert.equal(await labelOf(f.store, sha), undefined, 'no refused label was saved');
  const retrain = (await (await fetch(`${f.url}/api/retrain`)).json()) as {
    running: boolean;
    args: unknown[];
  };
  assert.deepEqual([retrain.running, retrain.args], [false, []], 'no retrain started');
  // DNS rebinding: a page of evil.example whose name now points here, reading the log.
  for (const path of ['/api/queries', `/api/image/${f.shas[0]}`, '/'])
    await refused(path, { headers: { host: `evil.example:${port}` } });
  // The page itself: same origin, JSON; and clients that send no Origin (curl, scripts).
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
    assert.equal((await raw(`${f.url}/api/queries`, { headers: { host } })).status, 200, host);
  const own = await raw(`${f.url}/api/label`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      origin: f.url,
      'sec-fetch-site': 'same-origin',
    },
    body,
  });
  assert.equal(own.status, 200);
  assert.equal((await labelOf(f.store, sha))?.label, 1);
});

test('with ui.token the Host may be any name (the token guards it), and cross-origin changes are still refused', async (t) => {
  const f = await webFixture(2, { token: 's3cret' });
  t.after(() => f.close());
  const auth = { authorization: 'Bearer s3cret' };
  assert.equal(
    (await raw(`${f.url}/api/queries`, { headers: { ...auth, host: 'miner.example:8092' } })).status,
    200,
  );
  const r = await raw(`${f.url}/api/label`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', origin: 'http://evil.example' },
    body: JSON.stringify({ sha256: f.shas[0], label: 1 }),
  });
  assert.deepEqual([r.status, r.code], [403, 'ERR_UI_FORBIDDEN_ORIGIN']);
});

test('a label is saved at once, and undo restores the eval label it replaced', async (t) => {
  const f = await webFixture(3);
  t.after(() => f.close());
  const sha = f.shas[0]!;
  const r = (await (await post(`${f.url}/api/label`, { sha256: sha, label: 1 })).json()) as {
    previous: { label: number; source: string };
  };
  assert.deepEqual([r.previous.label, r.previous.source], [0, 'eval']);
  assert.deepEqual(
    [(await labelOf(f.store, sha))?.label, (await labelOf(f.store, sha))?.source],
    [1, 'operator'],
  );
  await post(`${f.url}/api/restore`, { sha256: sha, previous: r.previous });
  const back = await labelOf(f.store, sha);
  assert.deepEqual([back?.label, back?.source, back?.by], [0, 'eval', '5Eval']);
  // An image that had no label has none again after undo.
  await post(`${f.url}/api/label`, { sha256: f.shas[1], label: 0 });
  await post(`${f.url}/api/restore`, { sha256: f.shas[1], previous: null });
  assert.equal(await labelOf(f.store, f.shas[1]!), undefined);
  assert.equal((await post(`${f.url}/api/label`, { sha256: sha, label: 7 })).status, 400);
  assert.equal((await post(`${f.url}/api/label`, { sha256: 'nope', label: 1 })).status, 400);
  // A well-formed hash the log does not hold is not labelled (it would count in the stats).
  const phantom = await post(`${f.url}/api/label`, { sha256: 'a'.repeat(64), label: 1 });
  assert.equal(phantom.status, 404);
  assert.equal(((await phantom.json()) as { code: string }).code, 'ERR_QUERY_UNKNOWN');
  assert.equal(await labelOf(f.store, 'a'.repeat(64)), undefined);
});

test('the gallery filters by validator, band, disagreement and label state; images are served by hash', async (t) => {
  const f = await webFixture(12);
  t.after(() => f.close());
  const get = async (q: string) =>
    (
      (await (await fetch(`${f.url}/api/queries?${q}`)).json()) as {
        queries: {
          sha256: string;
          validator: string;
          prediction: number;
          disagreement: boolean;
          label: number | null;
        }[];
      }
    ).queries;
  assert.equal((await get('')).length, 12);
  assert.ok((await get('validator=5ValidatorB')).every((q) => q.validator === '5ValidatorB'));
  assert.equal((await get('validator=5ValidatorB')).length, 6);
  const band = await get('min=0.4&max=0.6');
  assert.ok(band.length > 0 && band.every((q) => q.prediction >= 0.4 && q.prediction <= 0.6));
  assert.equal((await get('disagreement=true')).length, 4);
  assert.deepEqual(
    (await get('labelled=true')).map((q) => q.sha256),
    [f.shas[0]],
  );
  assert.equal((await get('labelled=false')).length, 11);
  assert.equal((await get('label=1')).length, 0);
  const ranked = await get('');
  assert.ok(Math.abs(ranked[0]!.prediction - 0.5) <= Math.abs(ranked[11]!.prediction - 0.5));
  const img = await fetch(`${f.url}/api/image/${f.shas[3]}`);
  assert.equal(img.headers.get('content-type'), 'image/jpeg');
  assert.equal((await img.arrayBuffer()).byteLength > 100, true);
  assert.equal((await fetch(`${f.url}/api/image/${'0'.repeat(64)}`)).status, 404);
});

test('export writes the chosen layout to a new folder under data_dir/exports and reports it', async (t) => {
  const f = await webFixture(4);
  t.after(() => f.close());
  const r = (await (await post(`${f.url}/api/export`, { format: 'csv' })).json()) as {
    dir: string;
    images: number;
  };
  assert.equal(r.images, 4);
  assert.ok(r.dir.startsWith(join(f.dataDir, 'exports')));
  assert.equal(readFileSync(join(r.dir, 'queries.csv'), 'utf8').trim().split('\n').length, 5);
  const folders = (await (await post(`${f.url}/api/export`, { format: 'folders' })).json()) as {
    dir: string;
  };
  assert.deepEqual(readdirSync(join(folders.dir, 'neg')), [`${f.shas[0]}.jpg`]);
  assert.equal((await post(`${f.url}/api/export`, { format: 'zip' })).status, 400);
});

test('the dashboard reads rates, latency quantiles, errors and the subnet state from the registry', async (t) => {
  let now = 1_000_000;
  const f = await webFixture(1);
  t.after(() => f.close());
  const app = createWebApp(
    {
      store: f.store,
      imagesDir: '',
      dataDir: f.dataDir,
      metrics: () => f.metrics.registry.metrics(),
      logger: silentLogger(),
      now: () => now,
    },
    { token: '', retrainArgs: [] },
  );
  const port = (await app.listen(0, '127.0.0.1')).port;
  t.after(() => app.close());
  const read = async () =>
    (await (await fetch(`http://127.0.0.1:${port}/api/dashboard`)).json()) as DashboardSnapshot;
  const m = f.metrics;
  m.requests.inc({ synapse: 'ImageSynapse', status: '200', code: 'OK', caller: '5A' }, 10);
  m.requests.inc(
    { synapse: 'ImageSynapse', status: '401', code: 'ERR_SIGNATURE_MISMATCH', caller: 'unknown' },
    2,
  );
  m.watchMetagraph(() => ({ block: 7, ageMs: 1000, ownerIncentiveShare: 1 }));
  const first = await read();
  assert.equal(first.perMinuteByValidator, null);
  assert.deepEqual(first.errorsByCode, { ERR_SIGNATURE_MISMATCH: 2 });
  assert.deepEqual(first.subnet, { ownerIncentiveShare: 1, halted: true, block: 7 });
  now += 30_000;
  m.requests.inc({ synapse: 'ImageSynapse', status: '200', code: 'OK', caller: '5A' }, 15);
  for (let i = 0; i < 97; i++) m.requestSeconds.observe({ synapse: 'ImageSynapse', status: '200' }, 0.004);
  for (let i = 0; i < 3; i++) m.requestSeconds.observe({ synapse: 'ImageSynapse', status: '200' }, 3);
  m.cacheLookups.inc({ backend: 'memory', result: 'hit' }, 1);
  m.cacheLookups.inc({ backend: 'memory', result: 'miss' }, 3);
  const second = await read();
  assert.equal(second.perMinuteByValidator?.['5A'], 30);
  assert.ok(second.latencyMs.p50! > 2 && second.latencyMs.p50! <= 5, String(second.latencyMs.p50));
  assert.ok(second.latencyMs.p99! > 2000, String(second.latencyMs.p99));
  assert.equal(second.cacheHitRate, 0.25);
});

test('the dashboard names the model answering now: after a switch the new one, though the old answered more', async () => {
  const m = createMetrics({ processMetrics: false });
  const dashboard = new Dashboard(() => m.registry.metrics(), Date.now);
  const answer = (model: string, n: number) => {
    for (let i = 0; i < n; i++) m.predictSeconds.observe({ hotkey: '5M', model }, 0.01);
  };
  answer('cascade:old', 30);
  answer('cascade:new', 0);
  assert.equal((await dashboard.snapshot()).model?.version, 'cascade:old');
  // registry.follow switched: the new version answers, the old one no more.
  answer('cascade:new', 2);
  assert.equal((await dashboard.snapshot()).model?.version, 'cascade:new');
  // No request between two readings: still the one that answered last.
  assert.equal((await dashboard.snapshot()).model?.version, 'cascade:new');
});

test('quantileMs() interpolates within the bucket that holds the rank, as Prometheus does', () => {
  const b = new Map([
    [0.01, 50],
    [0.1, 100],
    [Infinity, 100],
  ]);
  assert.equal(quantileMs(b, 0.5), 10);
  assert.ok(Math.abs(quantileMs(b, 0.75)! - 55) < 1e-9);
  assert.equal(quantileMs(new Map([[Infinity, 0]]), 0.5), null);
});

test('retrain runs roadwork retrain as a child process, streams its output and reports its failure', async (t) => {
  const f = await webFixture(2, {
    retrainArgs: ['--', '--data', '{labelled}', '--backbone', 'no-such-backbone'],
  });
  t.after(() => f.close());
  const started = await post(`${f.url}/api/retrain`, {});
  assert.equal(started.status, 202);
  const body = (await started.json()) as { labelled: { dir: string; images: number } };
  assert.equal(body.labelled.images, 1);
  assert.ok(existsSync(join(body.labelled.dir, 'manifest.csv')));
  assert.equal((await post(`${f.url}/api/retrain`, {})).status, 503, 'one at a time');
  // The event stream ends with the run's final state.
  const events = await (await fetch(`${f.url}/api/retrain/events`)).text();
  const done = JSON.parse(/event: done\ndata: (.*)\n/.exec(events)![1]!) as {
    exitCode: number;
    result: unknown;
    lines: string[];
    args: string[];
  };
  assert.notEqual(done.exitCode, 0);
  assert.equal(done.result, null);
  assert.ok(done.args.includes(body.labelled.dir));
  assert.ok(done.lines.join('\n').length > 0, 'the child said why it failed');
});

test('the gallery puts the hard cases first with their reasons, then the rest newest first', async (t) => {
  const f = await webFixture(12);
  t.after(() => f.close());
  type Row = {
    id: number;
    sha256: string;
    prediction: number;
    label: number | null;
    score?: number;
    reasons?: { kind: string; detail: string }[];
  };
  const rows = ((await (await fetch(`${f.url}/api/queries`)).json()) as { queries: Row[] }).queries;
  assert.equal(rows.length, 12);
  const ranked = rows.filter((r) => r.reasons !== undefined);
  assert.ok(ranked.length > 0 && ranked.length < 12);
  // Ranked rows lead, best score first, each with words saying why.
  assert.deepEqual(rows.slice(0, ranked.length), ranked);
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1]!.score! >= ranked[i]!.score!);
  assert.ok(ranked.every((r) => r.reasons!.length > 0 && r.reasons!.every((x) => x.detail.length > 0)));
  assert.ok(ranked.some((r) => r.reasons!.some((x) => x.kind === 'disagreement')));
  // The eval-labelled image is never a hard case.
  assert.ok(!ranked.some((r) => r.sha256 === f.shas[0]));
  const recent = ((await (await fetch(`${f.url}/api/queries?sort=recent`)).json()) as { queries: Row[] })
    .queries;
  assert.deepEqual(
    recent.map((r) => r.id),
    [...recent.map((r) => r.id)].sort((a, b) => b - a),
  );
});

test('more like this answers the nearest images by embedding; the projection places every image', async (t) => {
  const f = await webFixture(9);
  t.after(() => f.close());
  const rows = (
    (await (await fetch(`${f.url}/api/queries?sort=recent`)).json()) as {
      queries: { id: number; sha256: string }[];
    }
  ).queries;
  const target = rows.find((r) => r.sha256 === f.shas[4])!;
  const near = (
    (await (await fetch(`${f.url}/api/similar/${target.id}?k=3`)).json()) as {
      similar: { sha256: string; distance: number }[];
    }
  ).similar;
  assert.equal(near.length, 3);
  assert.ok(!near.some((n) => n.sha256 === f.shas[4]), 'not itself');
  for (let i = 1; i < near.length; i++) assert.ok(near[i - 1]!.distance <= near[i]!.distance);
  // Image 4's embedding is (red, 1/3, 0.5): its nearest share the middle coordinate (i % 3 === 1).
  assert.ok([f.shas[1], f.shas[7]].includes(near[0]!.sha256));
  assert.equal((await fetch(`${f.url}/api/similar/999999`)).status, 404);
  const junk = await fetch(`${f.url}/api/similar/abc`);
  assert.equal(junk.status, 404);
  assert.match(((await junk.json()) as { message: string }).message, /whole number from 1: "abc"/);
  const points = (
    (await (await fetch(`${f.url}/api/projection`)).json()) as { points: { x: number; y: number }[] }
  ).points;
  assert.equal(points.length, 9);
  assert.ok(points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
});

test('the page reads the gate verdict from the --json line roadwork retrain prints', async (t) => {
  // The gate itself is tested end to end in src/app/cli/retrain.test.ts (minutes of real training);
  // here a child prints the line retrain prints for a refused promotion, to test how the app reads it.
  const line = JSON.stringify({
    version: 'v-7',
    promoted: false,
    reason: 'MCC 0.41 is not 0.02 above production 0.40',
  });
  const storeUrl = 'postgres://roadwork:pw@127.0.0.1:1/queries';
  // The app's settings from flags (as `serve --store.url … --model.workers 3` gives them), not from
  // the environment this test runs in.
  const settings = loadConfig({ flags: { 'store.url': storeUrl, 'model.workers': '3' }, env: {} });
  const f = await webFixture(1, {
    retrainArgs: [],
    childSettings: settingsEnvironment(settings),
    roadwork: [
      process.execPath,
      '-e',
      `console.error('store ' + process.env.ROADWORK_STORE_URL + ' workers ' + process.env.MODEL_WORKERS); console.log(${JSON.stringify(line)})`,
    ],
  });
  t.after(() => f.close());
  assert.equal((await post(`${f.url}/api/retrain`, {})).status, 202);
  const events = await (await fetch(`${f.url}/api/retrain/events`)).text();
  const done = JSON.parse(/event: done\ndata: (.*)\n/.exec(events)![1]!) as {
    exitCode: number;
    result: unknown;
    lines: string[];
    args: string[];
  };
  assert.equal(done.exitCode, 0);
  assert.deepEqual(done.result, {
    version: 'v-7',
    promoted: false,
    reason: 'MCC 0.41 is not 0.02 above production 0.40',
  });
  // The child reads the query log this app shows (store.url), given in its environment, not its arguments.
  assert.ok(done.lines.includes(`store ${storeUrl} workers 3`), done.lines.join('\n'));
  assert.ok(!done.args.join(' ').includes('postgres'));
});
