// Throughput and latency of the tfjs MobileNetV2 embedder (+ colour/shape features) on this machine.
import { pino } from 'pino';
import { loadTfjsEmbedder } from '../src/inference/runtimes/tfjs/index.js';
import { generateScene } from '../src/data/procedural/index.js';
import { createRng } from '../src/core/random/index.js';
import type { RgbImage } from '../src/inference/image/index.js';

const images: RgbImage[] = Array.from({ length: 32 }, (_, i) => {
  const s = generateScene(createRng(`bench-${i}`), { roadwork: i % 2 === 0, width: 224, height: 224 });
  return { width: s.width, height: s.height, data: s.rgb };
});
const logger = pino({ level: 'silent' });
for (const workers of [1, 2]) {
  const e = await loadTfjsEmbedder(
    { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { extras: ['colour-shape'], engine: 'wasm' } },
    { cacheDir: '', offline: true, device: 'cpu', workers, logger },
  );
  const deadline = () => ({ deadlineMs: Date.now() + 120_000 });
  await e.embed(images.slice(0, 2), deadline());
  const lat: number[] = [];
  for (const img of images.slice(0, 16)) {
    const t = performance.now();
    await e.embed([img], deadline());
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const t0 = performance.now();
  await e.embed(images, deadline());
  const batchMs = performance.now() - t0;
  console.log(
    `workers ${workers}: single-image latency p50 ${lat[8]!.toFixed(1)} ms, p90 ${lat[14]!.toFixed(1)} ms; ` +
      `batch of ${images.length}: ${((images.length / batchMs) * 1000).toFixed(1)} images/s`,
  );
  await e.close();
}
