// The store's schema, versioned in code: each migration runs once, in order, inside a transaction.

/** One schema step. `version` numbers are consecutive from 1 and never reused or edited once shipped. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, oldest first. Append; never edit a shipped one (stores in the field ran it already). */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'datasets',
    sql: `
      CREATE TABLE images (
        sha256 TEXT PRIMARY KEY,
        ext TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        phash TEXT NOT NULL
      );
      CREATE TABLE datasets (
        version TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        images INTEGER NOT NULL,
        positives INTEGER NOT NULL,
        report TEXT NOT NULL
      );
      CREATE TABLE dataset_images (
        version TEXT NOT NULL REFERENCES datasets(version),
        sha256 TEXT NOT NULL REFERENCES images(sha256),
        label INTEGER NOT NULL CHECK (label IN (0, 1)),
        grp TEXT NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (version, sha256)
      );
    `,
  },
  {
    version: 2,
    name: 'model registry',
    sql: `
      CREATE TABLE model_versions (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        registered_at INTEGER NOT NULL,
        parent TEXT,
        data_version TEXT,
        dir TEXT NOT NULL,
        manifest TEXT NOT NULL
      );
      CREATE TABLE production_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('promote', 'rollback')),
        version TEXT REFERENCES model_versions(id),
        detail TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'model publications',
    sql: `
      CREATE TABLE model_publications (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        version TEXT NOT NULL REFERENCES model_versions(id),
        repo TEXT NOT NULL,
        hub_url TEXT NOT NULL,
        commit_oid TEXT NOT NULL,
        submitted_by TEXT NOT NULL,
        submission_time INTEGER NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX model_publications_version ON model_publications (version, submission_time);
    `,
  },
  {
    version: 4,
    name: 'canary',
    sql: `
      CREATE TABLE canary_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('start', 'stop')),
        version TEXT REFERENCES model_versions(id),
        share REAL
      );
    `,
  },
]);
