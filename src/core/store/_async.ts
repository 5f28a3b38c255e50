// The asynchronous store: one interface over SQLite (a file) and PostgreSQL (a postgres:// URL), for
// writers that must not block the event loop on a network round trip. Knows nothing of its tables.

/** Which SQL the store speaks; migrations carry one script per dialect. */
export type Dialect = 'sqlite' | 'postgres';

/** One schema step, in both dialects. Versions are consecutive from 1; never edit a shipped one. */
export interface AsyncMigration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

/**
 * Statements. Parameters are positional `?` in both dialects (the PostgreSQL adapter numbers them);
 * integers come back as numbers (PostgreSQL `bigint` included), blobs as Buffers.
 */
export interface AsyncQueries {
  /** Every row. */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** A write; resolves with how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
}

/** An open asynchronous store. */
export interface AsyncStore extends AsyncQueries {
  readonly dialect: Dialect;
  /** The file, or the URL without its password: for messages. */
  readonly where: string;
  /** The schema version after migrations. */
  readonly schemaVersion: number;
  /**
   * Runs `fn` in a transaction: all of its writes or none. With `lock`, writers of other processes
   * holding the same lock wait (SQLite: the database write lock; PostgreSQL: an advisory lock).
   */
  transaction<T>(fn: (tx: AsyncQueries) => Promise<T>, options?: { lock?: string }): Promise<T>;
  /** Closes the file or the connections; further calls fail with ERR_STORE. Idempotent. */
  close(): Promise<void>;
}

/** Options of `openAsyncStore`. */
export interface OpenAsyncStoreOptions {
  /** The schema, oldest step first. */
  readonly migrations: readonly AsyncMigration[];
  /**
   * Names the table that records applied steps (`<namespace>_schema`), so several schemas can share
   * one database. Letters, digits and `_` only.
   */
  readonly namespace: string;
  /** PostgreSQL connections at most. Default 4. */
  readonly poolSize?: number;
}

/** True when `location` is a PostgreSQL URL rather than a file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
