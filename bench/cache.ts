// Cache costs: lookup latency of the memory and Redis backends (p50/p99) and pHash time per 224×224 image.
import { createCache, perceptualHash, type PredictionCache } from '../src/inference/cache/index.js';
import { startTestRedis } from '../src/inference/cache/_test-redis.js';
import { silentLogger } from '../src/core/log/index.js';
import { generateScene } from '../src/data/procedural/index.js';
import { createRng } from '../src/core/random/index.js';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function report(label: string, samples: number[]): void {
  const s = [...samples].sort((a, b) => a - b);
  const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`.padStart(10);
  console.log(
    `${label.padEnd(40)} p50 ${us(quantile(s, 0.5))}  p99 ${us(quantile(s, 0.99))}  (${s.length} calls)`,
  );
}

async function lookups(label: string, cache: PredictionCache, n: number): Promise<void> {
  const keys = Array.from({ length: n }, (_, i) => i.toString(16).padStart(16, '0'));
  for (const [i, k] of keys.entries()) if (i % 2 === 0) await cache.set(k, i / n);
  const samples: number[] = [];
  for (const k of keys) {
    const start = performance.now();
    await cache.get(k);
    samples.push(performance.now() - start);
  }
  report(`${label} get (half hits)`, samples);
}

async function main(): Promise<void> {
  const scenes = Array.from({ length: 50 }, (_, i) => {
    const s = generateScene(createRng(`bench:${i}`), { roadwork: i % 2 === 0, width: 224, height: 224 });
    return { data: s.rgb, width: s.width, height: s.height };
  });
  for (const image of scenes) perceptualHash(image);
  const hashSamples: number[] = [];
  for (let round = 0; round < 40; round++) {
    for (const image of scenes) {
      const start = performance.now();
      perceptualHash(image);
      hashSamples.push(performance.now() - start);
    }
  }
  report('perceptualHash 224x224', hashSamples);

  const logger = silentLogger();
  const memory = createCache({ kind: 'memory', size: 10_000, ttlS: 3600, namespace: 'bench' }, { logger });
  await lookups('memory', memory, 5000);
  await memory.close();

  const server = await startTestRedis();
  try {
    // The timeout is raised from 20 ms so a loaded machine measures round trips, not the fallback.
    const redisCache = () =>
      createCache(
        {
          kind: 'redis',
          size: 10_000,
          ttlS: 3600,
          namespace: 'bench',
          redisUrl: server.url,
          commandTimeoutMs: 250,
        },
        { logger },
      );
    const writer = redisCache();
    // A second instance has an empty LRU, so each of its lookups is a real Redis round trip.
    const reader = redisCache();
    while (writer.status().redis !== 'up' || reader.status().redis !== 'up') {
      await new Promise((r) => setTimeout(r, 10));
    }
    const keys = Array.from({ length: 5000 }, (_, i) => `r${i}`);
    for (const [i, k] of keys.entries()) if (i % 2 === 0) await writer.set(k, 0.5);
    const samples: number[] = [];
    for (const k of keys) {
      const start = performance.now();
      await reader.get(k);
      samples.push(performance.now() - start);
    }
    report('redis get, loopback round trip', samples);
    console.log(
      `  (redis errors during the run: ${reader.status().errors}; each one served that lookup from memory)`,
    );
    await lookups('redis, LRU in front', writer, 5000);
    await server.stop();
    const down: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const start = performance.now();
      await reader.get(`down${i}`);
      down.push(performance.now() - start);
    }
    report('redis killed, fallback get', down);
    await Promise.all([writer.close(), reader.close()]);
  } finally {
    await server.stop();
  }
}

await main();
