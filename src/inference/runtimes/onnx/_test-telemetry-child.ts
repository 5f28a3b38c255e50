// Test child (telemetry.test.ts): loads an ONNX embedder through the onnx runtime's worker pool, as the
// miner does, embeds one image, and prints its pid.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../index.js';
import { poolEmbedderModel, solidImage } from '../../../../test/fixtures/onnx-models.js';
import { testContext, withDir } from '../_test-context.js';

await withDir(async (dir) => {
  const file = join(dir, 'grid.onnx');
  await writeFile(file, poolEmbedderModel({ size: 16, cols: 2 }));
  const embedder = await loadModel(
    'embedder',
    { runtime: 'onnx', model: file, options: { size: 16, mean: [0, 0, 0], std: [1, 1, 1] } },
    testContext(1, { cacheDir: dir }),
  );
  try {
    await embedder.embed([solidImage(16, [0, 255, 0])], { deadlineMs: Date.now() + 20_000 });
  } finally {
    await embedder.close();
  }
});
process.stdout.write(`${process.pid}\n`);
