// Where each registry version was published, and when: the submission time is the model's age.
import type { Store } from '../../core/store/index.js';

/** One upload of a registry version to a model hub. */
export interface Publication {
  /** The registry version id. */
  readonly version: string;
  /** `owner/name` on the hub. */
  readonly repo: string;
  readonly hubUrl: string;
  /** The hub's commit id of the upload. */
  readonly commit: string;
  /** The hotkey's ss58, as `model_card.json` says. */
  readonly submittedBy: string;
  /** Unix seconds, as `model_card.json` says. */
  readonly submissionTime: number;
  /** When it was recorded, ms since epoch. */
  readonly at: number;
}

interface Row {
  version: string;
  repo: string;
  hub_url: string;
  commit_oid: string;
  submitted_by: string;
  submission_time: number;
  at: number;
}

const toPublication = (r: Row): Publication => ({
  version: r.version,
  repo: r.repo,
  hubUrl: r.hub_url,
  commit: r.commit_oid,
  submittedBy: r.submitted_by,
  submissionTime: r.submission_time,
  at: r.at,
});

/** Records an upload that the hub accepted. */
export function recordPublication(store: Store, p: Publication): void {
  store.run(
    `INSERT INTO model_publications (version, repo, hub_url, commit_oid, submitted_by, submission_time, at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [p.version, p.repo, p.hubUrl, p.commit, p.submittedBy, p.submissionTime, p.at],
  );
}

/** The latest publication of `version`, or undefined when it was never published. */
export function lastPublication(store: Store, version: string): Publication | undefined {
  const row = store.get<Row>(
    'SELECT * FROM model_publications WHERE version = ? ORDER BY submission_time DESC, seq DESC LIMIT 1',
    [version],
  );
  return row === undefined ? undefined : toPublication(row);
}

/** Every publication, newest first. */
export function listPublications(store: Store): Publication[] {
  return store
    .all<Row>('SELECT * FROM model_publications ORDER BY submission_time DESC, seq DESC')
    .map(toPublication);
}
