// builtin:centernet (tfjs) on the real photos: ms per image, and which COCO classes fire on roadwork vs not.
// Usage: node --import tsx bench/centernet.ts [--data DIR] [--min-score 0.3]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { decodeImage } from '../src/inference/image/index.js';
import { loadTfjsDetector } from '../src/inference/runtimes/tfjs/index.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/roadwork-real-train' },
    'min-score': { type: 'string', default: '0.3' },
  },
});
const dir = values.data;
const minScore = Number(values['min-score']);
// What a detector stage could map COCO classes to (docs/cascade.md).
const MAPPED: Readonly<Record<string, string>> = {
  person: 'worker',
  truck: 'machinery',
  'stop sign': 'sign',
};

const rows = (await readFile(join(dir, 'manifest.csv'), 'utf8'))
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [file, label, group] = line.split(',');
    return { file: file!, label: (Number(label) === 1 ? 1 : 0) as 0 | 1, group: group ?? '' };
  });
// Most sources hold one label only, so a class can "predict" roadwork by telling sources apart; the
// groups holding both labels give a same-source comparison.
const labelsOf = new Map<string, Set<number>>();
for (const r of rows) labelsOf.set(r.group, (labelsOf.get(r.group) ?? new Set()).add(r.label));
const mixed = new Set([...labelsOf].filter(([, l]) => l.size === 2).map(([g]) => g));

const logger = pino({ level: 'silent' });
const detector = await loadTfjsDetector(
  { runtime: 'tfjs', model: 'builtin:centernet', options: { confidence: minScore } },
  { cacheDir: '', offline: true, device: 'cpu', workers: 1, logger },
);
const deadline = () => ({ deadlineMs: Date.now() + 120_000 });

/** Per label (0, 1): photos, photos with a mapped class, and per class the photos where it fired. */
interface Tally {
  readonly totals: [number, number];
  readonly mapped: [number, number];
  readonly fired: [Map<string, number>, Map<string, number>];
}
function tally(): Tally {
  return { totals: [0, 0], mapped: [0, 0], fired: [new Map(), new Map()] };
}
const all = tally();
const same = tally();
const ms: number[] = [];
let warm = false;
for (const row of rows) {
  const image = await decodeImage(await readFile(join(dir, row.file)), {
    maxPixels: 1 << 26,
    timeoutMs: 10_000,
  });
  if (!warm) {
    await detector.detect(image, deadline());
    warm = true;
  }
  const start = performance.now();
  const found = await detector.detect(image, deadline());
  ms.push(performance.now() - start);
  for (const tl of mixed.has(row.group) ? [all, same] : [all]) {
    tl.totals[row.label]++;
    for (const cls of new Set(found.map((d) => d.label))) {
      tl.fired[row.label].set(cls, (tl.fired[row.label].get(cls) ?? 0) + 1);
    }
    if (found.some((d) => MAPPED[d.label] !== undefined)) tl.mapped[row.label]++;
  }
}
await detector.close();

ms.sort((a, b) => a - b);
const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(0);
const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
console.log(`${detector.version}`);
console.log(
  `${ms.length} photos (${all.totals[1]} roadwork, ${all.totals[0]} not), 1 worker: detect() ms/image mean ${mean.toFixed(0)}, p50 ${at(0.5)}, p90 ${at(0.9)}`,
);
const pct = (n: number, of: number) => (of === 0 ? '–' : `${((100 * n) / of).toFixed(1)} %`);
const share = (t: Tally, label: 0 | 1, c: string) =>
  `${pct(t.fired[label].get(c) ?? 0, t.totals[label])} (${t.fired[label].get(c) ?? 0})`;
const gap = (c: string) =>
  (all.fired[1].get(c) ?? 0) / all.totals[1] - (all.fired[0].get(c) ?? 0) / all.totals[0];
const classes = [...new Set([...all.fired[0].keys(), ...all.fired[1].keys()])].sort(
  (a, b) => gap(b) - gap(a),
);
const mixedNames = [...mixed].join(', ') || 'none';
console.log(
  `\nPhotos with ≥ 1 detection of the class at score ≥ ${minScore}; same source = ${mixedNames}:\n`,
);
console.log(
  `| COCO class | roadwork (${all.totals[1]}) | not (${all.totals[0]}) | same source: roadwork (${same.totals[1]}) | not (${same.totals[0]}) |`,
);
console.log('| --- | --- | --- | --- | --- |');
for (const c of classes) {
  console.log(
    `| ${c} | ${share(all, 1, c)} | ${share(all, 0, c)} | ${share(same, 1, c)} | ${share(same, 0, c)} |`,
  );
}
for (const [name, t] of [
  ['all photos', all],
  ['same source', same],
] as const) {
  const [tn, fn] = [t.totals[0] - t.mapped[0], t.totals[1] - t.mapped[1]];
  const [tp, fp] = [t.mapped[1], t.mapped[0]];
  const mcc = (tp * tn - fp * fn) / Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)) || 0;
  console.log(
    `${name}: any of ${Object.keys(MAPPED).join(' / ')} on roadwork ${pct(tp, t.totals[1])}, not ${pct(fp, t.totals[0])}; ` +
      `rule "≥ 1 ⇒ roadwork": accuracy ${pct(tp + tn, tp + tn + fp + fn)}, MCC ${mcc.toFixed(3)}`,
  );
}
