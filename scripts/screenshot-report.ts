// Renders an eval HTML report in headless chromium and saves a PNG (docs/img/eval-report.png by default).
// Usage: node --import tsx scripts/screenshot-report.ts [report.html] [out.png]
// Without a report it makes one: offline eval of the default cascade on synth:200, 200 challenges, seed docs.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalCommand } from '../src/app/cli/eval.js';
import { chromiumMissing, withPage } from '../test/fixtures/browser.js';

const [reportArg, outArg = 'docs/img/eval-report.png'] = process.argv.slice(2);
const missing = chromiumMissing();
if (missing) {
  console.error(`Cannot take the screenshot: ${missing}.`);
  process.exit(1);
}
let html: string;
if (reportArg) {
  html = await readFile(reportArg, 'utf8');
} else {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-screenshot-'));
  const quiet = { isTTY: false, write: () => true };
  const file = join(dir, 'report.html');
  const args = ['--offline', '--data', 'synth:200', '--n', '200', '--seed', 'docs', '--html', file];
  await evalCommand({ stdout: quiet, stderr: quiet }).parseAsync(args, { from: 'user' });
  html = await readFile(file, 'utf8');
  await rm(dir, { recursive: true, force: true });
}
await withPage(html, (page) => page.screenshot({ path: outArg, fullPage: true }));
console.log(`Wrote ${outArg}`);
