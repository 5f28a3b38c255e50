// Totals kept in the store across restarts and processes (drops: the miner counts, `stats` reads).
import type { AsyncQueries } from '../../core/store/index.js';

/** Adds to named counters; zero amounts are skipped. */
export async function addCounters(
  tx: AsyncQueries,
  amounts: Readonly<Record<string, number>>,
): Promise<void> {
  for (const [name, value] of Object.entries(amounts)) {
    if (value === 0) continue;
    await tx.run(
      `INSERT INTO querylog_counters (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = querylog_counters.value + excluded.value`,
      [name, value],
    );
  }
}

/** Every counter, by name. */
export async function readCounters(q: AsyncQueries): Promise<Record<string, number>> {
  const rows = await q.all<{ name: string; value: number }>('SELECT name, value FROM querylog_counters');
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
}
