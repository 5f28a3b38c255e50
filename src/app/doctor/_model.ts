/**
 * Check 7: which model the settings serve, its version, its age since it was published (`roadwork
 * publish` records the submission time), and whether it is the registry's production version. NATIX's
 * README gives a submission 90 days; no validator enforces it (PROTOCOL §7, §9), so age only ever warns,
 * at 75, 80 and 85 days as the miner's log does.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import {
  bundleManifestBeside,
  cascadeConfigFor,
  currentProduction,
  servedAge,
  servedModel,
  type ServedModel,
} from '../miner/index.js';
import type { Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { productionVersion, type BundleManifest } from '../../lifecycle/registry/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { expandHome } from '../../core/files/index.js';
import { result, type CheckResult } from './_types.js';

// The `version:` label a cascade file may carry (the loader validates but does not keep it).
async function versionLabel(source: string): Promise<string | undefined> {
  if (!existsSync(source)) return undefined;
  const raw = parseYaml(await readFile(source, 'utf8')) as { version?: unknown } | null;
  return typeof raw?.version === 'string' || typeof raw?.version === 'number'
    ? String(raw.version)
    : undefined;
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
  if (settings['registry.follow']) return "the registry's production version (registry.follow)";
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
  let registered: ServedModel | undefined;
  try {
    // The miner's own loader: a bundle whose files do not match its checksums fails here as at start.
    const followed = settings['registry.follow'] ? await currentProduction(settings) : undefined;
    const config = followed?.config ?? (await cascadeConfigFor(settings));
    const label = await versionLabel(config.source);
    version = `${label ?? 'unlabelled'} (config ${config.fingerprint})`;
    if (settings['cascade.config'] !== '') manifest = bundleManifestBeside(settings['cascade.config']);
    production = registryProduction(settings.data_dir);
    registered = servedModel(settings);
  } catch (err) {
    return result('model', 'fail', `The ${served} does not load: ${(err as Error).message}`, {
      fix: "Fix or replace it; roadwork models production --path prints the registry's production config.",
    });
  }
  const id = manifest?.id ?? registered?.version ?? version ?? '(no version)';
  const published = registered?.publication;
  const verdict = servedAge(registered, clock.nowMs());
  const data = {
    served,
    version: id,
    createdAt: manifest?.created_at ?? null,
    published: published
      ? { repo: published.repo, submissionTime: published.submissionTime, commit: published.commit }
      : null,
    ageDays: verdict?.days ?? null,
    production: production ?? null,
  };
  const age =
    published === undefined
      ? registered === undefined
        ? 'not in the registry, so no age'
        : `never published (roadwork publish ${registered.version}), so no age`
      : `published as ${published.repo} on ${new Date(published.submissionTime * 1000).toISOString()}, ${verdict!.days.toFixed(1)} days old`;
  const message = `Serving ${served}, version ${id}: ${age}.`;
  // Whatever is served (a bundle, a model file, the bundled starter), production is what the operator
  // promoted; with registry.follow the miner serves it by construction.
  if (production && !settings['registry.follow'] && production.id !== id) {
    return result('model', 'warn', `${message} The registry's production version is ${production.id}.`, {
      fix: 'Serve production: roadwork serve --cascade.config "$(roadwork models production --path)".',
      data,
    });
  }
  if (verdict?.threshold !== undefined) {
    return result('model', 'warn', message, { fix: verdict.message, data });
  }
  return result('model', 'ok', message, { data });
}
