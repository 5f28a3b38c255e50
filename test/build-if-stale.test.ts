// `npm start` builds dist/ only when a source changed since the last successful build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../scripts/build-if-stale.mjs', import.meta.url));

function check(cwd: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, '--check'], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim() };
}

function setTime(path: string, seconds: number): void {
  utimesSync(path, seconds, seconds);
}

test('npm start builds only when dist/ is older than a source', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), '');
  writeFileSync(join(dir, 'tsconfig.json'), '{}');
  for (const path of ['src/cli/main.ts', 'src/cli', 'src', 'tsconfig.json']) setTime(join(dir, path), 1000);
  assert.deepEqual(check(dir), { code: 1, out: 'stale: no successful build recorded' });

  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist', '.build-stamp'), '');
  setTime(join(dir, 'dist', '.build-stamp'), 2000);
  assert.deepEqual(check(dir), { code: 0, out: 'fresh' });

  setTime(join(dir, 'src', 'cli', 'main.ts'), 3000);
  assert.deepEqual(check(dir), { code: 1, out: 'stale: src changed since the last build' });
  setTime(join(dir, 'src', 'cli', 'main.ts'), 1000);
  setTime(join(dir, 'tsconfig.json'), 3000);
  assert.deepEqual(check(dir), { code: 1, out: 'stale: tsconfig.json changed since the last build' });
});

test('package.json builds through the staleness check before npm start', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  assert.equal(pkg.scripts.prestart, 'node scripts/build-if-stale.mjs');
  assert.match(pkg.scripts.build ?? '', /build-if-stale\.mjs --force/);
});
