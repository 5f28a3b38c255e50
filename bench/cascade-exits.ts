// Benchmark (not a test): the starter cascade + a PP-OCR keyword stage on real photos — exits vs every stage vs stage 1.
// Usage: node --import tsx bench/cascade-exits.ts [--data DIR] [--n 150] [--seed S] [--exits 0.93/0.07,0.85/0.15,0.8/0.2]
//        [--ocr-det-size 320] [--protocol 0.4|2.0.4]  (0.4: the synthetic third is the default procedural pool)
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_CASCADE_FILE,
  FUSIONS,
  createCascadePredictor,
  parseCascadeConfig,
  type CascadeConfig,
  type CascadeStageResult,
  type StageRecord,
} from '../src/inference/cascade/index.js';
import {
  defaultSyntheticPool,
  metricBlock,
  openImageData,
  predictorLane,
  toRecord,
  type EvalRecord,
} from '../src/validation/eval/index.js';
import { silentLogger } from '../src/core/log/index.js';
import {
  ChallengeSequence,
  planChallenges,
  runChallenges,
  type Lane,
} from '../src/validation/validator/index.js';
import { DEFAULT_PROTOCOL, parseProtocol } from '../src/wire/protocol/index.js';
import { createRng } from '../src/core/random/index.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/roadwork-real-train' },
    n: { type: 'string', default: '150' },
    seed: { type: 'string', default: 'bench-cascade-exits' },
    exits: { type: 'string', default: '0.93/0.07,0.85/0.15,0.8/0.2' },
    // PP-OCR's detector input side (the runtime's default is 320); larger reads smaller text, slower.
    'ocr-det-size': { type: 'string' },
    protocol: { type: 'string', default: DEFAULT_PROTOCOL },
  },
});
const N = Number(values.n);
const PROTOCOL = parseProtocol(values.protocol);
const SETTINGS = values.exits.split(',').map((s) => {
  const [high, low] = s.split('/').map(Number);
  return { high: high!, low: low! };
});
// Replayed from the every-stage records (stage outputs are deterministic), no extra model runs.
const SWEEP = [0.99, 0.97, 0.95, 0.93, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6];
const logger = silentLogger();
// One worker per runtime and one lane: stage times are then the compute of one image on one core.
const runtime = { cacheDir: '', offline: true, device: 'cpu' as const, workers: 1, logger };
const source = await openImageData(values.data);
const starter = parseYaml(await readFile(DEFAULT_CASCADE_FILE, 'utf8')) as {
  stages: Record<string, unknown>[];
} & Record<string, unknown>;
const OCR = {
  name: 'ocr',
  kind: 'ocr',
  reader: {
    runtime: 'ppocr',
    model: 'builtin:ppocr-v4',
    ...(values['ocr-det-size'] === undefined
      ? {}
      : { options: { det_size: Number(values['ocr-det-size']) } }),
  },
  expected_ms: 100,
};

/** The starter file with stage 1's exit replaced, plus the OCR stage unless `alone`. */
function cascadeConfig(exit: { high: number; low: number } | false, alone = false): CascadeConfig {
  const stage1 = { ...starter.stages[0], exit };
  return parseCascadeConfig(
    { ...starter, stages: alone ? [stage1] : [stage1, OCR] },
    { source: DEFAULT_CASCADE_FILE, baseDir: dirname(DEFAULT_CASCADE_FILE) },
  );
}

interface Row {
  readonly name: string;
  readonly computeMs: number;
  readonly latencyMs: number;
  readonly exitRate: number | null;
  readonly exitAccuracy: number | null;
  readonly ratio: number | null;
  readonly accuracy: number;
  readonly mcc: number;
  readonly errors: number;
  /** Replayed-compute ratio and predictions that equal the replay of the every-stage run. */
  readonly replayRatio?: number;
  readonly replayAgree?: string;
}

const stagesOf = (r: EvalRecord) => (r.stages ?? []) as readonly CascadeStageResult[];
const computeOf = (r: EvalRecord) => stagesOf(r).reduce((s, x) => s + x.ms, 0);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const correct = (r: EvalRecord) => r.prediction >= 0 && (r.prediction > 0.5 ? 1 : 0) === r.label;

