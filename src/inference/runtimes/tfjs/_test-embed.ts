// Test fixture: procedural scenes through the real builtin MobileNetV2 with given tfjs options.
import { generateScene } from '../../../data/procedural/index.js';
import { createRng } from '../../../core/random/index.js';
import type { RgbImage } from '../../image/index.js';
import { testContext } from '../_test-context.js';
import { loadTfjsEmbedder } from './index.js';

/** A `width × height` procedural roadwork scene. */
export function scene(seed: string, width = 200, height = 150): RgbImage {
  const s = generateScene(createRng(seed), { roadwork: true, width, height });
  return { width: s.width, height: s.height, data: s.rgb };
}

/** Loads `builtin:mobilenetv2` with `options` in one worker, embeds `images`, and always closes it. */
export async function embedWith(options: Record<string, unknown>, images: RgbImage[]) {
  const e = await loadTfjsEmbedder(
    { runtime: 'tfjs', model: 'builtin:mobilenetv2', options },
    testContext(1),
  );
  try {
    return {
      dims: e.dims,
      version: e.version,
      out: await e.embed(images, { deadlineMs: Date.now() + 100_000 }),
    };
  } finally {
    await e.close();
  }
}
