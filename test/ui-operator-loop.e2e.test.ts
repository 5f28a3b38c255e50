// The operator's loop of issue 16, end to end in headless chromium, with SQLite and with PostgreSQL: a
// real miner with the web app inside (serve --ui.port, registry.follow) answers validators' signed
// requests; `roadwork eval` (the CLI, a child process) runs against its axon while the dashboard moves;
// the operator labels the hard cases by keyboard, exports them, and presses "retrain and evaluate",
// which runs the real `roadwork retrain` (train on the base photos plus the labelled queries, register,
// the registry's gate on the gate set in <data_dir>/gate); the page shows the gate's verdict, the
// registry agrees, and the dashboard shows the model production now is once traffic flows again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromiumMissing, launchChromium } from './fixtures/browser.js';
import { requirement } from './fixtures/requirements.js';
import { startUiMiner, type UiMiner } from './fixtures/ui-miner.js';
import { assertEvalCardsLabelled, operatorData, watchDashboardDuringEval } from './fixtures/ui-operator.js';
import { KEYS } from './_harness.js';
import { openStore, storeFile } from '../src/core/store/index.js';
import { labelOf } from '../src/lifecycle/querylog/index.js';
import { getVersion, productionVersion } from '../src/lifecycle/registry/index.js';
import { postgresMissing, startTestPostgres } from '../src/core/store/_test-postgres.js';
import type { Page } from 'playwright-core';

const browserSkip = requirement(chromiumMissing());
const pgSkip = requirement(chromiumMissing() ?? postgresMissing());
if (browserSkip !== false) console.log(`# operator's loop browser tests ${browserSkip}`);
else if (pgSkip !== false) console.log(`# operator's loop on PostgreSQL ${pgSkip}`);

/** Validators' requests (unlabelled: the hard cases) and eval's challenges. */
const TRAFFIC = 6;
const EVAL_N = 16;
/** A retrain trains on about 40 images and scores 16 gate challenges twice: well under this. */
const RETRAIN_MS = 240_000;

/** The registry's production version, and a registered version when `id` is given, from `data_dir`'s store. */
function registry(dataDir: string, id?: string) {
  const store = openStore(storeFile(dataDir), { readonly: true });
  try {
    return {
      production: productionVersion(store)?.id,
      version: id === undefined ? undefined : getVersion(store, id),
    };
  } finally {
    store.close();
  }
}

/** Presses `1` or `0` on every card of `truth` as the selection passes it, `s` on the others. */
async function labelByKeyboard(page: Page, truth: ReadonlyMap<string, boolean>): Promise<number> {
  const count = Number(await page.getAttribute('#grid', 'data-count'));
  let labelled = 0;
  for (let i = 1; i <= count && labelled < truth.size; i++) {
    const sha = (await page.locator('#grid .card.sel').getAttribute('data-sha'))!;
    const roadwork = truth.get(sha);
    if (roadwork === undefined) {
      await page.keyboard.press('s');
    } else {
      await page.keyboard.press(roadwork ? '1' : '0');
      await page.waitForSelector(`#grid .card:nth-child(${i}).l${roadwork ? 1 : 0}`);
      labelled++;
    }
    if (i < count) await page.waitForSelector(`#grid .card:nth-child(${i + 1}).sel`);
  }
  return labelled;
}

/** The loop on the miner `ui`, in a fresh headless chromium; `expectTrainedOn` names the labelled folder retrain used. */
async function operatorLoop(ui: UiMiner, expectTrainedOn: (labelled: number) => string): Promise<void> {
  const browser = await launchChromium();
  try {
    await inPage(ui, await browser.newPage({ viewport: { width: 1280, height: 900 } }), expectTrainedOn);
  } finally {
    await browser.close();
  }
}

