// `npm start` builds dist/ only when a source changed since the last successful build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
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

test('a build copies the files the code reads beside itself (the web app page) into dist/', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-build-assets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = fileURLToPath(new URL('..', import.meta.url));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(
    join(dir, 'tsconfig.build.json'),
    '{"compilerOptions":{"module":"NodeNext","rootDir":"src","outDir":"dist","types":[]},"include":["src"]}',
  );
  mkdirSync(join(dir, 'src', 'app', 'web', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'src', 'app', 'web', 'index.ts'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'src', 'app', 'web', 'assets', 'index.html'), '<!doctype html>');
  const r = spawnSync(process.execPath, [script, '--force'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.ok(existsSync(join(dir, 'dist', 'app', 'web', 'index.js')));
  assert.equal(
    readFileSync(join(dir, 'dist', 'app', 'web', 'assets', 'index.html'), 'utf8'),
    '<!doctype html>',
  );
});
