// The SQLite store: better-sqlite3, WAL, foreign keys on, migrations each in their own transaction.
import Database from 'better-sqlite3';
import { RoadworkError } from '../errors/index.js';
import { statementError, storeError } from './_errors.js';
import { MIGRATIONS, type Migration } from './_migrations.js';
import type { OpenStoreOptions, Params, Store } from './index.js';

function checkMigrations(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new RoadworkError(
        'ERR_INTERNAL',
        `Migration ${m.name} has version ${m.version}, expected ${i + 1}; number migrations 1, 2, 3… in order.`,
      );
  });
  return migrations.length;
}

function migrate(db: Database.Database, file: string, migrations: readonly Migration[]): number {
  const latest = checkMigrations(migrations);
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw storeError(
      `The store was written by a newer roadwork (schema ${current}, this one knows ${latest})`,
      file,
      'upgrade roadwork or use another data_dir',
      undefined,
    );
  }
  for (const m of migrations.slice(current)) {
    // DDL is transactional in SQLite: a failing step leaves the store at the previous version.
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}

/** Opens the SQLite file; see `openStore`. */
export function openSqliteStore(file: string, options: OpenStoreOptions): Store {
  const readonly = options.readonly ?? false;
  let db: Database.Database;
  let schemaVersion: number;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw storeError('Cannot open the store', file, 'check the path and its permissions', err);
  }
  try {
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    schemaVersion = readonly
      ? (db.pragma('user_version', { simple: true }) as number)
      : migrate(db, file, options.migrations ?? MIGRATIONS);
  } catch (err) {
    db.close();
    if (err instanceof RoadworkError) throw err;
    throw storeError(
      'Cannot migrate the store',
      file,
      'restore it from a backup or use another data_dir',
      err,
    );
  }
  return new SqliteStore(db, file, schemaVersion);
}

class SqliteStore implements Store {
  readonly file: string;
  readonly schemaVersion: number;
  #db: Database.Database | undefined;

  constructor(db: Database.Database, file: string, schemaVersion: number) {
    this.#db = db;
    this.file = file;
    this.schemaVersion = schemaVersion;
  }

  #open(): Database.Database {
    if (this.#db === undefined) {
      throw new RoadworkError('ERR_STORE', `The store is closed: ${this.file}; open it again`);
    }
    return this.#db;
  }

  #call<T>(sql: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw statementError(sql, this.file, err);
    }
  }

  get<T>(sql: string, params: Params = []): T | undefined {
    const db = this.#open();
    return this.#call(sql, () => bind(db.prepare(sql), params).get() as T | undefined);
  }

  all<T>(sql: string, params: Params = []): T[] {
    const db = this.#open();
    return this.#call(sql, () => bind(db.prepare(sql), params).all() as T[]);
  }

  run(sql: string, params: Params = []): { changes: number } {
    const db = this.#open();
    return this.#call(sql, () => ({ changes: bind(db.prepare(sql), params).run().changes }));
  }

  transaction<T>(fn: () => T): T {
    // better-sqlite3 turns nested transactions into savepoints, so callers compose freely.
    return this.#open().transaction(fn)();
  }

  close(): void {
    const db = this.#db;
    if (db === undefined) return;
    this.#db = undefined;
    if (db.open && !db.readonly) db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
}

// Binds once so `get`, `all` and `run` take no arguments (named and positional alike).
function bind(statement: Database.Statement, params: Params): Database.Statement {
  if (Array.isArray(params))
    return params.length === 0 ? statement : statement.bind(...(params as unknown[]));
  return statement.bind(params);
}
