// Runs every *.test.ts under src/ and test/ with Node's test runner (Node 20 has no --test globs).
// The tests get a temporary HOME, removed afterwards: a default that points into the home directory
// (data_dir ~/.roadwork, wallet.path ~/.bittensor/wallets) can never touch the real one.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap((dir) => find(dir))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match: ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
const home = mkdtempSync(join(tmpdir(), 'roadwork-test-home-'));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test', HOME: home },
});
rmSync(home, { recursive: true, force: true });
process.exit(result.status ?? 1);
