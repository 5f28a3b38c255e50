// How long the event loop is held parsing a source-size synapse body: JSON.parse of it all against
// parseJsonBody (the image cut out of the bytes). Same machine, same run, interleaved.
// Run: node --import tsx bench/synapse-json.ts
import { parseJsonBody } from '../src/wire/axon/_synapse-json.js';

function body(imageBytes: number): Buffer {
  const image = Buffer.alloc(imageBytes, 7).toString('base64');
  return Buffer.from(JSON.stringify({ name: 'ImageSynapse', timeout: 9, image, prediction: -1 }));
}

function p50(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}

for (const mb of [0.5, 3, 9]) {
  const b = body(Math.round(mb * (1 << 20)));
  const full: number[] = [];
  const split: number[] = [];
  for (let i = 0; i < 15; i++) {
    let t = performance.now();
    JSON.parse(b.toString('utf8'));
    full.push(performance.now() - t);
    t = performance.now();
    parseJsonBody(b);
    split.push(performance.now() - t);
  }
  console.log(
    `${mb} MB JPEG (${(b.length / 1e6).toFixed(1)} MB body): JSON.parse p50 ${p50(full).toFixed(1)} ms, parseJsonBody p50 ${p50(split).toFixed(1)} ms (${(p50(full) / p50(split)).toFixed(1)}× less)`,
  );
}
