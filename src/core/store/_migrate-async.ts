// Applies an `AsyncMigration` list to either dialect, each step in its own transaction.
import { RoadworkError } from '../errors/index.js';
import type { AsyncMigration, AsyncStore, Dialect } from './_async.js';

/** Checks the list is numbered 1, 2, 3… and the namespace is a plain identifier. */
export function checkAsyncMigrations(migrations: readonly AsyncMigration[], namespace: string): void {
  if (!/^[a-z_][a-z0-9_]*$/i.test(namespace))
    throw new RoadworkError('ERR_INTERNAL', `Store namespace is not an identifier: ${namespace}`);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new RoadworkError(
        'ERR_INTERNAL',
        `Migration ${m.name} has version ${m.version}, expected ${i + 1}; number migrations 1, 2, 3… in order.`,
      );
  });
}

/**
 * Brings the store to the last step. The steps run under the namespace's lock, so two processes
 * opening a fresh store at once apply each step once. Resolves with the schema version.
 */
export async function migrateAsync(
  store: AsyncStore,
  migrations: readonly AsyncMigration[],
  namespace: string,
  dialect: Dialect,
): Promise<number> {
  checkAsyncMigrations(migrations, namespace);
  const table = `${namespace}_schema`;
  return store.transaction(
    async (tx) => {
      await tx.run(
        `CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      );
      const row = await tx.get<{ v: number | null }>(`SELECT max(version) AS v FROM ${table}`);
      const current = Number(row?.v ?? 0);
      if (current > migrations.length) {
        throw new RoadworkError(
          'ERR_STORE',
          `The store was written by a newer roadwork (schema ${current} of ${namespace}, this one knows ${migrations.length}): ${store.where}; upgrade roadwork or use another store`,
        );
      }
      for (const m of migrations.slice(current)) {
        // Both dialects run DDL inside the transaction: a failing step leaves the previous version.
        for (const statement of splitStatements(dialect === 'sqlite' ? m.sqlite : m.postgres))
          await tx.run(statement);
        await tx.run(`INSERT INTO ${table} (version, name, applied_at) VALUES (?, ?, ?)`, [
          m.version,
          m.name,
          Date.now(),
        ]);
      }
      return migrations.length;
    },
    { lock: table },
  );
}

// Migrations hold plain DDL (no functions with bodies), so `;` ends a statement.
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
