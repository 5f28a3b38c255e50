// The canary in the registry: a candidate version serving a share of requests beside production. The
// store holds it, so a running miner (registry.follow) starts and stops it without a restart.
import type { Clock } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type { Store } from '../../core/store/index.js';
import { getVersion, productionVersion } from './_registry.js';

/** A running canary. */
export interface Canary {
  readonly version: string;
  /** Share of requests it answers, in (0, 1]. */
  readonly share: number;
  /** When it was started, ms since epoch. */
  readonly since: number;
}

/** The canary now, or undefined. */
export function currentCanary(store: Store): Canary | undefined {
  const last = store.get<{ action: string; version: string; share: number; at: number }>(
    'SELECT action, version, share, at FROM canary_events ORDER BY seq DESC LIMIT 1',
  );
  return last?.action === 'start' ? { version: last.version, share: last.share, since: last.at } : undefined;
}

/**
 * Starts (or re-shares) a canary of `id` (a version or unique prefix) at `share`. Production itself
 * cannot be its own canary. Returns the canary as recorded.
 */
export function startCanary(store: Store, clock: Clock, id: string, share: number): Canary {
  if (!(share > 0 && share <= 1)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid canary share: ${share}; give a number in (0, 1], e.g. 0.1.`,
    );
  }
  return store.transaction(() => {
    const version = getVersion(store, id);
    if (productionVersion(store)?.id === version.id) {
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `${version.id} is production already: a canary is a candidate beside production.`,
      );
    }
    const at = clock.nowMs();
    store.run("INSERT INTO canary_events (at, action, version, share) VALUES (?, 'start', ?, ?)", [
      at,
      version.id,
      share,
    ]);
    return { version: version.id, share, since: at };
  });
}

/** Stops the canary; returns the one stopped, or undefined when none ran. */
export function stopCanary(store: Store, clock: Clock): Canary | undefined {
  return store.transaction(() => {
    const running = currentCanary(store);
    if (running === undefined) return undefined;
    store.run("INSERT INTO canary_events (at, action) VALUES (?, 'stop')", [clock.nowMs()]);
    return running;
  });
}
