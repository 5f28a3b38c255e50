// The HTML eval report in a real browser: every plot is drawn, visible and inside the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  renderHtmlReport,
  summariseRecords,
  type EvalRecord,
  type EvalReport,
} from '../src/validation/eval/index.js';
import { chromiumMissing, withPage } from './fixtures/browser.js';
import { requirement } from './fixtures/requirements.js';

const RECORDS: EvalRecord[] = Array.from({ length: 40 }, (_, i) => ({
  i,
  label: (i % 2) as 0 | 1,
  level: (i % 4) as 0 | 1 | 2 | 3,
  group: i % 3 ? 'real' : 'synth',
  prediction: i === 39 ? -1 : ((i * 37) % 100) / 100,
  status: i === 39 ? 408 : 200,
  latency_ms: 5 + ((i * 13) % 40),
  stages: [
    { stage: 'fast', probability: 0.5, ms: 1 },
    ...(i % 3 ? [{ stage: 'slow', probability: 0.7, ms: 20 }] : []),
  ],
}));

const REPORT: EvalReport = {
  version: 1,
  mode: 'offline',
  model: 'cascade.yaml',
  validators: 1,
  concurrency: 1,
  seed: 'browser',
  data: { name: 'synth', images: 40 },
  started_at: '2025-01-01T00:00:00.000Z',
  elapsed_s: 2,
  throughput_rps: 20,
  ...summariseRecords(RECORDS),
};

const skip = requirement(chromiumMissing());

test(
  'the HTML report renders in chromium with all four plots visible and no network requests',
  { timeout: 60_000, skip },
  async () => {
    const plots = await withPage(renderHtmlReport(REPORT, RECORDS), (page) =>
      page.locator('svg').evaluateAll((svgs) =>
        svgs.map((svg) => {
          // Runs in the page: the window, typed here only as far as used (no DOM lib in this project).
          const win = globalThis as unknown as {
            getComputedStyle(e: unknown): { visibility: string; display: string };
            document: { documentElement: { scrollWidth: number } };
          };
          const box = svg.getBoundingClientRect();
          const style = win.getComputedStyle(svg);
          return {
            width: box.width,
            height: box.height,
            visible: style.visibility !== 'hidden' && style.display !== 'none',
            shapes: svg.querySelectorAll('rect, circle, line, path, polyline').length,
            inside: box.left >= 0 && box.right <= win.document.documentElement.scrollWidth,
          };
        }),
      ),
    );
    assert.equal(plots.length, 4, 'reliability, latency, per-level and the stage funnel');
    for (const [k, p] of plots.entries()) {
      assert.ok(p.visible && p.inside, `plot ${k} is visible inside the page`);
      assert.ok(p.width > 150 && p.height > 100, `plot ${k} is ${p.width}×${p.height}`);
      assert.ok(p.shapes > 3, `plot ${k} draws shapes (${p.shapes})`);
    }
  },
);
