// The web app in real headless chromium, inside a real miner fed real signed requests: labelling by
// keyboard with undo, a filter, export, the dashboard updating while `roadwork eval` runs against the
// miner and eval's challenges in the gallery already labelled, more like this, the cluster view, and
// the token refusal (first paint is measured by bench/ui-first-paint.ts; the whole operator's loop
// with a real retrain is test/ui-operator-loop.e2e.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumMissing, launchChromium } from './fixtures/browser.js';
import { requirement } from './fixtures/requirements.js';
import { startUiMiner } from './fixtures/ui-miner.js';
import { assertEvalCardsLabelled, watchDashboardDuringEval } from './fixtures/ui-operator.js';
import { KEYS } from './_harness.js';
import { labelOf } from '../src/lifecycle/querylog/index.js';
import { webFixture } from '../src/app/web/_test-web.js';

const skip = requirement(chromiumMissing());
if (skip !== false) console.log(`# web app browser tests ${skip}`);

/** Challenges `roadwork eval` sends while the dashboard is watched (two a second). */
const EVAL_N = 12;

test(
  'an operator labels by keyboard, undoes, filters, exports, and watches the dashboard move while roadwork eval runs',
  { timeout: 180_000, skip },
  async (t) => {
    const ui = await startUiMiner();
    t.after(() => ui.stop());
    await ui.traffic(8, 'gallery');
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.url}/`);
    await page.waitForSelector('#grid[data-count="8"]');
    const store = ui.m.miner.queryLog!.store()!;
    const shaAt = (i: number) => page.locator('#grid .card').nth(i).getAttribute('data-sha');

    // 1 labels the selected case roadwork, saves it at once and moves on without a reload.
    const first = (await shaAt(0))!;
    await page.keyboard.press('1');
    await page.waitForSelector('#grid .card:nth-child(1).l1');
    assert.equal(await page.locator('#grid .card.sel').getAttribute('data-sha'), await shaAt(1));
    assert.equal((await labelOf(store, first))?.label, 1);
    // 0 labels the next one not-roadwork; s skips; arrows move.
    const second = (await shaAt(1))!;
    await page.keyboard.press('0');
    await page.waitForSelector('#grid .card:nth-child(2).l0');
    await page.keyboard.press('s');
    assert.equal(await page.locator('#grid .card.sel').getAttribute('data-sha'), await shaAt(3));
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator('#grid .card.sel').getAttribute('data-sha'), await shaAt(2));
    // u undoes the last label: the second image has no label again, in the store and on the page.
    await page.keyboard.press('u');
    await page.waitForSelector('#grid .card:nth-child(2):not(.l0)');
    assert.equal(await labelOf(store, second), undefined);
    assert.equal(await page.locator('#grid .card.sel').getAttribute('data-sha'), second);

    // A filter: labelled only shows the one labelled image.
    await page.selectOption('#filters select[name=labelled]', 'true');
    await page.waitForSelector('#grid[data-count="1"]');
    assert.equal(await shaAt(0), first);
    await page.selectOption('#filters select[name=labelled]', '');
    await page.waitForSelector('#grid[data-count="8"]');

    // Export from the page: it reports the folder under data_dir/exports.
    await page.click('nav a[data-tab=ops]');
    await page.selectOption('#export select[name=format]', 'folders');
    await page.click('#export button');
    await page.waitForSelector('#export-result[data-dir]');
    const dir = (await page.getAttribute('#export-result', 'data-dir'))!;
    assert.ok(dir.startsWith(join(ui.m.dir, 'exports')), dir);
    assert.deepEqual(readdirSync(join(dir, 'pos')), [`${first}.jpg`]);
    assert.ok(existsSync(join(dir, 'manifest.csv')));

    // The dashboard while `roadwork eval` (the CLI, a child process) sends its challenges: the total
    // and the rate by validator move without a reload.
    await page.click('nav a[data-tab=dashboard]');
    await page.waitForSelector('#d-validator');
    const records = await watchDashboardDuringEval(page, ui, EVAL_N, 8);
    await page.waitForSelector('#d-validator td:has-text("/min")', { timeout: 15_000 });
    assert.match((await page.textContent('#d-latency'))!, /p50 \d/);
    assert.match((await page.textContent('#d-model'))!, /\S/);
    await page.waitForSelector(`#d-querylog div:has-text("logged ${8 + EVAL_N}")`, { timeout: 15_000 });

    // Eval's challenges are in the gallery already labelled (eval.record_labels): labelled only now
    // shows them beside the operator's one label.
    await page.click('nav a[data-tab=gallery]');
    await page.selectOption('#filters select[name=labelled]', 'true');
    // The grid still shows the unfiltered list (7 unlabelled cards) until the filtered one arrives,
    // which waits for the ranking of the log eval just grew: wait for a grid of labelled cards only.
    // (A selector, not a string predicate: polled, that is an eval the page's CSP refuses.)
    await page.waitForSelector(
      '#grid:not([data-count="0"]):not([data-count="1"]):not(:has(.card:not(.l0):not(.l1)))',
    );
    const evalShas = await assertEvalCardsLabelled(
      page,
      store,
      records,
      new Set([first]),
      KEYS.validator.ss58,
    );
    assert.equal(Number(await page.getAttribute('#grid', 'data-count')), 1 + evalShas.length);
    assert.deepEqual(errors, []);
  },
);

