// The model registry in the store: versions (bundles copied under the data folder) and the production history.
import { cp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Clock } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { resolveId, type Store } from '../../core/store/index.js';
import { verifyBundle, type BundleManifest } from './_bundle.js';

/** What the registry needs. */
export interface RegistryDeps {
  readonly store: Store;
  /** Registered bundles live in `<bundlesDir>/<id>`. */
  readonly bundlesDir: string;
  readonly clock: Clock;
}

/** A registered model version. */
export interface ModelVersion {
  readonly id: string;
  readonly createdAt: string;
  readonly registeredAt: number;
  readonly parent: string | null;
  readonly dataVersion: string | null;
  /** The registered copy of the bundle. */
  readonly dir: string;
  readonly manifest: BundleManifest;
}

interface Row {
  id: string;
  created_at: number;
  registered_at: number;
  parent: string | null;
  data_version: string | null;
  dir: string;
  manifest: string;
}

function toVersion(row: Row): ModelVersion {
  const manifest = JSON.parse(row.manifest) as BundleManifest;
  return {
    id: row.id,
    createdAt: manifest.created_at,
    registeredAt: row.registered_at,
    parent: row.parent,
    dataVersion: row.data_version,
    dir: row.dir,
    manifest,
  };
}

/**
 * Verifies the bundle at `dir`, copies it to `<bundlesDir>/<id>` and records it. Registering the same
 * content again changes nothing.
 */
export async function registerBundle(
  dir: string,
  deps: RegistryDeps,
): Promise<{ version: ModelVersion; created: boolean }> {
  const manifest = await verifyBundle(dir);
  const existing = deps.store.get<Row>('SELECT * FROM model_versions WHERE id = ?', [manifest.id]);
  if (existing) return { version: toVersion(existing), created: false };
  const target = resolve(deps.bundlesDir, manifest.id);
  if (resolve(dir) !== target) {
    await rm(target, { recursive: true, force: true });
    await cp(dir, target, { recursive: true });
    // The copy is what production serves, so it is checked too, not just the source.
    await verifyBundle(target);
  }
  deps.store.run('INSERT INTO model_versions VALUES (?, ?, ?, ?, ?, ?, ?)', [
    manifest.id,
    Date.parse(manifest.created_at),
    deps.clock.nowMs(),
    manifest.parent,
    manifest.data_version,
    target,
    JSON.stringify(manifest),
  ]);
  return { version: getVersion(deps.store, manifest.id), created: true };
}

/** Every version, newest registration first. */
export function listVersions(store: Store): ModelVersion[] {
  return store.all<Row>('SELECT * FROM model_versions ORDER BY registered_at DESC, id').map(toVersion);
}

/** How model versions are looked up by id or prefix (the same rule as dataset versions). */
const MODEL_IDS = Object.freeze({
  table: 'model_versions',
  column: 'id',
  what: 'model version',
  list: 'roadwork models versions',
});

/** The version `id` names (a unique prefix is enough); fails with ERR_VERSION_UNKNOWN. */
export function getVersion(store: Store, id: string): ModelVersion {
  const full = resolveId(store, id, MODEL_IDS);
  return toVersion(store.get<Row>('SELECT * FROM model_versions WHERE id = ?', [full])!);
}

/** The production stack, oldest first: a promotion pushes, a rollback pops. */
function productionStack(store: Store): string[] {
  const stack: string[] = [];
  for (const e of store.all<{ action: string; version: string }>(
    'SELECT action, version FROM production_events ORDER BY seq',
  )) {
    if (e.action === 'promote') stack.push(e.version);
    else stack.pop();
  }
  return stack;
}

/** The production version, or undefined before the first promotion. */
export function productionVersion(store: Store): ModelVersion | undefined {
  const id = productionStack(store).at(-1);
  return id === undefined ? undefined : getVersion(store, id);
}

/** Records `id` as production (the gate is the caller's: see `promoteVersion`). */
export function recordPromotion(store: Store, id: string, at: number, detail: unknown): void {
  store.run("INSERT INTO production_events (at, action, version, detail) VALUES (?, 'promote', ?, ?)", [
    at,
    id,
    JSON.stringify(detail ?? {}),
  ]);
  // A promoted canary is production now: its canary ends (a later rollback does not bring it back).
  store.run(
    `INSERT INTO canary_events (at, action)
     SELECT ?, 'stop' FROM (SELECT action, version FROM canary_events ORDER BY seq DESC LIMIT 1) AS last
     WHERE last.action = 'start' AND last.version = ?`,
    [at, id],
  );
}

/** Makes the production before the current one production again; fails when there is none. */
export function rollbackProduction(deps: Pick<RegistryDeps, 'store' | 'clock'>): {
  from: ModelVersion;
  to: ModelVersion;
} {
  return deps.store.transaction(() => {
    const stack = productionStack(deps.store);
    if (stack.length < 2) {
      throw new RoadworkError(
        'ERR_VERSION_UNKNOWN',
        `No earlier production version to roll back to: ${stack.length === 0 ? 'nothing was promoted' : `only ${stack[0]} was`}. Promote a version instead.`,
      );
    }
    const to = stack[stack.length - 2]!;
    deps.store.run(
      "INSERT INTO production_events (at, action, version, detail) VALUES (?, 'rollback', ?, '{}')",
      [deps.clock.nowMs(), to],
    );
    return { from: getVersion(deps.store, stack.at(-1)!), to: getVersion(deps.store, to) };
  });
}

/** Production changes, newest first (for `models versions` and the audit trail). */
export function productionHistory(
  store: Store,
): { at: number; action: 'promote' | 'rollback'; version: string; detail: unknown }[] {
  return store
    .all<{ at: number; action: 'promote' | 'rollback'; version: string; detail: string }>(
      'SELECT at, action, version, detail FROM production_events ORDER BY seq DESC',
    )
    .map((e) => ({ ...e, detail: JSON.parse(e.detail) as unknown }));
}

/** The cascade config file of a version (what `roadwork serve --cascade.config` takes). */
export function cascadeFileOf(version: ModelVersion): string {
  return join(version.dir, version.manifest.config);
}
