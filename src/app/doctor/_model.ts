/**
 * Check 7: which model the settings serve, its version and age, and whether it is the registry's
 * production version. NATIX's docs give a submitted model 90 days before its reward decays; no validator
 * enforces it today (PROTOCOL §7, §9), so age only ever warns.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cascadeConfigFor } from '../miner/index.js';
import type { Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { MANIFEST_FILE, productionVersion, type BundleManifest } from '../../lifecycle/registry/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { expandHome } from '../../core/files/index.js';
import { result, type CheckResult } from './_types.js';

/** Days after which the model's age warns (NATIX's docs: valid 90 days). */
export const MODEL_AGE_WARN_DAYS = 80;
const DAY_MS = 86_400_000;

// The `version:` label a cascade file may carry (the loader validates but does not keep it).
async function versionLabel(source: string): Promise<string | undefined> {
  if (!existsSync(source)) return undefined;
  const raw = parseYaml(await readFile(source, 'utf8')) as { version?: unknown } | null;
  return typeof raw?.version === 'string' || typeof raw?.version === 'number'
    ? String(raw.version)
    : undefined;
}

async function bundleManifest(cascadeFile: string): Promise<BundleManifest | undefined> {
  const file = join(dirname(expandHome(cascadeFile)), MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as BundleManifest;
}

// Read-only, and only when the store exists: the doctor must not create a data folder.
function registryProduction(dataDir: string): { id: string; createdAt: string } | undefined {
  const file = storeFile(expandHome(dataDir));
  if (!existsSync(file)) return undefined;
  const store = openStore(file, { readonly: true });
  try {
    const v = productionVersion(store);
    return v && { id: v.id, createdAt: v.createdAt };
  } finally {
    store.close();
  }
}

function what(settings: Settings): string {
  if (settings['cascade.config'] !== '') return `cascade ${settings['cascade.config']}`;
  if (settings['model.path'] !== '') return `model ${settings['model.path']}`;
  return 'the bundled starter cascade';
}

/** Loads the served cascade as the miner would and reports its version and age. */
export async function checkModel(settings: Settings, clock: Clock): Promise<CheckResult> {
  const served = what(settings);
  let version: string | undefined;
  let manifest: BundleManifest | undefined;
  let production: { id: string; createdAt: string } | undefined;
  try {
    // The miner's own loader: a bundle whose files do not match its checksums fails here as at start.
    const config = await cascadeConfigFor(settings);
    const label = await versionLabel(config.source);
    version = `${label ?? 'unlabelled'} (config ${config.fingerprint})`;
    if (settings['cascade.config'] !== '') manifest = await bundleManifest(settings['cascade.config']);
    production = registryProduction(settings.data_dir);
  } catch (err) {
    return result('model', 'fail', `The ${served} does not load: ${(err as Error).message}`, {
      fix: "Fix or replace it; roadwork models production --path prints the registry's production config.",
    });
  }
  const id = manifest?.id ?? version ?? '(no version)';
  const createdMs = manifest ? Date.parse(manifest.created_at) : Number.NaN;
  const ageDays = Number.isFinite(createdMs) ? (clock.nowMs() - createdMs) / DAY_MS : undefined;
  const data = {
    served,
    version: id,
    createdAt: manifest?.created_at ?? null,
    ageDays: ageDays ?? null,
    production: production ?? null,
  };
  const age =
    ageDays === undefined
      ? 'no creation date (not a registered bundle), so no age'
      : `created ${manifest?.created_at}, ${ageDays.toFixed(1)} days old`;
  const message = `Serving ${served}, version ${id}: ${age}.`;
  if (production && manifest && production.id !== manifest.id) {
    return result('model', 'warn', `${message} The registry's production version is ${production.id}.`, {
      fix: 'Serve production: roadwork serve --cascade.config "$(roadwork models production --path)".',
      data,
    });
  }
  if (ageDays !== undefined && ageDays >= MODEL_AGE_WARN_DAYS) {
    return result('model', 'warn', message, {
      fix:
        `NATIX's docs give a submitted model 90 days before its reward decays (validators do not enforce it ` +
        'today): train and register a new version (roadwork train), then promote it.',
      data,
    });
  }
  return result('model', 'ok', message, { data });
}