/**
 * Every cascade answers every challenge, one after the other in an order that rotates per challenge:
 * the machine is shared, so a load spike then costs each cascade alike instead of one whole run.
 */
async function measureInterleaved(configs: readonly CascadeConfig[]): Promise<EvalRecord[][]> {
  const predictors = configs.map((c) => createCascadePredictor(c, { runtime, logger }));
  const out = configs.map((): EvalRecord[] => []);
  const started = performance.now();
  try {
    await Promise.all(predictors.map((p) => p.start()));
    const lanes = predictors.map((p) => predictorLane(p));
    const lane: Lane = async (challenge, i) => {
      for (let j = 0; j < lanes.length; j++) {
        const k = (i + j) % lanes.length;
        out[k]!.push(toRecord({ i, challenge, answer: await lanes[k]!(challenge, i) }));
      }
      return { prediction: 0, statusCode: 200, latencyMs: 0 };
    };
    const sequence = new ChallengeSequence(
      planChallenges(source, { protocol: PROTOCOL, synthetic: defaultSyntheticPool() }),
      createRng(values.seed),
    );
    await runChallenges(sequence, [lane], {
      count: N,
      onResult: ({ i }) => {
        if ((i + 1) % 25 === 0) console.error(`${i + 1}/${N} challenges, ${elapsed(started)} s`);
      },
    });
  } finally {
    await Promise.allSettled(predictors.map((p) => p.close()));
  }
  return out.map((records) => records.sort((a, b) => a.i - b.i));
}

const elapsed = (since: number) => ((performance.now() - since) / 1000).toFixed(0);

function row(name: string, records: readonly EvalRecord[], allMs?: number): Row {
  const exited = records.filter((r) => stagesOf(r).some((s) => s.exit !== undefined));
  const m = metricBlock(records);
  const computeMs = mean(records.map(computeOf));
  return {
    name,
    computeMs,
    latencyMs: mean(records.map((r) => r.latency_ms)),
    exitRate: allMs === undefined ? null : exited.length / records.length,
    exitAccuracy: exited.length === 0 ? null : exited.filter(correct).length / exited.length,
    ratio: allMs === undefined ? null : computeMs / allMs,
    accuracy: m.accuracy,
    mcc: m.mcc,
    errors: m.errors,
  };
}

/** What the cascade with `exit` answers and costs, from the every-stage records: stage 1 alone where it exits. */
function replay(all: readonly EvalRecord[], config: CascadeConfig, exit: { high: number; low: number }) {
  const fusion = FUSIONS[config.fusion.method]!(config.fusion.options);
  const weights = Object.fromEntries(config.stages.map((s) => [s.common.name, s.common.weight]));
  return all.map((r) => {
    const [s1, ...rest] = stagesOf(r);
    const p1 = s1?.probability;
    const exits = p1 !== undefined && (p1 >= exit.high || p1 <= exit.low);
    const ran = exits ? [s1!] : [s1!, ...rest];
    const records: StageRecord[] = ran.map((s) => ({
      stage: s.stage,
      kind: s.kind,
      ms: s.ms,
      ...(s.probability === undefined ? {} : { outcome: { probability: s.probability } }),
    }));
    const p = fusion.fuse(records, weights) ?? -1;
    return { record: { ...r, prediction: p }, exits, ms: ran.reduce((s, x) => s + x.ms, 0) };
  });
}

const fmt = (x: number | null, digits = 3) => (x === null ? '–' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);

