/** Offline mode's `--config`: an .onnx file, or a JSON file `{ "model": "path" }` (the cascade config's seed). */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RoadworkError } from '../errors/index.js';

/** The model file `config` names, or `fallback` (the bundled baseline) when there is no config. */
export async function resolveModelConfig(config: string | undefined, fallback: string): Promise<string> {
  if (config === undefined) return fallback;
  if (config.toLowerCase().endsWith('.onnx')) return config;
  if (!config.toLowerCase().endsWith('.json')) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unsupported --config for offline eval: ${config}. Give an .onnx model or a JSON file {"model": "path.onnx"}.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(config, 'utf8'));
  } catch (err) {
    throw new RoadworkError(
      'ERR_CONFIG_FILE',
      `Cannot read the eval config: ${config}. Check that it exists and is JSON.`,
      { cause: err },
    );
  }
  const model = (parsed as { model?: unknown } | null)?.model;
  if (typeof model !== 'string' || model === '') {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The eval config has no "model" path: ${config}. Add {"model": "path.onnx"}.`,
    );
  }
  // Relative to the config file, so a config and its model can move together.
  return resolve(dirname(config), model);
}
