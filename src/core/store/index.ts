/**
 * The stores. `Store`: the embedded, synchronous SQLite file (`<data_dir>/roadwork.sqlite`, WAL mode),
 * its schema migrated in code at open; datasets and the model registry keep their tables there.
 * `AsyncStore`: the same idea over SQLite or PostgreSQL (`postgres://` URL) for writers that must not
 * block, with migrations in both dialects; the query log keeps its tables there.
 */
import { dirname, join } from 'node:path';
import { makeDirSync } from '../files/index.js';
import type { Migration } from './_migrations.js';
import { openSqliteStore } from './_sqlite.js';
import { isPostgresUrl, type AsyncStore, type OpenAsyncStoreOptions } from './_async.js';
import { storeError } from './_errors.js';

export { MIGRATIONS, type Migration } from './_migrations.js';
export { resolveId, type IdLookup } from './_ids.js';
export {
  isPostgresUrl,
  redactUrl,
  type AsyncMigration,
  type AsyncQueries,
  type AsyncStore,
  type Dialect,
  type OpenAsyncStoreOptions,
} from './_async.js';

/** A bound parameter: positional values, or named ones (`@name` in the SQL, `name` in the object). */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * A SQL store. Calls are synchronous (SQLite in-process is faster that way); `transaction` makes a
 * group of writes all-or-nothing, so bad input never leaves half-written data.
 */
export interface Store {
  /** The database file. */
  readonly file: string;
  /** The schema version after migrations. */
  readonly schemaVersion: number;
  /** The first row, or undefined. */
  get<T>(sql: string, params?: Params): T | undefined;
  /** Every row. */
  all<T>(sql: string, params?: Params): T[];
  /** A write; returns how many rows it changed. */
  run(sql: string, params?: Params): { changes: number };
  /** Runs `fn` in a transaction (nested calls join the outer one); a throw rolls everything back. */
  transaction<T>(fn: () => T): T;
  /** Closes the file (checkpointing the WAL); further calls fail with ERR_STORE. Idempotent. */
  close(): void;
}

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /** Open read-only: no migrations, no writes. Default false. */
  readonly readonly?: boolean;
  /** Default `MIGRATIONS`; tests pass their own. */
  readonly migrations?: readonly Migration[];
}

/** The store file inside a data folder. */
export function storeFile(dataDir: string): string {
  return join(dataDir, 'roadwork.sqlite');
}

/** Opens (creating and migrating as needed) the store at `file`; fails with ERR_STORE. */
export function openStore(file: string, options: OpenStoreOptions = {}): Store {
  if (!options.readonly) makeFolderOf(file);
  return openSqliteStore(file, options);
}

// The store's folder, created; a path through a file or without permission is ERR_STORE.
function makeFolderOf(file: string): void {
  try {
    makeDirSync(dirname(file));
  } catch (err) {
    throw storeError(
      'Cannot create the folder of the store',
      file,
      'check the path and its permissions',
      err,
    );
  }
}

/**
 * Opens an asynchronous store: PostgreSQL when `location` is a `postgres://` URL, else the SQLite file
 * it names (its folder created). Migrates to the last step; fails with ERR_STORE.
 */
export async function openAsyncStore(location: string, options: OpenAsyncStoreOptions): Promise<AsyncStore> {
  // Each driver loads only when used: `pg` stays out of processes that never reach PostgreSQL.
  if (isPostgresUrl(location)) return (await import('./_async-pg.js')).openAsyncPostgres(location, options);
  makeFolderOf(location);
  return (await import('./_async-sqlite.js')).openAsyncSqlite(location, options);
}
