// Content-addressed ids (`m-…`, `d-…`) looked up by a unique prefix, the same way for every table.
import { RoadworkError } from '../errors/index.js';
import type { Store } from './index.js';

/** Where `resolveId` looks, and how its errors name things. */
export interface IdLookup {
  /** A table and its id column; code constants only, never user input. */
  readonly table: string;
  readonly column: string;
  /** What the ids are, for messages ('model version', 'dataset version'). */
  readonly what: string;
  /** The command that lists them, for the fix in the message. */
  readonly list: string;
}

/**
 * The full id that `id` names in `lookup.table`: itself when it exists, else the one id it is a
 * prefix of. Fails with ERR_VERSION_UNKNOWN when none or several match.
 */
export function resolveId(store: Store, id: string, lookup: IdLookup): string {
  const rows = store.all<{ id: string }>(
    `SELECT ${lookup.column} AS id FROM ${lookup.table} WHERE ${lookup.column} = ? OR ${lookup.column} LIKE ? ESCAPE '\\' ORDER BY ${lookup.column} LIMIT 3`,
    [id, `${id.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
  );
  const exact = rows.find((r) => r.id === id);
  if (exact) return exact.id;
  if (rows.length === 1 && id !== '') return rows[0]!.id;
  throw new RoadworkError(
    'ERR_VERSION_UNKNOWN',
    rows.length === 0 || id === ''
      ? `No ${lookup.what} matches: ${JSON.stringify(id)}. Run ${lookup.list} to see them.`
      : `The ${lookup.what} prefix is ambiguous: ${id} matches ${rows
          .slice(0, 2)
          .map((r) => r.id)
          .join(', ')}${rows.length > 2 ? ', …' : ''}. Give more of the id.`,
  );
}
