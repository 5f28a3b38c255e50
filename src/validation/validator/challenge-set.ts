/** A challenge set on disk: one JPEG per challenge and a JSONL manifest, so a fixed set can be replayed as is. */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { writeDirAtomic } from '../../core/files/index.js';
import type { AugmentLevel, AugmentParams } from './augment.js';
import { planName, type Challenge, type ChallengePlan } from './challenge.js';
import type { ValidatorProtocol } from '../../wire/protocol/index.js';
import { ChallengeSequence, type ChallengeStream } from './run.js';
import { createRng } from '../../core/random/index.js';
import type { ChallengeOrigin } from './_source-size.js';

/** The manifest's file name; a folder holding it is a challenge set. */
export const CHALLENGE_MANIFEST = 'challenges.jsonl';
const FORMAT = 'roadwork-challenges';

/** The manifest's first line. */
export interface ChallengeSetHeader {
  readonly format: typeof FORMAT;
  readonly version: 1;
  /** The seed and data the challenges were drawn with. */
  readonly seed: string;
  readonly data: string;
  readonly count: number;
  /** The generation the set imitates; sets written before it was recorded are '2.0.4'. */
  readonly protocol?: ValidatorProtocol;
}

/** One manifest line after the header: a challenge without its image, and the image's file. */
export interface ChallengeSetEntry {
  readonly i: number;
  readonly file: string;
  readonly label: 0 | 1;
  readonly group: string;
  readonly source: string;
  /** 2.0.4 sets: the augmentation. */
  readonly level?: AugmentLevel;
  readonly params?: AugmentParams;
  /** 0.4 sets: the pool and the size sent. */
  readonly origin?: ChallengeOrigin;
  readonly size?: { readonly width: number; readonly height: number };
}

/** An opened challenge set. */
export interface ChallengeSet {
  readonly dir: string;
  readonly header: ChallengeSetHeader;
  readonly entries: readonly ChallengeSetEntry[];
  /** The challenges in order, read from disk as they are (no new augmentation). */
  stream(): ChallengeStream;
}

/** Options of `writeChallengeSet`. */
export interface WriteChallengeSetOptions {
  readonly count: number;
  readonly seed: string;
}

function invalid(message: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_DATASET_INVALID', message, cause === undefined ? undefined : { cause });
}

/**
 * Draws `count` challenges of `plan` exactly as `roadwork eval` does with the same seed, and
 * writes them to `dir` (which must be empty or absent): `000000.jpg`… and `challenges.jsonl`.
 * Everything is written into a temporary sibling folder renamed to `dir` at the end, so a run that
 * fails or is interrupted leaves no half-written set (and nothing a re-run would refuse).
 */
export async function writeChallengeSet(
  plan: ChallengePlan,
  dir: string,
  options: WriteChallengeSetOptions,
): Promise<ChallengeSet> {
  const sequence = new ChallengeSequence(plan, createRng(options.seed));
  const header: ChallengeSetHeader = {
    format: FORMAT,
    version: 1,
    seed: options.seed,
    data: planName(plan),
    count: options.count,
    protocol: plan.protocol,
  };
  const entries: ChallengeSetEntry[] = [];
  await writeDirAtomic(
    dir,
    async (tmp) => {
      for (let n = 0; n < options.count; n++) {
        const { i, challenge } = sequence.draw();
        const c = await challenge;
        const file = `${String(i).padStart(6, '0')}.jpg`;
        await writeFile(join(tmp, file), Buffer.from(c.imageB64, 'base64'));
        const { imageB64: _image, label, group, sourceId: source, protocol: _p, ...details } = c;
        entries.push({ i, file, label, group, source, ...details });
      }
      const lines = [header, ...entries].map((line) => `${JSON.stringify(line)}\n`).join('');
      await writeFile(join(tmp, CHALLENGE_MANIFEST), lines);
    },
    { what: 'challenge set', flag: '--out folder' },
  );
  return fromParts(dir, header, entries);
}

/** Whether `dir` holds a challenge set (a `challenges.jsonl` manifest). */
export async function isChallengeSet(dir: string): Promise<boolean> {
  try {
    await access(join(dir, CHALLENGE_MANIFEST));
    return true;
  } catch {
    return false;
  }
}

/** Opens a challenge set written by `writeChallengeSet`; fails on a manifest it cannot read. */
export async function openChallengeSet(dir: string): Promise<ChallengeSet> {
  const path = join(dir, CHALLENGE_MANIFEST);
  let lines: unknown[];
  try {
    lines = (await readFile(path, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
  } catch (err) {
    throw invalid(
      `Cannot read the challenge manifest: ${path}. Write the set again with roadwork challenges.`,
      err,
    );
  }
  const [header, ...entries] = lines as [ChallengeSetHeader, ...ChallengeSetEntry[]];
  if (header?.format !== FORMAT || header.version !== 1) {
    throw invalid(
      `Not a roadwork challenge manifest: ${path}. Its first line must be {"format":"${FORMAT}","version":1,…}.`,
    );
  }
  entries.forEach((e, n) => {
    if (e.i !== n || typeof e.file !== 'string' || (e.label !== 0 && e.label !== 1)) {
      throw invalid(`Bad challenge manifest line ${n + 2}: ${JSON.stringify(e)}. Write the set again.`);
    }
  });
  return fromParts(dir, header, entries);
}

function fromParts(
  dir: string,
  header: ChallengeSetHeader,
  entries: readonly ChallengeSetEntry[],
): ChallengeSet {
  return Object.freeze({
    dir,
    header,
    entries: Object.freeze([...entries]),
    stream: () => fixedStream(dir, header.protocol ?? '2.0.4', entries),
  });
}

function fixedStream(
  dir: string,
  protocol: ValidatorProtocol,
  entries: readonly ChallengeSetEntry[],
): ChallengeStream {
  let drawn = 0;
  return {
    get drawn() {
      return drawn;
    },
    size: entries.length,
    draw() {
      const i = drawn++;
      const entry = entries[i];
      if (entry === undefined)
        throw invalid(`The challenge set has no challenge ${i}: ${dir}. Ask for at most ${entries.length}.`);
      return { i, challenge: load(dir, protocol, entry) };
    },
  };
}

async function load(dir: string, protocol: ValidatorProtocol, e: ChallengeSetEntry): Promise<Challenge> {
  let jpeg: Buffer;
  try {
    jpeg = await readFile(join(dir, e.file));
  } catch (err) {
    throw invalid(`A challenge image is missing: ${join(dir, e.file)}. Write the set again.`, err);
  }
  const { i: _i, file: _file, source: sourceId, ...rest } = e;
  return { imageB64: jpeg.toString('base64'), protocol, sourceId, ...rest };
}
