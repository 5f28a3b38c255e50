// Benchmark: PP-OCRv4 latency per 224×224 image through the ppocr runtime, per det_size (not a test).
// Usage: node --import tsx bench/ppocr-latency.ts [--n 30] [--sizes 224,320,448]
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { silentLogger } from '../src/core/log/index.js';
import { loadPpOcrReader } from '../src/inference/runtimes/ppocr/index.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '30' }, sizes: { type: 'string', default: '224,320,448' } },
});
const n = Number(values.n);

async function render(svgBody: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="224" height="224">${svgBody}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const images = {
  sign: await render(
    '<rect width="224" height="224" fill="#f28c28"/><rect x="10" y="72" width="204" height="80" fill="white"/>' +
      '<text x="112" y="103" font-family="DejaVu Sans" font-weight="bold" font-size="20" text-anchor="middle">ROAD WORK</text>' +
      '<text x="112" y="133" font-family="DejaVu Sans" font-weight="bold" font-size="20" text-anchor="middle">AHEAD</text>',
  ),
  blank: await render('<rect width="224" height="224" fill="#808080"/>'),
};

console.log(
  `cores ${availableParallelism()}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, n ${n}`,
);
for (const size of values.sizes.split(',').map(Number)) {
  const reader = await loadPpOcrReader(
    { runtime: 'ppocr', model: 'builtin:ppocr-v4', options: { det_size: size } },
    { cacheDir: '', offline: true, device: 'cpu', workers: 1, logger: silentLogger() },
  );
  for (const [name, image] of Object.entries(images)) {
    await reader.read(image, { deadlineMs: Date.now() + 60_000 });
    const times: number[] = [];
    let text = '';
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const lines = await reader.read(image, { deadlineMs: Date.now() + 60_000 });
      times.push(performance.now() - t);
      text = lines.map((l) => l.text).join(' | ');
    }
    times.sort((a, b) => a - b);
    const q = (p: number): string =>
      times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(0);
    console.log(
      `det_size ${size} ${name}: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, min ${q(0)} ms; text ${JSON.stringify(text)}`,
    );
  }
  await reader.close();
}
