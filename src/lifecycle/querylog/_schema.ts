// The query log's tables, in both dialects. Append steps; never edit a shipped one.
import type { AsyncMigration } from '../../core/store/index.js';

/** The namespace of the query log's schema table (`querylog_schema`) and write lock. */
export const NAMESPACE = 'querylog';

/** The lock the writer and the pruner share (see `_writer.ts` on why files are checked under it). */
export const WRITE_LOCK = 'querylog_write';

function both(sql: string): { sqlite: string; postgres: string } {
  return {
    sqlite: sql
      .replace(/\{id\}/g, 'INTEGER PRIMARY KEY')
      .replace(/\{real\}/g, 'REAL')
      .replace(/\{blob\}/g, 'BLOB'),
    postgres: sql
      .replace(/\{id\}/g, 'BIGSERIAL PRIMARY KEY')
      .replace(/\{real\}/g, 'DOUBLE PRECISION')
      .replace(/\{blob\}/g, 'BYTEA'),
  };
}

/** Every step of the query log's schema. */
export const QUERYLOG_MIGRATIONS: readonly AsyncMigration[] = Object.freeze([
  {
    version: 1,
    name: 'queries, images, labels, counters',
    ...both(`
      CREATE TABLE query_images (
        sha256 TEXT PRIMARY KEY,
        ext TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        phash TEXT NOT NULL,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL
      );
      CREATE TABLE queries (
        id {id},
        request_id TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        logged_at BIGINT NOT NULL,
        image_sha256 TEXT NOT NULL REFERENCES query_images(sha256),
        synapse TEXT NOT NULL,
        validator TEXT NOT NULL,
        dendrite_version INTEGER,
        generation TEXT NOT NULL,
        stake {real} NOT NULL,
        prediction {real} NOT NULL,
        model_version TEXT NOT NULL,
        stages TEXT NOT NULL,
        embedding {blob},
        embedding_dims INTEGER NOT NULL,
        total_ms {real} NOT NULL,
        timings TEXT NOT NULL
      );
      CREATE INDEX queries_received_at ON queries (received_at);
      CREATE INDEX queries_image ON queries (image_sha256);
      CREATE INDEX queries_validator ON queries (validator);
      CREATE TABLE labels (
        sha256 TEXT PRIMARY KEY,
        label INTEGER NOT NULL CHECK (label IN (0, 1)),
        source TEXT NOT NULL CHECK (source IN ('operator', 'eval')),
        at BIGINT NOT NULL,
        by_whom TEXT NOT NULL
      );
      CREATE TABLE querylog_counters (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL
      );
    `),
  },
]);
