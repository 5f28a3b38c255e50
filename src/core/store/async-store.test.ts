// The asynchronous store, one suite run against a SQLite file and a real PostgreSQL cluster.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isRoadworkError } from '../errors/index.js';
import { openAsyncStore, redactUrl, type AsyncMigration, type AsyncStore } from './index.js';
import { numberPlaceholders } from './_async-pg.js';
import { SQLITE_BUSY_WAIT_MS } from './_async-sqlite.js';
import { postgresMissing, startTestPostgres, type TestPostgres } from './_test-postgres.js';
import { requirement } from '../../../test/fixtures/requirements.js';

const MIGRATIONS: readonly AsyncMigration[] = [
  {
    version: 1,
    name: 'things',
    sqlite: 'CREATE TABLE things (id INTEGER PRIMARY KEY, at BIGINT NOT NULL, name TEXT NOT NULL, blob BLOB)',
    postgres:
      'CREATE TABLE things (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, name TEXT NOT NULL, blob BYTEA)',
  },
  {
    version: 2,
    name: 'unique names',
    sqlite: 'CREATE UNIQUE INDEX things_name ON things (name)',
    postgres: 'CREATE UNIQUE INDEX things_name ON things (name)',
  },
];

/** Where each run of the suite opens its stores: a fresh location per call. */
type Locate = () => Promise<string>;

function suite(name: string, skip: false | string, setup: { locate?: Locate }): void {
  describe(`AsyncStore on ${name}`, { skip }, () => {
    const open = async (migrations = MIGRATIONS, at?: string): Promise<{ store: AsyncStore; at: string }> => {
      const where = at ?? (await setup.locate!());
      return { store: await openAsyncStore(where, { migrations, namespace: 'test' }), at: where };
    };

    test('openAsyncStore() applies every migration once, and again opens at the same version', async () => {
      const { store, at } = await open();
      assert.equal(store.schemaVersion, 2);
      await store.run('INSERT INTO things (at, name) VALUES (?, ?)', [1, 'a']);
      await store.close();
      const { store: again } = await open(MIGRATIONS, at);
      try {
        assert.equal(again.schemaVersion, 2);
        const rows = await again.all<{ n: number }>('SELECT count(*) AS n FROM test_schema');
        assert.deepEqual(rows, [{ n: 2 }]);
      } finally {
        await again.close();
      }
    });

    test('integers come back as numbers and blobs as Buffers, in both dialects', async () => {
      const { store } = await open();
      try {
        const big = 1_780_000_000_123;
        await store.run('INSERT INTO things (at, name, blob) VALUES (?, ?, ?)', [
          big,
          "it's ? here",
          Buffer.from([1, 2, 3]),
        ]);
        const row = await store.get<{ at: number; name: string; blob: Buffer; n: number }>(
          "SELECT at, name, blob, (SELECT count(*) FROM things WHERE name <> '?') AS n FROM things",
        );
        assert.equal(row?.at, big);
        assert.equal(row?.name, "it's ? here");
        assert.deepEqual([...row!.blob], [1, 2, 3]);
        assert.equal(row?.n, 1);
      } finally {
        await store.close();
      }
    });

    test('transaction() keeps all writes or none, and other callers wait for it', async () => {
      const { store } = await open();
      try {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.run('INSERT INTO things (at, name) VALUES (?, ?)', [1, 'x']);
            await tx.run('INSERT INTO things (at, name) VALUES (?, ?)', [2, 'x']);
          }),
          (err) => isRoadworkError(err, 'ERR_STORE'),
        );
        assert.equal((await store.get<{ n: number }>('SELECT count(*) AS n FROM things'))?.n, 0);
        const order: string[] = [];
        const tx = store.transaction(
          async (t) => {
            await t.run('INSERT INTO things (at, name) VALUES (?, ?)', [1, 'a']);
            await new Promise((r) => setTimeout(r, 30));
            order.push('tx');
          },
          { lock: 'things' },
        );
        const outside = store.transaction(
          async (t) => {
            order.push('second');
            await t.run('INSERT INTO things (at, name) VALUES (?, ?)', [2, 'b']);
          },
          { lock: 'things' },
        );
        await Promise.all([tx, outside]);
        assert.deepEqual(order, ['tx', 'second']);
        assert.equal((await store.get<{ n: number }>('SELECT count(*) AS n FROM things'))?.n, 2);
      } finally {
        await store.close();
      }
    });

    test('two stores on one location in one process take turns at writing, and the loop runs while one waits', async () => {
      const { store: a, at } = await open();
      const { store: b } = await open(MIGRATIONS, at);
      try {
        const insert = 'INSERT INTO things (at, name) VALUES (?, ?)';
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const first = a.transaction(async (tx) => {
          await tx.run(insert, [1, 'a']);
          await held;
          await tx.run(insert, [2, 'b']);
        });
        await new Promise((r) => setTimeout(r, 20));
        let ticks = 0;
        const timer = setInterval(() => ticks++, 5);
        // SQLite: `a` holds the file's write lock; this waits for it, in turns of the event loop.
        const second = b.run(insert, [3, 'c']);
        const third = b.transaction(async (tx) => tx.run(insert, [4, 'd']));
        await new Promise((r) => setTimeout(r, 200));
        const ticked = ticks;
        release();
        await Promise.all([first, second, third]);
        clearInterval(timer);
        assert.ok(ticked >= 10, `the event loop ran ${ticked} times in 200 ms while a write waited`);
        const names = await a.all<{ name: string }>('SELECT name FROM things ORDER BY name');
        assert.deepEqual(
          names.map((r) => r.name),
          ['a', 'b', 'c', 'd'],
        );
      } finally {
        await b.close();
        await a.close();
      }
    });

    test('openAsyncStore() refuses a store written by a newer schema', async () => {
      const { store, at } = await open([
        ...MIGRATIONS,
        {
          version: 3,
          name: 'future',
          sqlite: 'CREATE TABLE f (x INTEGER)',
          postgres: 'CREATE TABLE f (x INTEGER)',
        },
      ]);
      await store.close();
      await assert.rejects(
        open(MIGRATIONS, at),
        (err) => isRoadworkError(err, 'ERR_STORE') && /newer roadwork/.test(err.message),
      );
    });

    test('a failing migration leaves the previous version', async () => {
      const { store, at } = await open();
      await store.close();
      const bad = {
        version: 3,
        name: 'bad',
        sqlite: 'CREATE TABLE q (x INTEGER); NOPE',
        postgres: 'CREATE TABLE q (x INTEGER); NOPE',
      };
      await assert.rejects(open([...MIGRATIONS, bad], at), (err) => isRoadworkError(err, 'ERR_STORE'));
      const { store: again } = await open(MIGRATIONS, at);
      try {
        assert.equal(again.schemaVersion, 2);
        await assert.rejects(again.all('SELECT * FROM q'), (err) => isRoadworkError(err, 'ERR_STORE'));
      } finally {
        await again.close();
      }
    });

    test('a closed store fails with ERR_STORE', async () => {
      const { store } = await open();
      await store.close();
      await store.close();
      await assert.rejects(store.all('SELECT 1'), (err) => isRoadworkError(err, 'ERR_STORE'));
    });
  });
}

