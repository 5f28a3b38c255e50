/** One evaluation run: challenges through lanes, records streamed in order, then the JSON and HTML reports. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RoadworkError } from '../errors/index.js';
import {
  ChallengeSequence,
  createRng,
  runChallenges,
  type AugmentOptions,
  type ChallengeResult,
  type Lane,
} from '../validator/index.js';
import { isChallengeSetSource, type EvalSource } from './_data.js';
import { renderHtmlReport, type EvalMeta, type EvalReport } from './_html.js';
import { summariseRecords, type EvalRecord } from './_summary.js';
import { Progress, type OutputStream } from './_terminal.js';

/** Options shared by online and offline runs. `count`, `durationMs` or `signal` must bound the run. */
export interface EvalRunOptions {
  /** Images to draw challenges from, or a written challenge set (replayed as is, its own seed). */
  readonly source: EvalSource;
  /** Seed of the challenge sequence: the same seed gives the same challenges (ignored for a set). */
  readonly seed: string;
  readonly count?: number;
  readonly durationMs?: number;
  /** Total requests per second over all lanes; default unlimited. */
  readonly ratePerS?: number;
  readonly signal?: AbortSignal;
  readonly augment?: AugmentOptions;
  /** Where to write the JSONL records, the JSON report and the HTML report (each optional). */
  readonly recordsFile?: string;
  readonly jsonFile?: string;
  readonly htmlFile?: string;
  /** Called with each record, in `i` order, as it is written. */
  readonly onRecord?: (record: EvalRecord) => void;
  /** Where the progress line goes (stderr in the CLI); none when absent. */
  readonly progress?: OutputStream;
}

/** What a run produced. */
export interface EvalResult {
  readonly report: EvalReport;
  readonly records: readonly EvalRecord[];
}

/** The description of the run that the caller knows (mode, target or model, lanes). */
export type EvalDescription = Omit<EvalMeta, 'seed' | 'data' | 'started_at' | 'elapsed_s' | 'throughput_rps'>;

/** Runs `lanes` over the seeded challenges and writes the reports the options name. */
export async function runEval(
  lanes: readonly Lane[],
  options: EvalRunOptions & { readonly description: EvalDescription },
): Promise<EvalResult> {
  if (options.count === undefined && options.durationMs === undefined) {
    throw new RoadworkError('ERR_CONFIG_INVALID', 'An eval run needs a bound: give --n or --duration.');
  }
  const startedAt = new Date();
  const started = performance.now();
  const records: EvalRecord[] = [];
  const progress = options.progress
    ? new Progress(options.progress, { total: options.count, durationMs: options.durationMs })
    : undefined;
  const out = options.recordsFile ? await openLines(options.recordsFile) : undefined;
  const { source } = options;
  const fixed = isChallengeSetSource(source);
  try {
    await runChallenges(
      fixed ? source.stream() : new ChallengeSequence(source, createRng(options.seed), options.augment),
      lanes,
      {
        count: options.count,
        durationMs: options.durationMs,
        ratePerS: options.ratePerS,
        signal: options.signal,
        onResult: (result) => {
          const record = toRecord(result);
          records.push(record);
          out?.write(`${JSON.stringify(record)}\n`);
          options.onRecord?.(record);
          progress?.update(records);
        },
      },
    );
  } finally {
    progress?.finish(records);
    if (out) await closeLines(out);
  }
  const elapsedS = (performance.now() - started) / 1000;
  const report: EvalReport = {
    version: 1,
    ...options.description,
    seed: fixed ? source.header.seed : options.seed,
    data: fixed
      ? { name: source.dir, images: source.entries.length }
      : { name: source.name, images: source.images.length },
    started_at: startedAt.toISOString(),
    elapsed_s: elapsedS,
    throughput_rps: records.length / Math.max(elapsedS, 1e-3),
    ...summariseRecords(records),
  };
  if (options.jsonFile) await writeText(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (options.htmlFile) await writeText(options.htmlFile, renderHtmlReport(report, records));
  return { report, records };
}

/** The JSONL line of one result: the fixed fields first, then the image id and any stage data. */
export function toRecord(result: ChallengeResult): EvalRecord {
  const { answer, challenge } = result;
  return {
    i: result.i,
    label: challenge.label,
    level: challenge.level,
    group: challenge.group,
    prediction: answer.prediction,
    status: answer.statusCode,
    latency_ms: Math.round(answer.latencyMs * 1000) / 1000,
    source: challenge.sourceId,
    ...(answer.stages ? { stages: answer.stages } : {}),
  };
}

async function openLines(file: string): Promise<WriteStream> {
  await mkdir(dirname(file), { recursive: true });
  const stream = createWriteStream(file);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) =>
      reject(
        new RoadworkError('ERR_CONFIG_INVALID', `Cannot write the records file: ${file}. Check the path.`, {
          cause: err,
        }),
      ),
    );
  });
  return stream;
}

function closeLines(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

async function writeText(file: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  } catch (err) {
    throw new RoadworkError('ERR_CONFIG_INVALID', `Cannot write the report: ${file}. Check the path.`, {
      cause: err,
    });
  }
}
