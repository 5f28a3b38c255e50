// Builds dist/ (tsc -p tsconfig.build.json) only when a source changed since the last successful build,
// so a second `npm start` starts in seconds. Paths are relative to the working directory (npm runs
// scripts from the package root).
//   node scripts/build-if-stale.mjs           build when stale (npm's prestart)
//   node scripts/build-if-stale.mjs --force   always build (npm run build)
//   node scripts/build-if-stale.mjs --check   print fresh or stale, exit 0 or 1; build nothing
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

// Written after a build succeeds, stamped with the time the build started: a source saved while tsc ran
// is newer than the stamp, so the next start builds again. A failed build leaves the old stamp.
const STAMP = join('dist', '.build-stamp');
// Everything that changes what tsc emits; tests are not built, but a stray rebuild is harmless.
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
// Files tsc does not emit that the code reads beside itself at run time (the web app's page).
const ASSETS = ['app/web/assets'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its folder's time
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Why a build is needed, or undefined when dist/ is current. */
function staleness() {
  if (!existsSync(STAMP)) return 'no successful build recorded';
  const built = statSync(STAMP).mtimeMs;
  const changed = INPUTS.find((input) => newestMtime(input) > built);
  return changed === undefined ? undefined : `${changed} changed since the last build`;
}

function build() {
  const started = new Date();
  const tsc = createRequire(resolve('package.json')).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  mkdirSync('dist', { recursive: true });
  for (const dir of ASSETS) cpSync(join('src', dir), join('dist', dir), { recursive: true });
  writeFileSync(STAMP, `${started.toISOString()}\n`);
  utimesSync(STAMP, started, started);
  return 0;
}

const mode = process.argv[2];
const why = mode === '--force' ? 'asked' : staleness();
if (mode === '--check') {
  process.stdout.write(why === undefined ? 'fresh\n' : `stale: ${why}\n`);
  process.exit(why === undefined ? 0 : 1);
}
if (why === undefined) process.exit(0);
if (mode !== '--force') process.stderr.write(`Building dist/ (${why})...\n`);
process.exit(build());
