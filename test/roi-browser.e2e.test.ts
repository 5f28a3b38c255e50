// The `roadwork roi --html` report in a real browser: the incentive chart and its break-even line are
// drawn inside the page, the burning verdict shows, and the page asks the network for nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRoi, offlineInputs, renderRoiHtml } from '../src/lifecycle/economics/index.js';
import { chromiumMissing, withPage } from './fixtures/browser.js';
import { requirement } from './fixtures/requirements.js';

const skip = requirement(chromiumMissing());
const COSTS = { gpuUsdPerHour: 0.6, otherUsdPerMonth: 40, taoUsd: 300, taoUsdSource: 'roi.tao_usd' };
const PLAN = { netuid: 72, blockSeconds: 12, minerAlphaPerBlock: 0.4, alphaPriceTao: 0.02, ownerShare: 0.02 };

test(
  'the ROI report draws one bar per miner and the break-even line across them in chromium',
  { timeout: 60_000, skip },
  async () => {
    const shares = Array.from({ length: 40 }, (_, k) => 0.98 / (k + 1) / 4.28);
    const report = estimateRoi(offlineInputs({ ...PLAN, shares, rank: 5 }), COSTS);
    const seen = await withPage(renderRoiHtml(report), (page) =>
      page.locator('svg').evaluateAll((svgs) =>
        svgs.map((svg) => {
          const win = globalThis as unknown as { document: { documentElement: { scrollWidth: number } } };
          const box = svg.getBoundingClientRect();
          const line = svg.querySelector('line.break-even');
          const plot = svg.querySelector('rect');
          const lineBox = line?.getBoundingClientRect();
          const plotBox = plot?.getBoundingClientRect();
          return {
            width: box.width,
            height: box.height,
            inside: box.left >= 0 && box.right <= win.document.documentElement.scrollWidth,
            bars: svg.querySelectorAll('rect[fill="#4e79a7"]').length,
            lineInPlot:
              !!lineBox && !!plotBox && lineBox.top >= plotBox.top && lineBox.bottom <= plotBox.bottom + 1,
          };
        }),
      ),
    );
    assert.equal(seen.length, 1);
    const chart = seen[0];
    assert.ok(chart && chart.inside && chart.width > 150 && chart.height > 100, JSON.stringify(chart));
    assert.equal(chart.bars, 40, 'one bar per miner UID');
    assert.ok(chart.lineInPlot, 'the break-even line is drawn inside the plot');
  },
);

test(
  'the ROI report of a burning subnet shows the verdict first, in words',
  { timeout: 60_000, skip },
  async () => {
    const report = estimateRoi(offlineInputs({ ...PLAN, ownerShare: 1, shares: [0, 0, 0] }), COSTS);
    const verdict = await withPage(renderRoiHtml(report), (page) => page.locator('.verdict').innerText());
    assert.match(verdict, /halted or burning: 100\.0 %.*earns nothing/);
  },
);
