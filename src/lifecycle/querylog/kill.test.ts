// A kill -9 while logging hard loses at most what was queued, and never corrupts the store: no row
// names a missing image (on SQLite and on a real PostgreSQL, with and without a pruner running).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { imagePath, openQueryStore, pruneQueries, queryImagesDir, type QueryLogPlace } from './index.js';
import { assertConsistent, backends } from './_test-querylog.js';

const CHILD = fileURLToPath(new URL('./_test-kill-child.ts', import.meta.url));

/** Runs the child until it has committed `atLeast` rows, kills it with SIGKILL; resolves with the last count it printed. */
function logThenKill(place: QueryLogPlace, prune: boolean, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, place.dataDir, place.storeUrl, prune ? '1' : '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let last = 0;
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child logged only ${last} in 60 s: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/logged (\d+)/g)) last = Math.max(last, Number(m[1]));
      // Killed mid-flight: some batch is almost surely being written now.
      if (last >= atLeast && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`the child exited on its own (${code}): ${err}`));
    });
  });
}

for (const backend of backends()) {
  describe(`kill -9 while logging, on ${backend.name}`, { skip: backend.skip }, () => {
    for (const prune of [false, true]) {
      test(
        `loses at most the queued entries and leaves a consistent store${prune ? ', a pruner running' : ''}`,
        { timeout: 120_000 },
        async () => {
          const { store: setup, place } = await backend.open();
          await setup.close();
          const printed = await logThenKill(place, prune, 400);
          if (place.storeUrl === '') {
            const db = new Database(join(place.dataDir, 'querylog.sqlite'));
            try {
              assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
              assert.deepEqual(db.pragma('foreign_key_check'), []);
            } finally {
              db.close();
            }
          }
          const store = await openQueryStore(place);
          try {
            await assertConsistent(store, queryImagesDir(place));
            const rows = Number((await store.get<{ n: number }>('SELECT count(*) AS n FROM queries'))?.n);
            if (prune) assert.ok(rows > 0, `the newest rows are kept: ${rows}`);
            else assert.ok(rows >= printed, `every row reported committed survived: ${rows} ≥ ${printed}`);
            // The next sweeping prune drops image rows a kill left without their file: then every image row has one.
            await pruneQueries(store, queryImagesDir(place), {
              maxEntries: 0,
              maxAgeMs: 0,
              maxBytes: 0,
              nowMs: Date.now(),
            });
            const images = await store.all<{ sha256: string; ext: string }>(
              'SELECT sha256, ext FROM query_images',
            );
            for (const i of images)
              assert.ok(existsSync(imagePath(queryImagesDir(place), i.sha256, i.ext)), i.sha256);
            // Still writable after the kill.
            await store.run('INSERT INTO querylog_counters (name, value) VALUES (?, ?)', ['after_kill', 1]);
          } finally {
            await store.close();
          }
        },
      );
    }
  });
}
