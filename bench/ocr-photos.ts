// Experiment (not a test): PP-OCR over labelled photos as protocol 0.4 sends them (the source photo,
// no augmentation): which roadwork keywords it reads on the signs of positives and negatives, and,
// given the out-of-fold predictions of a head (`roadwork train --predictions`), what the starter's
// `signs` stage would change when fused with it.
// Usage: node --import tsx bench/ocr-photos.ts --data DIR [--data DIR] [--det-size N] [--size 448]
//        [--workers 2] [--predictions p.csv [--bias B --slope S]] > photos.tsv
// The reader, its options, min_score and the map are the starter's `signs` stage's
// (models/starter/cascade.yaml); --det-size, --bias and --slope override them.
// stdout: one line per photo: label, group, file, signs with a keyword, keywords (or -), the text read.
// --size N decodes as the 0.4 route's preprocessing does (`short-side`, linear) instead of at full size.
// stderr: photos with a keyword by label, seconds; with --predictions, MCC at 0.5 per protocol and
// kind of camera before → after σ(logit(p) + bias + slope · signs), and every answer that changed.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/log/index.js';
import { parseCsvRecords } from '../src/core/csv/index.js';
import { openImageFolder } from '../src/data/sources/index.js';
import {
  DEFAULT_CASCADE_FILE,
  loadCascadeConfig,
  type OcrStageConfig,
} from '../src/inference/cascade/index.js';
import { decodeImage, parseImagePolicy } from '../src/inference/image/index.js';
import { countSigns, matchKeywords } from '../src/inference/cascade/text/index.js';
import { logit, sigmoid } from '../src/inference/heads/index.js';
import { loadPpOcrReader } from '../src/inference/runtimes/ppocr/index.js';
import { mcc } from '../src/lifecycle/train/index.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', multiple: true, default: ['../shared/data/roadwork-real-train'] },
    'det-size': { type: 'string' },
    workers: { type: 'string', default: '2' },
    size: { type: 'string' },
    predictions: { type: 'string' },
    bias: { type: 'string' },
    slope: { type: 'string' },
  },
});

const stage = (await loadCascadeConfig(DEFAULT_CASCADE_FILE)).stages.find((st) => st.common.kind === 'ocr');
if (stage === undefined) throw new Error(`${DEFAULT_CASCADE_FILE} has no ocr stage`);
const signs = stage.config as OcrStageConfig;

// Photos are named as `roadwork train --predictions` names them: data folder / file in it.
const photos: { key: string; label: number; group: string; load: () => Promise<Buffer>; signs: number }[] =
  [];
for (const dir of values.data) {
  for (const image of (await openImageFolder(dir)).images) {
    const key = `${basename(dir)}/${image.id}`;
    photos.push({ key, label: image.label, group: image.group, load: () => image.load(), signs: 0 });
  }
}

const detSize = values['det-size'];
const reader = await loadPpOcrReader(
  detSize === undefined
    ? signs.reader
    : { ...signs.reader, options: { ...signs.reader.options, det_size: Number(detSize) } },
  { cacheDir: '', offline: true, device: 'cpu', workers: Number(values.workers), logger: silentLogger() },
);
const policy =
  values.size === undefined
    ? undefined
    : parseImagePolicy({ size: Number(values.size), resize: 'short-side', kernel: 'linear' });
const t0 = performance.now();
// A few photos in flight: enough to keep every worker busy, few enough that no decode waits out its timeout.
let next = 0;
async function lane(): Promise<void> {
  for (let photo = photos[next++]; photo !== undefined; photo = photos[next++]) {
    const image = await decodeImage(await photo.load(), policy === undefined ? {} : { policy });
    // As the `ocr` stage reads: lines above its min_score, its keywords, counted once per sign.
    const lines = (await reader.read(image, { deadlineMs: Date.now() + 600_000 })).filter(
      (l) => l.score >= signs.minScore,
    );
    const matches = matchKeywords(lines, signs.keywords);
    photo.signs = countSigns(matches);
    const keywords = matches.map((m) => m.keyword).join('+') || '-';
    const text = JSON.stringify(lines.map((l) => l.text).join(' | '));
    console.log([photo.label, photo.group, photo.key, photo.signs, keywords, text].join('\t'));
  }
}
await Promise.all(Array.from({ length: 2 * Number(values.workers) }, lane));
await reader.close();
const seconds = ((performance.now() - t0) / 1000).toFixed(0);
const withSigns = (label: number): string =>
  `${photos.filter((p) => p.label === label && p.signs > 0).length} of ${photos.filter((p) => p.label === label).length}`;
console.error(
  `${photos.length} photos in ${seconds} s; a keyword on ${withSigns(1)} roadwork, ${withSigns(0)} other`,
);

if (values.predictions !== undefined) {
  const found = new Map(photos.map((p) => [p.key, p.signs]));
  const bias = values.bias === undefined ? signs.map.bias : Number(values.bias);
  const slope = values.slope === undefined ? signs.map.slope : Number(values.slope);
  const slices = new Map<string, { y: number[]; before: number[]; after: number[] }>();
  const changed: string[] = [];
  for (const row of parseCsvRecords(await readFile(values.predictions, 'utf8'))) {
    const key = `${row.group!.split('/')[0]}/${row.image}`;
    const n = found.get(key);
    if (n === undefined) throw new Error(`${key} is in ${values.predictions} but not in --data`);
    const p = Number(row.p);
    const fused = n === 0 ? p : sigmoid(logit(p) + bias + slope * n);
    if (p >= 0.5 !== fused >= 0.5)
      changed.push(`${row.protocol} ${key} label ${row.label}: ${p.toFixed(3)} → ${fused.toFixed(3)}`);
    for (const name of [`${row.protocol} all`, `${row.protocol} ${row.camera}`]) {
      const slice = slices.get(name) ?? { y: [], before: [], after: [] };
      slice.y.push(Number(row.label));
      slice.before.push(p >= 0.5 ? 1 : 0);
      slice.after.push(fused >= 0.5 ? 1 : 0);
      slices.set(name, slice);
    }
  }
  for (const [name, s] of [...slices].sort(([a], [b]) => a.localeCompare(b))) {
    console.error(
      `${name.padEnd(16)} n ${String(s.y.length).padStart(4)}  MCC ${mcc(s.before, s.y).toFixed(3)} → ${mcc(s.after, s.y).toFixed(3)}`,
    );
  }
  console.error(`answers changed: ${changed.length}`);
  for (const line of changed) console.error(`  ${line}`);
}
