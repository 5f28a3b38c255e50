// Procedural street scenes (src/data/procedural) as a training-only source beside a real labelled folder.
import { RoadworkError } from '../../core/errors/index.js';
import { synthSource } from '../../data/procedural/index.js';
import type { LabelledImageSource } from '../../data/sources/index.js';

/**
 * `count` synthetic scenes (even index: roadwork, so half and half) at the generator's 640×480,
 * seeded by the training seed. Their ids (`synth:SEED:i`) key their views in the embedding cache;
 * an id that a real image already uses fails rather than share its cached embeddings.
 */
export function syntheticSource(count: number, seed: string, real: LabelledImageSource): LabelledImageSource {
  const source = synthSource(count, { seed });
  const ids = new Set(real.images.map((img) => img.id));
  const clash = source.images.find((img) => ids.has(img.id));
  if (clash !== undefined) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `A real image has a synthetic scene's id: ${clash.id}; rename the file or train without --synthetic`,
    );
  }
  return source;
}
