/** One evaluation run: challenges through lanes, records streamed in order, then the JSON and HTML reports. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { makeDir, writeFileAtomic } from '../../core/files/index.js';
import {
  ChallengeSequence,
  planChallenges,
  planName,
  runChallenges,
  type AugmentOptions,
  type ChallengePlan,
  type ChallengeResult,
  type ChallengeStream,
  type Lane,
  type RunChallengesOptions,
} from '../validator/index.js';
import { DEFAULT_PROTOCOL, type ValidatorProtocol } from '../../wire/protocol/index.js';
import { createRng } from '../../core/random/index.js';
import { type LabelledImageSource, type SkippedImages } from '../../data/sources/index.js';
import { defaultSyntheticPool, isChallengeSetSource, type EvalSource } from './_data.js';
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
  /** The validator generation to imitate (default 0.4, what upstream runs); a challenge set has its own. */
  readonly protocol?: ValidatorProtocol;
  /** 0.4's synthetic pool; default procedural scenes (`synth:200`). */
  readonly synthetic?: LabelledImageSource;
  /** 2.0.4's augmentation options. */
  readonly augment?: AugmentOptions;
  /** Where unreadable images are recorded as they are skipped (default: warned on stderr). */
  readonly skips?: SkippedImages;
  /** Where to write the JSONL records, the JSON report and the HTML report (each optional). */
  readonly recordsFile?: string;
  readonly jsonFile?: string;
  readonly htmlFile?: string;
  /**
   * Stop the run when this many challenges in a row found the axon unreachable (the miner died);
   * default 10. The report says why it stopped, and `evalProblem` turns it into an error.
   */
  readonly maxUnreachable?: number;
  /** Called with each record, in `i` order, as it is written. */
  readonly onRecord?: (record: EvalRecord) => void;
  /** Called with each challenge, its image and label included, as it is sent. */
  readonly onChallenge?: RunChallengesOptions['onChallenge'];
  /** Where the progress line goes (stderr in the CLI); none when absent. */
  readonly progress?: OutputStream;
}

/** What a run produced. */
export interface EvalResult {
  readonly report: EvalReport;
  readonly records: readonly EvalRecord[];
}

/** The description of the run that the caller knows (mode, target or model, lanes). */
export type EvalDescription = Omit<
  EvalMeta,
  'protocol' | 'seed' | 'data' | 'stopped' | 'skipped_images' | 'started_at' | 'elapsed_s' | 'throughput_rps'
>;

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
  const { stream, about } = challengeStream(source, options);
  const lost = new AbortController();
  const maxUnreachable = options.maxUnreachable ?? DEFAULT_MAX_UNREACHABLE;
  let unreachableRun = 0;
  let stopped: string | undefined;
  try {
    await runChallenges(stream, lanes, {
      count: options.count,
      durationMs: options.durationMs,
      ratePerS: options.ratePerS,
      ...(options.onChallenge && { onChallenge: options.onChallenge }),
      signal: options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal,
      onResult: (result) => {
        unreachableRun = result.answer.unreachable ? unreachableRun + 1 : 0;
        if (unreachableRun === maxUnreachable) {
          stopped = `the axon was unreachable for ${maxUnreachable} challenges in a row (${result.answer.reason ?? 'connection refused'}); the miner is down`;
          lost.abort();
        }
        const record = toRecord(result);
        records.push(record);
        out?.write(`${JSON.stringify(record)}\n`);
        options.onRecord?.(record);
        progress?.update(records);
      },
    });
  } catch (err) {
    if (out) await closeLines(out, { keep: false });
    throw err;
  } finally {
    progress?.finish(records);
  }
  if (out) await closeLines(out, { keep: true });
  const elapsedS = (performance.now() - started) / 1000;
  const report: EvalReport = {
    version: 1,
    ...options.description,
    ...about,
    started_at: startedAt.toISOString(),
    elapsed_s: elapsedS,
    throughput_rps: records.length / Math.max(elapsedS, 1e-3),
    ...(stopped !== undefined && { stopped }),
    ...(options.skips?.count ? { skipped_images: options.skips.list() } : {}),
    ...summariseRecords(records),
  };
  if (options.jsonFile) await writeText(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (options.htmlFile) await writeText(options.htmlFile, renderHtmlReport(report, records));
  return { report, records };
}

/** Consecutive unreachable challenges after which a run stops. */
export const DEFAULT_MAX_UNREACHABLE = 10;

/**
 * What makes a finished run a failure for scripts: it stopped because the axon went away, or no
 * challenge got an answer (every request refused, e.g. 403 without a permit or 401 for the wrong
 * hotkey). The error names the refusals by status, code and message.
 */