const everyStage = cascadeConfig(false);
const [all = [], alone = [], ...withExits] = await measureInterleaved([
  everyStage,
  cascadeConfig(false, true),
  ...SETTINGS.map((exit) => cascadeConfig(exit)),
]);
const allMs = mean(all.map(computeOf));
const rows: Row[] = [
  row('every stage (exits off)', all, allMs),
  { ...row('stage 1 alone', alone, allMs), exitRate: null },
];
SETTINGS.forEach((exit, k) => {
  const records = withExits[k]!;
  const replayed = replay(all, everyStage, exit);
  const agree = records.filter((r, j) => Math.abs(r.prediction - replayed[j]!.record.prediction) < 1e-9);
  rows.push({
    ...row(`exits ${exit.high}/${exit.low}`, records, allMs),
    replayRatio: mean(replayed.map((x) => x.ms)) / allMs,
    replayAgree: `${agree.length}/${records.length}`,
  });
});

// What OCR saw: lines read, keyword hits, and whether a hit was on a roadwork image.
const ocr = all.map((r) => ({ r, s: stagesOf(r).find((s) => s.kind === 'ocr') }));
const withText = ocr.filter(({ s }) => Number(s?.detail?.lines ?? 0) > 0);
const hits = ocr.filter(({ s }) => s?.probability !== undefined);
const ocrStats = {
  ocr_ms: mean(ocr.map(({ s }) => s?.ms ?? 0)),
  stage1_ms: mean(all.map((r) => stagesOf(r)[0]?.ms ?? 0)),
  images_with_text: withText.length,
  keyword_hits: hits.length,
  keyword_hits_on_roadwork: hits.filter(({ r }) => r.label === 1).length,
  keywords: [...new Set(hits.flatMap(({ s }) => (s?.detail?.keywords as string[] | undefined) ?? []))],
  answers_changed_by_ocr: all.filter((r, k) => r.prediction > 0.5 !== alone[k]!.prediction > 0.5).length,
};

const sweep = SWEEP.map((high) => {
  const exit = { high, low: Number((1 - high).toFixed(2)) };
  const replayed = replay(all, everyStage, exit);
  const exited = replayed.filter((x) => x.exits);
  return {
    exit: `${exit.high}/${exit.low}`,
    exitRate: exited.length / replayed.length,
    exitAccuracy: exited.length === 0 ? null : exited.filter((x) => correct(x.record)).length / exited.length,
    ratio: mean(replayed.map((x) => x.ms)) / allMs,
    mcc: metricBlock(replayed.map((x) => x.record)).mcc,
  };
});

console.log(
  `\n${N} validator-style challenges (seed ${values.seed}) from ${values.data}; stage 1 ${ocrStats.stage1_ms.toFixed(0)} ms, OCR ${ocrStats.ocr_ms.toFixed(0)} ms per image`,
);
console.log(
  '| run | compute ms/img | exit rate | accuracy on exits | compute ratio (replayed) | accuracy | MCC | replay agrees |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const ratio =
    r.ratio === null
      ? '–'
      : `${fmt(r.ratio, 2)}${r.replayRatio === undefined ? '' : ` (${fmt(r.replayRatio, 2)})`}`;
  console.log(
    `| ${r.name} | ${r.computeMs.toFixed(0)} | ${pct(r.exitRate)} | ${pct(r.exitAccuracy)} | ${ratio} | ${pct(r.accuracy)} | ${fmt(r.mcc)} | ${r.replayAgree ?? '–'} |`,
  );
}
console.log(
  `OCR: text on ${ocrStats.images_with_text}/${N} images, a keyword on ${ocrStats.keyword_hits} (${ocrStats.keyword_hits_on_roadwork} roadwork) ${JSON.stringify(ocrStats.keywords)}; answers OCR changed vs stage 1 alone: ${ocrStats.answers_changed_by_ocr}`,
);
console.log('\nReplayed sweep (symmetric thresholds, from the every-stage records):');
console.log('| exit | exit rate | accuracy on exits | compute ratio | MCC |');
console.log('| --- | --- | --- | --- | --- |');
for (const s of sweep) {
  console.log(
    `| ${s.exit} | ${pct(s.exitRate)} | ${pct(s.exitAccuracy)} | ${fmt(s.ratio, 2)} | ${fmt(s.mcc)} |`,
  );
}
console.log(JSON.stringify({ bench: 'cascade-exits', n: N, seed: values.seed, rows, ocr: ocrStats, sweep }));
