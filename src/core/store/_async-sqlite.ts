// The asynchronous store on a SQLite file: better-sqlite3 (statements run synchronously, which for an
// in-process file is faster than a thread hop), WAL with synchronous=NORMAL, so a killed process
// loses no committed transaction and never leaves a corrupt file.
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { RoadworkError } from '../errors/index.js';
import { statementError, storeError } from './_errors.js';
import type { AsyncQueries, AsyncStore, OpenAsyncStoreOptions } from './_async.js';
import { migrateAsync } from './_migrate-async.js';

/**
 * How long a statement waits for another connection's write lock before it fails with ERR_STORE
 * ("database is locked"). SQLite's own busy handler would wait by sleeping the thread: the event loop
 * (the axon, with it) would stop for the whole wait, and a holder in this same thread, another store
 * on the same file mid-transaction, could never finish, so every such wait ended in the error. The
 * store waits in turns of the event loop instead (`#call`), SQLite's busy timeout stays 0 once open.
 */
export const SQLITE_BUSY_WAIT_MS = 5000;

/** Opens (creating and migrating) the SQLite file; fails with ERR_STORE. */
export async function openAsyncSqlite(file: string, options: OpenAsyncStoreOptions): Promise<AsyncStore> {
  let db: Database.Database;
  try {
    db = new Database(file);
    // Opening waits in SQLite (a fresh file's switch to WAL); every statement after it waits in #call.
    db.pragma(`busy_timeout = ${SQLITE_BUSY_WAIT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 0');
  } catch (err) {
    throw storeError('Cannot open the store', file, 'check the path and its permissions', err);
  }
  const store = new AsyncSqliteStore(db, file);
  try {
    store.schemaVersion = await migrateAsync(store, options.migrations, options.namespace, 'sqlite');
  } catch (err) {
    await store.close();
    if (err instanceof RoadworkError) throw err;
    throw storeError('Cannot migrate the store', file, 'restore it from a backup or use another file', err);
  }
  return store;
}

class AsyncSqliteStore implements AsyncStore {
  readonly dialect = 'sqlite' as const;
  readonly where: string;
  schemaVersion = 0;
  #db: Database.Database | undefined;
  // The one connection is shared: transactions queue one behind the other (taken synchronously, so two
  // started on the same turn cannot both begin), and plain calls wait until none is pending.
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly #direct: AsyncQueries;

  constructor(db: Database.Database, file: string) {
    this.#db = db;
    this.where = file;
    this.#direct = {
      all: async <T>(sql: string, params: readonly unknown[] = []) =>
        this.#call(sql, (db) => db.prepare(sql).all(...params) as T[]),
      get: async <T>(sql: string, params: readonly unknown[] = []) =>
        this.#call(sql, (db) => db.prepare(sql).get(...params) as T | undefined),
      run: async (sql: string, params: readonly unknown[] = []) =>
        this.#call(sql, (db) => ({ changes: db.prepare(sql).run(...params).changes })),
    };
  }

  // Runs one statement; while another connection holds the write lock, tries again after 1, 2, 4… ms
  // (at most 25 between tries) for up to SQLITE_BUSY_WAIT_MS, letting the event loop run in between.
  async #call<T>(sql: string, fn: (db: Database.Database) => T): Promise<T> {
    const deadline = performance.now() + SQLITE_BUSY_WAIT_MS;
    for (let pause = 1; ; pause = Math.min(2 * pause, 25)) {
      const db = this.#db;
      if (db === undefined) throw storeError('The store is closed', this.where, 'open it again', undefined);
      try {
        return fn(db);
      } catch (err) {
        if (!isBusy(err) || performance.now() + pause > deadline) throw statementError(sql, this.where, err);
      }
      await sleep(pause);
    }
  }

  async #idle(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }

  async all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    await this.#idle();
    return this.#direct.all<T>(sql, params);
  }

  async get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    await this.#idle();
    return this.#direct.get<T>(sql, params);
  }

  async run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }> {
    await this.#idle();
    return this.#direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: AsyncQueries) => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    this.#pending++;
    try {
      await previous;
      // IMMEDIATE takes the write lock now, so another process's writer waits here, not mid-way.
      await this.#call('BEGIN IMMEDIATE', (db) => db.exec('BEGIN IMMEDIATE'));
      try {
        const value = await fn(this.#direct);
        await this.#call('COMMIT', (db) => db.exec('COMMIT'));
        return value;
      } catch (err) {
        if (this.#db?.inTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.#pending--;
      release();
    }
  }

  async close(): Promise<void> {
    await this.#idle();
    const db = this.#db;
    if (db === undefined) return;
    this.#db = undefined;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
}

// SQLITE_BUSY and its extended codes: another connection holds the lock this statement needs.
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}
