// The asynchronous store on PostgreSQL: a small `pg` pool, `?` placeholders numbered to `$n`, bigint
// and numeric columns read as JavaScript numbers (counts, ms timestamps: all far below 2^53).
import pg from 'pg';
import { RoadworkError } from '../errors/index.js';
import { statementError, storeError } from './_errors.js';
import { redactUrl, type AsyncQueries, type AsyncStore, type OpenAsyncStoreOptions } from './_async.js';
import { migrateAsync } from './_migrate-async.js';

const INT8 = 20;
const NUMERIC = 1700;

/** `?` → `$1, $2, …`, leaving quoted literals and identifiers alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | undefined;
  for (const c of sql) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else out += c === '?' ? `$${++n}` : c;
  }
  return out;
}

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Connects to `url`, migrating the schema; fails with ERR_STORE naming the URL without its password. */
export async function openAsyncPostgres(url: string, options: OpenAsyncStoreOptions): Promise<AsyncStore> {
  const where = redactUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: 5000,
    types,
  });
  // An idle connection that the server drops must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const store = new PgStore(pool, where);
  try {
    store.schemaVersion = await migrateAsync(store, options.migrations, options.namespace, 'postgres');
  } catch (err) {
    await store.close();
    if (err instanceof RoadworkError) throw err;
    throw storeError(
      'Cannot open or migrate the PostgreSQL store',
      where,
      'check store.url and that the server is up',
      err,
    );
  }
  return store;
}

type Runner = Pick<pg.Pool, 'query'>;

class PgStore implements AsyncStore {
  readonly dialect = 'postgres' as const;
  readonly where: string;
  schemaVersion = 0;
  #pool: pg.Pool | undefined;

  constructor(pool: pg.Pool, where: string) {
    this.#pool = pool;
    this.where = where;
  }

  #open(): pg.Pool {
    if (this.#pool === undefined)
      throw storeError('The store is closed', this.where, 'open it again', undefined);
    return this.#pool;
  }

  async #query(on: Runner, sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    try {
      return await on.query(numberPlaceholders(sql), params as unknown[]);
    } catch (err) {
      throw statementError(sql, this.where, err);
    }
  }

  #queries(on: () => Runner): AsyncQueries {
    return {
      all: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await this.#query(on(), sql, params)).rows as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await this.#query(on(), sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params: readonly unknown[] = []) => ({
        changes: (await this.#query(on(), sql, params)).rowCount ?? 0,
      }),
    };
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#queries(() => this.#open()).all<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.#queries(() => this.#open()).get<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }> {
    return this.#queries(() => this.#open()).run(sql, params);
  }

  async transaction<T>(fn: (tx: AsyncQueries) => Promise<T>, options: { lock?: string } = {}): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#open().connect();
    } catch (err) {
      if (err instanceof RoadworkError) throw err;
      throw storeError(
        'Cannot connect to the PostgreSQL store',
        this.where,
        'check store.url and that the server is up',
        err,
      );
    }
    const tx = this.#queries(() => client);
    let broken = false;
    try {
      await tx.run('BEGIN');
      if (options.lock !== undefined)
        await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [options.lock]);
      const value = await fn(tx);
      await tx.run('COMMIT');
      return value;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    if (pool === undefined) return;
    this.#pool = undefined;
    await pool.end();
  }
}
