// Test fixture: embedding options for a folder through a real 4×4-grid mean-colour ONNX embedder (48 dims).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { poolEmbedderModel } from '../../../test/fixtures/onnx-models.js';
import type { EmbeddingOptions } from './_rows.js';

/** Writes `grid.onnx` under `root` and returns options embedding `data` through it (cache `root/cache`). */
export async function gridEmbeddingOptions(
  root: string,
  data: string,
  views: Pick<EmbeddingOptions, 'protocol' | 'perLevel'>,
): Promise<EmbeddingOptions> {
  const model = join(root, 'grid.onnx');
  await writeFile(model, poolEmbedderModel({ size: 32, rows: 4, cols: 4 }));
  return {
    data,
    embedders: [{ runtime: 'onnx', model, options: { size: 32, mean: [0, 0, 0], std: [1, 1, 1] } }],
    runtime: { cacheDir: root, offline: true, device: 'cpu', workers: 1, logger: pino({ level: 'silent' }) },
    cacheDir: join(root, 'cache'),
    ...views,
    tta: true,
    seed: 's',
  };
}
