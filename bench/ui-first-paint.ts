// Benchmark: the web app's first contentful paint in headless chromium, against a blank page served by
// a bare node:http server in the same run (chromium's own floor on this machine). Not a test.
// Usage: node --import tsx bench/ui-first-paint.ts [--runs 9]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/fixtures/browser.js';
import { webFixture } from '../src/app/web/_test-web.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const runs = Number(values.runs);

/** FCP and the gallery's first card (ms since navigation start), in a fresh context: no cache. */
async function measure(
  browser: Browser,
  url: string,
  ready?: string,
): Promise<{ fcp: number; ready: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  if (ready !== undefined) await page.waitForSelector(ready);
  const t = await page.evaluate(`(() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return { fcp: paint ? paint.startTime : -1, ready: performance.now() };
  })()`);
  await context.close();
  return t as { fcp: number; ready: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const blank = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>blank</title><p>blank</p>');
});
await new Promise<void>((resolve) => blank.listen(0, '127.0.0.1', resolve));
const blankUrl = `http://127.0.0.1:${(blank.address() as { port: number }).port}/`;
const f = await webFixture(60);
const browser = await launchChromium();
try {
  const base: number[] = [];
  const app: number[] = [];
  const gallery: number[] = [];
  // Alternating, so load on the machine falls on both alike.
  for (let i = 0; i < runs + 1; i++) {
    const b = await measure(browser, blankUrl);
    const a = await measure(browser, `${f.url}/`, '#grid[data-count="60"]');
    if (i === 0) continue; // the first of each warms chromium's own caches
    base.push(b.fcp);
    app.push(a.fcp);
    gallery.push(a.ready);
  }
  const out = {
    runs,
    blankFcpMs: Math.round(median(base)),
    appFcpMs: Math.round(median(app)),
    appFcpRatio: Number((median(app) / median(base)).toFixed(2)),
    galleryOf60ReadyMs: Math.round(median(gallery)),
  };
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
  await f.close();
  blank.close();
}
