import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../errors/index.js';
import { MIGRATIONS, openStore, storeFile } from './index.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('openStore() creates the file in WAL mode and applies every migration', (t) => {
  const file = storeFile(tempDir(t));
  const store = openStore(file);
  try {
    assert.equal(store.schemaVersion, MIGRATIONS.length);
    assert.equal(store.get<{ journal_mode: string }>('PRAGMA journal_mode')?.journal_mode, 'wal');
    const tables = store.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const name of ['datasets', 'dataset_images', 'images', 'model_versions', 'production_events']) {
      assert.ok(
        tables.some((r) => r.name === name),
        `table ${name}`,
      );
    }
  } finally {
    store.close();
  }
});

test('openStore() keeps data across reopen and does not run a migration twice', (t) => {
  const file = storeFile(tempDir(t));
  const a = openStore(file);
  a.run('INSERT INTO images VALUES (?, ?, ?, ?, ?, ?)', ['abc', 'jpg', 10, 64, 64, '00']);
  a.close();
  const b = openStore(file);
  try {
    assert.equal(b.get<{ n: number }>('SELECT count(*) AS n FROM images')?.n, 1);
  } finally {
    b.close();
  }
});

test('transaction() rolls back every write when one of them fails', (t) => {
  const store = openStore(storeFile(tempDir(t)));
  try {
    assert.throws(
      () =>
        store.transaction(() => {
          store.run('INSERT INTO images VALUES (@sha, @ext, 1, 1, 1, @ph)', {
            sha: 'x',
            ext: 'png',
            ph: '0',
          });
          // Violates the label CHECK and the foreign keys: the first insert must vanish too.
          store.run("INSERT INTO dataset_images VALUES ('v', 'x', 7, 'g', 'p')");
        }),
      (err) => isRoadworkError(err, 'ERR_STORE'),
    );
    assert.equal(store.get<{ n: number }>('SELECT count(*) AS n FROM images')?.n, 0);
  } finally {
    store.close();
  }
});

test('openStore() refuses a store written by a newer schema and leaves it untouched', (t) => {
  const file = storeFile(tempDir(t));
  openStore(file).close();
  const newer = openStore(file, {
    migrations: [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'future', sql: 'CREATE TABLE f (x)' },
    ],
  });
  newer.close();
  assert.throws(
    () => openStore(file),
    (err) => isRoadworkError(err, 'ERR_STORE') && /newer roadwork/.test(err.message),
  );
});

test('a failing migration leaves the store at the previous schema version', (t) => {
  const file = storeFile(tempDir(t));
  openStore(file).close();
  assert.throws(
    () =>
      openStore(file, {
        migrations: [
          ...MIGRATIONS,
          { version: MIGRATIONS.length + 1, name: 'bad', sql: 'CREATE TABLE q (x); NOPE' },
        ],
      }),
    (err) => isRoadworkError(err, 'ERR_STORE'),
  );
  const store = openStore(file);
  try {
    assert.equal(store.schemaVersion, MIGRATIONS.length);
    assert.equal(store.get("SELECT name FROM sqlite_master WHERE name = 'q'"), undefined);
  } finally {
    store.close();
  }
});

test('a closed store fails calls with ERR_STORE and close() is idempotent', (t) => {
  const store = openStore(storeFile(tempDir(t)));
  store.close();
  store.close();
  assert.throws(
    () => store.all('SELECT 1'),
    (err) => isRoadworkError(err, 'ERR_STORE'),
  );
});
