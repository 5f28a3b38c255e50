// Uploading a staged repository through the Hub's commit API (@huggingface/hub: preupload, LFS, commit).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubApiError, createRepo, repoExists, uploadFiles } from '@huggingface/hub';
import { RoadworkError } from '../../core/errors/index.js';
import type { StagedRepo } from './_stage.js';

/** Where and as whom to upload. */
export interface HubTarget {
  /** `owner/name`. */
  readonly repo: string;
  /** e.g. `https://huggingface.co`. */
  readonly hubUrl: string;
  /** A write token (`hf_…`). */
  readonly token: string;
  /** Create the repository private when it does not exist. Default false. */
  readonly private?: boolean;
}

/** What the hub answered. */
export interface UploadResult {
  readonly commit: string;
  readonly commitUrl: string;
  /** The repository did not exist and was created. */
  readonly created: boolean;
}

/** `owner/name` from a repo id or a hub URL (`https://huggingface.co/owner/name`); undefined otherwise. */
export function repoFrom(value: string): string | undefined {
  const trimmed = value.trim().replace(/\/+$/, '');
  const path = /^https?:\/\//.test(trimmed) ? new URL(trimmed).pathname.slice(1) : trimmed;
  return /^[\w.-]+\/[\w.-]+$/.test(path) ? path : undefined;
}

function hubError(what: string, target: HubTarget, err: unknown): RoadworkError {
  const status = err instanceof HubApiError ? ` (HTTP ${err.statusCode})` : '';
  const hint =
    err instanceof HubApiError && (err.statusCode === 401 || err.statusCode === 403)
      ? ' Check that HF_TOKEN (models.hub_token) is a write token for this namespace.'
      : ' Retry; `--dry-run` writes the folder without uploading.';
  return new RoadworkError(
    'ERR_PUBLISH',
    `${what} ${target.repo} on ${target.hubUrl} failed${status}: ${err instanceof Error ? err.message : String(err)}.${hint}`,
    { cause: err },
  );
}

/** Creates the repository when missing, then commits every staged file in one commit. */
export async function uploadRepo(staged: StagedRepo, target: HubTarget): Promise<UploadResult> {
  if (!target.token.startsWith('hf_')) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Publishing needs a Hugging Face write token (hf_…) in HF_TOKEN or models.hub_token; ${target.token === '' ? 'none is set' : 'the one set does not start with hf_'}.`,
    );
  }
  const repo = { type: 'model' as const, name: target.repo };
  const common = { repo, hubUrl: target.hubUrl, accessToken: target.token };
  let created = false;
  try {
    if (!(await repoExists(common))) {
      await createRepo({ ...common, private: target.private === true });
      created = true;
    }
  } catch (err) {
    throw hubError('Creating', target, err);
  }
  const files = await Promise.all(
    staged.files.map(async (f) => ({
      path: f.path,
      content: new Blob([await readFile(join(staged.dir, ...f.path.split('/')))]),
    })),
  );
  let out: Awaited<ReturnType<typeof uploadFiles>>;
  try {
    out = await uploadFiles({
      ...common,
      files,
      commitTitle: `roadwork-miner ${staged.card.version}`,
      commitDescription: `model_card.json: submitted by ${staged.card.submitted_by} at ${staged.card.submission_time}`,
    });
  } catch (err) {
    throw hubError('Uploading to', target, err);
  }
  if (out === undefined)
    throw new RoadworkError(
      'ERR_PUBLISH',
      `The hub answered the commit to ${target.repo} without a commit id.`,
    );
  return { commit: out.commit.oid, commitUrl: out.commit.url, created };
}
