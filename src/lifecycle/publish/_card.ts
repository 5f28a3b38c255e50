// What a published repository says about its model: `model_card.json` (the subnet's five keys) and README.md.
import type { ModelVersion } from '../registry/index.js';

/** `model_card.json` exactly as `PROTOCOL.md` §7 names it: these five keys and no others. */
export interface ModelCardJson {
  readonly model_name: string;
  readonly description: string;
  readonly version: string;
  /** The miner hotkey's ss58. */
  readonly submitted_by: string;
  /** Unix seconds. */
  readonly submission_time: number;
}

/** What a card is written from. */
export interface CardInput {
  readonly version: ModelVersion;
  /** `owner/name` on the hub. */
  readonly repo: string;
  readonly description?: string;
  readonly submittedBy: string;
  readonly submissionTime: number;
  /** The promotion gate's record of this version, when it was promoted through the gate. */
  readonly gate?: GateRecord;
}

/** The gate's numbers as the registry's production history keeps them. */
export interface GateRecord {
  readonly at: number;
  readonly forced?: boolean;
  readonly gate?: string;
  readonly candidate?: { readonly mcc: number; readonly accuracy: number; readonly n: number };
  readonly production?: { readonly mcc: number; readonly accuracy: number; readonly n: number };
  readonly previous?: string | null;
}

/** The five keys, in the subnet's order. */
export function modelCardJson(input: CardInput): ModelCardJson {
  const name = input.repo.split('/').at(-1) ?? input.repo;
  return {
    model_name: name,
    description:
      input.description ??
      `roadwork-miner cascade ${input.version.id}: p(roadwork) for NATIX StreetVision (Bittensor subnet 72).`,
    version: input.version.id,
    submitted_by: input.submittedBy,
    submission_time: input.submissionTime,
  };
}

/** Numeric leaves of the manifest's metrics as `a.b.c` → value, in their order. */
function numericLeaves(value: unknown, prefix = ''): [string, number][] {
  if (typeof value === 'number' && Number.isFinite(value)) return [[prefix, value]];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    numericLeaves(v, prefix === '' ? k : `${prefix}.${k}`),
  );
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(4));

/** The repository's README: front matter for the hub, what the model is, its numbers, and the caveats. */
export function readmeCard(input: CardInput, files: readonly { path: string; sha256: string }[]): string {
  const card = modelCardJson(input);
  const v = input.version;
  const when = new Date(input.submissionTime * 1000).toISOString();
  const lines = [
    '---',
    'library_name: roadwork-miner',
    'pipeline_tag: image-classification',
    'tags:',
    '  - bittensor',
    '  - subnet-72',
    '  - natix',
    '  - roadwork',
    '---',
    '',
    `# ${card.model_name}`,
    '',
    card.description,
    '',
    '| field | value |',
    '| --- | --- |',
    `| version | \`${v.id}\` (roadwork-miner registry) |`,
    `| submitted by | \`${card.submitted_by}\` |`,
    `| submission time | ${card.submission_time} (${when}) |`,
    `| created | ${v.createdAt} |`,
    `| parent | ${v.parent === null ? '–' : `\`${v.parent}\``} |`,
    `| trained on | ${v.dataVersion === null ? 'not recorded' : `dataset \`${v.dataVersion}\``} |`,
    '',
    'Serve it with roadwork-miner: download this repository and run',
    `\`roadwork serve --cascade.config <folder>/${v.manifest.config}\`; every file is checked against`,
    '`manifest.json` before it is served. `SHA256SUMS` lists the same checksums for `sha256sum -c`.',
    '',
    '## Evaluation',
    '',
  ];
  const gate = input.gate;
  if (gate?.candidate !== undefined) {
    lines.push(
      `Promoted through the registry's gate${gate.gate === undefined ? '' : ` on \`${gate.gate}\``} (the local validator's challenges, scored as validators score):`,
      '',
      '| model | MCC | accuracy | challenges |',
      '| --- | --- | --- | --- |',
      `| this version | ${fmt(gate.candidate.mcc)} | ${fmt(gate.candidate.accuracy)} | ${gate.candidate.n} |`,
    );
    if (gate.production !== undefined)
      lines.push(
        `| previous production${gate.previous ? ` \`${gate.previous}\`` : ''} | ${fmt(gate.production.mcc)} | ${fmt(gate.production.accuracy)} | ${gate.production.n} |`,
      );
    lines.push('');
  } else {
    lines.push(
      gate === undefined
        ? 'Not promoted through the gate: no gate numbers.'
        : `Promoted without gate numbers${gate.forced === true ? ' (forced)' : ' (the first production version)'}.`,
      '',
    );
  }
  const metrics = numericLeaves(v.manifest.metrics);
  if (metrics.length > 0) {
    lines.push(
      'Training report (cross-validation on the training data):',
      '',
      '| metric | value |',
      '| --- | --- |',
    );
    for (const [k, x] of metrics) lines.push(`| ${k} | ${fmt(x)} |`);
    lines.push('');
  }
  lines.push(
    '## Caveats',
    '',
    "- These numbers come from the operator's own data and challenges, not from validators. NATIX's",
    '  real challenges come from one dashcam network for both labels; a model that separates dashcam',
    '  frames from web photos scores well on mixed data and near chance there.',
    '- Validators have not checked `model_card.json` or NATIX registration since 2025-11-30, and the',
    '  subnet was halted on 2026-05-06 with all weight on the owner; check the chain before relying on',
    '  rewards (`roadwork roi`).',
    "- The 90-day validity of a submission comes from NATIX's README; no validator enforces it.",
    '',
    '## Files',
    '',
    '| file | sha256 |',
    '| --- | --- |',
    ...files.map((f) => `| \`${f.path}\` | \`${f.sha256}\` |`),
    '',
  );
  return lines.join('\n');
}