export function evalProblem(report: EvalReport): RoadworkError | undefined {
  const refusals = Object.values(report.refusals)
    .sort((a, b) => b.n - a.n)
    .slice(0, 3)
    .map((r) => `${r.n}× ${r.status}${r.code ? ` ${r.code}` : ''}${r.reason ? ` (${r.reason})` : ''}`)
    .join('; ');
  if (report.stopped !== undefined) {
    return new RoadworkError(
      'ERR_EVAL_STOPPED',
      `The eval stopped after ${report.n} challenges: ${report.stopped}. Restart the miner and run it again.`,
    );
  }
  if (report.n > 0 && report.valid === 0) {
    return new RoadworkError(
      'ERR_EVAL_NO_ANSWERS',
      `No challenge got an answer (${report.n} sent): ${refusals}. Check --axon-hotkey, that the validator key is in the miner's metagraph with a permit, and the miner's log.`,
    );
  }
  return undefined;
}

/** Where a run's challenges come from, and what the report says of them. */
function challengeStream(
  source: EvalSource,
  options: EvalRunOptions,
): { stream: ChallengeStream; about: Pick<EvalMeta, 'protocol' | 'seed' | 'data'> } {
  if (isChallengeSetSource(source)) {
    const { header, dir, entries } = source;
    return {
      stream: source.stream(),
      about: {
        protocol: header.protocol ?? '2.0.4',
        seed: header.seed,
        data: { name: dir, images: entries.length },
      },
    };
  }
  const plan = evalPlan(source, options);
  return {
    stream: new ChallengeSequence(plan, createRng(options.seed)),
    about: {
      protocol: plan.protocol,
      seed: options.seed,
      data: { name: planName(plan), images: poolImages(plan) },
    },
  };
}

/** The plan of a run over images: the protocol asked for, with the default synthetic pool for 0.4. */
export function evalPlan(
  source: LabelledImageSource,
  options: Pick<EvalRunOptions, 'protocol' | 'synthetic' | 'augment' | 'skips'>,
): ChallengePlan {
  const protocol = options.protocol ?? DEFAULT_PROTOCOL;
  return planChallenges(source, {
    protocol,
    synthetic: protocol === '0.4' ? (options.synthetic ?? defaultSyntheticPool()) : undefined,
    augment: options.augment,
    ...(options.skips && { skips: options.skips }),
  });
}

function poolImages(plan: ChallengePlan): number {
  if (plan.protocol === '2.0.4') return plan.source.images.length;
  const { real, api, synthetic } = plan.pools;
  return real.images.length + api.images.length + synthetic.images.length;
}

/** The JSONL line of one result: the fixed fields first, then the image id and any stage data. */
export function toRecord(result: ChallengeResult): EvalRecord {
  const { answer, challenge } = result;
  return {
    i: result.i,
    label: challenge.label,
    ...(challenge.level !== undefined && { level: challenge.level }),
    ...(challenge.origin !== undefined && { origin: challenge.origin }),
    ...(challenge.size !== undefined && { width: challenge.size.width, height: challenge.size.height }),
    group: challenge.group,
    prediction: answer.prediction,
    status: answer.statusCode,
    latency_ms: Math.round(answer.latencyMs * 1000) / 1000,
    ...(answer.code !== undefined && { code: answer.code }),
    ...(answer.reason !== undefined && { reason: answer.reason.slice(0, 300) }),
    source: challenge.sourceId,
    ...(answer.stages ? { stages: answer.stages } : {}),
  };
}

/** A records file being written: lines go to a temporary sibling, renamed to `file` when the run ends. */
interface LinesFile {
  readonly file: string;
  readonly tmp: string;
  readonly stream: WriteStream;
  write(line: string): void;
}

async function openLines(file: string): Promise<LinesFile> {
  await makeDir(dirname(file));
  const tmp = `${file}.${process.pid}.partial`;
  const stream = createWriteStream(tmp);
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
  return { file, tmp, stream, write: (line) => stream.write(line) };
}

/** Ends the records: renamed into place when `keep`, removed otherwise (a failed run leaves no torn file). */
async function closeLines(lines: LinesFile, { keep }: { keep: boolean }): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    lines.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  if (keep) await rename(lines.tmp, lines.file);
  else await rm(lines.tmp, { force: true });
}

async function writeText(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (err) {
    throw new RoadworkError('ERR_CONFIG_INVALID', `Cannot write the report: ${file}. Check the path.`, {
      cause: err,
    });
  }
}