test(
  'with a token, the page is refused without it and works once opened with ?token=',
  { timeout: 60_000, skip },
  async (t) => {
    const f = await webFixture(3, { token: 'tok3n' });
    t.after(() => f.close());
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const refused = await page.goto(`${f.url}/`);
    assert.equal(refused?.status(), 401);
    assert.match((await page.textContent('body'))!, /ERR_UI_UNAUTHORIZED/);
    const opened = await page.goto(`${f.url}/?token=tok3n`);
    assert.equal(opened?.status(), 200);
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    // The page's own requests (API, images) carry the cookie the link set.
    await page.waitForSelector('#grid[data-count="3"]');
    // Polled here: a string predicate that is false at its first check is polled by eval in the page,
    // which the page's CSP refuses.
    const loaded = () =>
      page
        .locator('#grid img')
        .evaluateAll((imgs) =>
          imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0),
        );
    for (const until = Date.now() + 15_000; !(await loaded());) {
      assert.ok(Date.now() < until, 'the images did not load');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  },
);

test(
  'more like this from a card and from the cluster view shows the nearest images',
  { timeout: 60_000, skip },
  async (t) => {
    const f = await webFixture(9);
    t.after(() => f.close());
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${f.url}/`);
    await page.waitForSelector('#grid[data-count="9"]');
    // The hard cases lead, each saying why.
    assert.match((await page.textContent('#grid .card:nth-child(1) .why'))!, /threshold|disagree|cluster/);
    await page.keyboard.press('ArrowRight');
    const sha = (await page.locator('#grid .card.sel').getAttribute('data-sha'))!;
    await page.keyboard.press('m');
    await page.waitForSelector('#similar-note:not([hidden])');
    const shown = await page
      .locator('#grid .card')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-sha')));
    assert.equal(shown.length, 8);
    assert.ok(!shown.includes(sha));
    assert.match((await page.textContent('#grid .card:nth-child(1) .why'))!, /distance \d/);
    // A button on any card does the same; "back" returns to the gallery.
    await page.click('#similar-note button');
    await page.waitForSelector('#similar-note[hidden]', { state: 'attached' });
    await page.waitForSelector('#grid[data-count="9"]');
    await page.click('#grid .card:nth-child(3) button.more');
    await page.waitForSelector('#similar-note:not([hidden])');
    // The cluster view: one dot per image with an embedding, coloured by label, then by error.
    await page.click('nav a[data-tab=clusters]');
    await page.waitForSelector('#scatter[data-count="9"]');
    const colours = await page
      .locator('#scatter circle')
      .evaluateAll((cs) => cs.map((c) => c.getAttribute('fill')));
    assert.equal(new Set(colours).size, 2, 'labelled and unlabelled');
    await page.selectOption('#colour', 'error');
    await page.locator('#scatter circle').first().click();
    await page.waitForSelector('#gallery:not([hidden]) #similar-note:not([hidden])');
  },
);
