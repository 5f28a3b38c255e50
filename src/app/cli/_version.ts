/** The package version, read from package.json (two levels up from both src/app/cli and dist/app/cli). */
import { readFileSync } from 'node:fs';

/** `roadwork --version`. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
