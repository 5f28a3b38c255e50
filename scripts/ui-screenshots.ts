// Screenshots of the web app for docs/ui.md: a real miner (the test harness's, ONNX baseline) with the
// app inside it and real signed traffic, in headless chromium. Rerun after changing the page:
//   node --import tsx scripts/ui-screenshots.ts      (writes docs/img/ui-*.png)
import { launchChromium } from '../test/fixtures/browser.js';
import { startUiMiner } from '../test/fixtures/ui-miner.js';
import { webFixture } from '../src/app/web/_test-web.js';

const OUT = 'docs/img';
const ui = await startUiMiner();
const browser = await launchChromium();
try {
  await ui.traffic(24, 'screenshot');
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${ui.url}/`);
  await page.waitForSelector('#grid[data-count="24"]');
  for (const key of ['1', '0', '0', '1']) await page.keyboard.press(key);
  await page.waitForFunction(
    "[...document.querySelectorAll('#grid img')].slice(0, 18).every((i) => i.complete)",
  );
  await page.screenshot({ path: `${OUT}/ui-gallery.png` });
  await page.click('nav a[data-tab=dashboard]');
  await page.waitForSelector('#d-validator');
  // Traffic while the dashboard polls, so the rates have a window.
  await ui.traffic(12, 'screenshot-live');
  await page.waitForSelector('#d-validator td:has-text("/min")', { timeout: 20_000 });
  await page.screenshot({ path: `${OUT}/ui-dashboard.png` });
  // The cluster view needs embeddings, which the baseline classifier does not compute: a logged set
  // that has them (the web app's test fixture).
  const f = await webFixture(40);
  try {
    await page.goto(`${f.url}/#clusters`);
    await page.waitForSelector('#scatter[data-count="40"]');
    await page.screenshot({ path: `${OUT}/ui-clusters.png` });
  } finally {
    await f.close();
  }
  console.log(`Wrote ${OUT}/ui-gallery.png, ui-dashboard.png, ui-clusters.png`);
} finally {
  await browser.close();
  await ui.stop();
}
