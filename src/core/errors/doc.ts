/** Renders the error catalogue as the Markdown of `docs/errors.md` (kept in sync by a test). */
import { ERRORS } from './catalogue.js';

/** The full text of `docs/errors.md`. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(ERRORS).map(
    ([code, { status, doc }]) => `| \`${code}\` | ${status ?? '—'} | ${doc.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/core/errors/catalogue.ts by `npm run docs:errors`; a test fails when they differ. -->',
    '',
    'Every failure the miner reports carries one of these codes. The axon answers callers with the HTTP',
    'status shown and a JSON body `{"message": "...", "code": "ERR_..."}` (Bittensor dendrites read only',
    '`message`); codes without a status are start-up or CLI errors, printed as `roadwork: CODE: message`',
    '(exit status 2 for configuration errors and unknown or malformed flags, 1 otherwise).',
    '',
    '| code | HTTP status | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
