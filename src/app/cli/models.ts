/** `roadwork models`: list the configured cascade's models, pull them into the cache, check every stage. */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { cascadeConfigFor, runtimeContextFor } from '../miner/index.js';
import { systemClock } from '../../core/clock/index.js';
import type { CascadeConfig } from '../../inference/cascade/index.js';
import { modelCacheFolder, parseModelSource, pullModel } from '../../inference/hub/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { createLogger } from '../../core/log/index.js';
import { RUNTIMES, servesByName } from '../../inference/runtimes/index.js';
import { generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { addRegistryCommands } from './_models-registry.js';
import { MODEL_SETTINGS, addSettingOptions, settingsFrom } from './_settings.js';

/**
 * Builds the `models` command: `list`, `pull` and `check` for the configured cascade; `register`,
 * `versions`, `production`, `promote`, `rollback` and `diff` for the registry.
 */
export function modelsCommand(env: Record<string, string | undefined>): Command {
  const command = new Command('models').description(
    "The cascade's models (list, pull, check) and the model registry (register, promote, rollback, canary, diff)",
  );
  const sub = (name: string, description: string) =>
    addSettingOptions(command.command(name).description(description), MODEL_SETTINGS);
  sub('list', 'list every model of the configured cascade and where it is').action(
    async (opts: Record<string, unknown>) => {
      const settings = settingsFrom(opts, env);
      const config = await cascadeConfigFor(settings);
      const ctx = runtimeContextFor(settings, createLogger({ level: 'silent' }));
      process.stdout.write(`cascade ${config.source}\n`);
      const missing: string[] = [];
      for (const m of modelsOf(config)) {
        const place = where(m.model, ctx.cacheDir, m.runtime);
        if (place === 'MISSING') missing.push(m.model);
        process.stdout.write(
          `${m.stage.padEnd(16)} ${m.role.padEnd(12)} ${m.runtime.padEnd(12)} ${m.model}  [${place}]\n`,
        );
      }
      failOnMissing(missing);
    },
  );
  sub('pull', 'download every hub model of the configured cascade into the cache, or the hub repos named')
    .argument(
      '[repos...]',
      'hub repos (owner/name[@revision]) to pull whole instead of the cascade’s models, e.g. the one an error names',
    )
    .action(async (repos: string[], opts: Record<string, unknown>) => {
      const settings = settingsFrom(opts, env);
      const ctx = runtimeContextFor(settings, createLogger({ level: 'silent' }));
      const named = repos.map((model) => {
        if (hubSource(model) === undefined)
          throw new RoadworkError(
            'ERR_CONFIG_INVALID',
            `Not a hub repo: ${model}. Give owner/name or owner/name@revision, or no argument to pull the cascade's models.`,
          );
        return { model, runtime: '', capability: undefined, options: undefined };
      });
      const models = named.length > 0 ? named : modelsOf(await cascadeConfigFor(settings));
      const missing: string[] = [];
      for (const m of models) {
        if (hubSource(m.model) === undefined || servesByName(m.runtime)) {
          const place = where(m.model, ctx.cacheDir, m.runtime);
          if (place === 'MISSING') missing.push(m.model);
          process.stdout.write(`${m.model}: ${place === 'MISSING' ? 'local, MISSING' : place}\n`);
          continue;
        }
        let last = 0;
        const files =
          m.capability === undefined ? undefined : RUNTIMES[m.runtime]?.hubFiles?.(m.capability, m.options);
        const result = await pullModel(m.model, ctx, {
          ...(files === undefined ? {} : { files }),
          onProgress: (p) => {
            if (Date.now() - last < 500 && p.loaded !== p.total) return;
            last = Date.now();
            const pct = p.total ? ` ${Math.round((100 * p.loaded) / p.total)}%` : '';
            process.stderr.write(
              `  [${p.fileIndex}/${p.fileCount}] ${p.file} ${(p.loaded / 1e6).toFixed(1)} MB${pct}\n`,
            );
          },
        });
        process.stdout.write(
          `${m.model}: ${result.files.length} files in ${result.folder} (${result.downloaded} downloaded, ${(result.bytes / 1e6).toFixed(1)} MB)\n`,
        );
      }
      failOnMissing(missing);
    });
  sub('check', 'load every stage, run it on a test image, report latency and version').action(
    async (opts: Record<string, unknown>) => {
      const settings = settingsFrom(opts, env);
      const config = await cascadeConfigFor(settings);
      const logger = createLogger({ level: 'warn' });
      const runtime = runtimeContextFor(settings, logger);
      const scene = generateScene(createRng('models-check'), { roadwork: true, width: 224, height: 224 });
      const image = { data: scene.rgb, width: scene.width, height: scene.height };
      let failures = 0;
      for (const spec of config.stages) {
        const stage = spec.kind.create(spec.common, spec.config as never, {
          runtime,
          clock: systemClock(),
          logger,
        });
        const name = `${spec.common.name} (${spec.common.kind})`;
        try {
          const t0 = performance.now();
          await stage.start();
          const loadMs = performance.now() - t0;
          const t1 = performance.now();
          const signal = new AbortController().signal;
          const out = await stage.run({
            image,
            views: [image],
            deadlineMs: Date.now() + 60_000,
            signal,
            results: [],
          });
          const runMs = performance.now() - t1;
          const p = out.probability === undefined ? 'no evidence' : `p=${out.probability.toFixed(4)}`;
          process.stdout.write(
            `ok   ${name}: ${p}${out.exit ? ` exit=${out.exit}` : ''}, load ${loadMs.toFixed(0)} ms, run ${runMs.toFixed(1)} ms, version ${stage.status().version}\n`,
          );
        } catch (err) {
          failures++;
          process.stdout.write(`FAIL ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
        } finally {
          await stage.close().catch(() => undefined);
        }
      }
      if (failures > 0) process.exitCode = 1;
    },
  );
  addRegistryCommands(command, env);
  return command;
}

function modelsOf(config: CascadeConfig) {
  return config.stages.flatMap((s) =>
    s.kind.models(s.config as never).map((m) => ({ stage: s.common.name, ...m })),
  );
}

function hubSource(model: string): { repo: string; revision: string } | undefined {
  try {
    const source = parseModelSource(model);
    return source.kind === 'hub' ? source : undefined;
  } catch {
    return undefined;
  }
}

/** A cascade whose local model files are missing cannot be served: say which, and fail for scripts. */
function failOnMissing(missing: readonly string[]): void {
  if (missing.length === 0) return;
  throw new RoadworkError(
    'ERR_MODEL_LOAD',
    `Model file${missing.length === 1 ? ' is' : 's are'} missing: ${missing.join(', ')}. Restore ${missing.length === 1 ? 'it' : 'them'} or fix the path in the cascade config.`,
  );
}

/** Where a model comes from: bundled in an npm package, a URL, a local path, or a hub repo's cache. */
function where(model: string, cacheDir: string, runtime: string): string {
  // builtin: models ship inside an installed npm package (nsfwjs): nothing to pull, nothing to find.
  if (model.startsWith('builtin:')) return 'bundled';
  // A name a model server resolves (vLLM, KServe): no file here, whatever it looks like.
  if (servesByName(runtime)) return 'served';
  if (/^https?:/.test(model)) return 'remote';
  const hub = hubSource(model);
  if (hub === undefined) return existsSync(model) ? 'local' : 'MISSING';
  const folder = modelCacheFolder(cacheDir, hub.repo, hub.revision);
  return existsSync(folder) ? `cached ${folder}` : 'not pulled';
}
