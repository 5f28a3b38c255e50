/**
 * The bundled default cascade: the starter model (MobileNetV2 from the nsfwjs package + colour/shape
 * features + calibrated heads, one per protocol route, `models/starter/`). `model.path` swaps in a
 * single classifier.
 */
import { fileURLToPath } from 'node:url';
import { loadCascadeConfig, parseCascadeConfig, type CascadeConfig } from './_config.js';

/** The starter cascade file (resolves from `src/inference/cascade` and `dist/cascade` alike). */
export const DEFAULT_CASCADE_FILE = fileURLToPath(
  new URL('../../../models/starter/cascade.yaml', import.meta.url),
);

/** The default cascade, validated; `modelPath` makes it one classifier stage on that model instead. */
export function defaultCascadeConfig(options: { modelPath?: string } = {}): Promise<CascadeConfig> {
  if (options.modelPath !== undefined && options.modelPath !== '') {
    return Promise.resolve(
      parseCascadeConfig(
        { stages: [{ name: 'classifier', kind: 'classifier', model: options.modelPath, expected_ms: 5 }] },
        { source: '(model.path)' },
      ),
    );
  }
  return loadCascadeConfig(DEFAULT_CASCADE_FILE);
}
