// The colour-shape features (src/inference/features) against their first implementation (`cs1`, the oracle in
// test/fixtures), called in turn on the same 224² views: per-view time and the ratio.
// Run: node --max-semi-space-size=32 --import tsx bench/colour-shape.ts [--views N]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { colourShapeFeatures } from '../src/inference/features/index.js';
import { type RgbImage, decodeRgb } from '../src/inference/image/index.js';
import { generateScene } from '../src/data/procedural/index.js';
import { augmentImage } from '../src/validation/validator/index.js';
import { createRng } from '../src/core/random/index.js';
import { openImageFolder } from '../src/data/sources/index.js';
import { colourShapeFeaturesCs1 } from '../test/fixtures/colour-shape-cs1.js';

const VIEWS = Number(process.argv[process.argv.indexOf('--views') + 1]) || 600;
const REAL = fileURLToPath(new URL('../../shared/data/roadwork-real-train/', import.meta.url));

async function views(): Promise<{ name: string; images: RgbImage[] }[]> {
  const scenes = Array.from({ length: 32 }, (_, i) => {
    const s = generateScene(createRng(`bench-cs-${i}`), { roadwork: i % 2 === 0, width: 224, height: 224 });
    return { width: s.width, height: s.height, data: s.rgb };
  });
  if (!existsSync(REAL)) return [{ name: 'synthetic scenes', images: scenes }];
  const source = await openImageFolder(REAL);
  const photos: RgbImage[] = [];
  for (const img of source.images.filter((_, i) => i % 13 === 0).slice(0, 32)) {
    const { jpeg } = await augmentImage(await img.load(), createRng(`bench-cs|${img.id}`), { level: 0 });
    photos.push(await decodeRgb(jpeg));
  }
  return [
    { name: 'synthetic scenes', images: scenes },
    { name: 'real photos (validator 224² views)', images: photos },
  ];
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const impls = [
  { name: 'cs1 (first)', f: colourShapeFeaturesCs1 },
  { name: 'src/inference/features', f: colourShapeFeatures },
];
for (const { name, images } of await views()) {
  const lat = impls.map(() => [] as number[]);
  for (let i = -50; i < VIEWS; i++) {
    const img = images[(i + 50) % images.length]!;
    for (const [k, { f }] of impls.entries()) {
      const t = performance.now();
      f(img);
      if (i >= 0) lat[k]!.push(performance.now() - t);
    }
  }
  console.log(`${name}, ${VIEWS} views each, called in turn`);
  const base = pct(lat[0]!, 0.5);
  impls.forEach(({ name: n }, k) =>
    console.log(
      `  ${n.padEnd(13)} p50 ${pct(lat[k]!, 0.5).toFixed(2)} ms  p99 ${pct(lat[k]!, 0.99).toFixed(2)} ms${k ? `   ${(base / pct(lat[k]!, 0.5)).toFixed(1)}× at p50` : ''}`,
    ),
  );
}
