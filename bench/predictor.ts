// Benchmark: the baseline as an onnx-runtime classifier, throughput and latency with 1 and 2 workers (not a test).
// Usage: node --import tsx bench/predictor.ts [images=400]
import { silentLogger } from '../src/core/log/index.js';
import { loadModel } from '../src/inference/runtimes/index.js';

const modelPath = new URL('../models/baseline/model.onnx', import.meta.url).pathname;
const total = Number(process.argv[2] ?? 400);
const data = new Uint8Array(224 * 224 * 3).map((_, i) => (i * 37) % 256);
const image = { data, width: 224, height: 224 };

for (const workers of [1, 2]) {
  const ctx = {
    cacheDir: '/nonexistent',
    offline: true,
    device: 'cpu' as const,
    workers,
    logger: silentLogger(),
  };
  const classifier = await loadModel('classifier', { runtime: 'onnx', model: modelPath }, ctx);
  for (let i = 0; i < 20; i++) await classifier.classify(image, { deadlineMs: Date.now() + 10_000 });
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  // Keep twice as many requests in flight as workers, as a busy axon would.
  await Promise.all(
    Array.from({ length: workers * 2 }, async () => {
      while (next++ < total) {
        const t0 = performance.now();
        await classifier.classify(image, { deadlineMs: Date.now() + 10_000 });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q: number): string =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  console.log(
    `workers=${workers} images=${latencies.length} ${(latencies.length / seconds).toFixed(1)} img/s p50=${pct(0.5)} ms p99=${pct(0.99)} ms`,
  );
  await classifier.close();
}
