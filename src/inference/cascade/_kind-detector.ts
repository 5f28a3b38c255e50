// Stage kind `detector`: one or two object detectors counting roadwork objects, with the seeds' agreement rule.
import { loadModel } from '../runtimes/index.js';
import type { Detection, ModelRef, ObjectDetector } from '../runtimes/types.js';
import { defineStage, readMap, readModelRef, type LogisticMap } from './_common.js';
import { sigmoid } from '../heads/index.js';
import type { ConfigReader, StageKind } from './types.js';

/** The roadwork objects detections are mapped to. */
export const ROADWORK_OBJECTS = ['cone', 'barrel', 'barrier', 'sign', 'worker', 'machinery'] as const;

/** Default class-name mapping; model labels are compared lower-case with `_`/`-` as spaces. */
export const DEFAULT_OBJECT_CLASSES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  cone: ['cone', 'traffic cone', 'construction cone', 'pylon'],
  barrel: ['barrel', 'drum', 'traffic barrel'],
  barrier: ['barrier', 'jersey barrier', 'barricade', 'fence', 'road barrier'],
  sign: ['road work sign', 'construction sign', 'roadwork sign', 'detour sign', 'work zone sign'],
  worker: ['worker', 'construction worker', 'road worker', 'safety vest'],
  machinery: [
    'excavator',
    'bulldozer',
    'backhoe',
    'road roller',
    'construction vehicle',
    'crane',
    'machinery',
  ],
});

/** Validated config of a `detector` stage. */
export interface DetectorStageConfig {
  readonly detectors: readonly ModelRef[];
  /** Normalised class name → roadwork object. */
  readonly classes: ReadonlyMap<string, string>;
  readonly minScore: number;
  /** Every detector counts ≤ this → negative exit. */
  readonly negativeMax: number;
  /** Every detector counts ≥ this → positive exit. */
  readonly positiveMin: number;
  readonly exits: boolean;
  /** p from the mean count. */
  readonly map: LogisticMap;
}

/** Counts roadwork objects; exits when all detectors agree on none or on many. */
export const detectorKind: StageKind<DetectorStageConfig> = Object.freeze<StageKind<DetectorStageConfig>>({
  description: 'one or two object detectors; roadwork objects counted, agreement rule, p from the counts',
  keys: ['detectors', 'objects', 'min_score', 'rule', 'map'],
  parse(r) {
    const list = r.list('detectors');
    if (list.length < 1 || list.length > 2)
      r.at('detectors').fail(`must list one or two detectors: ${list.length}`);
    const rule = r.has('rule') ? r.at('rule') : undefined;
    rule?.only(['negative_max', 'positive_min', 'exit']);
    const negativeMax = rule?.number('negative_max', 0, { min: 0 }) ?? 0;
    const positiveMin = rule?.number('positive_min', 3, { min: 1 }) ?? 3;
    if (positiveMin <= negativeMax)
      rule!.fail(`positive_min must exceed negative_max: ${positiveMin} ≤ ${negativeMax}`);
    return {
      detectors: list.map((d) => readModelRef(d)),
      classes: readClasses(r),
      minScore: r.number('min_score', 0, { min: 0, max: 1 }),
      negativeMax,
      positiveMin,
      exits: rule?.boolean('exit', true) ?? true,
      map: readMap(r, 'map', { bias: -2, slope: 1.2 }),
    };
  },
  create(common, config, deps) {
    let detectors: ObjectDetector[] = [];
    return defineStage(common, {
      async start() {
        detectors = await Promise.all(
          config.detectors.map((ref) => loadModel('detector', ref, deps.runtime, deps.runtimes)),
        );
        for (const [i, d] of detectors.entries()) {
          const known = d.labels.filter((l) => config.classes.has(normalize(l)));
          if (known.length === 0) {
            deps.logger.warn(
              { stage: common.name, detector: i, labels: d.labels.slice(0, 20) },
              'Detector knows no roadwork class; map its labels under objects',
            );
          }
        }
        return `detector:${detectors.map((d) => d.version).join('+')}`;
      },
      async run(ctx) {
        const options = { deadlineMs: ctx.deadlineMs, signal: ctx.signal };
        const found = await Promise.all(detectors.map((d) => d.detect(ctx.image, options)));
        const counts = found.map((list) => count(list, config));
        const totals = counts.map((c) => Object.values(c).reduce((a, b) => a + b, 0));
        const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
        const p = sigmoid(config.map.bias + config.map.slope * mean);
        const exit = !config.exits
          ? undefined
          : totals.every((t) => t <= config.negativeMax)
            ? 'negative'
            : totals.every((t) => t >= config.positiveMin)
              ? 'positive'
              : undefined;
        return { probability: p, ...(exit ? { exit } : {}), detail: { counts, totals } };
      },
      async close() {
        await Promise.all(detectors.map((d) => d.close()));
      },
    });
  },
  models: (config) =>
    config.detectors.map((d, i) => ({
      role: `detector[${i}]`,
      runtime: d.runtime,
      model: d.model,
      capability: 'detector' as const,
      ...(d.options === undefined ? {} : { options: d.options }),
    })),
});

function readClasses(r: ConfigReader): ReadonlyMap<string, string> {
  const table: Record<string, readonly string[]> = { ...DEFAULT_OBJECT_CLASSES };
  if (r.has('objects')) {
    const o = r.at('objects');
    o.only(ROADWORK_OBJECTS);
    for (const object of ROADWORK_OBJECTS) {
      if (!o.has(object)) continue;
      table[object] = o.list(object).map((c) => {
        if (typeof c.value !== 'string' || c.value === '')
          c.fail(`must be a class name: ${JSON.stringify(c.value)}`);
        return c.value as string;
      });
    }
  }
  const map = new Map<string, string>();
  for (const [object, names] of Object.entries(table)) for (const n of names) map.set(normalize(n), object);
  return map;
}

function count(list: readonly Detection[], config: DetectorStageConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of list) {
    const object = config.classes.get(normalize(d.label));
    if (object === undefined || d.score < config.minScore) continue;
    out[object] = (out[object] ?? 0) + 1;
  }
  return out;
}

function normalize(label: string): string {
  return label.toLowerCase().replace(/[_-]+/g, ' ').trim();
}
