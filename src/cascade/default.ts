/** The bundled default cascade: today one `classifier` stage on the baseline model. */
import { fileURLToPath } from 'node:url';
import { parseCascadeConfig, type CascadeConfig } from './_config.js';

/** The repository root (resolves from `src/cascade` and `dist/cascade` alike, as the app's baseline path does). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The default cascade as it would be written in a file (paths relative to the repository root). */
export const DEFAULT_CASCADE = Object.freeze({
  stages: [{ name: 'baseline', kind: 'classifier', model: 'models/baseline/model.onnx', expected_ms: 5 }],
});

/** The default cascade, validated; `modelPath` swaps the classifier (the `model.path` setting). */
export function defaultCascadeConfig(options: { modelPath?: string } = {}): CascadeConfig {
  if (options.modelPath !== undefined && options.modelPath !== '') {
    return parseCascadeConfig(
      { stages: [{ name: 'classifier', kind: 'classifier', model: options.modelPath, expected_ms: 5 }] },
      { source: '(model.path)' },
    );
  }
  return parseCascadeConfig(DEFAULT_CASCADE, { source: '(default)', baseDir: ROOT });
}