/** The loop's steps in `page`, each checked against the store, the export folder and the registry. */
async function inPage(ui: UiMiner, page: Page, expectTrainedOn: (labelled: number) => string): Promise<void> {
  const sent = await ui.traffic(TRAFFIC, 'loop');
  const store = ui.m.miner.queryLog!.store()!;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The dashboard moves while `roadwork eval` runs against the miner's axon.
  await page.goto(`${ui.url}/#dashboard`);
  const records = await watchDashboardDuringEval(page, ui, EVAL_N, TRAFFIC);
  await page.waitForSelector(`#d-querylog div:has-text("logged ${TRAFFIC + EVAL_N}")`, { timeout: 15_000 });
  const modelBefore = (await page.textContent('#d-model .big'))!;
  assert.match(modelBefore, /^cascade:[0-9a-f]{12}$/, 'the starter, production since the miner started');

  // The gallery: eval's challenges already labelled, the validators' unlabelled ones first (hard cases).
  await page.click('nav a[data-tab=gallery]');
  const images = Number((await store.get<{ n: number }>('SELECT count(*) AS n FROM query_images'))!.n);
  await page.waitForSelector(`#grid[data-count="${images}"]`);
  const truth = new Map(sent.map((s) => [s.sha256, s.roadwork]));
  const evalShas = await assertEvalCardsLabelled(
    page,
    store,
    records,
    new Set(truth.keys()),
    KEYS.validator.ss58,
  );
  assert.equal(evalShas.length + TRAFFIC, images);
  const first = (await page.locator('#grid .card').first().getAttribute('data-sha'))!;
  assert.ok(truth.has(first), 'an unlabelled validator image leads the gallery');
  assert.match((await page.textContent('#grid .card:nth-child(1) .why'))!, /\S/, 'with why it was picked');

  // The operator labels the validators' images by keyboard.
  assert.equal(await labelByKeyboard(page, truth), TRAFFIC);
  for (const s of sent) {
    const label = await labelOf(store, s.sha256);
    assert.deepEqual([label?.label, label?.source], [s.roadwork ? 1 : 0, 'operator'], s.sha256);
  }
  const labelled = images;
  const positives = Number(
    (await store.get<{ n: number }>('SELECT count(*) AS n FROM labels WHERE label = 1'))!.n,
  );

  // Export, labelled only, as folders.
  await page.click('nav a[data-tab=ops]');
  await page.selectOption('#export select[name=format]', 'folders');
  await page.check('#export input[name=labelledOnly]');
  await page.click('#export button');
  await page.waitForSelector('#export-result[data-dir]');
  const dir = (await page.getAttribute('#export-result', 'data-dir'))!;
  assert.equal(readdirSync(join(dir, 'pos')).length, positives);
  assert.equal(readdirSync(join(dir, 'neg')).length, labelled - positives);

  // Retrain and evaluate: the real `roadwork retrain`, its gate's verdict on the page.
  const production = registry(ui.dataDir).production;
  await page.click('#retrain');
  await page.waitForSelector('#retrain-verdict[data-done="true"]', { timeout: RETRAIN_MS });
  const state = (await (await fetch(`${ui.url}/api/retrain`)).json()) as {
    exitCode: number;
    lines: string[];
    result: { version: string; promoted: boolean; reason?: string } | null;
  };
  assert.equal(state.exitCode, 0, state.lines.join('\n'));
  const result = state.result!;
  const after = registry(ui.dataDir, result.version);
  const verdict = (await page.textContent('#retrain-verdict'))!;
  if (result.promoted) {
    assert.equal(verdict, `${result.version} promoted by the gate`);
    assert.equal(after.production, result.version);
  } else {
    assert.match(result.reason!, /does not beat production .*: MCC [\d.]+ vs [\d.]+ on 16 challenges/);
    assert.equal(verdict, `${result.version} not promoted: ${result.reason}`);
    assert.equal(after.production, production);
  }
  assert.match((await page.textContent('#retrain-log'))!, /Scoring candidate/);
  // The version trained on the base photos and on every labelled image, as the settings say.
  const data = after.version!.manifest.metrics.data as { folders: { folder: string; images: number }[] };
  assert.deepEqual(
    data.folders.map((f) => `${basename(f.folder).split('-')[0]}:${f.images}`),
    ['base:16', expectTrainedOn(labelled)],
  );

  // Validators keep sending. Once the miner (registry.follow) answers with the promoted version (the
  // query log says which model answered), the dashboard names it within two readings, though the
  // starter answered far more requests; when the gate refused, it still names the starter.
  await page.click('nav a[data-tab=dashboard]');
  const answeredBy = async () =>
    (await store.get<{ v: string }>('SELECT model_version AS v FROM queries ORDER BY id DESC LIMIT 1'))!.v;
  const end = Date.now() + 60_000;
  for (let i = 0; result.promoted && (await answeredBy()) === modelBefore; i++) {
    assert.ok(Date.now() < end, 'the miner still answers with the starter a minute after the promotion');
    await ui.traffic(1, `switch-${i}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await ui.traffic(2, 'after');
  const now = await answeredBy();
  assert.equal(now !== modelBefore, result.promoted);
  await page.waitForSelector(`#d-model .big:text-is("${now}")`, { timeout: 6_000 });
  assert.deepEqual(errors, []);
}

/** Runs `fn` on a folder with the operator's data and a miner on it; stops and removes all after. */
async function withOperatorMiner(
  settings: (base: string) => Record<string, unknown>,
  fn: (ui: UiMiner) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'roadwork-ui-loop-'));
  let ui: UiMiner | undefined;
  try {
    const { dataDir, base } = await operatorData(root);
    ui = await startUiMiner({
      data_dir: dataDir,
      'registry.follow': true,
      'registry.poll_s': 1,
      ...settings(base),
    });
    await fn(ui);
  } finally {
    await ui?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

test(
  "the operator's loop on SQLite: eval, label by keyboard, export, retrain through the gate, watch the dashboard",
  { timeout: 420_000, skip: browserSkip },
  () =>
    withOperatorMiner(
      // The documented way: the app exports the labelled queries, retrain trains on them and the base photos.
      (base) => ({ 'ui.retrain_args': ['--no-querylog', '--', '--data', base, '--data', '{labelled}'] }),
      (ui) => operatorLoop(ui, (labelled) => `labelled:${labelled}`),
    ),
);

test(
  "the operator's loop on PostgreSQL: the query log in store.url, retrain reading the labelled queries from it",
  { timeout: 420_000, skip: pgSkip },
  async () => {
    const pg = await startTestPostgres();
    try {
      const url = await pg.createDatabase('uiloop');
      await withOperatorMiner(
        // retrain adds the labelled queries itself, from the store the miner's settings name.
        (base) => ({ 'store.url': url, 'ui.retrain_args': ['--querylog-min', '10', '--', '--data', base] }),
        (ui) => operatorLoop(ui, (labelled) => `querylog:${labelled}`),
      );
    } finally {
      await pg.stop();
    }
  },
);