const sqliteSetup: { locate?: Locate } = {};
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'roadwork-async-store-'));
  let n = 0;
  sqliteSetup.locate = async () => join(dir, `s${n++}`, 'store.sqlite');
});
after(() => rmSync(dir, { recursive: true, force: true }));
suite('SQLite', false, sqliteSetup);

const pgSkip = requirement(postgresMissing());
const pgSetup: { locate?: Locate } = {};
let server: TestPostgres | undefined;
if (pgSkip === false) {
  before(async () => {
    server = await startTestPostgres();
    let n = 0;
    pgSetup.locate = () => server!.createDatabase(`t${n++}`);
  });
  after(() => server?.stop());
} else console.log(`# PostgreSQL AsyncStore tests ${pgSkip}`);
suite('PostgreSQL', pgSkip, pgSetup);

test('a SQLite write lock held past SQLITE_BUSY_WAIT_MS fails with ERR_STORE, the event loop running all along', async (t) => {
  const at = await sqliteSetup.locate!();
  const store = await openAsyncStore(at, { migrations: MIGRATIONS, namespace: 'test' });
  // Another process's writer, as SQLite sees it: a connection of its own that never lets go.
  const other = new Database(at);
  t.after(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
  });
  other.exec('BEGIN IMMEDIATE');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  await assert.rejects(
    store.run('INSERT INTO things (at, name) VALUES (?, ?)', [1, 'a']),
    (err) => isRoadworkError(err, 'ERR_STORE') && /database is locked/.test(err.message),
  );
  clearInterval(timer);
  const waited = performance.now() - started;
  assert.ok(waited >= SQLITE_BUSY_WAIT_MS - 50 && waited < SQLITE_BUSY_WAIT_MS + 1000, `waited ${waited} ms`);
  assert.ok(
    ticks >= SQLITE_BUSY_WAIT_MS / 10 / 4,
    `the event loop ran ${ticks} times while the write waited`,
  );
  other.exec('ROLLBACK');
  await store.run('INSERT INTO things (at, name) VALUES (?, ?)', [1, 'a']);
  assert.equal((await store.get<{ n: number }>('SELECT count(*) AS n FROM things'))?.n, 1);
});

test('numberPlaceholders() numbers ? outside quotes only', () => {
  assert.equal(
    numberPlaceholders(`SELECT ?, '?', "a?" FROM t WHERE x = ?`),
    `SELECT $1, '?', "a?" FROM t WHERE x = $2`,
  );
});

test('redactUrl() hides the password of a URL', () => {
  assert.equal(
    redactUrl('postgres://miner:s3cret@db:5432/roadwork'),
    'postgres://miner:***@db:5432/roadwork',
  );
  assert.equal(redactUrl('postgres://miner@db/roadwork'), 'postgres://miner@db/roadwork');
});
